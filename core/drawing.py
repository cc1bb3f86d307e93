"""Text drawings of circuits (``Circuit.draw()``, ``print(circuit)``).

One wire per qubit, one double wire per classical register. Instructions are packed
into columns greedily (as early as the wires they touch, and the wires they cross,
allow), so the drawing is as wide as the circuit is deep. Meant for the small circuits
people inspect by eye; there is no line wrapping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .circuit import Circuit, Instruction

__all__ = ["draw_text"]

# name -> (number of controls, target symbol); targets of swap-like gates repeat the symbol.
_CONTROLLED = {"cx": (1, "X"), "CX": (1, "X"), "cy": (1, "Y"), "cz": (1, "■"), "ch": (1, "H"),
               "csx": (1, "SX"), "ccx": (2, "X"), "c3x": (3, "X"), "c4x": (4, "X"),
               "c3sqrtx": (3, "SX"), "cswap": (1, "x"), "swap": (0, "x"), "crx": (1, "RX"),
               "cry": (1, "RY"), "crz": (1, "RZ"), "cu1": (1, "U1"), "cp": (1, "P"),
               "cu3": (1, "U3"), "cu": (1, "U")}


def _num(value: float) -> str:
    return f"{value:.4g}"


def _cells(inst: Instruction, row_of_clbit: list[int]) -> dict[int, str]:
    """Label per wire row for one instruction (qubit rows are qubit indices)."""
    params = ""
    if inst.params and inst.name not in ("unitary", "initialize"):
        params = "(" + ",".join(_num(p) for p in inst.params) + ")"
    if inst.name == "measure":
        return {inst.qubits[0]: "M"}
    if inst.name == "barrier":
        return {q: "░" for q in inst.qubits}
    if inst.name in _CONTROLLED:
        n_ctrl, symbol = _CONTROLLED[inst.name]
        cells = {q: "■" for q in inst.qubits[:n_ctrl]}
        cells.update({q: symbol + (params if k == 0 else "")
                      for k, q in enumerate(inst.qubits[n_ctrl:])})
        return cells
    label = inst.label or inst.name
    label = label.upper() if len(label) <= 2 and label.islower() else label
    if len(inst.qubits) == 1:
        return {inst.qubits[0]: label + params}
    return {q: (label + params if k == 0 else f"{label}:{k}") for k, q in enumerate(inst.qubits)}


def draw_text(circuit: Circuit) -> str:
    """The circuit as a multi-line string."""
    n_q = circuit.num_qubits
    names = [f"{r}_{j}: " for r, j in circuit.qubit_labels]
    names += [f"{r.name}: {r.size}/" for r in circuit.cregs]
    creg_row = {r.name: n_q + k for k, r in enumerate(circuit.cregs)}
    row_of_clbit = [creg_row[r] for r, _ in circuit.clbit_labels]
    n_rows = len(names)
    # per column: labels by row, vertical quantum links, vertical classical links
    columns: list[tuple[dict[int, str], list[tuple[int, int]], list[tuple[int, int]]]] = []
    free = [0] * n_rows  # first column each row can take
    for inst in circuit.data:
        cells = _cells(inst, row_of_clbit)
        if inst.name == "measure":
            cells[row_of_clbit[inst.clbits[0]]] = str(circuit.clbit_labels[inst.clbits[0]][1])
        if inst.condition is not None:
            target, value = inst.condition
            row = creg_row[target] if isinstance(target, str) else row_of_clbit[target[0]]
            cells[row] = f"={value}"
        qrows = [r for r in cells if r < n_q]
        span = (min(cells), max(cells))
        quantum_span = (min(qrows), max(qrows)) if qrows else span
        col = max(free[r] for r in range(span[0], span[1] + 1))
        for r in range(span[0], span[1] + 1):
            free[r] = col + 1
        while len(columns) <= col:
            columns.append(({}, [], []))
        columns[col][0].update(cells)
        if inst.name != "barrier":  # a barrier is drawn as its own column of shading
            columns[col][1].append(quantum_span)
        if span[1] >= n_q:
            columns[col][2].append((quantum_span[1], span[1]))
    width = max((len(n) for n in names), default=0)
    lines = [[name.rjust(width)] for name in names]
    gaps = [[" " * width] for _ in names]
    for cells, qlinks, clinks in columns:
        w = max(len(c) for c in cells.values()) + 2
        for r in range(n_rows):
            wire = "─" if r < n_q else "═"
            if r in cells:
                text = cells[r].center(w, wire)
            elif any(lo < r < hi for lo, hi in qlinks):
                text = "┼".center(w, wire)
            elif any(lo < r < hi for lo, hi in clinks):
                text = ("╫" if r < n_q else "╬").center(w, wire)
            else:
                text = wire * w
            lines[r].append(text)
            if cells.get(r) == cells.get(r + 1) == "░":
                gaps[r].append("░".center(w))
            elif any(lo <= r < hi for lo, hi in qlinks):
                gaps[r].append("│".center(w))
            elif any(lo <= r < hi for lo, hi in clinks):
                gaps[r].append("║".center(w))
            else:
                gaps[r].append(" " * w)
    out = []
    for r in range(n_rows):
        out.append("".join(lines[r]) + ("─" if r < n_q else "═"))
        if r < n_rows - 1:
            out.append("".join(gaps[r]).rstrip())
    return "\n".join(line.rstrip() for line in out)
