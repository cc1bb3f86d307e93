"""SWAP routing: make every two-qubit gate act on coupled physical qubits.

This is SABRE (Li, Ding, Xie, ASPLOS 2019) with the heuristic Qiskit 2.x's SabreSwap
uses: gates execute in dependency order as soon as their qubits are adjacent; when the
whole front layer is blocked, the SWAP on an edge touching it that most reduces the summed
distance of the front layer, plus a lightly weighted look-ahead over the layer of gates
that comes next, is inserted. A per-qubit decay factor discourages SWAPs on the same
qubits in a row, and a release valve routes the closest front gate along a shortest path
if the search stalls, so routing always terminates.

Routing ignores edge direction (a reversed CX costs single-qubit gates, not SWAPs);
:mod:`.basis` writes the SWAPs as CX triples in supported directions afterwards.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..circuit import Instruction
from ..errors import TranspilerError
from .target import Target

__all__ = ["Dag", "RoutingProblem", "RoutingResult", "route", "sabre_pass"]

LOOKAHEAD_WEIGHT = 0.5  # divided by the number of physical qubits, as Qiskit's SabreLayout
DECAY_RATE = 0.001
DECAY_RESET = 5  # decay factors return to 1 every this many SWAPs, and on progress


class Dag:
    """Dependencies between instructions: along qubits, clbits and condition registers.

    ``two[i]`` marks instructions that need their two qubits adjacent. ``cregs`` maps a
    classical register name to its flat clbits, so a conditioned gate waits for the
    measurements into its register (None: conditioned gates wait for every measurement).
    """

    __slots__ = ("qubits", "two", "succ", "npred")

    def __init__(self, qubit_lists: Sequence[tuple[int, ...]], two: Sequence[bool],
                 wires: Sequence[Sequence[object]]):
        self.qubits = list(qubit_lists)
        self.two = list(two)
        n = len(self.qubits)
        self.succ: list[list[int]] = [[] for _ in range(n)]
        self.npred = [0] * n
        last: dict[object, int] = {}
        for i, ws in enumerate(wires):
            preds = {last[w] for w in ws if w in last}
            for p in preds:
                self.succ[p].append(i)
            self.npred[i] = len(preds)
            for w in ws:
                last[w] = i

    @classmethod
    def from_ops(cls, ops: Sequence[Instruction],
                 cregs: Mapping[str, Sequence[int]] | None = None) -> Dag:
        wires = []
        for op in ops:
            ws: list[object] = list(op.qubits)
            ws += [("c", c) for c in op.clbits]
            if op.condition is not None:
                bits = None if cregs is None else cregs.get(op.condition[0])
                ws += [("c", c) for c in bits] if bits is not None else [("c", "*")]
            if op.name == "measure" and cregs is None:
                ws.append(("c", "*"))
            wires.append(ws)
        two = [len(op.qubits) == 2 and op.name != "barrier" for op in ops]
        return cls([op.qubits for op in ops], two, wires)

    @classmethod
    def interactions(cls, pairs: Sequence[tuple[int, int]]) -> Dag:
        """The DAG of a sequence of two-qubit gates only (what layout search routes)."""
        return cls(pairs, [True] * len(pairs), pairs)


@dataclass
class RoutingResult:
    """Routed instructions (physical qubits), the SWAPs inserted and the final layout."""

    ops: list[Instruction]
    swaps: list[tuple[int, int]]
    final_layout: list[int]  # virtual (and ancilla) -> physical, after the last SWAP


def sabre_pass(dag: Dag, target: Target, l2p: list[int], rng: random.Random,
               emit: list[tuple[int, object]] | None = None) -> tuple[list[int], int]:
    """Route ``dag`` from layout ``l2p`` (modified in place to the final layout).

    ``emit`` (optional) receives ``(node, None)`` for each executed node and
    ``(-1, (p, q))`` for each SWAP, in output order. Returns ``(l2p, number of swaps)``.
    """
    dist = target.distance
    tables = target.swap_tables
    qubits, two, succ = dag.qubits, dag.two, dag.succ
    npred = list(dag.npred)
    p2l = [0] * len(l2p)
    for v, p in enumerate(l2p):
        p2l[p] = v
    decay = [1.0] * len(l2p)
    ready = deque(i for i, k in enumerate(npred) if k == 0)
    front: list[int] = []
    lookahead: list[int] | None = None
    lookahead_weight = LOOKAHEAD_WEIGHT / len(l2p)
    n_swaps = 0
    steps = 0
    since_progress: list[tuple[int, int]] = []
    valve = max(20, 2 * len(l2p))

    def swap(p: int, q: int) -> None:
        vp, vq = p2l[p], p2l[q]
        p2l[p], p2l[q] = vq, vp
        l2p[vp], l2p[vq] = q, p

    while True:
        progressed = False
        while ready:
            i = ready.popleft()
            if two[i]:
                a, b = qubits[i]
                if dist[l2p[a]][l2p[b]] != 1:
                    front.append(i)
                    continue
            if emit is not None:
                emit.append((i, None))
            progressed = True
            for s in succ[i]:
                npred[s] -= 1
                if npred[s] == 0:
                    ready.append(s)
        if not front:
            return l2p, n_swaps
        if progressed or lookahead is None:
            lookahead = _lookahead_layer(front, succ, two, npred)
            decay = [1.0] * len(l2p)
            since_progress = []
        if len(since_progress) >= valve:
            # Stalled: undo the fruitless SWAPs, then walk the closest gate together.
            for p, q in reversed(since_progress):
                swap(p, q)
                if emit is not None:
                    emit.pop()
            n_swaps -= len(since_progress)
            since_progress = []
            i = min(front, key=lambda g: dist[l2p[qubits[g][0]]][l2p[qubits[g][1]]])
            path = target.shortest_path(l2p[qubits[i][0]], l2p[qubits[i][1]])
            half = len(path) // 2  # move both ends towards the middle: less depth
            moves = [(path[k], path[k + 1]) for k in range(half)]
            moves += [(path[-1 - k], path[-2 - k]) for k in range(half - 1)]
            for p, q in moves:
                swap(p, q)
                n_swaps += 1
                if emit is not None:
                    emit.append((-1, (p, q)))
        else:
            p, q = _best_swap(front, lookahead, lookahead_weight, qubits, l2p, dist,
                              tables, decay, rng)
            swap(p, q)
            n_swaps += 1
            since_progress.append((p, q))
            if emit is not None:
                emit.append((-1, (p, q)))
            steps += 1
            if steps >= DECAY_RESET:
                decay = [1.0] * len(l2p)
                steps = 0
            else:
                decay[p] += DECAY_RATE
                decay[q] += DECAY_RATE
        still = []
        for i in front:
            a, b = qubits[i]
            (ready.append if dist[l2p[a]][l2p[b]] == 1 else still.append)(i)
        front = still


def _lookahead_layer(front: list[int], succ: list[list[int]], two: list[bool],
                     npred: list[int]) -> list[int]:
    """The two-qubit gates that become ready once the front layer has executed (through
    any barriers or measurements in between): the layer the look-ahead term scores."""
    out: list[int] = []
    satisfied: dict[int, int] = {}
    todo = list(front)
    k = 0
    while k < len(todo):
        for s in succ[todo[k]]:
            done = satisfied.get(s, 0) + 1
            satisfied[s] = done
            if done == npred[s]:
                (out if two[s] else todo).append(s)
        k += 1
    return out


def _best_swap(front, lookahead, lookahead_weight, qubits, l2p, dist, tables, decay, rng):
    """The SWAP minimising SABRE's cost; ties broken by ``rng``.

    Cost = decay * (sum of front-layer distances + w * sum of look-ahead distances). A
    qubit carries at most one gate of each layer, and a SWAP only changes the terms of
    the gates on its two qubits, so each candidate is scored by that difference alone,
    read from the per-device gain tables (:attr:`Target.swap_tables`). Candidates are
    the edges touching the front layer, in sorted order (so ties resolve the same way
    for a given seed).
    """
    edges, ids_of, gain_p, gain_q = tables
    none = len(l2p)  # the "no gate on this qubit" column of the gain tables
    front_other = [none] * (none + 1)
    ahead_other = [none] * (none + 1)
    candidates: set[int] = set()
    base = 0.0
    for i in front:
        a, b = qubits[i]
        pa, pb = l2p[a], l2p[b]
        base += dist[pa][pb]
        front_other[pa] = pb
        front_other[pb] = pa
        candidates.update(ids_of[pa])
        candidates.update(ids_of[pb])
    for i in lookahead:
        a, b = qubits[i]
        pa, pb = l2p[a], l2p[b]
        base += lookahead_weight * dist[pa][pb]
        ahead_other[pa] = pb
        ahead_other[pb] = pa
    if not candidates:
        raise TranspilerError("cannot route: a two-qubit gate's qubits have no coupled "
                              "neighbour on this device")
    best: list[int] = []
    best_score = float("inf")
    for e in sorted(candidates):
        p, q = edges[e]
        gp, gq = gain_p[e], gain_q[e]
        delta = (gp[front_other[p]] + gq[front_other[q]]
                 + lookahead_weight * (gp[ahead_other[p]] + gq[ahead_other[q]]))
        dp, dq = decay[p], decay[q]
        score = (dp if dp > dq else dq) * (base + delta)
        if score < best_score - 1e-12:
            best_score = score
            best = [e]
        elif score <= best_score + 1e-12:
            best.append(e)
    if not best:  # every score undefined: a gate across disconnected parts (valve raises)
        best = sorted(candidates)
    return edges[best[0] if len(best) == 1 else rng.choice(best)]


class RoutingProblem:
    """A circuit prepared for routing, once, then routed from many layouts.

    Single-qubit operations without classical bits never constrain routing, so they are
    left out of the DAG and re-attached after the operation preceding them on their
    qubit (or at the start): the router only walks two-qubit gates, barriers,
    measurements and conditioned operations. Final measurements (nothing follows them on
    their qubit or clbit) are held back and emitted after the last SWAP, as Qiskit's
    BarrierBeforeFinalMeasurements does: a measured qubit is never moved afterwards, so
    engines can still sample all shots from one final state.
    """

    def __init__(self, ops: Sequence[Instruction],
                 cregs: Mapping[str, Sequence[int]] | None = None):
        self.ops = list(ops)
        self.kept: list[int] = []
        self.start: list[int] = []
        self.after: list[list[int]] = []
        self.final = _final_measurements(self.ops)
        last: dict[int, int] = {}
        for i, op in enumerate(self.ops):
            if i in self.final:
                continue
            if len(op.qubits) == 1 and not op.clbits and op.condition is None:
                k = last.get(op.qubits[0])
                (self.start if k is None else self.after[k]).append(i)
                continue
            for q in op.qubits:
                last[q] = len(self.kept)
            self.kept.append(i)
            self.after.append([])
        self.dag = Dag.from_ops([self.ops[i] for i in self.kept], cregs)

    def check_connected(self, target: Target, layout: Sequence[int]) -> None:
        """Refuse a layout that puts a gate's qubits in disconnected parts of the device."""
        if target.edges is None:
            return
        for k, i in enumerate(self.kept):
            if self.dag.two[k]:
                op = self.ops[i]
                a, b = (layout[q] for q in op.qubits)
                if target.distance[a][b] == float("inf"):
                    raise TranspilerError(
                        f"{op.name} on qubits {list(op.qubits)} cannot be routed: physical "
                        f"qubits {a} and {b} of {target.name} are not connected by any path")


def route(problem: RoutingProblem | Sequence[Instruction], target: Target,
          initial_layout: Sequence[int], *, seed: int = 0,
          cregs: Mapping[str, Sequence[int]] | None = None) -> RoutingResult:
    """Route ``problem`` (instructions on virtual qubits ``0..n-1``) from ``initial_layout``.

    ``initial_layout`` maps every virtual qubit, ancillas included (length = the
    device's qubit count), to a physical qubit. The result's instructions act on physical
    qubits and include ``swap`` instructions.
    """
    if not isinstance(problem, RoutingProblem):
        problem = RoutingProblem(problem, cregs)
    problem.check_connected(target, initial_layout)
    ops, kept = problem.ops, problem.kept
    events: list[tuple[int, object]] = []
    if target.edges is None:  # all-to-all: nothing to route
        events = [(k, None) for k in range(len(kept))]
    else:
        sabre_pass(problem.dag, target, list(initial_layout), random.Random(seed), events)
    current = list(initial_layout)
    p2l = {p: v for v, p in enumerate(current)}

    def place(i: int) -> Instruction:
        op = ops[i]
        qs = op.qubits
        if len(qs) == 1:
            phys: tuple[int, ...] = (current[qs[0]],)
        elif len(qs) == 2:
            phys = (current[qs[0]], current[qs[1]])
        else:
            phys = tuple([current[v] for v in qs])
        return Instruction(op.name, phys, op.params, op.clbits, op.condition, op.label)

    out = [place(i) for i in problem.start]
    swaps: list[tuple[int, int]] = []
    for node, pair in events:
        if node < 0:
            p, q = pair  # type: ignore[misc]
            swaps.append((p, q))
            out.append(Instruction("swap", (p, q)))
            vp, vq = p2l[p], p2l[q]
            p2l[p], p2l[q] = vq, vp
            current[vp], current[vq] = q, p
        else:
            out.append(place(kept[node]))
            out.extend(place(i) for i in problem.after[node])
    out.extend(place(i) for i in sorted(problem.final))
    return RoutingResult(out, swaps, current)


def _final_measurements(ops: Sequence[Instruction]) -> set[int]:
    """Indices of measurements that no later instruction depends on or disturbs."""
    final: set[int] = set()
    qubits: set[int] = set()
    clbits: set[int] = set()
    conditioned = False
    for i in range(len(ops) - 1, -1, -1):
        op = ops[i]
        if (op.name == "measure" and op.condition is None and not conditioned
                and op.qubits[0] not in qubits and op.clbits[0] not in clbits):
            final.add(i)
        qubits.update(op.qubits)
        clbits.update(op.clbits)
        conditioned = conditioned or op.condition is not None
    return final
