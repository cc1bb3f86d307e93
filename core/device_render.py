"""Text pictures of devices, for ``qfoundry device show``.

:func:`render_device` prints the header, the coupling map as a diagram in the style of
the Qiskit fake-backend docstrings, and per-qubit calibration figures::

    00 ↔ 01 ↔ 04 ↔ 07 ↔ 10 ↔ 12 ↔ 15 ↔ 18 ↔ 21 ↔ 23
         ↕                   ↕                   ↕
         02                  13                  24

The diagram places qubits with :func:`qfoundry.device_layout.grid_layout` (heavy-hex
chips in IBM's rows-and-bridges form, lines, rings and square lattices on a grid). Where
no grid placement exists (odd cycles, all-to-all, a qubit with
more than four couplings) the coupling map is printed as an adjacency list instead.
"""

from __future__ import annotations

import statistics

from .device import Device
from .device_layout import grid_layout

__all__ = ["render_device", "render_coupling", "grid_layout"]


def render_coupling(device: Device) -> str:
    """The coupling map as a grid diagram (or an adjacency list where no grid fits)."""
    n = device.n_qubits
    directed = set(device.coupling_map)
    undirected = {(min(a, b), max(a, b)) for a, b in directed}
    width = len(str(n - 1))

    def label(q: int) -> str:
        return str(q).zfill(width)

    if not undirected:
        return "no couplings: " + " ".join(label(q) for q in range(n))
    if n > 4 and len(undirected) == n * (n - 1) // 2:
        both = all((b, a) in directed for a, b in directed)
        return (f"all-to-all: every pair of the {n} qubits is coupled"
                + ("" if both else " (in one direction: lower -> higher index)"))
    layout = grid_layout(n, undirected)
    if layout is None:
        return "\n".join(
            f"{label(q)}: " + " ".join(
                ("↔" if (q, t) in directed and (t, q) in directed else
                 "→" if (q, t) in directed else "←") + label(t)
                for t in sorted({b for a, b in undirected if a == q} |
                                {a for a, b in undirected if b == q}))
            for q in range(n))
    where = {cell: q for q, cell in layout.items()}
    rows = max(r for r, _ in layout.values()) + 1
    cols = max(c for _, c in layout.values()) + 1

    def arrow(a: int | None, b: int | None, forward: str, backward: str) -> str | None:
        if a is None or b is None or (min(a, b), max(a, b)) not in undirected:
            return None
        if (a, b) in directed and (b, a) in directed:
            return "↔" if forward == "→" else "↕"
        return forward if (a, b) in directed else backward

    lines = []
    for r in range(rows):
        line, below = "", ""
        for c in range(cols):
            q = where.get((r, c))
            line += label(q) if q is not None else " " * width
            down = arrow(q, where.get((r + 1, c)), "↓", "↑")
            below += (down or " ").ljust(width)
            if c < cols - 1:
                right = arrow(q, where.get((r, c + 1)), "→", "←")
                line += f" {right} " if right else "   "
                below += "   "
        lines.append(line.rstrip())
        if r < rows - 1:
            lines.append(below.rstrip())
    return "\n".join(lines)


def _fmt(value: float | None, scale: float, spec: str) -> str:
    return "-" if value is None else format(value * scale, spec)


def render_device(device: Device) -> str:
    """Header, coupling diagram, per-qubit calibration table and gate-error summary."""
    d = device
    head = [f"{d.backend_name}: {d.description}" if d.description else d.backend_name]
    if d.source:
        head.append(f"source: {d.source}")
    if d.path:
        head.append(f"file: {d.path}")
    facts = [f"qubits: {d.n_qubits}", f"basis gates: {', '.join(d.basis_gates)}"]
    if d.dt is not None:
        facts.append(f"dt: {d.dt * 1e9:.4g} ns")
    facts.append(f"default engine: {d.default_engine}")
    head.append("   ".join(facts))
    out = ["\n".join(head), render_coupling(d)]

    columns = ("qubit", "T1 (us)", "T2 (us)", "freq (GHz)", "readout err", "P(0|1)",
               "P(1|0)", "readout (ns)")
    rows = [(str(q), _fmt(p.t1, 1e6, ".2f"), _fmt(p.t2, 1e6, ".2f"),
             _fmt(p.frequency, 1e-9, ".4f"), _fmt(p.readout_error, 1, ".4f"),
             _fmt(p.prob_meas0_prep1, 1, ".4f"), _fmt(p.prob_meas1_prep0, 1, ".4f"),
             _fmt(p.readout_length, 1e9, ".1f")) for q, p in enumerate(d.qubits)]
    if any(cell != "-" for row in rows for cell in row[1:]):
        widths = [max(len(x) for x in col) for col in zip(columns, *rows)]
        table = [columns, *rows]
        out.append("\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths))
                             for row in table))
        clipped = [str(q) for q, p in enumerate(d.qubits)
                   if p.t1 is not None and p.t2 is not None and p.t2 > 2 * p.t1]
        if clipped:
            out[-1] += (f"\nT2 > 2*T1 on qubit(s) {', '.join(clipped)}: the noise model "
                        "uses T2 = 2*T1 there.")
    summary = []
    for gate in d.basis_gates:
        errors = [p.error for (g, _), p in d.gates.items() if g == gate and p.error is not None]
        lengths = [p.length for (g, _), p in d.gates.items()
                   if g == gate and p.length is not None]
        if not errors and not lengths:
            continue
        parts = []
        if errors:
            parts.append(f"error median {statistics.median(errors):.3g} "
                         f"(min {min(errors):.3g}, max {max(errors):.3g})")
        if lengths:
            parts.append(f"length median {statistics.median(lengths) * 1e9:.4g} ns")
        summary.append(f"{gate:>6}: " + ", ".join(parts))
    if summary:
        out.append("gates:\n" + "\n".join(summary))
    return "\n\n".join(out) + "\n"
