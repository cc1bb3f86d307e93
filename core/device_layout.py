"""Where to draw each qubit of a coupling map: one placement for text and pictures.

:func:`grid_layout` puts qubits on a grid so that every coupling joins horizontal or
vertical neighbours. Finding such a placement is a small search (backtracking, pruned
because two qubits k couplings apart cannot sit more than k cells apart); lines, rings,
square lattices and IBM's heavy-hex chips have one.

Heavy-hex chips (every qubit with at most three couplings) are placed the way IBM draws
them, as in the FakeParis documentation: horizontal rows of qubits with single *bridge*
qubits standing vertically between rows. The search enforces it: a qubit with three
couplings has exactly one vertical coupling, vertical runs are row - bridge - row, and a
row turns a corner only into a bridge. That leaves the three orientations of the
honeycomb; the one whose rows read in qubit order (IBM numbers along rows), then the most
compact, wins. Search effort is counted in placements, never timed, so the same coupling
map always gives the same picture.

:func:`device_positions` adds a fallback for what fits no grid (odd cycles, all-to-all,
more than four couplings on a qubit): a circle for small or dense graphs, a spring
layout for larger sparse ones.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

__all__ = ["grid_layout", "device_positions"]

_STEPS = ((0, 1), (1, 0), (0, -1), (-1, 0))  # right, down, left, up: the preference order
_STARTS, _TRY_BUDGET = 8, 2_000  # starting qubits tried, placements allowed per try
_ROWS_BUDGET = 12_000  # placements per try of the heavy-hex form (a 103-qubit lattice needs 8k)
# Placements allowed per chip, for the IBM form and then for any grid: bound the time spent
# on graphs that fit no grid (about 3.5 s for a 150-qubit tree); counted, not timed, so the
# picture never depends on the machine's load.
_ROWS_POOL, _GRID_POOL = 30_000, 20_000

Cell = tuple[int, int]


def grid_layout(n_qubits: int, edges: Iterable[tuple[int, int]]) -> dict[int, Cell] | None:
    """(row, col) per qubit so that coupled qubits are grid neighbours, or None."""
    adj: dict[int, set[int]] = {q: set() for q in range(n_qubits)}
    for a, b in edges:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    if any(len(nb) > 4 for nb in adj.values()):
        return None
    rows_first = max((len(nb) for nb in adj.values()), default=0) == 3
    layout: dict[int, Cell] = {}
    top = 0
    for comp in _components(adj):
        rows_pool = [_ROWS_POOL]
        pos = _best_embedding(comp, adj, True, rows_pool) if rows_first else None
        if pos is None:
            pos = _best_embedding(comp, adj, False, [_GRID_POOL + rows_pool[0]])
            if pos is None:
                return None
            rows = [r for r, _ in pos.values()]
            cols = [c for _, c in pos.values()]
            if max(rows) - min(rows) > max(cols) - min(cols):  # wide pictures suit terminals
                pos = {q: (c, r) for q, (r, c) in pos.items()}
        pos = _lowest_top_left(_dangling_outwards(pos, adj))
        layout.update({q: (r + top, c) for q, (r, c) in pos.items()})
        top = max(r for r, _ in layout.values()) + 1  # the next chip on the next row
    return layout


def _dangling_outwards(pos: dict[int, Cell], adj: dict[int, set[int]]) -> dict[int, Cell]:
    """A qubit with one coupling, standing vertically in line with another qubit beyond
    it, looks like a bridge: move it to the free side of its neighbour."""
    used = {cell: q for q, cell in pos.items()}
    for q in sorted(pos):
        if len(adj[q]) != 1:
            continue
        (p,) = adj[q]
        (r, c), (pr, pc) = pos[q], pos[p]
        if c != pc or (2 * r - pr, c) not in used:
            continue
        mirror = (2 * pr - r, c)
        if mirror not in used:
            del used[pos[q]]
            pos = {**pos, q: mirror}
            used[mirror] = q
    return pos


def _lowest_top_left(pos: dict[int, Cell]) -> dict[int, Cell]:
    """Mirror the placement so the lowest-numbered qubits sit top left, as IBM draws
    them, and shift it to start at (0, 0). Mirroring keeps rows rows."""
    best = None
    for fr in (1, -1):
        for fc in (1, -1):
            cand = {q: (fr * r, fc * c) for q, (r, c) in pos.items()}
            r0 = min(r for r, _ in cand.values())
            c0 = min(c for _, c in cand.values())
            cand = {q: (r - r0, c - c0) for q, (r, c) in cand.items()}
            key = sorted(cand, key=lambda q: cand[q])[:3]  # reading order
            if best is None or key < best[0]:
                best = (key, cand)
    assert best is not None
    return best[1]


def _best_embedding(comp: list[int], adj: dict[int, set[int]], rows: bool,
                    pool: list[int]) -> dict[int, Cell] | None:
    """Try a few starting qubits; keep the straightest picture (fewest bends), then the
    most compact. Chains drawn straight are what makes IBM's heavy-hex rows readable."""
    if len(comp) == 1:
        return {comp[0]: (0, 0)}
    dist = {q: _bfs(q, adj) for q in comp}
    if any((dist[a][b] % 2) == 0 for a in comp for b in adj[a]):  # odd cycle: no grid fits
        return None
    starts = sorted(comp, key=lambda q: (len(adj[q]), q))
    if rows:
        # In a heavy-hex patch, choosing which coupling of one three-coupling qubit is
        # vertical fixes the picture up to where rows end (the honeycomb's three edge
        # directions): try the three and keep the best by _score.
        hub = next((q for q in comp if len(adj[q]) == 3), None)
        seeds = [{hub: (0, 0), nb: (1, 0)} for nb in sorted(adj[hub])] if hub is not None else []
    else:
        seeds = [{start: (0, 0)} for start in starts[:_STARTS]]
    best, best_score = None, None
    # Rows: every seed with a small budget first, the failed ones with a large budget only
    # if none fitted (proving a wrong orientation impossible can take thousands of steps).
    pending = seeds
    for budget in (_TRY_BUDGET, _ROWS_BUDGET) if rows else (_TRY_BUDGET,):
        failed = []
        for seed in pending:
            pos = _embed(seed, adj, dist, budget, rows, pool)
            if pos is None:
                failed.append(seed)
                continue
            score = _score(pos, adj, rows)
            if best_score is None or score < best_score:
                best, best_score = pos, score
            if score[2 if rows else 1] == 0 and not rows:
                break
        if best is not None:
            break
        pending = failed
    if best is not None or rows:
        return best
    return _embed({starts[0]: (0, 0)}, adj, dist, pool[0], rows, pool)  # the rest, in one try


def _score(pos: dict[int, Cell], adj: dict[int, set[int]], rows: bool) -> tuple[int, int, int]:
    """Lower is better: (disorder, area, bends) for rows, (0, bends, area) otherwise."""
    bends = sum(1 for q, nb in adj.items() if q in pos and len(nb) == 2
                and len({pos[u][0] for u in nb}) == 2 and len({pos[u][1] for u in nb}) == 2)
    area = len({r for r, _ in pos.values()}) * len({c for _, c in pos.values()})
    if not rows:
        return (0, bends, area)
    # IBM numbers qubits along rows: prefer pictures whose rows read in order (to a tenth
    # of the couplings: a stray qubit must not decide), then compact ones.
    right = [(a, b) for a in pos for b in adj[a] if pos[b] == (pos[a][0], pos[a][1] + 1)]
    backwards = sum(a > b for a, b in right)
    disorder = round(10 * min(backwards, len(right) - backwards) / max(len(right), 1))
    return (disorder, area, bends)


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


def _embed(seed: dict[int, Cell], adj: dict[int, set[int]], dist: dict[int, dict[int, int]],
           budget: int, rows: bool, pool: list[int]) -> dict[int, Cell] | None:
    """Depth-first placement from the ``seed`` placement, continuing chains straight where
    possible, backtracking on conflicts; None when ``budget`` placements (taken from the
    chip's ``pool``) did not suffice."""
    pos: dict[int, Cell] = dict(seed)
    used = {cell: q for q, cell in pos.items()}
    order = list(seed)
    left = [min(budget, pool[0])]
    given = left[0]

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
            if cell in used or not _fits(v, cell, pos, used, dist, anchors, adj, rows):
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

    found = place()
    pool[0] -= given - max(left[0], 0)
    return pos if found else None


def _fits(v: int, cell: Cell, pos: dict[int, Cell], where: dict[Cell, int],
          dist: dict[int, dict[int, int]], anchors: list[int], adj: dict[int, set[int]],
          rows: bool) -> bool:
    r, c = cell
    for u in anchors:
        if abs(pos[u][0] - r) + abs(pos[u][1] - c) != 1:
            return False
    for u, (ur, uc) in pos.items():
        if abs(ur - r) + abs(uc - c) > dist[v][u]:
            return False
    if rows:  # vertical runs are row - bridge - row at most
        run = 0
        for step in (-1, 1):
            prev, k = v, 1
            while (r + step * k, c) in where and where[(r + step * k, c)] in adj[prev]:
                prev, k, run = where[(r + step * k, c)], k + 1, run + 1
        if run > 2:
            return False
        # A qubit with three couplings keeps two in its row and one vertical; a row
        # turns a corner only into a bridge (so rows stay straight between bridges).
        def at(u: int) -> Cell | None:
            return cell if u == v else pos.get(u)

        for x in [v, *anchors]:
            xr, xc = at(x)  # type: ignore[misc]
            placed = [(u, at(u)) for u in adj[x] if at(u) is not None]
            vertical = [u for u, (ur, _) in placed if ur != xr]  # type: ignore[misc]
            if len(adj[x]) == 3 and len(vertical) > 1:
                return False
            if len(adj[x]) == 2 and len(placed) == 2 and len(vertical) == 1 \
                    and len(adj[vertical[0]]) > 2:
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


def device_positions(n_qubits: int, edges: Iterable[tuple[int, int]]
                     ) -> dict[int, tuple[float, float]]:
    """(x, y) per qubit for a picture, y growing downwards, neighbouring qubits at least
    one unit apart: the grid placement where one exists, else a circle (up to 16 qubits,
    or any dense graph such as all-to-all), else a spring layout (deterministic)."""
    edges = sorted({(min(a, b), max(a, b)) for a, b in edges if a != b})
    grid = grid_layout(n_qubits, edges)
    if grid is not None:
        return {q: (float(c), float(r)) for q, (r, c) in grid.items()}
    dense = len(edges) >= 0.25 * n_qubits * (n_qubits - 1) / 2
    if n_qubits <= 16 or dense:
        radius = max(1.0, 1.1 * n_qubits / (2 * math.pi))
        return {q: (radius * math.sin(2 * math.pi * q / n_qubits),
                    -radius * math.cos(2 * math.pi * q / n_qubits)) for q in range(n_qubits)}
    return _spring(n_qubits, edges)


def _spring(n: int, edges: list[tuple[int, int]], steps: int = 300
            ) -> dict[int, tuple[float, float]]:
    """Fruchterman-Reingold on a circle start: deterministic (no random numbers)."""
    import numpy as np

    angle = 2 * np.pi * np.arange(n) / n
    xy = np.stack([np.cos(angle), np.sin(angle)], axis=1) * math.sqrt(n)
    k = 1.0
    a = np.array([e[0] for e in edges], dtype=int)
    b = np.array([e[1] for e in edges], dtype=int)
    temp = math.sqrt(n)
    for _ in range(steps):
        delta = xy[:, None, :] - xy[None, :, :]
        d2 = np.maximum((delta ** 2).sum(-1), 1e-9)
        force = (delta * (k * k / d2)[..., None]).sum(1)  # repulsion
        if len(edges):
            pull = xy[a] - xy[b]
            length = np.sqrt((pull ** 2).sum(1, keepdims=True)) + 1e-9
            f = pull * length / k
            np.add.at(force, a, -f)
            np.add.at(force, b, f)
        norm = np.sqrt((force ** 2).sum(1, keepdims=True)) + 1e-9
        xy += force / norm * np.minimum(norm, temp)
        temp *= 0.98
    gaps = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    xy /= max(gaps[np.triu_indices(n, 1)].min(), 1e-9)  # no two qubits closer than 1
    xy -= xy.min(0)
    return {q: (float(x), float(y)) for q, (x, y) in enumerate(xy)}
