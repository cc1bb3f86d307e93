"""Text drawings of circuits (``Circuit.draw()``, ``print(circuit)``).

One wire per qubit, one double wire per classical register. Instructions are packed
into columns greedily (as early as the wires they touch, and the wires they cross,
allow), so the drawing is as wide as the circuit is deep. Wide drawings fold at the
terminal width, as Qiskit's text drawer does (``»`` ends a part, ``«`` starts the next),
and a transpiled circuit (one with ``metadata["initial_layout"]``) shows only the wires
its instructions use: a 3-qubit circuit mapped onto a 27-qubit device is 3 wires.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import DrawingError

if TYPE_CHECKING:
    from .circuit import Circuit, Instruction

__all__ = ["draw_text", "place", "Placement", "CONTROLLED"]

#: name -> (number of controls, target symbol); targets of swap-like gates repeat the
#: symbol. Shared by the text drawing and the matplotlib one.
CONTROLLED = {"cx": (1, "X"), "CX": (1, "X"), "cy": (1, "Y"), "cz": (1, "■"), "ch": (1, "H"),
              "csx": (1, "SX"), "ccx": (2, "X"), "c3x": (3, "X"), "c4x": (4, "X"),
              "c3sqrtx": (3, "SX"), "cswap": (1, "x"), "swap": (0, "x"), "crx": (1, "RX"),
              "cry": (1, "RY"), "crz": (1, "RZ"), "cu1": (1, "U1"), "cp": (1, "P"),
              "cu3": (1, "U3"), "cu": (1, "U")}


def _num(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, (int, float)) else str(value)


def _cells(inst: Instruction) -> dict[int, str]:
    """Label per qubit for one instruction."""
    params = ""
    if inst.params and inst.name not in ("unitary", "initialize"):
        params = "(" + ",".join(_num(p) for p in inst.params) + ")"
    if inst.name == "measure":
        return {inst.qubits[0]: "M"}
    if inst.name == "barrier":
        return {q: "░" for q in inst.qubits}
    if inst.name in CONTROLLED:
        n_ctrl, symbol = CONTROLLED[inst.name]
        cells = {q: "■" for q in inst.qubits[:n_ctrl]}
        cells.update({q: symbol + (params if k == 0 else "")
                      for k, q in enumerate(inst.qubits[n_ctrl:])})
        return cells
    label = inst.label or inst.name
    label = label.upper() if len(label) <= 2 and label.islower() else label
    if len(inst.qubits) == 1:
        return {inst.qubits[0]: label + params}
    return {q: (label + params if k == 0 else f"{label}:{k}") for k, q in enumerate(inst.qubits)}


def _used_wires(circuit: Circuit) -> tuple[set[int], set[str]]:
    """Qubits touched by an instruction other than a barrier; registers measured or tested."""
    qubits: set[int] = set()
    cregs: set[str] = set()
    for inst in circuit.data:
        if inst.name != "barrier":
            qubits.update(inst.qubits)
        for clbit in inst.clbits:
            cregs.add(circuit.clbit_labels[clbit][0])
        if inst.condition is not None:
            cregs.update(circuit.clbit_labels[c][0]
                         for c in circuit.condition_clbits(inst.condition))
    return qubits, cregs


class Placement(NamedTuple):
    """Where a drawing puts things: shared by the text and the matplotlib drawings."""

    qubits: list[int]   # the qubits drawn, top to bottom (row k is qubits[k])
    cregs: list[str]    # the classical registers drawn, below the qubits
    names: list[str]    # the label of every row
    items: list[tuple[int, Instruction, dict[int, str]]]  # (column, instruction, row -> text)
    n_columns: int


def place(circuit: Circuit, idle_wires: bool | None = None) -> Placement:
    """Rows for the wires and a column for every instruction, packed greedily: as early as
    the rows it touches and the rows its vertical link crosses allow."""
    if idle_wires is None:
        idle_wires = "initial_layout" not in circuit.metadata
    if idle_wires:
        qubits, creg_names = list(range(circuit.num_qubits)), [r.name for r in circuit.cregs]
    else:
        used_q, used_c = _used_wires(circuit)
        qubits = sorted(used_q)
        creg_names = [r.name for r in circuit.cregs if r.name in used_c]
    row_of_qubit = {q: k for k, q in enumerate(qubits)}
    names = [f"{r}_{j}: " for r, j in (circuit.qubit_labels[q] for q in qubits)]
    sizes = {r.name: r.size for r in circuit.cregs}
    names += [f"{name}: {sizes[name]}/" for name in creg_names]
    creg_row = {name: len(qubits) + k for k, name in enumerate(creg_names)}
    free = [0] * len(names)  # first column each row can take
    items = []
    for inst in circuit.data:
        cells = {row_of_qubit[q]: text for q, text in _cells(inst).items()
                 if q in row_of_qubit}
        if not cells:
            continue  # a barrier on hidden wires only
        if inst.name == "measure":
            reg, index = circuit.clbit_labels[inst.clbits[0]]
            cells[creg_row[reg]] = str(index)
        if inst.condition is not None:
            target, value = inst.condition
            reg = target if isinstance(target, str) else circuit.clbit_labels[target[0]][0]
            cells[creg_row[reg]] = f"={value}"
        lo, hi = min(cells), max(cells)
        col = max(free[lo:hi + 1])
        free[lo:hi + 1] = [col + 1] * (hi + 1 - lo)
        items.append((col, inst, cells))
    return Placement(qubits, creg_names, names, items, max(free, default=0))


def check_options(output: str, fold: Any, idle_wires: Any, extra: dict[str, Any]) -> None:
    """Refuse drawing options of the wrong type, which would otherwise draw silently."""
    if output == "text" and extra:
        raise DrawingError(f"the text drawing takes fold= and idle_wires=, not "
                           f"{', '.join(sorted(extra))}")
    if fold is not None and (isinstance(fold, bool) or not isinstance(fold, int)):
        raise DrawingError(f"fold must be a width in characters (an int) or None, not {fold!r}")
    if idle_wires is not None and not isinstance(idle_wires, bool):
        raise DrawingError(f"idle_wires must be True, False or None, not {idle_wires!r}")


def draw_text(circuit: Circuit, *, fold: int | None = None,
              idle_wires: bool | None = None) -> str:
    """The circuit as a multi-line string.

    :param fold: the width in characters at which the drawing is folded into parts;
        None takes the terminal's width (80 when there is no terminal), 0 or less never
        folds.
    :param idle_wires: draw wires no instruction uses; None draws them except on
        transpiled circuits (``metadata["initial_layout"]`` set).
    """
    if fold is None:
        fold = shutil.get_terminal_size((80, 24)).columns
    layout = place(circuit, idle_wires)
    names, n_q, n_rows = layout.names, len(layout.qubits), len(layout.names)
    # per column: labels by row, vertical quantum links, vertical classical links
    columns: list[tuple[dict[int, str], list[tuple[int, int]], list[tuple[int, int]]]] = [
        ({}, [], []) for _ in range(layout.n_columns)]
    for col, inst, cells in layout.items:
        qrows = [r for r in cells if r < n_q]
        span = (min(cells), max(cells))
        quantum_span = (min(qrows), max(qrows)) if qrows else span
        columns[col][0].update(cells)
        if inst.name != "barrier":  # a barrier is drawn as its own column of shading
            columns[col][1].append(quantum_span)
        if span[1] >= n_q:
            columns[col][2].append((quantum_span[1], span[1]))
    drawn = [_column(cells, qlinks, clinks, n_rows, n_q) for cells, qlinks, clinks in columns]
    width = max((len(n) for n in names), default=0)
    parts, part, used = [], [], width + 2  # room for the wire's end and a fold mark
    for col in drawn:
        if part and fold > 0 and used + col[0] + 1 > fold:
            parts.append(part)
            part, used = [], width + 3
        part.append(col)
        used += col[0]
    parts.append(part)
    pages = []
    for k, part in enumerate(parts):
        out = []
        for r in range(n_rows):
            wire = "─" if r < n_q else "═"
            head = "«" if k > 0 else ""
            tail = "»" if k < len(parts) - 1 else wire
            out.append(head + names[r].rjust(width) + "".join(c[1][r] for c in part) + tail)
            if r < n_rows - 1:
                gap = " " * len(head) + " " * width + "".join(c[2][r] for c in part)
                out.append(gap)
        pages.append("\n".join(line.rstrip() for line in out))
    return "\n\n".join(pages)


def _column(cells: dict[int, str], qlinks: list[tuple[int, int]],
            clinks: list[tuple[int, int]], n_rows: int, n_q: int
            ) -> tuple[int, list[str], list[str]]:
    """(width, the text on each wire row, the text between each row and the next)."""
    w = max(len(c) for c in cells.values()) + 2
    lines, gaps = [], []
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
        lines.append(text)
        if cells.get(r) == cells.get(r + 1) == "░":
            gaps.append("░".center(w))
        elif any(lo <= r < hi for lo, hi in qlinks):
            gaps.append("│".center(w))
        elif any(lo <= r < hi for lo, hi in clinks):
            gaps.append("║".center(w))
        else:
            gaps.append(" " * w)
    return w, lines, gaps
