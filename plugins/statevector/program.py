"""Compile a lowered program (:mod:`qfoundry.program`) into the statevector engine's steps.

The lowering has already checked every instruction (arity, parameters, unitarity,
normalisation), at submission. Compiling

* turns each gate into its cheap form (permutation, diagonal, or what :func:`cheap_forms`
  finds; cached for fixed gates),
* splits measurements into *final* ones, sampled for all shots from the final state,
  and mid-circuit ones, which branch the state (see :mod:`.run`): a
  measurement is final when nothing later touches its qubit or reads a classical bit
  (measurement commutes with gates on other qubits, so deferring it changes nothing),
* rewrites gates into cheaper forms and fuses runs of unconditional gates
  (:mod:`.._sim.fusion`), and tells each dense gate which qubits the next ones use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from qfoundry.errors import EngineError, UnsupportedInstructionError
from qfoundry.gates import NOOP_GATES, permutation_of
from qfoundry.program import Bfunc, Delay, Gate, Initialize, Measure, Reset, Save
from qfoundry.program import Program as Lowered

from .._sim.fusion import GateOp, cheap_forms, compose, fuse, relabel

__all__ = ["Program", "Step", "compile_experiment", "parse_program", "check_method",
           "NON_GATE_INSTRUCTIONS"]

NON_GATE_INSTRUCTIONS = frozenset({"measure", "reset", "bfunc", "barrier", "delay", "unitary",
                                   "initialize", "save_expval"})


class Step(NamedTuple):
    """One program step. ``op`` is "gate" (``gate`` set; ``args`` = qubits of the dense
    gates that follow, or None: a layout hint), "measure" (``args`` = (slots,
    register bits or None)), "reset", "bfunc" (``args`` = (mask, test, val, register,
    memory or None)) or "init" (``args`` = amplitudes). ``cond`` gates the step:
    None, ("bit", b) on the register, or ("mem", mask, value) on the memory."""

    op: str
    qubits: tuple[int, ...]
    gate: GateOp | None = None
    args: Any = None
    cond: tuple | None = None


@dataclass
class Program:
    """A compiled experiment. ``final_measures`` are (qubit, slot) pairs sampled from the
    final state, in instruction order; ``dynamic`` says whether any step needs classical
    state or collapses the state (the engine then branches)."""

    num_qubits: int
    num_clbits: int
    steps: list[Step] = field(default_factory=list)
    final_measures: list[tuple[int, int]] = field(default_factory=list)
    global_phase: float = 0.0
    dynamic: bool = False
    # save_expval at the end: (label, terms) evaluated on the final state (see _sim/expval)
    saves: list[tuple[str, tuple]] = field(default_factory=list)


_forms_cache: dict[tuple[str, int], list[GateOp]] = {}


def _gate_ops(gate: Gate) -> list[GateOp]:
    """The gate as cheap steps (see :func:`cheap_forms`); fixed gates' forms are cached."""
    qubits = gate.qubits
    if gate.kind == "permutation":
        if gate.name == "swap":
            return [GateOp("swap", qubits, None)]
        return [GateOp("permutation", qubits, permutation_of(gate.name, len(qubits)))]
    if gate.kind == "diagonal":
        return [GateOp("diagonal", qubits, np.diagonal(gate.matrix).copy())]
    op = GateOp("general", qubits, gate.matrix)
    if gate.params or gate.name == "unitary":
        return cheap_forms(op)
    key = (gate.name, len(qubits))
    forms = _forms_cache.get(key)
    if forms is None:  # cached on local qubits 0..k-1, relabelled per use
        forms = _forms_cache[key] = cheap_forms(op._replace(qubits=tuple(range(len(qubits)))))
    return [relabel(f, qubits.__getitem__) for f in forms]


def check_method(lowered: Lowered, method: str) -> None:
    """The unitary simulator applies gates only: refuse anything else, naming it."""
    if method != "unitary":
        return
    for op in lowered.ops:
        if op.condition is not None or not isinstance(op, (Gate, Delay)):
            what = ("a classically conditioned instruction" if op.condition is not None
                    else repr(op.name))
            raise UnsupportedInstructionError(
                f"{lowered.where(op)}: the unitary simulator cannot run {what}; it only "
                "applies gates")


def check_saves(lowered: Lowered) -> None:
    """``save_expval`` on the statevector engine: at the end, after no measurement,
    reset, initialize or conditional (the state is then one sampled branch, with no exact
    value), each under its own label."""
    labels: set[str] = set()
    dynamic = False
    for op in lowered.ops:
        expval = isinstance(op, Save) and op.kind == "expval"
        if labels and not expval:
            raise UnsupportedInstructionError(
                f"{lowered.where(op)}: follows a save_expval; on the statevector engine "
                "expectation values are saved at the end of the circuit (the density_matrix "
                "engine saves them anywhere)")
        if expval:
            if dynamic:
                raise UnsupportedInstructionError(
                    f"{lowered.where(op)}: after a measurement, reset or conditional the "
                    "state is one sampled branch, so the statevector engine has no exact "
                    "value; use the density_matrix engine")
            if op.label in labels:
                raise EngineError(f"{lowered.where(op)}: a value is already saved under "
                                  f"{op.label!r}")
            labels.add(op.label)
        elif op.condition is not None or not isinstance(op, (Gate, Delay)):
            dynamic = True


def parse_program(lowered: Lowered, method: str) -> Program:
    """Translate every operation into steps (no fusion yet)."""
    check_method(lowered, method)
    prog = Program(lowered.num_qubits, lowered.num_clbits, global_phase=lowered.global_phase)
    steps = prog.steps
    check_saves(lowered)
    for op in lowered.ops:
        cond = op.condition
        if isinstance(op, Save) and op.kind == "expval":
            prog.saves.append((op.label, op.terms))
            continue
        if isinstance(op, Gate):
            if op.name in NOOP_GATES:
                continue
            if op.name == "global_phase" and cond is None:
                prog.global_phase += op.params[0]
                continue
            ops = _gate_ops(op)
            if ops[0].kind == "swap" and cond is not None:
                ops = [GateOp("permutation", op.qubits, permutation_of("swap"))]
            steps.extend(_gate_steps(ops, cond))
        elif isinstance(op, Measure):
            steps.append(Step("measure", op.qubits, None, (op.memory, op.register), cond))
        elif isinstance(op, Reset):
            steps.append(Step("reset", op.qubits, None, None, cond))
        elif isinstance(op, Bfunc):
            steps.append(Step("bfunc", (), None,
                              (op.mask, op.test, op.value, op.register, op.memory), cond))
        elif isinstance(op, Initialize):
            steps.append(Step("init", op.qubits, None, op.amplitudes, cond))
        elif not isinstance(op, Delay):
            raise UnsupportedInstructionError(
                f"{lowered.where(op)}: the statevector engine does not support instruction "
                f"{op.name!r}")
    return prog


def _gate_steps(ops: list[GateOp], cond: tuple | None) -> list[Step]:
    if cond is not None and (len(ops) > 1 or ops[0].kind == "controlled"):
        # A conditioned monomial stays one dense step, so its condition is tested once.
        qubits = ops[0].qubits
        return [Step("gate", qubits, GateOp("general", qubits, compose(ops, qubits,
                                                                       "general")), None, cond)]
    return [Step("gate", op.qubits, op, None, cond) for op in ops]


def _split_final_measures(prog: Program) -> None:
    """Move measurements nothing later depends on to ``final_measures``."""
    touched: set[int] = set()
    classical_later = False
    kept: list[Step] = []
    final: list[tuple[int, int]] = []
    for step in reversed(prog.steps):
        if (step.op == "measure" and step.cond is None and not classical_later
                and touched.isdisjoint(step.qubits)):
            final.extend(reversed(list(zip(step.qubits, step.args[0]))))
            continue
        kept.append(step)
        touched.update(step.qubits)
        if step.cond is not None or step.op == "bfunc":
            classical_later = True
    kept.reverse()
    final.reverse()
    prog.steps, prog.final_measures = kept, final


def _diagonal_width(n: int) -> int:
    """Widest fused diagonal: one pass costs ~2**n, composing it ~2**width per gate."""
    return max(3, min(16, n - 8))


def compile_experiment(lowered: Lowered, *, method: str, sample_final: bool, fusion: bool,
                       max_fused_qubits: int = 3) -> Program:
    """Parse, split final measurements (when ``sample_final``) and fuse gate runs."""
    prog = parse_program(lowered, method)
    if sample_final:
        _split_final_measures(prog)
    prog.dynamic = any(s.op != "gate" or s.cond is not None for s in prog.steps)
    if fusion:
        steps: list[Step] = []
        run: list[GateOp] = []
        for step in [*prog.steps, None]:
            if step is not None and step.op == "gate" and step.cond is None:
                run.append(step.gate)
                continue
            if run:
                steps.extend(Step("gate", g.qubits, g) for g in fuse(
                    run, prog.num_qubits, max_fused_qubits, _diagonal_width(prog.num_qubits),
                    grow=True))
                run = []
            if step is not None:
                steps.append(step)
        prog.steps = steps
    _hint_next_dense(prog)
    return prog


def _hint_next_dense(prog: Program, width: int = 3) -> None:
    """Give each unconditional dense gate (in ``Step.args``) the qubits of the dense gates
    that follow it in its run, as many as fit in ``width`` qubits without touching its
    own: when the state must transpose for this gate, it parks them at the back for free,
    so the following gates need no transpose."""
    steps = prog.steps
    for i, step in enumerate(steps):
        if step.op != "gate" or step.cond is not None or step.gate.kind != "general":
            continue
        own = set(step.gate.qubits)
        union: list[int] = []
        for nxt in steps[i + 1:]:
            if nxt.op != "gate" or nxt.cond is not None or nxt.gate.kind == "swap":
                break
            if nxt.gate.kind != "general":
                continue
            qs = nxt.gate.qubits
            grown = union + [q for q in qs if q not in union]
            if own.intersection(qs) or len(grown) > width:
                break
            union = grown
        if union:
            steps[i] = step._replace(args=tuple(union))
