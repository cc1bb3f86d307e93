"""SABRE's core: walk a dependency DAG, inserting SWAPs until every gate is adjacent.

This is SABRE (Li, Ding, Xie, ASPLOS 2019) with the heuristic Qiskit 2.x's SabreSwap
uses: gates execute in dependency order as soon as their qubits are adjacent; when the
whole front layer is blocked, the SWAP on an edge touching it that most reduces the summed
distance of the front layer, plus a lightly weighted look-ahead over the layer of gates
that comes next, is inserted. A per-qubit decay factor discourages SWAPs on the same
qubits in a row, and a release valve routes the closest front gate along a shortest path
if the search stalls, so routing always terminates.

The layout search and every routing trial run :func:`sabre_pass` tens of times per
circuit, so it keeps its state incrementally rather than rescanning the layers: for each
physical qubit, the physical partner of its front-layer gate and of its look-ahead gate
(updated by each SWAP), and the summed distances of both layers (updated by the chosen
SWAP's gain). Scoring a candidate SWAP is then four table lookups
(:attr:`Target.swap_tables`). Routing ignores edge direction (a reversed CX costs
single-qubit gates, not SWAPs); :mod:`.basis` writes SWAPs as CX triples afterwards.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence

from ..errors import TranspilerError
from .target import SwapTables, Target

__all__ = ["Dag", "sabre_pass", "swap_event", "LOOKAHEAD_WEIGHT", "DECAY_RATE",
           "DECAY_RESET"]

LOOKAHEAD_WEIGHT = 0.5  # divided by the number of physical qubits, as Qiskit's SabreLayout
DECAY_RATE = 0.001
DECAY_RESET = 5  # decay factors return to 1 every this many SWAPs, and on progress
_TIE = 1e-12  # scores this close are a tie, broken by the seeded rng
_INF = float("inf")
_MARGIN = 1e-9  # slack on the bound that lets _best_swap score closer-moves only


class Dag:
    """Dependencies between instructions: along qubits, clbits and condition registers.

    ``qubits[i]`` are the (virtual) qubits of node ``i``, ``two[i]`` marks nodes that need
    their two qubits adjacent, and ``wires[i]`` everything the node orders along (qubits,
    clbits, condition registers): a node waits for the previous node on each of its wires.
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
    def interactions(cls, pairs: Sequence[tuple[int, int]]) -> Dag:
        """The DAG of a sequence of two-qubit gates only (what layout search routes)."""
        return cls(pairs, [True] * len(pairs), pairs)


def swap_event(p: int, q: int, n: int) -> int:
    """How :func:`sabre_pass` records a SWAP of physical ``p`` and ``q`` among its events
    (negative; executed nodes are their non-negative index): ``divmod(-1 - ev, n)``."""
    return -1 - (p * n + q)


def sabre_pass(dag: Dag, target: Target, l2p: list[int], rng: random.Random,
               emit: list[int] | None = None) -> tuple[list[int], int]:
    """Route ``dag`` from layout ``l2p`` (modified in place to the final layout).

    ``emit`` (optional) receives the executed nodes and the SWAPs (see :func:`swap_event`)
    in output order. Returns ``(l2p, number of swaps)``.
    """
    n = len(l2p)
    none = n  # "no gate on this qubit" in the partner arrays and the gain tables
    tables = target.swap_tables
    dist, gain_p, gain_q, edges = tables.distance, tables.gain_p, tables.gain_q, tables.edges
    qubits, two, succ = dag.qubits, dag.two, dag.succ
    npred = list(dag.npred)
    events: list[int] = [] if emit is None else emit
    p2l = [0] * n
    for v, p in enumerate(l2p):
        p2l[p] = v
    front_of = [none] * (n + 1)  # physical partner of each physical qubit's front gate
    ahead_of = [none] * (n + 1)  # ... and of its look-ahead gate
    front_sum = 0.0  # summed distances of the front-layer gates
    ahead_sum = 0.0  # ... and of the look-ahead gates
    decay = [1.0] * n
    decayed = False
    ready = deque(i for i, k in enumerate(npred) if k == 0)
    front: list[int] = []
    lookahead: list[int] | None = None
    weight = LOOKAHEAD_WEIGHT / n
    n_swaps = 0
    steps = 0
    since_progress: list[tuple[int, int]] = []
    valve = max(20, 2 * n)
    satisfied = [0] * len(npred)  # scratch for _lookahead_layer

    def swap(p: int, q: int) -> None:
        vp, vq = p2l[p], p2l[q]
        p2l[p], p2l[q] = vq, vp
        l2p[vp], l2p[vq] = q, p
        # Partners follow their gates; a gate on (p, q) itself stays there. Writes to the
        # sentinel slot `none` are never read.
        op, oq = front_of[p], front_of[q]
        if op != q:
            front_of[p], front_of[q] = oq, op
            front_of[op], front_of[oq] = q, p
        op, oq = ahead_of[p], ahead_of[q]
        if op != q:
            ahead_of[p], ahead_of[q] = oq, op
            ahead_of[op], ahead_of[oq] = q, p

    def rescan() -> None:
        """Move every front gate whose qubits are now adjacent to ``ready``."""
        nonlocal front, front_sum
        still = []
        for i in front:
            a, b = qubits[i]
            pa, pb = l2p[a], l2p[b]
            if dist[pa][pb] == 1:
                ready.append(i)
                front_of[pa] = front_of[pb] = none
                front_sum -= 1
            else:
                still.append(i)
        front = still

    while True:
        progressed = False
        while ready:
            i = ready.popleft()
            if two[i]:
                a, b = qubits[i]
                pa, pb = l2p[a], l2p[b]
                d = dist[pa][pb]
                if d != 1:
                    front.append(i)
                    front_of[pa], front_of[pb] = pb, pa
                    front_sum += d
                    continue
            events.append(i)
            progressed = True
            for s in succ[i]:
                npred[s] -= 1
                if npred[s] == 0:
                    ready.append(s)
        if not front:
            return l2p, n_swaps
        if progressed or lookahead is None:
            ahead_of = [none] * (n + 1)
            lookahead = _lookahead_layer(front, succ, two, npred, satisfied)
            ahead_sum = 0.0
            for i in lookahead:
                a, b = qubits[i]
                pa, pb = l2p[a], l2p[b]
                ahead_of[pa], ahead_of[pb] = pb, pa
                ahead_sum += dist[pa][pb]
            if decayed:
                decay = [1.0] * n
                decayed = False
            since_progress = []
        if len(since_progress) >= valve:
            # Stalled: undo the fruitless SWAPs, then walk the closest gate together.
            for p, q in reversed(since_progress):
                swap(p, q)
                events.pop()
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
                events.append(-1 - (p * n + q))
            front_sum = sum(dist[l2p[qubits[g][0]]][l2p[qubits[g][1]]] for g in front)
            ahead_sum = sum(dist[l2p[qubits[g][0]]][l2p[qubits[g][1]]] for g in lookahead)
            rescan()
            continue
        base = front_sum + weight * ahead_sum
        if not base < _INF:  # a gate across disconnected parts: sum afresh, as inf
            base = sum(dist[l2p[qubits[g][0]]][l2p[qubits[g][1]]] for g in front) + sum(
                weight * dist[l2p[qubits[g][0]]][l2p[qubits[g][1]]] for g in lookahead)
        e = _best_swap(front, qubits, l2p, tables, front_of, ahead_of, base, weight,
                       decay if decayed else None, rng)
        p, q = edges[e]
        gp, gq = gain_p[e], gain_q[e]
        front_sum += gp[front_of[p]] + gq[front_of[q]]
        ahead_sum += gp[ahead_of[p]] + gq[ahead_of[q]]
        swap(p, q)
        n_swaps += 1
        since_progress.append((p, q))
        events.append(-1 - (p * n + q))
        steps += 1
        if steps >= DECAY_RESET:
            if decayed:
                decay = [1.0] * n
                decayed = False
            steps = 0
        else:
            decay[p] += DECAY_RATE
            decay[q] += DECAY_RATE
            decayed = True
        fp, fq = front_of[p], front_of[q]
        if dist[p][fp] == 1 or dist[q][fq] == 1:  # only gates on p or q can be ready now
            rescan()


def _lookahead_layer(front: list[int], succ: list[list[int]], two: list[bool],
                     npred: list[int], satisfied: list[int]) -> list[int]:
    """The two-qubit gates that become ready once the front layer has executed (through
    any barriers or measurements in between): the layer the look-ahead term scores.
    ``satisfied`` is all-zero scratch space, left all-zero."""
    out: list[int] = []
    todo = list(front)
    touched: list[int] = []
    k = 0
    while k < len(todo):
        for s in succ[todo[k]]:
            done = satisfied[s] + 1
            if done == 1:
                touched.append(s)
            satisfied[s] = done
            if done == npred[s]:
                (out if two[s] else todo).append(s)
        k += 1
    for s in touched:
        satisfied[s] = 0
    return out


def _best_swap(front: list[int], qubits: list[tuple[int, ...]], l2p: list[int],
               tables: SwapTables, front_of: list[int], ahead_of: list[int], base: float,
               weight: float, decay: list[float] | None, rng: random.Random) -> int:
    """The edge index of the SWAP minimising SABRE's cost; ties broken by ``rng``.

    Cost = decay * (sum of front-layer distances + w * sum of look-ahead distances). A
    qubit carries at most one gate of each layer, and a SWAP only changes the terms of
    the gates on its two qubits, so each candidate is scored by that difference alone
    (``base`` is the current cost). Candidates are the edges touching the front layer;
    tied ones are ordered by edge index before the draw, so a seed fixes the choice.
    ``decay`` None means every factor is 1.

    Most of the time a SWAP bringing some front gate closer wins, and it is enough to
    score those: any other candidate leaves the front sum as is or worse, and moves at
    most two look-ahead gates by one hop, so it costs at least ``base - 2w`` (decay
    factors are >= 1). The full set is scored only when no closer-move beats that bound.
    """
    n = len(l2p)
    toward = tables.toward
    cands: list[tuple] = []
    for i in front:
        a, b = qubits[i]
        pa, pb = l2p[a], l2p[b]
        cands += toward[pa * n + pb]
        cands += toward[pb * n + pa]
    scores = _scores(cands, front_of, ahead_of, base, weight, decay)
    low = min(scores) if scores else _INF
    if not low < base - 2 * weight - _MARGIN:
        around = tables.around
        cands = []
        for i in front:
            a, b = qubits[i]
            cands += around[l2p[a]]
            cands += around[l2p[b]]
        if not cands:
            raise TranspilerError("cannot route: a two-qubit gate's qubits have no coupled "
                                  "neighbour on this device")
        scores = _scores(cands, front_of, ahead_of, base, weight, decay)
        low = min(scores)
    if low < _INF:
        low += _TIE
        best = [c[4] for c, s in zip(cands, scores) if s <= low]
        if len(best) > 1:
            best = sorted(set(best))  # an edge between two front gates comes twice
    else:  # nan or inf about: a gate across disconnected parts (the valve will raise)
        best = _best_unbounded({c[4]: s for c, s in zip(cands, scores)})
    return best[0] if len(best) == 1 else rng.choice(best)


def _scores(cands: list[tuple], front_of: list[int], ahead_of: list[int], base: float,
            weight: float, decay: list[float] | None) -> list[float]:
    """SABRE's cost after each candidate SWAP ``(p, q, gain_p, gain_q, e)``."""
    if decay is None:
        return [base + (gp[front_of[p]] + gq[front_of[q]]
                        + weight * (gp[ahead_of[p]] + gq[ahead_of[q]]))
                for p, q, gp, gq, _ in cands]
    return [(decay[p] if decay[p] > decay[q] else decay[q])
            * (base + (gp[front_of[p]] + gq[front_of[q]]
                       + weight * (gp[ahead_of[p]] + gq[ahead_of[q]])))
            for p, q, gp, gq, _ in cands]


def _best_unbounded(score_of: dict[int, float]) -> list[int]:
    """The tied best edges when scores may be inf or nan, in edge order: a running
    minimum over the sorted edges (inf ties with inf, nan with nothing); all of them if
    every score is nan."""
    best: list[int] = []
    best_score = _INF
    for e in sorted(score_of):
        s = score_of[e]
        if s < best_score - _TIE:
            best_score = s
            best = [e]
        elif s <= best_score + _TIE:
            best.append(e)
    return best or sorted(score_of)
