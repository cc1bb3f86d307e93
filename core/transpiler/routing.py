"""SWAP routing: make every two-qubit gate act on coupled physical qubits.

A :class:`RoutingProblem` prepares a circuit once (its DAG, which single-qubit gates ride
along with which node, what each node costs in calibrated error); each routing trial
(:meth:`RoutingProblem.trial`) then runs SABRE (:mod:`.sabre`) from one layout and
keeps only integers: the executed nodes and SWAPs in order, the SWAP count, the final
layout and the estimated error. The pipeline compares trials on those and builds the
routed instructions (:meth:`RoutingProblem.build`) for the winner alone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..circuit import Instruction
from ..circuit_parts import fast_instruction
from ..errors import TranspilerError
from .sabre import Dag, sabre_pass
from .target import Target

__all__ = ["Dag", "RoutingProblem", "RoutingResult", "RoutingTrial", "route", "sabre_pass"]


@dataclass
class RoutingResult:
    """Routed instructions (physical qubits), the SWAPs inserted and the final layout."""

    ops: list[Instruction]
    swaps: list[tuple[int, int]]
    final_layout: list[int]  # virtual (and ancilla) -> physical, after the last SWAP


@dataclass
class RoutingTrial:
    """One routing of a :class:`RoutingProblem`, before any instruction is built.

    ``events`` are SABRE's output order (see :func:`.sabre.swap_event`); ``error`` is
    :func:`.layout.estimated_error` of the routed circuit, computed from the events.
    """

    layout: list[int]
    events: list[int]
    n_swaps: int
    final_layout: list[int]
    error: float


def _dag_of(ops: Sequence[Instruction], cregs: Mapping[str, Sequence[int]] | None) -> Dag:
    """The DAG of ``ops``: a conditioned op waits for the measurements into its register
    (with ``cregs`` None, for every measurement)."""
    wires = []
    for op in ops:
        ws: list[object] = list(op.qubits)
        ws += [("c", c) for c in op.clbits]
        if op.condition is not None:
            target = op.condition[0]
            bits = (target if not isinstance(target, str) else
                    None if cregs is None else cregs.get(target))
            ws += [("c", c) for c in bits] if bits is not None else [("c", "*")]
        if op.name == "measure" and cregs is None:
            ws.append(("c", "*"))
        wires.append(ws)
    two = [len(op.qubits) == 2 and op.name != "barrier" for op in ops]
    return Dag([op.qubits for op in ops], two, wires)


def _error_terms(ops: Sequence[Instruction]) -> tuple[tuple[int, int], ...]:
    """What ``ops`` add to the estimated error, as ``(kind, qubit)`` pairs: kind 0 a
    single-qubit gate, 1 a readout (two-qubit gates are counted from the DAG)."""
    terms = []
    for op in ops:
        if op.name == "measure":
            terms.append((1, op.qubits[0]))
        elif len(op.qubits) == 1 and op.name not in ("barrier", "delay"):
            terms.append((0, op.qubits[0]))
    return tuple(terms)


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
        self.dag = _dag_of([self.ops[i] for i in self.kept], cregs)
        # Error terms of each node with its riders, of the start and of the final ops.
        self._terms = [_error_terms([self.ops[i]] + [self.ops[j] for j in self.after[k]])
                       for k, i in enumerate(self.kept)]
        self._start_terms = _error_terms([self.ops[i] for i in self.start])
        self._final_terms = _error_terms([self.ops[i] for i in sorted(self.final)])

    @property
    def only_two_qubit_gates(self) -> bool:
        """True when the router walks nothing but the circuit's two-qubit gates, in order
        (no barrier, mid-circuit measurement, reset or condition): SABRE's layout passes
        over the interaction graph are then routings of this problem (:meth:`recorded`)."""
        return all(self.dag.two) and not any(
            self.ops[i].clbits or self.ops[i].condition is not None for i in self.kept)

    def recorded(self, target: Target, layout: Sequence[int], events: list[int],
                 final: list[int], n_swaps: int) -> RoutingTrial:
        """A trial from SABRE's events over this problem's DAG, routed elsewhere."""
        return RoutingTrial(list(layout), events, n_swaps, final,
                            self._error(target, layout, events))

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

    def trial(self, target: Target, layout: Sequence[int], seed: int = 0) -> RoutingTrial:
        """Route from ``layout`` (checked with :meth:`check_connected` beforehand)."""
        if target.edges is None:  # all-to-all: nothing to route
            events = list(range(len(self.kept)))
            final, n_swaps = list(layout), 0
        else:
            events = []
            final, n_swaps = sabre_pass(self.dag, target, list(layout), random.Random(seed),
                                        events)
        return RoutingTrial(list(layout), events, n_swaps, final,
                            self._error(target, layout, events))

    def _error(self, target: Target, layout: Sequence[int], events: list[int]) -> float:
        """The estimated error of the routed circuit (summed in output order)."""
        costs = (target.single_qubit_error or (0.0,) * target.n_qubits,
                 target.readout_error or (0.0,) * target.n_qubits)
        pair_error = target.edge_errors
        n = target.n_qubits
        qubits, two, terms = self.dag.qubits, self.dag.two, self._terms
        l2p = list(layout)
        p2l = [0] * n
        for v, p in enumerate(l2p):
            p2l[p] = v
        total = 0.0
        for kind, v in self._start_terms:
            total += costs[kind][l2p[v]]
        for ev in events:
            if ev >= 0:
                if two[ev]:
                    a, b = qubits[ev]
                    total += pair_error[l2p[a]][l2p[b]]
                for kind, v in terms[ev]:
                    total += costs[kind][l2p[v]]
            else:
                p, q = divmod(-1 - ev, n)
                total += pair_error[p][q] * 3
                vp, vq = p2l[p], p2l[q]
                p2l[p], p2l[q] = vq, vp
                l2p[vp], l2p[vq] = q, p
        for kind, v in self._final_terms:
            total += costs[kind][l2p[v]]
        return total

    def build(self, trial: RoutingTrial) -> RoutingResult:
        """The routed instructions of ``trial``, on physical qubits, SWAPs included."""
        ops, kept, after = self.ops, self.kept, self.after
        current = list(trial.layout)
        n = len(current)
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
            return fast_instruction(op.name, phys, op.params, op.clbits, op.condition, op.label)

        out = [place(i) for i in self.start]
        swaps: list[tuple[int, int]] = []
        for ev in trial.events:
            if ev < 0:
                p, q = divmod(-1 - ev, n)
                swaps.append((p, q))
                out.append(fast_instruction("swap", (p, q)))
                vp, vq = p2l[p], p2l[q]
                p2l[p], p2l[q] = vq, vp
                current[vp], current[vq] = q, p
            else:
                out.append(place(kept[ev]))
                out.extend(place(i) for i in after[ev])
        out.extend(place(i) for i in sorted(self.final))
        return RoutingResult(out, swaps, current)


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
    return problem.build(problem.trial(target, initial_layout, seed))


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
