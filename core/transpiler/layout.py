"""Initial layout: which physical qubit each circuit qubit starts on.

* :func:`trivial_layout`: circuit qubit i on physical qubit i.
* :func:`user_layout`: a list ``[p0, p1, ...]`` or a dict ``{virtual: physical}``.
* The default is noise-aware. If the circuit's interaction graph fits the device as is,
  :func:`perfect_layouts` enumerates such placements (a VF2-style search with a budget)
  and the one with the lowest calibrated error wins: no SWAP at all. Otherwise
  :func:`sabre_layouts` proposes candidates, each refined by SABRE's forward-backward
  passes (Li et al. 2019): one seeded on the connected region of the device with the
  lowest gate and readout errors, the others random. The pipeline routes every candidate
  and keeps the routing with the fewest SWAPs; :func:`post_layout` then moves it to the
  placement with the lowest estimated error (:func:`estimated_error`: calibrated errors
  of every CX, SWAP and readout it uses) among those its qubit graph fits, gate for gate.

A layout here is a full permutation: ``layout[v]`` is the physical qubit of virtual qubit
``v``, where ``v >= circuit.num_qubits`` are the idle ancillas routing may move through.
"""

from __future__ import annotations

import operator
import random
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..circuit import Instruction
from ..errors import TranspilerError
from .sabre import Dag, sabre_pass
from .target import Target

__all__ = ["trivial_layout", "user_layout", "perfect_layouts", "sabre_layouts",
           "post_layout", "estimated_error", "CircuitStats", "complete_layout"]


class CircuitStats:
    """What layout scoring needs from a circuit: interactions, gate and readout use.

    ``index`` (optional) renumbers the qubits (``index[q]`` for ``q``), so the routed
    circuit's physical qubits can be scored as the virtual qubits of a new placement
    (:func:`post_layout`). A SWAP weighs three two-qubit gates.
    """

    def __init__(self, ops: Sequence[Instruction], n_virtual: int,
                 index: Mapping[int, int] | None = None):
        self.n_virtual = n_virtual
        self.pairs: list[tuple[int, ...]] = []
        self.weights: Counter[tuple[int, int]] = Counter()
        self.oneq: Counter[int] = Counter()
        self.measured: set[int] = set()
        for op in ops:
            name, qs = op.name, op.qubits
            if name == "barrier":
                continue
            if index is not None:
                qs = tuple([index[q] for q in qs])
            if len(qs) == 2:
                a, b = qs
                self.pairs.append(qs)
                self.weights[(a, b) if a < b else (b, a)] += 3 if name == "swap" else 1
            elif len(qs) == 1:
                if name == "measure":
                    self.measured.add(qs[0])
                elif name != "delay":
                    self.oneq[qs[0]] += 1
        self.adjacency: dict[int, set[int]] = {}
        for a, b in self.weights:
            self.adjacency.setdefault(a, set()).add(b)
            self.adjacency.setdefault(b, set()).add(a)

    def node_cost(self, v: int, p: int, target: Target) -> float:
        ro = target.readout_error[p] if target.readout_error and v in self.measured else 0.0
        sq = target.single_qubit_error[p] * self.oneq[v] if target.single_qubit_error else 0.0
        return ro + sq


def complete_layout(partial: Mapping[int, int], target: Target) -> list[int]:
    """Extend ``{virtual: physical}`` to a permutation; ancillas take the free qubits."""
    n = target.n_qubits
    taken = set(partial.values())
    free = iter(p for p in range(n) if p not in taken)
    return [partial[v] if v in partial else next(free) for v in range(n)]


def trivial_layout(n_virtual: int, target: Target) -> list[int]:
    """Circuit qubit i on physical qubit i."""
    return list(range(target.n_qubits))


def user_layout(spec: Any, n_virtual: int, target: Target) -> list[int]:
    """A user's ``[p0, p1, ...]`` or ``{virtual: physical}``, checked and completed."""
    items = dict(spec) if isinstance(spec, Mapping) else dict(enumerate(spec))
    where = f"initial_layout {spec!r}"
    if set(items) != set(range(n_virtual)):
        raise TranspilerError(f"{where} must give a physical qubit for each of the circuit's "
                              f"{n_virtual} qubits (virtual 0..{n_virtual - 1})")
    phys = []
    for v, p in items.items():
        try:
            p = operator.index(p) if not isinstance(p, bool) else None
        except TypeError:
            p = None
        if p is None or not 0 <= p < target.n_qubits:
            raise TranspilerError(f"{where}: virtual qubit {v} -> {items[v]!r} is not a "
                                  f"qubit of {target.name} (0..{target.n_qubits - 1})")
        items[v] = p
        phys.append(p)
    if len(set(phys)) != len(phys):
        dup = next(p for p in phys if phys.count(p) > 1)
        raise TranspilerError(f"{where}: physical qubit {dup} is used twice")
    return complete_layout(items, target)


def _place_idle(partial: dict[int, int], stats: CircuitStats, target: Target) -> list[int]:
    """Put the qubits without two-qubit gates on the best remaining physical qubits."""
    used = set(partial.values())
    idle = sorted((v for v in range(stats.n_virtual) if v not in partial),
                  key=lambda v: (-(v in stats.measured), -stats.oneq[v], v))
    for v in idle:
        p = min((p for p in range(target.n_qubits) if p not in used),
                key=lambda p: (stats.node_cost(v, p, target), p))
        partial[v] = p
        used.add(p)
    return complete_layout(partial, target)


def _perfect_cost(mapping: dict[int, int], stats: CircuitStats, target: Target) -> float:
    return (sum(w * target.edge_error(mapping[a], mapping[b])
                for (a, b), w in stats.weights.items())
            + sum(stats.node_cost(v, p, target) for v, p in mapping.items()))


def perfect_layouts(stats: CircuitStats, target: Target, *, budget: int = 5000,
                    better_than: float = float("inf")) -> list[int] | None:
    """The lowest-error layout needing no SWAP, or None if none is found within budget.

    Qubits are placed in breadth-first order of the interaction graph, each one next to
    an already placed partner, so the search only tries physical neighbours. It is a
    branch and bound: a placement's error grows with every qubit placed (its readout and
    gate errors, the errors of its pairs with placed partners, weighted by use), so a
    branch stops as soon as it costs more than the best complete placement, and the
    cheapest candidates are tried first. ``budget`` bounds the candidates examined;
    only placements cheaper than ``better_than`` count (a known one prunes from the start).
    """
    adj = stats.adjacency
    if not adj:
        return _place_idle({}, stats, target)
    dev = target.neighbors
    order: list[int] = []
    remaining = set(adj)
    while remaining:  # one BFS per connected component, largest degree first
        start = max(remaining, key=lambda v: (len(adj[v]), -v))
        queue = [start]
        remaining.discard(start)
        while queue:
            v = queue.pop(0)
            order.append(v)
            for u in sorted(adj[v], key=lambda u: -len(adj[u])):
                if u in remaining:
                    remaining.discard(u)
                    queue.append(u)
    position = {v: k for k, v in enumerate(order)}
    # For each qubit in order: its partners placed before it, with their pair weights.
    earlier = [[(u, stats.weights[(min(u, v), max(u, v))]) for u in adj[v]
                if position[u] < k] for k, v in enumerate(order)]
    errors = target.edge_errors
    node = [[stats.node_cost(v, p, target) for p in range(target.n_qubits)] for v in order]
    # rest[k]: a lower bound on what placing order[k:] adds (cheapest qubit, cheapest pair).
    cheapest_pair = min(target.two_qubit_error.values(), default=0.0)
    rest = [0.0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        rest[k] = rest[k + 1] + min(node[k]) + cheapest_pair * sum(w for _, w in earlier[k])
    best_cost = better_than
    best: dict[int, int] | None = None
    steps = 0
    mapping: dict[int, int] = {}
    used: set[int] = set()

    def search(k: int, cost: float) -> bool:
        nonlocal best, best_cost, steps
        if k == len(order):
            best_cost, best = cost, dict(mapping)
            return False
        v = order[k]
        placed = earlier[k]
        if placed:
            cands = [p for p in dev[mapping[placed[0][0]]] if p not in used]
        else:
            cands = [p for p in range(target.n_qubits) if p not in used]
        need = len(adj[v])
        bound = rest[k + 1]
        scored = []
        here = node[k]
        steps += len(cands)
        for p in cands:
            if len(dev[p]) < need:
                continue
            row = errors[p]
            inc = here[p]
            for u, w in placed:
                q = mapping[u]
                if q not in dev[p]:
                    break
                inc += w * row[q]
            else:
                if cost + inc + bound < best_cost:
                    scored.append((inc, p))
        scored.sort()
        for inc, p in scored:
            if cost + inc + bound >= best_cost:
                break
            if steps > budget:
                return True
            mapping[v] = p
            used.add(p)
            stop = search(k + 1, cost + inc)
            del mapping[v]
            used.discard(p)
            if stop:
                return True
        return False

    search(0, 0.0)
    if best is None:
        return None
    return _place_idle(best, stats, target)


def post_layout(ops: Sequence[Instruction], target: Target) -> list[int] | None:
    """A relabelling of the physical qubits of routed ``ops`` with a lower estimated
    error, or None when the current placement is already the best found.

    As Qiskit's VF2PostLayout: routing minimises SWAPs without looking at calibration;
    the routed circuit's qubit graph (its two-qubit gates and SWAPs, all on coupled
    pairs) is then embedded anywhere on the device it fits, and the embedding with the
    lowest calibrated error wins. The gate count stays the same, so this noise-awareness
    costs no SWAP. Returns ``new[p]`` for every physical qubit ``p`` (a permutation).
    """
    used = sorted({q for op in ops if op.name != "barrier" for q in op.qubits})
    index = {p: i for i, p in enumerate(used)}
    stats = CircuitStats(ops, len(used), index)
    now = _perfect_cost(dict(enumerate(used)), stats, target)
    found = perfect_layouts(stats, target, budget=20000, better_than=now * (1 - 1e-9))
    if found is None:
        return None
    return complete_layout({p: found[i] for i, p in enumerate(used)}, target)


def _best_region(n: int, stats: CircuitStats, target: Target) -> list[int]:
    """A connected set of ``n`` physical qubits with low errors, grown greedily.

    It depends on the device and ``n`` alone, and growing it from every qubit of a
    127-qubit chip costs more than routing a small circuit: kept per Target."""
    regions = _regions.setdefault(target, {})
    if n not in regions:
        regions[n] = _grow_region(n, target)
    return list(regions[n])


#: Target -> {size: best region} (weak: a Target lives as long as its device is cached).
_regions: weakref.WeakKeyDictionary[Target, dict[int, list[int]]] = weakref.WeakKeyDictionary()


def _grow_region(n: int, target: Target) -> list[int]:
    ro = target.readout_error or (0.0,) * target.n_qubits
    sq = target.single_qubit_error or (0.0,) * target.n_qubits

    def qubit_cost(p: int) -> float:
        return ro[p] + sq[p]

    best: tuple[float, list[int]] | None = None
    for start in range(target.n_qubits):
        region = [start]
        inside = {start}
        cost = qubit_cost(start)
        while len(region) < n:
            options = [(qubit_cost(r) + min(target.edge_error(r, s) for s in target.neighbors[r]
                                            if s in inside), r)
                       for s in region for r in target.neighbors[s] if r not in inside]
            if not options:
                break
            c, r = min(options)
            region.append(r)
            inside.add(r)
            cost += c
        if len(region) == n and (best is None or cost < best[0]):
            best = (cost, region)
    return best[1] if best else list(range(n))


def _region_layout(stats: CircuitStats, target: Target) -> list[int]:
    """Interacting qubits placed greedily on the best region, heaviest pairs closest."""
    partners: dict[int, list[tuple[int, int]]] = {}
    for (a, b), w in stats.weights.items():
        partners.setdefault(a, []).append((b, w))
        partners.setdefault(b, []).append((a, w))
    active = sorted(stats.adjacency, key=lambda v: -sum(w for _, w in partners[v]))
    region = _best_region(len(active), stats, target)
    dist = target.distance
    mapping: dict[int, int] = {}
    free = list(region)
    for v in active:
        placed = [(mapping[u], w) for u, w in partners[v] if u in mapping]

        def cost(p: int, placed: list[tuple[int, int]] = placed) -> tuple[float, int]:
            row = dist[p]
            pull = sum(w * row[q] for q, w in placed)
            return pull - 0.1 * sum(r in target.neighbors[p] for r in free), p
        p = min(free, key=cost)
        mapping[v] = p
        free.remove(p)
    return _place_idle(mapping, stats, target)


def sabre_layouts(stats: CircuitStats, target: Target, *, seed: int = 0, trials: int = 4,
                  iterations: int = 2, record: list[tuple] | None = None
                  ) -> list[list[int]]:
    """Candidate layouts, each refined by forward-backward SABRE passes.

    ``record`` (optional) receives ``(layout, events, final layout, SWAPs)`` of every
    forward pass after the first of each candidate: a forward pass over the circuit's
    two-qubit gates *is* a routing of a circuit made of them only, from a layout SABRE
    has already refined, so the pipeline can rank it with its own routing trials
    instead of routing again (the first pass starts from an unrefined layout).
    """
    rng = random.Random(seed)
    forward = Dag.interactions(stats.pairs)
    backward = Dag.interactions(stats.pairs[::-1])
    out = []
    for t in range(trials):
        if t == 0:
            layout = _region_layout(stats, target)
        else:
            layout = list(range(target.n_qubits))
            rng.shuffle(layout)
        passes = []
        try:
            for it in range(iterations):
                if record is not None and it > 0:
                    start, events = list(layout), []
                    _, n_swaps = sabre_pass(forward, target, layout, rng, events)
                    passes.append((start, events, list(layout), n_swaps))
                else:
                    sabre_pass(forward, target, layout, rng)
                sabre_pass(backward, target, layout, rng)
        except TranspilerError:  # interacting qubits in disconnected parts of the device
            continue
        out.append(layout)
        if record is not None:
            record += passes
    return out or [_region_layout(stats, target)]


def estimated_error(ops: Sequence[Instruction], target: Target) -> float:
    """Sum of the calibrated errors of every gate and readout in routed ``ops``: the
    first-order failure probability the noise-aware placement minimises (and what breaks
    ties between routings with as many SWAPs). A SWAP counts three entangling gates."""
    total = 0.0
    ro = target.readout_error
    sq = target.single_qubit_error
    for op in ops:
        qs = op.qubits
        if len(qs) == 2 and op.name != "barrier":
            total += target.edge_error(*qs) * (3 if op.name == "swap" else 1)
        elif op.name == "measure":
            total += ro[qs[0]] if ro else 0.0
        elif len(qs) == 1 and op.name not in ("barrier", "delay") and sq:
            total += sq[qs[0]]
    return total
