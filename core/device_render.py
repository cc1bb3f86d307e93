"""Text pictures of devices, for ``qfoundry device show``.

:func:`render_device` prints the header, the coupling map as a diagram in the style of
the Qiskit fake-backend docstrings, and per-qubit calibration figures::

    00 ↔ 01 ↔ 04 ↔ 07 ↔ 10 ↔ 12 ↔ 15 ↔ 18 ↔ 21 ↔ 23
         ↕                   ↕                   ↕
         02                  13                  24

The diagram places qubits on a grid so that every coupling joins horizontal or vertical
neighbours. Finding such a placement is a small search (backtracking, pruned because two
qubits k couplings apart cannot sit more than k cells apart); lines, rings, grids and
IBM's heavy-hex chips have one. Where none exists (odd cycles, all-to-all, a qubit with
more than four couplings) the coupling map is printed as an adjacency list instead.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable

from .device import Device

__all__ = ["render_device", "render_coupling", "grid_layout"]

_STEPS = ((0, 1), (1, 0), (0, -1), (-1, 0))  # right, down, left, up: the preference order
_STARTS, _TRY_BUDGET = 8, 2_000  # starting qubits tried, placements allowed per try
_BUDGET = 100_000  # placements of the last-resort try before giving up on a grid picture


def grid_layout(n_qubits: int, edges: Iterable[tuple[int, int]]
                ) -> dict[int, tuple[int, int]] | None:
    """(row, col) per qubit so that coupled qubits are grid neighbours, or None."""
    adj: dict[int, set[int]] = {q: set() for q in range(n_qubits)}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    if any(len(nb) > 4 for nb in adj.values()):
        return None
    layout: dict[int, tuple[int, int]] = {}
    top = 0
    for comp in _components(adj):
        pos = _best_embedding(comp, adj)
        if pos is None:
            return None
        rows = [r for r, _ in pos.values()]
        cols = [c for _, c in pos.values()]
        if max(rows) - min(rows) > max(cols) - min(cols):  # wide pictures suit terminals
            pos = {q: (c, r) for q, (r, c) in pos.items()}
        r0, c0 = min(r for r, _ in pos.values()), min(c for _, c in pos.values())
        layout.update({q: (r - r0 + top, c - c0) for q, (r, c) in pos.items()})
        top = max(r for r, _ in layout.values()) + 1  # the next chip on the next row
    return layout


def _best_embedding(comp: list[int], adj: dict[int, set[int]]
                    ) -> dict[int, tuple[int, int]] | None:
    """Try a few starting qubits; keep the straightest picture (fewest bends), then the
    most compact. Chains drawn straight are what makes IBM's heavy-hex rows readable."""
    dist = {q: _bfs(q, adj) for q in comp}
    if any((dist[a][b] % 2) == 0 for a in comp for b in adj[a]):  # odd cycle: no grid fits
        return None
    starts = sorted(comp, key=lambda q: (len(adj[q]), q))
    best, best_score = None, None
    for start in starts[:_STARTS]:
        pos = _embed(start, adj, dist, _TRY_BUDGET)
        if pos is None:
            continue
        bends = sum(1 for q, nb in adj.items() if q in pos and len(nb) == 2
                    and len({pos[u][0] for u in nb}) == 2 and len({pos[u][1] for u in nb}) == 2)
        rows, cols = {r for r, _ in pos.values()}, {c for _, c in pos.values()}
        score = (bends, (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1))
        if best_score is None or score < best_score:
            best, best_score = pos, score
        if bends == 0:
            break
    return best if best is not None else _embed(starts[0], adj, dist, _BUDGET)


def _components(adj: dict[int, set[int]]) -> list[list[int]]:
    seen: set[int] = set()
    out = []
    for start in sorted(adj):
        if start in seen:
            continue
        comp, queue = [], deque([start])
        seen.add(start)
        while queue:
            q = queue.popleft()
            comp.append(q)
            for nb in sorted(adj[q] - seen):
                seen.add(nb)
                queue.append(nb)
        out.append(sorted(comp))
    return out


def _embed(start: int, adj: dict[int, set[int]], dist: dict[int, dict[int, int]],
           budget: int) -> dict[int, tuple[int, int]] | None:
    """Depth-first placement from ``start``, continuing chains straight where possible,
    backtracking on conflicts; None when ``budget`` placements did not suffice."""
    pos: dict[int, tuple[int, int]] = {start: (0, 0)}
    used = {(0, 0): start}
    order = [start]
    left = [budget]

    def next_qubit() -> int | None:
        # Continue from the most recently placed qubit with a free neighbour, so chains
        # are laid out in one run.
        for q in reversed(order):
            free = [nb for nb in adj[q] if nb not in pos]
            if free:
                return min(free, key=lambda v: (-sum(u in pos for u in adj[v]), v))
        return None

    def place() -> bool:
        v = next_qubit()
        if v is None:
            return True
        anchors = [u for u in adj[v] if u in pos]
        parent = max(anchors, key=order.index)
        pr, pc = pos[parent]
        grand = [pos[u] for u in adj[parent] if u in pos and u != v]
        straight = [(pr - gr, pc - gc) for gr, gc in grand if abs(pr - gr) + abs(pc - gc) == 1]
        for dr, dc in straight[:1] + [s for s in _STEPS if s not in straight[:1]]:
            cell = (pr + dr, pc + dc)
            if cell in used or not _fits(v, cell, pos, dist, anchors):
                continue
            left[0] -= 1
            if left[0] < 0:
                return False
            pos[v], used[cell] = cell, v
            order.append(v)
            if place():
                return True
            order.pop()
            del pos[v], used[cell]
            if left[0] < 0:
                return False
        return False

    return pos if place() else None


def _fits(v: int, cell: tuple[int, int], pos: dict[int, tuple[int, int]],
          dist: dict[int, dict[int, int]], anchors: list[int]) -> bool:
    r, c = cell
    for u in anchors:
        if abs(pos[u][0] - r) + abs(pos[u][1] - c) != 1:
            return False
    for u, (ur, uc) in pos.items():
        if abs(ur - r) + abs(uc - c) > dist[v][u]:
            return False
    return True


def _bfs(start: int, adj: dict[int, set[int]]) -> dict[int, int]:
    dist, queue = {start: 0}, deque([start])
    while queue:
        q = queue.popleft()
        for nb in adj[q]:
            if nb not in dist:
                dist[nb] = dist[q] + 1
                queue.append(nb)
    return dist


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
