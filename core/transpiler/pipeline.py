"""The transpiler pipeline for one circuit: unroll, layout, route, translate, optimise.

:func:`transpile_circuit` is what the built-in ``transpile_experiment`` hook runs; a
plugin that wants to extend rather than replace the passes can call it and post-process
the result (or pre-process its input).
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..circuit import Circuit, Instruction, QuantumRegister
from ..circuit_parts import fast_instruction
from ..errors import TranspilerError
from .basis import translate_2q, unroll
from .layout import (
    CircuitStats,
    perfect_layouts,
    post_layout,
    sabre_layouts,
    trivial_layout,
    user_layout,
)
from .optimize import cancel_inverse_pairs, optimize
from .routing import RoutingProblem, RoutingTrial
from .symbolic import has_symbolic, lower_symbolic
from .target import DIRECTIVES, Target

__all__ = ["Layout", "transpile_circuit", "is_native", "DEFAULT_SEED", "LAYOUT_METHODS"]

#: Seed used when none is given, so transpiling the same circuit twice gives the same
#: output (and a seeded run the same counts).
DEFAULT_SEED = 11
LAYOUT_METHODS = ("noise_aware", "trivial", "sabre")
# Layout candidates tried per optimisation level (each refined by SABRE, then routed).
# Level 1, the default, balances time and quality: on IBM Paris 2 x 2 trials give 1.03x
# Qiskit's CX count in 1.1x its time, on the 127/133-qubit Sherbrooke and Torino 0.89-1.10x
# in 1.0-1.5x (docs/performance.md).
_TRIALS = {0: 1, 1: 2, 2: 8, 3: 16}
# Routing runs per layout candidate (different tie-breaks); the best is kept. When the
# circuit is two-qubit gates only (besides final measurements), one of them is the
# forward pass of the candidate's last layout iteration, recorded (sabre_layouts):
# from a slightly less refined layout, but free, and as good on the IBM benchmarks.
_SWAP_TRIALS = {0: 1, 1: 2, 2: 4, 3: 6}


@dataclass(frozen=True)
class Layout:
    """Where the circuit's qubits are on the device, before and after routing.

    ``initial[v]`` is the physical qubit holding circuit qubit ``v`` at the start;
    ``final[v]`` where its state is at the end (SWAPs move it). Counts are unaffected:
    measurements write the circuit's own classical bits.
    """

    initial: tuple[int, ...]
    final: tuple[int, ...]

    def to_dict(self) -> dict[str, list[int]]:
        return {"initial_layout": list(self.initial), "final_layout": list(self.final)}

    @classmethod
    def of(cls, circuit: Circuit) -> Layout:
        """The layout a transpiled circuit records in its metadata."""
        meta = circuit.metadata
        if "initial_layout" not in meta:
            raise TranspilerError(f"circuit {circuit.name!r} was not transpiled (its metadata "
                                  "has no initial_layout)")
        return cls(tuple(meta["initial_layout"]), tuple(meta["final_layout"]))


def trailing_saves(circuit: Circuit) -> list[Instruction]:
    """The ``save_expval`` instructions ending ``circuit``: the transpiler maps them
    through the final layout (the observable refers to the circuit's own qubits). One
    anywhere else is an error, as the state there has no single qubit mapping."""
    k = len(circuit.data)
    while k and circuit.data[k - 1].name == "save_expval":
        k -= 1
    for op in circuit.data[:k]:
        if op.name == "save_expval":
            raise TranspilerError(f"save_expval {op.label!r} is followed by other "
                                  "instructions: on a device backend expectation values are "
                                  "saved at the end of the circuit")
    return circuit.data[k:]


def is_native(circuit: Circuit, target: Any) -> bool:
    """True when ``circuit`` already runs on the device as written: only basis gates
    (plus measure, barrier, delay) on existing qubits, two-qubit gates on coupled pairs
    in a supported direction. Such circuits are never modified by :func:`transpile`."""
    t = Target.from_any(target)
    allowed = t.basis_gates | DIRECTIVES
    for op in circuit.data:
        if op.name not in allowed or any(q >= t.n_qubits for q in op.qubits):
            return False
        if len(op.qubits) == 2 and op.name not in DIRECTIVES \
                and not t.is_native_pair(*op.qubits):
            return False
        if len(op.qubits) > 2 and op.name != "barrier" and t.edges is not None:
            return False
    return True


def _layout_candidates(stats: CircuitStats, target: Target, level: int, seed: int,
                       initial_layout: Any, method: str | None,
                       record: list[tuple] | None = None) -> tuple[list[list[int]], bool]:
    """The layouts to route, and whether they are one SWAP-free lowest-error layout.
    ``record`` receives SABRE's recorded routings (see :func:`.layout.sabre_layouts`)."""
    n_v = stats.n_virtual
    if initial_layout is not None:
        return [user_layout(initial_layout, n_v, target)], False
    if method is None:
        method = "trivial" if level == 0 else "noise_aware"
    if method not in LAYOUT_METHODS:
        raise TranspilerError(f"unknown layout_method {method!r}; choose one of "
                              f"{', '.join(LAYOUT_METHODS)}")
    if method == "trivial" or target.edges is None:
        return [trivial_layout(n_v, target)], False
    perfect = perfect_layouts(stats, target)
    if perfect is not None:
        return [perfect], True
    return sabre_layouts(stats, target, seed=seed, trials=_TRIALS[level],
                         record=record), False


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while one circuit is mapped.

    Transpiling creates some 10^5 short-lived objects, all freed by reference counting
    (the passes build no cycles), and every so many allocations the collector walks
    every live object of the process: with Qiskit imported that walk cost a third of
    the time of mapping a 20-qubit circuit onto a 133-qubit device. If it was enabled,
    it is enabled again on the way out (another thread's collection merely waits).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def transpile_circuit(circuit: Circuit, target: Any, *, seed: int | None = None,
                      optimization_level: int = 1, initial_layout: Any = None,
                      layout_method: str | None = None) -> Circuit:
    """Map one circuit onto a device; see :func:`qfoundry.transpile` for the arguments.

    The result has one register ``q`` with a qubit per physical qubit, the input's
    classical registers, and ``metadata["initial_layout"]`` / ``["final_layout"]``.
    """
    with _cyclic_gc_paused():
        return _transpile_circuit(circuit, target, seed, optimization_level, initial_layout,
                                  layout_method)


def _transpile_circuit(circuit: Circuit, target: Any, seed: int | None,
                       optimization_level: int, initial_layout: Any,
                       layout_method: str | None) -> Circuit:
    t = Target.from_any(target)
    if optimization_level not in _TRIALS:
        raise TranspilerError(f"optimization_level must be 0, 1, 2 or 3, got "
                              f"{optimization_level!r}")
    n_v = circuit.num_qubits
    saves = trailing_saves(circuit)
    if saves and not (initial_layout is None and is_native(circuit, t)):
        body = circuit.copy()
        body.data = circuit.data[:len(circuit.data) - len(saves)]
        out = _transpile_circuit(body, t, seed, optimization_level, initial_layout,
                                 layout_method)
        final = out.metadata["final_layout"]  # where each circuit qubit ends up
        out.data += [Instruction(op.name, tuple(final[q] for q in op.qubits), op.params,
                                 (), None, op.label) for op in saves]
        return out
    if initial_layout is None and is_native(circuit, t):
        out = circuit.copy()
        out.metadata = {**circuit.metadata,
                        **Layout(tuple(range(n_v)), tuple(range(n_v))).to_dict()}
        return out
    if n_v > t.n_qubits:
        raise TranspilerError(f"circuit {circuit.name!r} has {n_v} qubits but {t.name} has "
                              f"only {t.n_qubits}")
    seed = DEFAULT_SEED if seed is None else int(seed)
    keep = t.basis_gates if t.edges is None else frozenset()
    ops = circuit.data
    if has_symbolic(ops):  # one transpile serves every value set of a sweep
        ops = lower_symbolic(ops, t)
    ops, phase = unroll(ops, keep=keep)
    if optimization_level >= 1:
        ops, _ = cancel_inverse_pairs(ops)
    stats = CircuitStats(ops, n_v)
    cregs = {r.name: range(circuit.creg_offset(r.name), circuit.creg_offset(r.name) + r.size)
             for r in circuit.cregs}
    problem = RoutingProblem(ops, cregs)
    recorded: list[tuple] | None = [] if problem.only_two_qubit_gates else None
    candidates, perfect = _layout_candidates(stats, t, optimization_level, seed,
                                             initial_layout, layout_method, recorded)
    # Every method keeps the trial with the fewest SWAPs (estimated error breaks ties);
    # the noise-aware default then moves the routed circuit to the lowest-error place it
    # fits on the device (post_layout), which costs no gate.
    best: tuple[tuple[float, int], RoutingTrial] | None = None
    for start, events, final_layout, n_swaps in recorded or ():
        trial = problem.recorded(t, start, events, final_layout, n_swaps)
        score = (trial.n_swaps, round(trial.error, 12))
        if best is None or score < best[0]:
            best = (score, trial)
    trials = 1 if t.edges is None else _SWAP_TRIALS[optimization_level]
    if recorded:  # each candidate's layout search already routed it once
        trials = max(1, trials - 1)
    failure: TranspilerError | None = None
    for k, layout in enumerate(candidates):
        for j in range(trials):
            try:
                if j == 0:
                    problem.check_connected(t, layout)
                trial = problem.trial(t, layout, seed=seed + 1000 * k + j)
            except TranspilerError as exc:  # e.g. a layout across disconnected parts
                failure = exc
                break
            err = round(trial.error, 12)
            score = (trial.n_swaps, err)
            if best is None or score < best[0]:
                best = (score, trial)
            if not trial.n_swaps:  # nothing left to improve by another tie-break
                break
    if best is None:
        assert failure is not None
        raise failure
    routed = problem.build(best[1])
    layout, final = best[1].layout, routed.final_layout
    if initial_layout is None and layout_method in (None, "noise_aware") \
            and optimization_level >= 1 and t.edges is not None \
            and not (best[1].n_swaps == 0 and perfect):  # already the best such placement
        moved = post_layout(routed.ops, t)
        if moved is not None:
            routed.ops = [fast_instruction(op.name, tuple([moved[q] for q in op.qubits]),
                                           op.params, op.clbits, op.condition, op.label)
                          for op in routed.ops]
            layout, final = [moved[p] for p in layout], [moved[p] for p in final]
    physical = optimize(translate_2q(routed.ops, t), t, optimization_level)
    meta = {**circuit.metadata,
            **Layout(tuple(layout[:n_v]), tuple(final[:n_v])).to_dict()}
    out = Circuit(QuantumRegister("q", t.n_qubits), *circuit.cregs, name=circuit.name,
                  global_phase=math.remainder(circuit.global_phase + phase, 2 * math.pi),
                  metadata=meta)
    emit = out.data.append
    for op in physical:
        ps = op.params
        if op.label is None and (not ps or (type(ps[0]) is float and len(ps) == 1)
                                 or all(type(p) is float for p in ps)):
            emit(op)  # as the checks below would rebuild it: skip them
        else:
            out.append(op.name, op.qubits, op.params, op.clbits, op.condition)
    return out

