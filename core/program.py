"""The lowered program: one engine-neutral form of a Qobj experiment, built once per job.

:func:`lower` checks every instruction of a Qobj experiment (arity, parameters,
unitarity, normalisation, conditions, classical functions) and turns it into a
:class:`Program`: a tuple of operations that say what happens, not how an engine applies
it. Every built-in engine runs from it, and so can a plugin engine that defines
:meth:`~qfoundry.Engine.run_program` (docs/writing-engines.md); the core lowers each
experiment once, at submission (so bad input fails in ``run()``), and hands the same
program to the engine, on whatever thread, process or Dask worker it runs.

Operations (all immutable, picklable named tuples; ``index`` is the instruction's index
in the experiment, for messages; ``condition`` is None or a :data:`Condition`):

* :class:`Gate`: a unitary on ``qubits``: its ``matrix`` (``qubits[0]`` is the least
  significant bit of the row index, as Qiskit's ``Operator``), ``params``, and ``form``
  (``"diagonal"``, ``"permutation"``, ``"monomial"``, ``"controlled"`` or ``"dense"``:
  what lets an engine apply it cheaply). A ``unitary`` instruction is a Gate named
  ``"unitary"``; ``global_phase`` one on no qubits.
* :class:`Measure` (``terminal`` when nothing later can observe the outcome, so it may be
  sampled from the final state), :class:`Reset`, :class:`Initialize` (normalised
  amplitudes), :class:`Bfunc` (Qobj's classical function), :class:`Delay` (a duration
  and its unit), :class:`Save` (``save_density_matrix``). Barriers are dropped.

Device noise attaches where an operation's ``(name, qubits)`` has an error in the noise
model (``NoiseModel.quantum_error(op.name, op.qubits)``; measurements and resets per
qubit), after the operation; :meth:`Program.active_qubits` is the set of qubits a noisy
engine must simulate under a given model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EngineError, UnsupportedInstructionError
from .gates import GATES, NOOP_GATES
from .observable import expval_terms
from .operations import (
    RELATIONS,
    Bfunc,
    Condition,
    Delay,
    Gate,
    Initialize,
    Measure,
    Operation,
    Reset,
    Save,
    condition_holds,
)
from .program_plain import plain_gate, plain_measure
from .qobj import experiment_size

if TYPE_CHECKING:
    from .noise import NoiseModel
    from .qobj import QasmQobjExperiment

__all__ = ["Program", "lower", "Gate", "Measure", "Reset", "Initialize", "Bfunc", "Delay",
           "Save", "Operation", "Condition", "condition_holds", "checked_amplitudes",
           "experiment_size", "RELATIONS", "UNITARY_TOLERANCE", "NORM_TOLERANCE"]

UNITARY_TOLERANCE = 1e-8  # max |U U^dagger - I| entry accepted for a `unitary` matrix
NORM_TOLERANCE = 1e-10    # max |norm - 1| accepted for `initialize` and initial states

_LABEL_STATES = {
    "0": (1, 0), "1": (0, 1), "+": (1 / math.sqrt(2), 1 / math.sqrt(2)),
    "-": (1 / math.sqrt(2), -1 / math.sqrt(2)), "r": (1 / math.sqrt(2), 1j / math.sqrt(2)),
    "l": (1 / math.sqrt(2), -1j / math.sqrt(2)),
}
_DELAY_UNITS = frozenset({"dt", "s", "ms", "us", "µs", "ns", "ps"})


@dataclass(frozen=True)
class Program:
    """A lowered experiment: ``ops`` in order on ``num_qubits`` qubits and ``num_clbits``
    memory slots; ``global_phase`` is the experiment header's (gates named global_phase
    stay in ``ops``)."""

    name: Any
    num_qubits: int
    num_clbits: int
    ops: tuple[Operation, ...]
    global_phase: float = 0.0
    num_instructions: int = 0
    # Parameter sweeps (qfoundry.sweep): a template's symbolic Gates have matrix None and
    # ``sweep_angles[(instruction, parameter)]`` holds every value set's angle; a bound
    # program names its ``template`` and ``sweep_index``. ``cache`` is where an engine may
    # keep what it compiled from a template, so every value set reuses it.
    template: Program | None = field(default=None, compare=False, repr=False)
    sweep_index: int | None = None
    sweep_angles: Mapping[tuple[int, int], np.ndarray] | None = field(
        default=None, compare=False, repr=False)
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def instruction_names(self) -> frozenset[str]:
        return frozenset(op.name for op in self.ops)

    @property
    def measures(self) -> tuple[Measure, ...]:
        return tuple(op for op in self.ops if isinstance(op, Measure))

    @property
    def all_terminal(self) -> bool:
        """Every measurement is terminal: all shots can be sampled from one final state
        (Aer's ``can_sample``)."""
        return all(m.terminal for m in self.measures)

    def where(self, op: Operation) -> str:
        """"experiment NAME, instruction I ('op')": how messages name an operation."""
        return _where(self.name, op.index, op.name)

    def active_qubits(self, noise_model: NoiseModel | None = None) -> list[int]:
        """Qubits a simulation under ``noise_model`` must hold. Left out, as they stay |0>:
        qubits only measured, only idling (relaxation keeps |0> at zero temperature) or
        only given noiseless identities, so a circuit padding all 27 qubits of Paris with
        delays costs its gates' qubits only."""
        nm = noise_model
        active: set[int] = set()
        idling: set[int] = set()
        for op in self.ops:
            if isinstance(op, Measure):
                if nm is not None:
                    active.update(q for q in op.qubits if nm.quantum_error("measure", (q,)))
            elif isinstance(op, Delay):
                idling.update(op.qubits)
            elif isinstance(op, Save) and op.kind == "expval":
                continue  # it reads qubits; one nothing acts on is |0>
            elif op.name in NOOP_GATES and (nm is None or not nm.quantum_error(op.name,
                                                                                op.qubits)):
                continue
            else:
                active.update(op.qubits)
        if nm is not None:  # at a finite temperature an idling qubit heats up: simulate it
            active.update(q for q in idling if (nm.relaxation(q) or (0, 0, 0.0))[2] > 0)
        return sorted(active)


def lower(experiment: QasmQobjExperiment, *, symbolic: bool = False) -> Program:
    """The program of a Qobj experiment; raises EngineError or UnsupportedInstructionError
    naming the experiment, the instruction index and the rule. ``symbolic`` (a sweep's
    template, see :func:`qfoundry.sweep.lower_template`) keeps gates whose parameters are
    expression text as Gates with matrix None."""
    header, (n_qubits, n_slots) = experiment.header, experiment_size(experiment)
    name = getattr(header, "name", None)
    insts = list(experiment.instructions)
    ops: list[Operation] = []
    for index, inst in enumerate(insts):
        spec = GATES.get(inst.name)
        plain = (plain_gate(inst, spec, n_qubits, index) if spec is not None and not symbolic
                 else plain_measure(inst, n_qubits, n_slots, index) if inst.name == "measure"
                 else None)  # the short path (.program_plain), else the general one below
        if plain is not None:
            ops.append(plain)
            continue
        where = _where(name, index, inst.name)
        qubits = tuple(map(int, getattr(inst, "qubits", None) or ()))
        for q in qubits:
            if not 0 <= q < n_qubits:
                raise EngineError(f"{where}: qubit {q} is out of range "
                                  f"(the experiment has {n_qubits})")
        if len(set(qubits)) != len(qubits):
            raise EngineError(f"{where}: repeats a qubit in {list(qubits)}")
        cond = parse_condition(inst, header, where)
        if inst.name != "barrier":
            ops.append(_operation(inst, qubits, cond, index, n_slots, where, symbolic))
    return Program(name=name, num_qubits=n_qubits, num_clbits=n_slots,
                   ops=tuple(_mark_terminal(ops)),
                   global_phase=float(getattr(header, "global_phase", 0.0) or 0.0),
                   num_instructions=len(insts))


def _operation(inst: Any, qubits: tuple[int, ...], cond: Condition | None, index: int,
               n_slots: int, where: str, symbolic: bool = False) -> Operation:
    name = inst.name
    if name in GATES:
        return _gate(inst, qubits, cond, index, where, symbolic)
    if name == "unitary":
        return _unitary(inst, qubits, cond, index, where)
    if name == "measure":
        slots = tuple(map(int, getattr(inst, "memory", None) or ()))
        if len(slots) != len(qubits):
            raise EngineError(f"{where}: needs one memory slot per qubit, got "
                              f"qubits {list(qubits)} and memory {list(slots)}")
        for m in slots:
            if not 0 <= m < n_slots:
                raise EngineError(f"{where}: memory slot {m} is out of range "
                                  f"(the experiment has {n_slots})")
        regs = getattr(inst, "register", None)
        regs = tuple(map(int, regs)) if regs is not None else None
        if regs is not None and len(regs) != len(qubits):
            raise EngineError(f"{where}: needs one register bit per qubit")
        return Measure(qubits, slots, regs, False, cond, index)
    if name == "reset":
        return Reset(qubits, cond, index)
    if name == "bfunc":
        return _bfunc(inst, cond, index, where)
    if name == "initialize":
        if not qubits:
            raise EngineError(f"{where}: needs the qubits it initializes")
        return Initialize(qubits, _initial_amplitudes(inst, len(qubits), where), cond, index)
    if name == "delay":
        return _delay(inst, qubits, cond, index, where)
    if name == "save_expval":
        label = getattr(inst, "label", None) or "expectation_value"
        terms = expval_terms(getattr(inst, "params", None) or (), qubits, where)
        return Save("expval", label, qubits, cond, index, name, terms)
    if name.startswith("save_"):
        kind = name[len("save_"):]
        return Save(kind, getattr(inst, "label", None) or kind, qubits, cond, index, name)
    raise UnsupportedInstructionError(f"{where}: instruction {name!r} has no lowered form")


def _params(inst: Any, count: int, where: str) -> tuple[float, ...]:
    params = list(getattr(inst, "params", None) or [])
    if len(params) != count:
        raise EngineError(f"{where}: takes {count} parameter(s), got {len(params)}")
    try:
        return tuple(map(float, params))  # map: no generator frame per gate
    except (TypeError, ValueError):
        raise EngineError(f"{where}: parameters must be real numbers, got {params}") from None


def _gate(inst: Any, qubits: tuple[int, ...], cond: Condition | None, index: int,
          where: str, symbolic: bool = False) -> Gate:
    spec = GATES[inst.name]
    nq = spec.num_qubits
    if (nq is None and len(qubits) < 1) or (nq is not None and len(qubits) != nq):
        raise EngineError(f"{where}: acts on {nq if nq is not None else '>= 1'} qubit(s), "
                          f"got qubits {list(qubits)}")
    raw = tuple(getattr(inst, "params", None) or ())
    if symbolic and any(isinstance(p, str) for p in raw):  # bound per value set
        if len(raw) != spec.num_params:
            raise EngineError(f"{where}: takes {spec.num_params} parameter(s), got {len(raw)}")
        return Gate(inst.name, qubits, raw, None, spec.kind, cond, index)
    params = _params(inst, spec.num_params, where)
    # Checked and converted already: a parametric gate's builder is called directly.
    matrix = (spec.matrix_fn(*params) if params and nq is not None
              else spec.matrix(params, len(qubits)))
    return Gate(inst.name, qubits, params, matrix, spec.kind, cond, index)


def _unitary(inst: Any, qubits: tuple[int, ...], cond: Condition | None, index: int,
             where: str) -> Gate:
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
    kind = "diagonal" if np.count_nonzero(m) == np.count_nonzero(np.diagonal(m)) else "general"
    return Gate("unitary", qubits, (), m, kind, cond, index)


def _bfunc(inst: Any, cond: Condition | None, index: int, where: str) -> Bfunc:
    """The result bit is ``relation((register & mask) - val)``. ``memory`` may be a slot
    or a one-slot list, as the Qobj model accepts both."""
    relation = getattr(inst, "relation", None)
    if relation not in RELATIONS:
        raise EngineError(f"{where}: relation {relation!r} is not one of {list(RELATIONS)}")
    register = getattr(inst, "register", None)
    if not isinstance(register, (int, np.integer)) or register < 0:
        raise EngineError(f"{where}: needs 'register', the bit that gets the result")
    memory = getattr(inst, "memory", None)
    if isinstance(memory, (list, tuple)):
        if len(memory) != 1:
            raise EngineError(f"{where}: 'memory' must name one slot, got {list(memory)}")
        memory = memory[0]
    return Bfunc(_hex(getattr(inst, "mask", None), where), relation,
                 _hex(getattr(inst, "val", None), where), int(register),
                 None if memory is None else int(memory), cond, index)


def _delay(inst: Any, qubits: tuple[int, ...], cond: Condition | None, index: int,
           where: str) -> Delay:
    params = list(getattr(inst, "params", None) or ())
    unit = getattr(inst, "unit", "dt")
    if unit not in _DELAY_UNITS:
        raise EngineError(f"{where}: unknown delay unit {unit!r}")
    try:
        duration = float(params[0]) if params else 0.0
    except (TypeError, ValueError):
        raise EngineError(f"{where}: the duration must be a number, got {params[0]!r}"
                          ) from None
    return Delay(qubits, duration, unit, cond, index)


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
        basis = int(params[0])
        if not 0 <= basis < 1 << k:
            raise EngineError(f"{where}: basis state {basis} is out of range for {k} qubit(s)")
        amps = np.zeros(1 << k, dtype=complex)
        amps[basis] = 1
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


def _where(exp_name: Any, index: int, name: str) -> str:
    return f"experiment {exp_name!r}, instruction {index} ({name!r})"


def _mark_terminal(ops: list[Operation]) -> list[Operation]:
    """Flag measurements whose outcome nothing later can observe (scanning backwards):
    no later operation on their qubits, no later read of their slots, no later condition
    on memory, and no later read of the register bits they write."""
    later_qubits: set[int] = set()
    later_slots: set[int] = set()
    reads_register = reads_memory = False
    out = list(ops)
    for i in range(len(out) - 1, -1, -1):
        op = out[i]
        cond = op.condition
        if isinstance(op, Measure):
            if (cond is None and not reads_memory and not (op.register is not None
                                                           and reads_register)
                    and later_qubits.isdisjoint(op.qubits)
                    and later_slots.isdisjoint(op.memory)):
                out[i] = Measure(op.qubits, op.memory, op.register, True, None, op.index)
            else:
                later_qubits.update(op.qubits)
                later_slots.update(op.memory)
        elif isinstance(op, Bfunc):
            reads_register = True
            if op.memory is not None:
                later_slots.add(op.memory)
        else:
            later_qubits.update(op.qubits)
        if cond is not None:
            reads_register = True
            reads_memory = reads_memory or cond[0] == "mem"
    return out


def parse_condition(inst: Any, header: Any, where: str) -> Condition | None:
    """An instruction's :data:`Condition`, from either Qobj form (or None)."""
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
