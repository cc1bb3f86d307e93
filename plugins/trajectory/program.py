"""Compile a Qobj experiment into the trajectory engine's steps.

Every instruction becomes its ideal operation followed by its noise channel, looked up by
physical qubits exactly as the density-matrix engine does (the same
:class:`~qfoundry.noise.NoiseModel`, the same active qubits and terminal
measurements, :mod:`..density_matrix.program`). Channels are unravelled into small sampling steps
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
from qfoundry.gates import GATES, NOOP_GATES
from qfoundry.noise.channels import QuantumChannel
from qfoundry.noise.model import NoiseModel

from ..density_matrix.program import _delay, _n_slots, _terminal_measures, active_qubits
from ..statevector.program import (
    _condition,
    _initial_amplitudes,
    _params,
    _unitary_step,
    _where,
    parse_bfunc,
)
from .unravel import Item, embed, unravel

__all__ = ["Block", "Measure", "Reset", "Init", "Bfunc", "Program", "compile_program",
           "can_sample", "has_quantum_noise"]

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
class Bfunc:
    mask: int
    test: Any
    val: int
    reg: int
    mem: int | None
    cond: Any = None


@dataclass
class Program:
    active: tuple[int, ...]       # physical qubit of each local qubit
    n_slots: int
    steps: list = field(default_factory=list)
    # Terminal measurements: (local qubit or None, slot, readout matrix or None), in order.
    terminal: list[tuple[int | None, int, np.ndarray | None]] = field(default_factory=list)
    n_instructions: int = 0

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


def compile_program(experiment: Any, nm: NoiseModel | None, dt: float | None, *,
                    fuse: int) -> Program:
    """The steps of ``experiment`` under ``nm``, blocks of at most ``fuse`` qubits (0: one
    instruction each). Raises EngineError / NoiseError naming the bad instruction."""
    insts = list(experiment.instructions)
    prog = Program(active=tuple(active_qubits(insts, nm)), n_slots=_n_slots(experiment, insts),
                   n_instructions=len(insts))
    header = experiment.header
    name = getattr(header, "name", None)
    local = {p: i for i, p in enumerate(prog.active)}
    terminal = _terminal_measures(insts)
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

    for i, inst in enumerate(insts):
        iname = inst.name
        where = _where(name, i, iname)
        qubits = tuple(int(q) for q in getattr(inst, "qubits", None) or ())
        if len(set(qubits)) != len(qubits):
            raise EngineError(f"{where}: repeats a qubit in {list(qubits)}")
        cond = _condition(inst, header, where)
        if iname == "barrier":
            continue
        if iname == "measure":
            slots = tuple(int(m) for m in getattr(inst, "memory", None) or ())
            if len(slots) != len(qubits):
                raise EngineError(f"{where}: needs one memory slot per qubit")
            regs = getattr(inst, "register", None)
            regs = tuple(int(r) for r in regs) if regs is not None else None
            for q in qubits:
                error = nm.quantum_error("measure", (q,)) if nm is not None else None
                if error is not None:
                    add(((local[q],), unravel(_check_arity(error, 1, where))), cond)
            readouts = tuple(_readout(nm, q) for q in qubits)
            if i in terminal:
                prog.terminal.extend(
                    (local.get(q), m, ro) for q, m, ro in zip(qubits, slots, readouts))
            else:
                flush()
                prog.steps.append(Measure(tuple(local.get(q) for q in qubits), slots, regs,
                                          readouts, cond))
        elif iname == "bfunc":
            flush()
            prog.steps.append(Bfunc(*parse_bfunc(inst, where), cond))
        elif iname == "reset":
            flush()
            prog.steps.append(Reset(tuple(local[q] for q in qubits), cond))
            for q in qubits:
                add(_noise_only(nm, "reset", (q,), local, where), cond)
        elif iname == "initialize":
            amps = _initial_amplitudes(inst, len(qubits), where)
            flush()
            prog.steps.append(Init(tuple(local[q] for q in qubits), amps, cond))
            add(_noise_only(nm, "initialize", qubits, local, where), cond)
        elif iname == "delay":  # relaxation for its duration, as the density-matrix engine's
            params = list(getattr(inst, "params", None) or ())
            for superop, (q,) in _delay(inst, params, qubits, nm, dt, where):
                if q in local:  # an idle qubit's delay (not active) leaves it in |0>
                    add(((local[q],), unravel(QuantumChannel(superop, check=False))), cond)
        else:
            add(_gate(inst, qubits, nm, local, where), cond)
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


def _gate(inst: Any, qubits: tuple[int, ...], nm: NoiseModel | None, local: dict[int, int],
          where: str) -> _Raw | None:
    name = inst.name
    if name == "unitary":
        op = _unitary_step(inst, qubits, where)
        u = np.diag(op.data) if op.kind == "diagonal" else op.data
    else:
        spec = GATES.get(name)
        if spec is None:
            raise UnsupportedInstructionError(
                f"{where}: the trajectory engine does not support instruction {name!r}")
        if spec.num_qubits == 0:  # global phase: invisible to measurements
            return None
        nq = spec.num_qubits
        if (nq is None and not qubits) or (nq is not None and len(qubits) != nq):
            raise EngineError(f"{where}: acts on {nq if nq is not None else '>= 1'} qubit(s), "
                              f"got qubits {list(qubits)}")
        params = _params(inst, spec.num_params, where)
        if name in NOOP_GATES:
            return _noise_only(nm, name, qubits, local, where)
        u = spec.matrix(params, len(qubits))
    error = nm.quantum_error(name, qubits) if nm is not None else None
    items = [Item("unitary", tuple(range(len(qubits))), u[None])]
    if error is not None:
        items += unravel(_check_arity(error, len(qubits), where))
    return tuple(local[q] for q in qubits), items


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


# -- what the automatic engine needs to know ------------------------------------------------
def has_quantum_noise(experiment: Any, nm: NoiseModel | None) -> bool:
    """Whether any instruction of ``experiment`` is followed by a quantum error under ``nm``
    (a ``delay`` only on an active qubit: an idle qubit's delay leaves it in |0>)."""
    if nm is None:
        return False
    active = set(active_qubits(experiment.instructions, nm))
    for inst in experiment.instructions:
        qubits = tuple(getattr(inst, "qubits", None) or ())
        if inst.name == "delay":
            if getattr(inst, "params", None) and any(
                    nm.relaxation(q) is not None for q in qubits if q in active):
                return True
        elif inst.name in ("measure", "reset"):  # errors per qubit
            if any(nm.quantum_error(inst.name, (q,)) is not None for q in qubits):
                return True
        elif inst.name != "barrier" and nm.quantum_error(inst.name, qubits) is not None:
            return True
    return False


def can_sample(experiment: Any) -> bool:
    """Whether every measurement is terminal (nothing later depends on its outcome or acts on
    its qubit), so all shots can be sampled from one final state: Aer's ``can_sample``."""
    insts = list(experiment.instructions)
    n_measures = sum(inst.name == "measure" for inst in insts)
    return len(_terminal_measures(insts)) == n_measures
