"""Compile a lowered program (:mod:`qfoundry.program`) into the trajectory engine's steps.

Every operation becomes its ideal operation followed by its noise channel, looked up by
physical qubits exactly as the density-matrix engine does (the same
:class:`~qfoundry.noise.NoiseModel`, the same active qubits and terminal measurements,
from the lowered program). Channels are unravelled into small sampling steps
(:mod:`.unravel`). Runs of unconditional instructions are then fused into
:class:`Block` s of at most ``fuse`` qubits, each a list of items on the block's qubits:
one pass over the state applies a whole block, whatever the trajectory drew.

A block also carries its **dominant operator** D: the product of every item's most likely
operator, which is the ideal gates themselves when every channel has an identity part
(:mod:`.unravel`). Shots that draw it at every step (most of them: a Paris CX
deviates with probability about 2%) need no per-item work at all: the chance that a shot
does is ``p_fixed``, known at compile time (times ``||D psi||^2 / ||psi||^2`` when a
channel without an identity part, pure amplitude damping, makes D non-unitary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfoundry.errors import EngineError, NoiseError, UnsupportedInstructionError
from qfoundry.gates import NOOP_GATES
from qfoundry.noise import NoiseModel, delay_errors
from qfoundry.noise.channels import QuantumChannel
from qfoundry.program import Bfunc as LoweredBfunc
from qfoundry.program import Delay, Gate
from qfoundry.program import Initialize as LoweredInit
from qfoundry.program import Measure as LoweredMeasure
from qfoundry.program import Program as Lowered
from qfoundry.program import Reset as LoweredReset
from qfoundry.program import Save as LoweredSave

from .._sim.classical import Bfunc
from .unravel import Item, embed, unravel

__all__ = ["Block", "Measure", "Reset", "Init", "Bfunc", "Program", "compile_program"]

_SCAN = 200  # instructions looked at past a block's first one before the block is closed


@dataclass
class Block:
    """Items on local ``qubits`` (qubits[j] is bit j of every matrix), applied in order."""

    qubits: tuple[int, ...]
    items: list[Item]
    dominant: np.ndarray  # product of every item's ops[0]
    p_fixed: float        # chance that the state-independent draws all pick ops[0]
    norm: bool            # the dominant operator is not unitary: its chance needs ||D psi||
    kraus: bool           # some draw depends on the state (needs the reduced density matrix)
    stochastic: bool      # some step draws at all (else the block is the unitary D)
    cond: Any = None
    instructions: int = 1
    p0: np.ndarray = field(default=None, repr=False)     # each item's p0
    born: np.ndarray = field(default=None, repr=False)   # Kraus items without identity part
    _prefix: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.p0 = np.array([item.p0 for item in self.items])
        self.born = np.array([item.kind == "kraus" and item.p0 == 0 for item in self.items],
                             dtype=bool)

    def prefix(self) -> np.ndarray:
        """Products of the items' ops[0]: entry j is that of items 0..j-1 (a stack). Built
        on first use (most blocks of a weakly noisy circuit never need it) and kept with
        the program."""
        if self._prefix is None:
            out = np.empty((len(self.items) + 1, *self.dominant.shape), dtype=complex)
            out[0] = np.eye(self.dominant.shape[0])
            for j, item in enumerate(self.items):
                out[j + 1] = item.ops[0] @ out[j]
            self._prefix = out
        return self._prefix


@dataclass
class Measure:
    """Mid-circuit measurement of local ``qubits`` (None: an idle qubit, reads 0)."""

    qubits: tuple[int | None, ...]
    slots: tuple[int, ...]
    regs: tuple[int, ...] | None
    readouts: tuple[np.ndarray | None, ...]
    cond: Any = None


@dataclass
class Reset:
    qubits: tuple[int, ...]
    cond: Any = None


@dataclass
class Init:
    qubits: tuple[int, ...]   # qubits[j] is bit j of the amplitudes' index
    amplitudes: np.ndarray
    cond: Any = None


@dataclass
class Program:
    active: tuple[int, ...]       # physical qubit of each local qubit
    n_slots: int
    steps: list = field(default_factory=list)
    # Terminal measurements: (local qubit or None, slot, readout matrix or None), in order.
    terminal: list[tuple[int | None, int, np.ndarray | None]] = field(default_factory=list)
    n_instructions: int = 0
    # save_expval at the end: (key, terms on local qubits; a qubit left in |0> is -1 - q)
    saves: list[tuple[str, list]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.active)

    @property
    def mid_circuit(self) -> bool:
        return any(isinstance(s, (Measure, Reset, Init)) for s in self.steps)

    @property
    def n_blocks(self) -> int:
        return sum(isinstance(s, Block) for s in self.steps)


# A raw block: one instruction's operation and noise on its own qubits, before fusion.
_Raw = tuple[tuple[int, ...], list[Item]]


def compile_program(lowered: Lowered, nm: NoiseModel | None, dt: float | None, *,
                    fuse: int) -> Program:
    """The steps of ``lowered`` under ``nm``, blocks of at most ``fuse`` qubits (0: one
    instruction each). Raises NoiseError naming the instruction a noise model misfits."""
    prog = Program(active=tuple(lowered.active_qubits(nm)), n_slots=lowered.num_clbits,
                   n_instructions=lowered.num_instructions)
    local = {p: i for i, p in enumerate(prog.active)}
    run: list[_Raw] = []

    def flush() -> None:
        prog.steps.extend(_fused(run, fuse, prog.n))
        run.clear()

    def add(raw: _Raw | None, cond: Any) -> None:
        if raw is None:
            return
        if cond is None:
            run.append(raw)
        else:  # runs on some branches only: its own step, after what it does not commute with
            flush()
            prog.steps.append(_block(raw[0], [raw], cond))

    for op in lowered.ops:
        where, qubits, cond = lowered.where(op), op.qubits, op.condition
        if prog.saves and not isinstance(op, LoweredSave):
            raise UnsupportedInstructionError(
                f"{where}: follows a save_expval; on the trajectory engine expectation values "
                "are saved at the end of the circuit (the density_matrix engine saves them "
                "anywhere)")
        if isinstance(op, LoweredSave) and op.kind == "expval":
            if cond is not None or any(op.label == k for k, _ in prog.saves):
                raise EngineError(f"{where}: save_expval must be unconditioned with a label "
                                  "of its own")
            prog.saves.append((op.label, [(tuple((local.get(q, -1 - q), x) for q, x in p), c)
                                          for p, c in op.terms]))
            continue
        if isinstance(op, LoweredMeasure):
            for q in qubits:
                error = nm.quantum_error("measure", (q,)) if nm is not None else None
                if error is not None:
                    add(((local[q],), unravel(_check_arity(error, 1, where))), cond)
            readouts = tuple(_readout(nm, q) for q in qubits)
            if op.terminal:
                prog.terminal.extend(
                    (local.get(q), m, ro) for q, m, ro in zip(qubits, op.memory, readouts))
            else:
                flush()
                prog.steps.append(Measure(tuple(local.get(q) for q in qubits), op.memory,
                                          op.register, readouts, cond))
        elif isinstance(op, LoweredBfunc):
            flush()
            prog.steps.append(Bfunc(op.mask, op.test, op.value, op.register, op.memory, cond))
        elif isinstance(op, LoweredReset):
            flush()
            prog.steps.append(Reset(tuple(local[q] for q in qubits), cond))
            for q in qubits:
                add(_noise_only(nm, "reset", (q,), local, where), cond)
        elif isinstance(op, LoweredInit):
            flush()
            prog.steps.append(Init(tuple(local[q] for q in qubits), op.amplitudes, cond))
            add(_noise_only(nm, "initialize", qubits, local, where), cond)
        elif isinstance(op, Delay):  # relaxation for its duration, as the density-matrix engine's
            if nm is None or not op.duration or not any(nm.relaxation(q) for q in qubits):
                continue
            for error, q in delay_errors(op, nm, dt):
                if q in local:  # an idle qubit's delay (not active) leaves it in |0>
                    add(((local[q],), unravel(QuantumChannel(error.superop, check=False))), cond)
        elif isinstance(op, Gate):
            add(_gate(op, nm, local, where), cond)
        else:
            raise UnsupportedInstructionError(
                f"{where}: the trajectory engine does not support instruction {op.name!r}")
    flush()
    return prog


def _readout(nm: NoiseModel | None, q: int) -> np.ndarray | None:
    ro = nm.readout_error(q) if nm is not None else None
    return None if ro is None else ro.probabilities


def _check_arity(error: Any, k: int, where: str) -> Any:
    if error.num_qubits != k:
        raise NoiseError(f"{where}: the noise model attaches a {error.num_qubits}-qubit error "
                         f"to an instruction on {k} qubit(s)")
    return error


def _noise_only(nm: NoiseModel | None, name: str, qubits: tuple[int, ...],
                local: dict[int, int], where: str) -> _Raw | None:
    error = nm.quantum_error(name, qubits) if nm is not None else None
    if error is None:
        return None
    return tuple(local[q] for q in qubits), unravel(_check_arity(error, len(qubits), where))


def _gate(op: Gate, nm: NoiseModel | None, local: dict[int, int], where: str) -> _Raw | None:
    if not op.qubits:  # global phase: invisible to measurements
        return None
    if op.name in NOOP_GATES:
        return _noise_only(nm, op.name, op.qubits, local, where)
    error = nm.quantum_error(op.name, op.qubits) if nm is not None else None
    items = [Item("unitary", tuple(range(len(op.qubits))), op.matrix[None])]
    if error is not None:
        items += unravel(_check_arity(error, len(op.qubits), where))
    return tuple(local[q] for q in op.qubits), items


# -- fusion ------------------------------------------------------------------------------------
def _fused(run: list[_Raw], limit: int, n: int) -> list[Block]:
    """Blocks of at most ``limit`` qubits from a run of unconditional raw blocks.

    A block grows greedily from the first pending instruction; one that does not fit is
    deferred, as is every later one sharing a qubit with a deferred one, so instructions
    only move past instructions on other qubits (as :func:`qfoundry.plugins._sim.fusion.fuse`)."""
    done = [False] * len(run)
    out = []
    for first in range(len(run)):
        if done[first]:
            continue
        qubits = list(run[first][0])
        members = [first]
        blocked: set[int] = set()
        for i in range(first + 1, min(len(run), first + 1 + _SCAN) if limit > 0 else 0):
            if len(blocked) >= n:
                break
            if done[i]:
                continue
            qs = run[i][0]
            if blocked.isdisjoint(qs):
                union = qubits + [q for q in qs if q not in qubits]
                if len(union) <= limit:
                    qubits = union
                    members.append(i)
                    continue
            blocked.update(qs)
        for m in members:
            done[m] = True
        out.append(_block(tuple(qubits), [run[m] for m in members], None))
    return out


def _block(qubits: tuple[int, ...], raws: list[_Raw], cond: Any) -> Block:
    k = len(qubits)
    items: list[Item] = []
    for raw_qubits, raw_items in raws:
        for item in raw_items:
            pos = tuple(qubits.index(raw_qubits[p]) for p in item.qubits)
            ops = embed(item.ops, pos, k)
            if item.kind == "unitary" and items and items[-1].kind == "unitary":
                items[-1] = Item("unitary", items[-1].qubits, ops @ items[-1].ops)
            else:
                items.append(item._replace(qubits=tuple(range(k)), ops=ops))
    dominant = np.eye(1 << k, dtype=complex)
    p_fixed = 1.0
    for item in items:
        dominant = item.ops[0] @ dominant
        if item.kind != "unitary" and item.p0 > 0:
            p_fixed *= item.p0
    kraus = [it for it in items if it.kind == "kraus"]
    return Block(qubits, items, dominant, p_fixed, norm=any(it.p0 == 0 for it in kraus),
                 kraus=bool(kraus), stochastic=any(it.kind != "unitary" for it in items),
                 cond=cond, instructions=len(raws))
