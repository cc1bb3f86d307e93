"""Compile a Qobj experiment into the statevector engine's program.

Compiling checks every instruction (arity, parameters, unitarity, normalisation) and
raises errors that name the experiment, the instruction index and the rule, so a bad
experiment fails at submission, before any memory is allocated. It then

* looks up gate matrices once (read-only cached arrays for fixed gates),
* splits measurements into *final* ones, sampled for all shots from the final state,
  and mid-circuit ones, which branch the state (see :mod:`.run`): a
  measurement is final when nothing later touches its qubit or reads a classical bit
  (measurement commutes with gates on other qubits, so deferring it changes nothing),
* rewrites gates into cheaper forms and fuses runs of unconditional gates
  (:mod:`.._sim.fusion`), and tells each dense gate which qubits the next ones use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from qfoundry.errors import EngineError, UnsupportedInstructionError
from qfoundry.gates import GATES, NOOP_GATES, permutation_of

from .._sim.fusion import GateOp, cheap_forms, compose, fuse, relabel

__all__ = ["Program", "Step", "compile_experiment", "parse_bfunc", "NON_GATE_INSTRUCTIONS",
           "UNITARY_TOLERANCE", "NORM_TOLERANCE"]

UNITARY_TOLERANCE = 1e-8  # max |U U^dagger - I| entry accepted for a `unitary` matrix
NORM_TOLERANCE = 1e-10  # max |norm - 1| accepted for `initialize` and initial states

NON_GATE_INSTRUCTIONS = frozenset({"measure", "reset", "bfunc", "barrier", "delay", "unitary",
                                   "initialize"})
_NOOPS = NOOP_GATES | {"barrier", "delay"}
_RELATIONS = {
    "==": lambda x: x == 0, "!=": lambda x: x != 0, "<": lambda x: x < 0,
    "<=": lambda x: x <= 0, ">": lambda x: x > 0, ">=": lambda x: x >= 0,
}
_LABEL_STATES = {
    "0": (1, 0), "1": (0, 1), "+": (1 / math.sqrt(2), 1 / math.sqrt(2)),
    "-": (1 / math.sqrt(2), -1 / math.sqrt(2)), "r": (1 / math.sqrt(2), 1j / math.sqrt(2)),
    "l": (1 / math.sqrt(2), -1j / math.sqrt(2)),
}


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


def _where(exp_name: Any, index: int, name: str) -> str:
    return f"experiment {exp_name!r}, instruction {index} ({name!r})"


def _condition(inst: Any, header: Any, where: str) -> tuple | None:
    cond = getattr(inst, "conditional", None)
    if cond is not None:
        if isinstance(cond, Mapping):  # the old object form {mask, val[, type]}
            mask, val = _hex(cond.get("mask", "0x0"), where), _hex(cond.get("val", "0x0"), where)
            return None if mask == 0 else ("mem", mask, val)
        return ("bit", int(cond))
    pre = getattr(inst, "_condition", None)  # un-lowered (creg name, value)
    if pre is not None:
        name, value = pre
        offset = 0
        for reg, size in getattr(header, "creg_sizes", None) or []:
            if reg == name:
                return ("mem", ((1 << size) - 1) << offset, int(value))
            offset += size
        raise EngineError(f"{where}: condition on unknown classical register {name!r}")
    return None


def _hex(text: Any, where: str) -> int:
    try:
        return int(text, 16) if isinstance(text, str) else int(text)
    except (TypeError, ValueError):
        raise EngineError(f"{where}: {text!r} is not a hex string such as '0x3'") from None


def parse_bfunc(inst: Any, where: str) -> tuple[int, Any, int, int, int | None]:
    """A ``bfunc`` as (mask, test, val, register bit, memory slot or None): the result
    bit is ``test((register & mask) - val)``. ``memory`` may be a slot or a one-slot
    list, as the Qobj model accepts both. Shared by every engine."""
    relation = getattr(inst, "relation", None)
    if relation not in _RELATIONS:
        raise EngineError(f"{where}: relation {relation!r} is not one of {list(_RELATIONS)}")
    register = getattr(inst, "register", None)
    if not isinstance(register, (int, np.integer)) or register < 0:
        raise EngineError(f"{where}: needs 'register', the bit that gets the result")
    memory = getattr(inst, "memory", None)
    if isinstance(memory, (list, tuple)):
        if len(memory) != 1:
            raise EngineError(f"{where}: 'memory' must name one slot, got {list(memory)}")
        memory = memory[0]
    return (_hex(getattr(inst, "mask", None), where), _RELATIONS[relation],
            _hex(getattr(inst, "val", None), where), int(register),
            None if memory is None else int(memory))


def condition_holds(cond: tuple, memory: int, register: int) -> bool:
    """Whether a step's condition is true for this classical state."""
    if cond[0] == "bit":
        return bool((register >> cond[1]) & 1)
    _, mask, val = cond  # the masked bits, shifted past the mask's trailing zeros, == val
    return ((memory & mask) >> ((mask & -mask).bit_length() - 1)) == val


def _params(inst: Any, count: int, where: str) -> list[float]:
    params = list(getattr(inst, "params", None) or [])
    if len(params) != count:
        raise EngineError(f"{where}: takes {count} parameter(s), got {len(params)}")
    try:
        return [float(p) for p in params]
    except (TypeError, ValueError):
        raise EngineError(f"{where}: parameters must be real numbers, got {params}") from None


_forms_cache: dict[tuple[str, int], list[GateOp]] = {}


def _gate_ops(inst: Any, qubits: tuple[int, ...], where: str) -> list[GateOp]:
    """The gate as cheap steps (see :func:`_cheap_forms`); fixed gates' forms are cached."""
    op = _gate_step(inst, qubits, where)
    if op.kind != "general":
        return [op]
    if GATES[inst.name].num_params:
        return cheap_forms(op)
    key = (inst.name, len(qubits))
    forms = _forms_cache.get(key)
    if forms is None:  # cached on local qubits 0..k-1, relabelled per use
        forms = _forms_cache[key] = cheap_forms(op._replace(qubits=tuple(range(len(qubits)))))
    return [relabel(f, qubits.__getitem__) for f in forms]


def _gate_step(inst: Any, qubits: tuple[int, ...], where: str) -> GateOp:
    name = inst.name
    spec = GATES[name]
    nq = spec.num_qubits
    if (nq is None and len(qubits) < 1) or (nq is not None and len(qubits) != nq):
        raise EngineError(f"{where}: acts on {nq if nq is not None else '>= 1'} qubit(s), "
                          f"got qubits {list(qubits)}")
    params = _params(inst, spec.num_params, where)
    if spec.kind == "permutation":
        if name == "swap":
            return GateOp("swap", qubits, None)
        return GateOp("permutation", qubits, permutation_of(name, len(qubits)))
    matrix = spec.matrix(params, len(qubits))
    if spec.kind == "diagonal":
        return GateOp("diagonal", qubits, np.diagonal(matrix).copy())
    return GateOp("general", qubits, matrix)


def _unitary_step(inst: Any, qubits: tuple[int, ...], where: str) -> GateOp:
    params = getattr(inst, "params", None) or []
    if not params:
        raise EngineError(f"{where}: needs its matrix as params[0]")
    try:
        m = np.asarray(params[0], dtype=complex)
    except (TypeError, ValueError):
        raise EngineError(f"{where}: params[0] is not a complex matrix") from None
    if m.ndim == 3 and m.shape[-1] == 2 and not np.iscomplexobj(np.asarray(params[0])):
        m = m[..., 0] + 1j * m[..., 1]  # [re, im] pairs
    dim = 1 << len(qubits)
    if m.shape != (dim, dim):
        raise EngineError(f"{where}: matrix of shape {m.shape} does not act on "
                          f"{len(qubits)} qubit(s) (expected ({dim}, {dim}))")
    err = np.max(np.abs(m @ m.conj().T - np.eye(dim))) if dim else 0.0
    if not err <= UNITARY_TOLERANCE:
        raise EngineError(f"{where}: matrix is not unitary (max |U U^dagger - I| = {err:.3g}, "
                          f"tolerance {UNITARY_TOLERANCE})")
    d = np.diagonal(m)
    if np.count_nonzero(m) == np.count_nonzero(d):
        return GateOp("diagonal", qubits, d.copy())
    return GateOp("general", qubits, m)


def _initial_amplitudes(inst: Any, k: int, where: str) -> np.ndarray:
    params = list(getattr(inst, "params", None) or [])
    if params and all(isinstance(p, str) for p in params):
        label = "".join(params)
        if len(label) != k or any(c not in _LABEL_STATES for c in label):
            raise EngineError(f"{where}: label {label!r} must have {k} characters from "
                              f"'01+-rl'")
        amps = np.ones(1, dtype=complex)
        for c in label:  # label[0] is the most significant qubit, as Qiskit's
            amps = np.kron(amps, np.asarray(_LABEL_STATES[c], dtype=complex))
        return amps
    if len(params) == 1 and k > 0 and isinstance(params[0], (int, np.integer)):
        index = int(params[0])
        if not 0 <= index < 1 << k:
            raise EngineError(f"{where}: basis state {index} is out of range for {k} qubit(s)")
        amps = np.zeros(1 << k, dtype=complex)
        amps[index] = 1
        return amps
    return checked_amplitudes(params, k, f"{where}: params")


def checked_amplitudes(values: Any, k: int, what: str) -> np.ndarray:
    """``values`` as a normalised complex vector of length 2**k, or an EngineError that
    starts with ``what`` (used for ``initialize`` and the ``initial_statevector`` option)."""
    try:
        amps = np.asarray(values, dtype=complex).reshape(-1)
    except (TypeError, ValueError):
        raise EngineError(f"{what} must be complex amplitudes") from None
    if amps.size != 1 << k:
        raise EngineError(f"{what} has {amps.size} amplitudes for {k} qubit(s); "
                          f"it must have length {1 << k}")
    norm = float(np.linalg.norm(amps))
    if abs(norm - 1) > NORM_TOLERANCE:
        raise EngineError(f"{what} is not normalized (norm {norm:.12g})")
    return amps


def parse_experiment(experiment: Any, num_qubits: int, num_clbits: int,
                     method: str) -> Program:
    """Check every instruction and translate it into steps (no fusion yet)."""
    header = experiment.header
    name = getattr(header, "name", None)
    prog = Program(num_qubits, num_clbits,
                   global_phase=float(getattr(header, "global_phase", 0.0) or 0.0))
    steps = prog.steps
    for index, inst in enumerate(experiment.instructions):
        iname = inst.name
        where = _where(name, index, iname)
        qubits = tuple(int(q) for q in getattr(inst, "qubits", None) or ())
        for q in qubits:
            if not 0 <= q < num_qubits:
                raise EngineError(f"{where}: qubit {q} is out of range "
                                  f"(the experiment has {num_qubits})")
        if len(set(qubits)) != len(qubits):
            raise EngineError(f"{where}: repeats a qubit in {list(qubits)}")
        cond = _condition(inst, header, where)
        if method == "unitary" and (cond is not None or iname in (
                "measure", "reset", "bfunc", "initialize")):
            what = "a classically conditioned instruction" if cond is not None else repr(iname)
            raise UnsupportedInstructionError(
                f"{where}: the unitary simulator cannot run {what}; it only applies gates")
        if iname in _NOOPS:
            continue
        if iname in GATES:
            ops = _gate_ops(inst, qubits, where)
            if iname == "global_phase" and cond is None:
                prog.global_phase += float(inst.params[0])
                continue
            if ops[0].kind == "swap" and cond is not None:
                ops = [GateOp("permutation", qubits, permutation_of("swap"))]
            steps.extend(_gate_steps(ops, cond))
        elif iname == "unitary":
            op = _unitary_step(inst, qubits, where)
            steps.extend(_gate_steps(cheap_forms(op) if op.kind == "general" else [op], cond))
        elif iname == "measure":
            slots = tuple(int(m) for m in getattr(inst, "memory", None) or ())
            if len(slots) != len(qubits):
                raise EngineError(f"{where}: needs one memory slot per qubit, got "
                                  f"qubits {list(qubits)} and memory {list(slots)}")
            for m in slots:
                if not 0 <= m < num_clbits:
                    raise EngineError(f"{where}: memory slot {m} is out of range "
                                      f"(the experiment has {num_clbits})")
            regs = getattr(inst, "register", None)
            regs = tuple(int(r) for r in regs) if regs is not None else None
            if regs is not None and len(regs) != len(qubits):
                raise EngineError(f"{where}: needs one register bit per qubit")
            steps.append(Step("measure", qubits, None, (slots, regs), cond))
        elif iname == "reset":
            steps.append(Step("reset", qubits, None, None, cond))
        elif iname == "bfunc":
            steps.append(Step("bfunc", (), None, parse_bfunc(inst, where), cond))
        elif iname == "initialize":
            if not qubits:
                raise EngineError(f"{where}: needs the qubits it initializes")
            steps.append(Step("init", qubits, None, _initial_amplitudes(inst, len(qubits), where),
                              cond))
        else:
            raise UnsupportedInstructionError(
                f"{where}: the statevector engine does not support instruction {iname!r}")
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


def compile_experiment(experiment: Any, num_qubits: int, num_clbits: int, *, method: str,
                       sample_final: bool, fusion: bool, max_fused_qubits: int = 3
                       ) -> Program:
    """Parse, split final measurements (when ``sample_final``) and fuse gate runs."""
    prog = parse_experiment(experiment, num_qubits, num_clbits, method)
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
                    run, num_qubits, max_fused_qubits, _diagonal_width(num_qubits)))
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
