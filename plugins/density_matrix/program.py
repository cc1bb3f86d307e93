"""Compile a lowered program (:mod:`qfoundry.program`) into the density-matrix engine's steps.

Every operation becomes a CPTP map on its qubits (the ideal operation followed by its
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

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfoundry.errors import EngineError, NoiseError, UnsupportedInstructionError
from qfoundry.gates import NOOP_GATES
from qfoundry.noise import NoiseModel, delay_errors
from qfoundry.program import Bfunc as LoweredBfunc
from qfoundry.program import Delay, Gate, Initialize, Operation, Reset
from qfoundry.program import Measure as LoweredMeasure
from qfoundry.program import Program as Lowered
from qfoundry.program import Save as LoweredSave

from .._sim.classical import Bfunc
from .._sim.expval import pauli_code
from .._sim.fusion import GateOp, fuse

__all__ = ["Op", "Measure", "Bfunc", "Save", "SaveExpval", "Slot", "Rotation", "Program",
           "compile_experiment", "ptm"]


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
class Save:
    """Record the density matrix of local ``qubits`` under ``key``."""

    qubits: tuple[int, ...]
    key: str
    cond: Any = None


@dataclass
class Slot:
    """A symbolic gate of a sweep's template (``pos``: its position in the lowered ops):
    the one part of the program computed again for each value set (see sweep.py)."""

    pos: int
    cond: Any = None


@dataclass
class Rotation:
    """A map that only rotates (r_X, r_Y) of local ``qubit`` by (c, s): an ``rz`` without
    noise, the common symbolic gate of a sweep (see sweep.py), applied in place."""

    qubit: int
    c: float
    s: float
    cond: Any = None


@dataclass
class SaveExpval:
    """Record sum_t coeff_t <P_t> under ``key``; ``terms`` hold (local qubit, Pauli code)
    pairs (qubits that stay |0> already folded in: Z -> 1, X/Y -> the term is 0)."""

    terms: list[tuple[tuple[tuple[int, int], ...], float]]
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


def compile_experiment(lowered: Lowered, nm: NoiseModel | None, dt: float | None, *,
                       fuse: int, save_final: bool = False, dry: bool = False) -> Program:
    """The steps of ``lowered``; ``dry`` stops after finding the active qubits."""
    prog = Program(active=tuple(lowered.active_qubits(nm)), n_slots=lowered.num_clbits,
                   fuse=fuse, n_instructions=lowered.num_instructions)
    if dry:
        return prog
    local = {p: i for i, p in enumerate(prog.active)}
    fuser = _Pending(fuse, prog.n, prog.steps)
    saved: set[str] = set()
    for pos, op in enumerate(lowered.ops):
        qubits, cond = op.qubits, op.condition
        where = f"instruction {op.index} ({op.name} on qubits {list(qubits)})"
        if isinstance(op, LoweredMeasure):
            regs = op.register or [None] * len(qubits)
            for q, slot, reg in zip(qubits, op.memory, regs):
                before = nm.quantum_error("measure", (q,)) if nm is not None else None
                if before is not None:
                    _add(fuser, prog, ptm(before.superop, 1), (local[q],), cond)
                ro = nm.readout_error(q) if nm is not None else None
                m = Measure(local.get(q), q, slot, reg, None if ro is None else ro.probabilities,
                            cond)
                if op.terminal:
                    prog.deferred.append(m)
                else:
                    fuser.flush()
                    prog.steps.append(m)
        elif isinstance(op, LoweredBfunc):
            prog.steps.append(Bfunc(op.mask, op.test, op.value, op.register, op.memory, cond))
        elif isinstance(op, LoweredSave) and op.kind == "expval":
            _claim(saved, op.label, where)
            terms = []
            for paulis, coeff in op.terms:
                if any(q not in local and x != "Z" for q, x in paulis):
                    continue  # X or Y on a qubit left in |0>: the term is 0
                terms.append((tuple((local[q], pauli_code(x)) for q, x in paulis
                                    if q in local), coeff))
            fuser.flush()
            prog.steps.append(SaveExpval(terms, op.label, cond))
        elif isinstance(op, Gate) and op.matrix is None:
            fuser.flush()  # a symbolic angle (a sweep's template): bound per value set
            prog.steps.append(Slot(pos, cond))
        elif isinstance(op, LoweredSave):
            _claim(saved, op.label, where)
            targets = tuple(local[q] for q in qubits) if qubits else tuple(range(prog.n))
            fuser.flush()
            prog.steps.append(Save(targets, op.label, cond))
        else:
            for superop, phys in _superops(op, nm, dt, where):
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


# -- superoperators ---------------------------------------------------------------------------
def _unitary_superop(u: np.ndarray) -> np.ndarray:
    return np.kron(u.conj(), u)


def _prepare_superop(psi: np.ndarray) -> np.ndarray:
    """rho -> |psi><psi| (x) Tr_qubits(rho): reset (psi = |0>) and initialize."""
    d = psi.shape[0]
    return np.outer(np.outer(psi, psi.conj()).reshape(-1, order="F"), np.eye(d).reshape(-1))


def _superops(op: Operation, nm: NoiseModel | None, dt: float | None,
              where: str) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """(superoperator with noise, physical qubits) pairs that implement ``op``."""
    name, qubits = op.name, op.qubits
    if isinstance(op, Reset):
        zero = np.array([1.0, 0.0], dtype=complex)
        return [_noisy(_prepare_superop(zero), nm, name, (q,), where) for q in qubits]
    if isinstance(op, Delay):
        if nm is None or not op.duration or not any(nm.relaxation(q) for q in qubits):
            return []
        return [(error.superop, (q,)) for error, q in delay_errors(op, nm, dt)]
    if isinstance(op, Initialize):
        return [_noisy(_prepare_superop(op.amplitudes), nm, name, qubits, where)]
    if not isinstance(op, Gate):
        raise UnsupportedInstructionError(f"{where}: the density_matrix engine cannot run "
                                          f"{name!r}")
    if not qubits:  # global phase: invisible in rho
        return []
    if name in NOOP_GATES and (nm is None or nm.quantum_error(name, qubits) is None):
        return []
    return [_noisy(_unitary_superop(op.matrix), nm, name, qubits, where)]


def _noisy(superop: np.ndarray, nm: NoiseModel | None, name: str, qubits: tuple[int, ...],
           where: str) -> tuple[np.ndarray, tuple[int, ...]]:
    error = nm.quantum_error(name, qubits) if nm is not None else None
    if error is None:
        return superop, qubits
    if error.num_qubits != len(qubits):
        raise NoiseError(f"{where}: the noise model attaches a {error.num_qubits}-qubit error "
                         f"to {name!r}, which acts on {len(qubits)} qubit(s)")
    return error.superop @ superop, qubits


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
