"""Compile a Qobj experiment into the density-matrix engine's steps.

Every instruction becomes a CPTP map on its qubits (the ideal operation followed by its
noise channel), in the engine's representation: its **Pauli transfer matrix** (PTM),
``R[P', P] = Tr(P' E(P)) / 2^k`` over Pauli strings, which is real for every physical
map. rho is stored the same way, ``rho = sum_P r_P P / 2^n`` with real ``r_P``, so the
engine moves and multiplies half the bytes of a complex superoperator and does a
quarter of the flops. A string's index is C-order over per-qubit ``I, X, Y, Z = 0..3``,
most significant qubit first: each qubit is a pair of adjacent bit axes of the state
tensor (low bit ``2q``, high bit ``2q + 1``), so a k-qubit PTM is a 2k-"qubit" matrix for
:mod:`qfoundry.plugins._sim.kernels` with operator qubits ``(low q0, high q0, low q1, ...)``.
Runs of unconditional maps are fused into blocks of at most ``fuse`` qubits.

Measurements the rest of the circuit cannot observe (nothing acts on the qubit or reads
the bit afterwards) are *terminal*: sampled once at the end. Others are steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfoundry.errors import EngineError, NoiseError, UnsupportedInstructionError
from qfoundry.gates import GATES, NOOP_GATES
from qfoundry.noise.model import NoiseModel

from .._sim.fusion import GateOp, fuse
from ..statevector.program import _condition as parse_condition  # shared Qobj condition forms
from ..statevector.program import parse_bfunc

__all__ = ["Op", "Measure", "Bfunc", "Save", "Program", "compile_experiment", "active_qubits",
           "ptm"]

_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12}


@dataclass
class Op:
    """A CPTP map: ``matrix`` (its real PTM, see above) on local ``qubits``."""

    qubits: tuple[int, ...]
    matrix: np.ndarray
    cond: Any = None


@dataclass
class Measure:
    """Measure local ``qubit`` (None: an idle qubit, always 0) into ``slot``/``reg``."""

    qubit: int | None
    phys: int
    slot: int | None
    reg: int | None
    readout: np.ndarray | None
    cond: Any = None


@dataclass
class Bfunc:
    mask: int
    test: Any  # the relation, applied to (register & mask) - val
    val: int
    reg: int
    mem: int | None
    cond: Any = None


@dataclass
class Save:
    """Record the density matrix of local ``qubits`` under ``key``."""

    qubits: tuple[int, ...]
    key: str
    cond: Any = None


@dataclass
class Program:
    active: tuple[int, ...]           # physical qubit of each local qubit
    n_slots: int
    fuse: int
    steps: list = field(default_factory=list)
    deferred: list[Measure] = field(default_factory=list)
    n_instructions: int = 0

    @property
    def n(self) -> int:
        return len(self.active)

    @property
    def mid_circuit(self) -> bool:
        return any(isinstance(s, Measure) for s in self.steps)

    @property
    def n_passes(self) -> int:
        return sum(isinstance(s, Op) for s in self.steps)


def active_qubits(instructions: Sequence[Any], nm: NoiseModel | None) -> list[int]:
    """Physical qubits that need simulating. Left out, as they stay |0>: qubits only
    measured, only idling (``delay``: relaxation keeps |0> at zero temperature) or only
    given noiseless identities, so a scheduled circuit padding all 27 qubits of Paris
    with delays costs its gates' qubits only."""
    active: set[int] = set()
    idling: set[int] = set()
    for inst in instructions:
        qubits = tuple(getattr(inst, "qubits", None) or ())
        if inst.name == "barrier":
            continue
        if inst.name == "measure":
            if nm is not None:
                active.update(q for q in qubits if nm.quantum_error("measure", (q,)))
        elif inst.name == "delay":
            idling.update(qubits)
        elif inst.name in NOOP_GATES and (nm is None or not nm.quantum_error(inst.name, qubits)):
            continue
        else:
            active.update(qubits)
    if nm is not None:  # at a finite temperature an idling qubit heats up: simulate it
        active.update(q for q in idling if (nm.relaxation(q) or (0, 0, 0.0))[2] > 0)
    return sorted(active)


def compile_experiment(experiment: Any, nm: NoiseModel | None, dt: float | None, *,
                       fuse: int, save_final: bool = False, dry: bool = False) -> Program:
    """The steps of ``experiment``; ``dry`` stops after finding the active qubits."""
    insts = list(experiment.instructions)
    prog = Program(active=tuple(active_qubits(insts, nm)), n_slots=_n_slots(experiment, insts),
                   fuse=fuse, n_instructions=len(insts))
    if dry:
        return prog
    local = {p: i for i, p in enumerate(prog.active)}
    terminal = _terminal_measures(insts)
    fuser = _Pending(fuse, prog.n, prog.steps)
    saved: set[str] = set()
    for i, inst in enumerate(insts):
        name, qubits = inst.name, tuple(getattr(inst, "qubits", None) or ())
        where = f"instruction {i} ({name} on qubits {list(qubits)})"
        cond = parse_condition(inst, getattr(experiment, "header", None), where)
        if name == "barrier":
            continue
        if name == "measure":
            regs = getattr(inst, "register", None) or [None] * len(qubits)
            for q, slot, reg in zip(qubits, inst.memory, regs):
                before = nm.quantum_error("measure", (q,)) if nm is not None else None
                if before is not None:
                    _add(fuser, prog, ptm(before.superop, 1), (local[q],), cond)
                ro = nm.readout_error(q) if nm is not None else None
                m = Measure(local.get(q), q, slot, reg, None if ro is None else ro.probabilities,
                            cond)
                if i in terminal:
                    prog.deferred.append(m)
                else:
                    fuser.flush()
                    prog.steps.append(m)
        elif name == "bfunc":
            prog.steps.append(Bfunc(*parse_bfunc(inst, where), cond))
        elif name == "save_density_matrix":
            key = getattr(inst, "label", None) or "density_matrix"
            _claim(saved, key, where)
            targets = tuple(local[q] for q in qubits) if qubits else tuple(range(prog.n))
            fuser.flush()
            prog.steps.append(Save(targets, key, cond))
        else:
            for superop, phys in _superops(inst, nm, dt, where):
                if all(q in local for q in phys):  # else an idle qubit's delay: stays |0>
                    _add(fuser, prog, ptm(superop, len(phys)),
                         tuple(local[q] for q in phys), cond)
    fuser.flush()
    if save_final:
        _claim(saved, "density_matrix", "option save_density_matrix")
        prog.steps.append(Save(tuple(range(prog.n)), "density_matrix"))
    return prog


def _add(fuser: _Pending, prog: Program, matrix: np.ndarray, qubits: tuple[int, ...],
         cond: Any) -> None:
    if cond is None:
        fuser.add(matrix, qubits)
    else:  # runs on some branches only: its own step, after what it does not commute with
        fuser.flush()
        prog.steps.append(Op(qubits, matrix, cond))


def _claim(saved: set[str], key: str, where: str) -> None:
    if key in saved:
        raise EngineError(f"{where}: a density matrix is already saved under {key!r}; give "
                          "save_density_matrix instructions distinct labels")
    saved.add(key)


def _n_slots(experiment: Any, insts: Sequence[Any]) -> int:
    for part in (getattr(experiment, "config", None), getattr(experiment, "header", None)):
        value = getattr(part, "memory_slots", None)
        if value is not None:
            return int(value)
    slots = [s for inst in insts if inst.name == "measure" for s in inst.memory]
    return max(slots) + 1 if slots else 0


def _terminal_measures(insts: Sequence[Any]) -> set[int]:
    """Indices of measures whose outcome nothing later can observe (scan backwards)."""
    out: set[int] = set()
    later_qubits: set[int] = set()
    later_slots: set[int] = set()
    reads_register = reads_memory = False
    for i in range(len(insts) - 1, -1, -1):
        inst = insts[i]
        qubits = set(getattr(inst, "qubits", None) or ())
        cond = getattr(inst, "conditional", None)
        if cond is None and getattr(inst, "_condition", None) is not None:
            cond = {"creg": inst._condition}  # un-lowered `if (c == v)`: reads memory
        if inst.name == "measure":
            slots = set(inst.memory)
            has_reg = getattr(inst, "register", None) is not None
            if (cond is None and not reads_memory and not (has_reg and reads_register)
                    and not qubits & later_qubits and not slots & later_slots):
                out.add(i)
            else:
                later_qubits |= qubits
                later_slots |= slots
        elif inst.name == "bfunc":
            reads_register = True
            mem = getattr(inst, "memory", None)
            if mem is not None:
                later_slots.update(mem if isinstance(mem, list) else [mem])
        elif inst.name != "barrier":
            later_qubits |= qubits
        if cond is not None:
            reads_register = True
            reads_memory = reads_memory or not isinstance(cond, int)
    return out


# -- superoperators ---------------------------------------------------------------------------
def _unitary_superop(u: np.ndarray) -> np.ndarray:
    return np.kron(u.conj(), u)


def _prepare_superop(psi: np.ndarray) -> np.ndarray:
    """rho -> |psi><psi| (x) Tr_qubits(rho): reset (psi = |0>) and initialize."""
    d = psi.shape[0]
    return np.outer(np.outer(psi, psi.conj()).reshape(-1, order="F"), np.eye(d).reshape(-1))


def _superops(inst: Any, nm: NoiseModel | None, dt: float | None,
              where: str) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """(superoperator with noise, physical qubits) pairs that implement ``inst``."""
    name, qubits = inst.name, tuple(getattr(inst, "qubits", None) or ())
    params = list(getattr(inst, "params", None) or ())
    if name == "reset":
        zero = np.array([1.0, 0.0], dtype=complex)
        return [_noisy(_prepare_superop(zero), nm, name, (q,), where) for q in qubits]
    if name == "delay":
        return _delay(inst, params, qubits, nm, dt, where)
    if name == "unitary":
        u = np.asarray(params[0] if params else None, dtype=complex)
        if u.shape != (2 ** len(qubits),) * 2:
            raise EngineError(f"{where}: a unitary on {len(qubits)} qubits must be "
                              f"{2 ** len(qubits)}x{2 ** len(qubits)}, got shape {u.shape}")
        return [_noisy(_unitary_superop(u), nm, name, qubits, where)]
    if name == "initialize":
        psi = np.asarray(params, dtype=complex).reshape(-1)
        if psi.shape != (2 ** len(qubits),) or abs(np.vdot(psi, psi) - 1) > 1e-10:
            raise EngineError(f"{where}: initialize needs a normalised vector of "
                              f"{2 ** len(qubits)} amplitudes")
        return [_noisy(_prepare_superop(psi), nm, name, qubits, where)]
    spec = GATES.get(name)
    if spec is None:
        raise UnsupportedInstructionError(f"{where}: the density_matrix engine cannot run "
                                          f"{name!r}")
    if spec.num_qubits == 0:  # global phase: invisible in rho
        return []
    if spec.num_qubits is not None and spec.num_qubits != len(qubits):
        raise EngineError(f"{where}: {name} acts on {spec.num_qubits} qubit(s)")
    if name in NOOP_GATES and (nm is None or nm.quantum_error(name, qubits) is None):
        return []
    try:
        u = spec.matrix([float(p) for p in params], len(qubits))
    except (TypeError, ValueError) as exc:
        raise EngineError(f"{where}: {exc}") from None
    return [_noisy(_unitary_superop(u), nm, name, qubits, where)]


def _noisy(superop: np.ndarray, nm: NoiseModel | None, name: str, qubits: tuple[int, ...],
           where: str) -> tuple[np.ndarray, tuple[int, ...]]:
    error = nm.quantum_error(name, qubits) if nm is not None else None
    if error is None:
        return superop, qubits
    if error.num_qubits != len(qubits):
        raise NoiseError(f"{where}: the noise model attaches a {error.num_qubits}-qubit error "
                         f"to {name!r}, which acts on {len(qubits)} qubit(s)")
    return error.superop @ superop, qubits


def _delay(inst: Any, params: list, qubits: tuple[int, ...], nm: NoiseModel | None,
           dt: float | None, where: str) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """Relaxation for the delay's duration: ``params[0]`` in units of dt unless the
    instruction carries ``unit`` ("s", "ms", "us", "ns", "ps" or "dt")."""
    if nm is None or not params or not any(nm.relaxation(q) for q in qubits):
        return []
    unit = getattr(inst, "unit", "dt")
    if unit == "dt":
        if dt is None:
            raise EngineError(f"{where}: the duration is in units of dt, but neither the "
                              "device nor the noise model defines dt")
        seconds = float(params[0]) * dt
    elif unit in _SECONDS:
        seconds = float(params[0]) * _SECONDS[unit]
    else:
        raise EngineError(f"{where}: unknown delay unit {unit!r}")
    out = []
    for q in qubits:
        error = nm.delay_error(q, seconds)
        if error is not None:
            out.append((error.superop, (q,)))
    return out


_PAULIS = (np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
           np.diag([1.0, -1.0]))
_BASES: dict[int, np.ndarray] = {}


def _pauli_basis(k: int) -> np.ndarray:
    """Columns vec(P) (column stacking) of the 4^k Pauli strings, in PTM index order."""
    basis = _BASES.get(k)
    if basis is None:
        columns = []
        for index in range(4 ** k):
            mat = np.array([[1.0 + 0j]])
            for pos in range(k - 1, -1, -1):  # most significant qubit first, as np.kron
                mat = np.kron(mat, _PAULIS[(index >> (2 * pos)) & 3])
            columns.append(mat.reshape(-1, order="F"))
        basis = _BASES[k] = np.array(columns).T
    return basis


def ptm(superop: np.ndarray, k: int) -> np.ndarray:
    """The real Pauli transfer matrix of a k-qubit superoperator (Qiskit convention)."""
    basis = _pauli_basis(k)
    r = basis.conj().T @ superop @ basis / 2 ** k
    if np.abs(r.imag).max() > 1e-9:
        raise EngineError("a channel does not preserve Hermiticity")  # pragma: no cover
    return np.ascontiguousarray(r.real)


# -- fusion ----------------------------------------------------------------------------------
class _Pending:
    """Unconditional maps waiting to be fused; other steps flush them first, in order.

    Fusion is the statevector engine's (:func:`qfoundry.plugins._sim.fusion.fuse`): a PTM on
    k qubits is a "general" operator on their 2k bit axes, and a block of ``limit`` qubits
    is one on ``2 * limit`` bits (each qubit's two bits always travel together)."""

    def __init__(self, limit: int, n_qubits: int, steps: list):
        self.limit, self.n_bits, self.steps, self.ops = limit, 2 * n_qubits, steps, []

    def add(self, matrix: np.ndarray, qubits: tuple[int, ...]) -> None:
        self.ops.append(GateOp("general", tuple(b for q in qubits for b in (2 * q, 2 * q + 1)),
                               matrix))

    def flush(self) -> None:
        fused = fuse(self.ops, self.n_bits, max_qubits=2 * self.limit) if self.limit else self.ops
        for op in fused:  # compose() works in complex; PTMs of real maps stay real
            self.steps.append(Op(tuple(b // 2 for b in op.qubits[::2]),
                                 np.ascontiguousarray(np.real(op.data))))
        self.ops.clear()
