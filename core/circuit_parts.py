"""The parts a Circuit is made of: registers, bits and instructions, and the checks on
instruction parameters. Below :mod:`qfoundry.circuit` (which re-exports them) so the
OpenQASM 2 reader can build them without importing the Circuit itself."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .errors import CircuitError
from .parameters import ParameterExpression

__all__ = ["Qubit", "Clbit", "QuantumRegister", "ClassicalRegister", "Instruction",
           "fast_instruction", "check_condition", "condition_clbits",
           "QubitSpec", "ClbitSpec", "instruction_signature"]

_NAME_RE = re.compile(r"[a-z][A-Za-z0-9_]*\Z")


class Qubit(NamedTuple):
    """One qubit of a register, as ``qreg[i]`` returns it."""

    register: QuantumRegister
    index: int


class Clbit(NamedTuple):
    """One classical bit of a register, as ``creg[i]`` returns it."""

    register: ClassicalRegister
    index: int


class _Register:
    """Shared behaviour: a named, sized, indexable group of bits."""

    name: str
    size: int
    _bit: type

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise CircuitError(f"invalid register name {self.name!r}: OpenQASM 2 needs a "
                               "lowercase letter followed by letters, digits or '_'")
        if isinstance(self.size, bool) or not isinstance(self.size, (int, np.integer)) \
                or self.size < 0:
            raise CircuitError(f"register {self.name!r}: size must be a non-negative integer, "
                               f"got {self.size!r}")
        object.__setattr__(self, "size", int(self.size))

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: int | slice) -> Any:
        if isinstance(key, slice):
            return [self._bit(self, i) for i in range(self.size)[key]]
        if not isinstance(key, (int, np.integer)) or isinstance(key, bool):
            raise CircuitError(f"register index must be an integer, got {key!r}")
        index = int(key) + self.size if key < 0 else int(key)
        if not 0 <= index < self.size:
            raise CircuitError(f"index {key} out of range for register {self.name!r} "
                               f"of size {self.size}")
        return self._bit(self, index)

    def __iter__(self):
        return (self._bit(self, i) for i in range(self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.size})"


@dataclass(frozen=True, repr=False)
class QuantumRegister(_Register):
    """A named group of qubits; ``qr[i]`` is a :class:`Qubit`."""

    name: str
    size: int
    _bit = Qubit


@dataclass(frozen=True, repr=False)
class ClassicalRegister(_Register):
    """A named group of classical bits; ``cr[i]`` is a :class:`Clbit`."""

    name: str
    size: int
    _bit = Clbit


def _params_equal(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not np.array_equal(np.asarray(x), np.asarray(y)):
                return False
        elif x != y:
            return False
    return True


@dataclass(frozen=True, eq=False)
class Instruction:
    """One operation on flat qubit/clbit indices; ``name`` is the Qobj instruction name.

    Equality ignores ``label`` (a display name, which OpenQASM 2 cannot carry) and
    compares matrix parameters element-wise.
    """

    name: str
    qubits: tuple[int, ...]
    params: tuple = ()
    clbits: tuple[int, ...] = ()
    condition: tuple[Any, int] | None = None
    label: str | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Instruction):
            return NotImplemented
        return (self.name == other.name and self.qubits == other.qubits
                and self.clbits == other.clbits and self.condition == other.condition
                and _params_equal(self.params, other.params))

    def __hash__(self) -> int:
        return hash((self.name, self.qubits, self.clbits, self.condition))


_new_object = object.__new__


def fast_instruction(name: str, qubits: tuple[int, ...], params: tuple = (),
                     clbits: tuple[int, ...] = (), condition: tuple[Any, int] | None = None,
                     label: str | None = None) -> Instruction:
    """``Instruction(...)`` for values already in normal form (tuples of ints, floats).

    The frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``,
    three times the cost of filling its ``__dict__`` at once; the transpiler builds
    10^4 to 10^5 instructions per circuit on a 127-qubit device, so it uses this.
    """
    op = _new_object(Instruction)
    op.__dict__.update(name=name, qubits=qubits, params=params, clbits=clbits,
                       condition=condition, label=label)
    return op


QubitSpec = int | Qubit | QuantumRegister | Sequence[int | Qubit] | range
"""A qubit argument: flat index, ``qreg[i]``, a whole register, or a list (broadcast)."""
ClbitSpec = int | Clbit | ClassicalRegister | Sequence[int | Clbit] | range
"""A clbit argument, as :data:`QubitSpec`."""


def _real(value: Any, where: str) -> float | ParameterExpression:
    if isinstance(value, ParameterExpression):
        return value if value.parameters else _real(float(value), where)
    if isinstance(value, (complex, np.complexfloating)):
        if value.imag != 0:
            raise CircuitError(f"{where}: parameter {value!r} is not real")
        value = value.real
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise CircuitError(f"{where}: parameter {value!r} is not a number") from None
    if not math.isfinite(out):
        raise CircuitError(f"{where}: parameter {value!r} is not finite")
    return out


def _check_unitary(params: tuple, n: int, where: str) -> np.ndarray:
    if len(params) != 1:
        raise CircuitError(f"{where}: takes one parameter, the matrix")
    try:
        m = np.array(params[0], dtype=complex)
    except (TypeError, ValueError):
        raise CircuitError(f"{where}: the matrix is not numeric") from None
    dim = 1 << n
    if m.shape != (dim, dim):
        raise CircuitError(f"{where}: matrix shape {m.shape} does not fit {n} qubit(s) "
                           f"(expected {(dim, dim)})")
    if not np.allclose(m.conj().T @ m, np.eye(dim), atol=1e-8):
        raise CircuitError(f"{where}: the matrix is not unitary")
    m.setflags(write=False)
    return m


def _check_amplitudes(params: tuple, n: int, where: str) -> tuple:
    try:
        amps = np.array(params, dtype=complex)
    except (TypeError, ValueError):
        raise CircuitError(f"{where}: amplitudes must be numbers") from None
    if amps.shape != (1 << n,):
        raise CircuitError(f"{where}: needs {1 << n} amplitudes for {n} qubit(s), "
                           f"got {amps.size}")
    if not math.isclose(float(np.vdot(amps, amps).real), 1.0, abs_tol=1e-10):
        raise CircuitError(f"{where}: amplitudes are not normalised")
    return tuple(complex(a) for a in amps)


# Non-gate instructions: name -> (num_params or None for "any", num_qubits or None, num_clbits)
DELAY_UNITS = ("dt", "s", "ms", "us", "ns", "ps")


def _check_delay(params: tuple, n_qubits: int, where: str) -> tuple:
    """``(duration,)`` in dt, or ``(duration, unit)``: a non-default unit is kept."""
    if len(params) not in (1, 2):
        raise CircuitError(f"{where}: takes (duration) or (duration, unit), got {params!r}")
    if n_qubits != 1:
        raise CircuitError(f"'delay' acts on 1 qubit, got {n_qubits}")
    duration = _real(params[0], where)
    if not isinstance(duration, ParameterExpression) and duration < 0:
        raise CircuitError(f"{where}: duration {duration} is negative")
    unit = params[1] if len(params) == 2 else "dt"
    if unit not in DELAY_UNITS:
        raise CircuitError(f"{where}: unit {unit!r} is not one of {list(DELAY_UNITS)}")
    return (duration,) if unit == "dt" else (duration, unit)


def check_condition(circ: Any, condition: tuple[Any, int], name: str) -> tuple[Any, int]:
    """A condition of ``circ``, checked. ``(register, value)`` tests a whole register (kept
    by name, as OpenQASM 2 does); ``(clbit, value)`` or ``([clbits], value)`` tests those
    bits, bit ``i`` of ``value`` against ``clbits[i]``, kept as a tuple of flat indices
    (Qiskit's single-bit tests and the lowered ``if_else`` / ``switch_case`` blocks)."""
    try:
        target, value = condition
    except (TypeError, ValueError):
        raise CircuitError(f"condition must be (classical register or clbit(s), value), "
                           f"got {condition!r}") from None
    by_register = isinstance(target, (str, ClassicalRegister))
    if isinstance(value, (bool, np.bool_)) and not by_register:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise CircuitError(f"condition value must be a non-negative integer, got {value!r}")
    if name == "barrier":
        raise CircuitError("a barrier cannot be conditioned")
    if by_register:
        reg_name = target.name if isinstance(target, ClassicalRegister) else target
        if reg_name not in [r.name for r in circ.cregs]:
            raise CircuitError(f"condition on unknown classical register {reg_name!r} "
                               f"(circuit has {[r.name for r in circ.cregs]})")
        return (reg_name, int(value))
    bits = tuple(circ._flat(target, "clbit"))
    if not bits or len(set(bits)) != len(bits):
        raise CircuitError(f"condition on clbits {list(bits)}: give distinct clbits")
    if value >> len(bits):
        raise CircuitError(f"condition value {value} does not fit in {len(bits)} clbit(s)")
    return (bits, int(value))


def condition_clbits(circ: Any, condition: tuple[Any, int]) -> tuple[int, ...]:
    """The flat clbits a checked condition of ``circ`` reads, bit 0 of its value first."""
    if isinstance(condition[0], str):
        offset = circ.creg_offset(condition[0])
        size = next(r.size for r in circ.cregs if r.name == condition[0])
        return tuple(range(offset, offset + size))
    return tuple(condition[0])


_SPECIAL = {"measure": (0, 1, 1), "reset": (0, 1, 0), "barrier": (0, None, 0),
            "delay": (1, 1, 0), "U": (3, 1, 0), "CX": (0, 2, 0), "save_expval": (None, None, 0)}


@functools.cache
def _gate_signatures() -> dict[str, tuple[int, int]]:
    """(num_params, num_qubits) of every gate the Circuit knows: qelib1's and the gate
    table's extras (rzx, ecr, ...)."""
    from .gates import GATES  # numpy: imported on first use, not with the Circuit module

    # The gate table holds every qelib1 gate with qelib1's signature (tests/test_circuit.py
    # checks), plus Qiskit's standard gates qelib1 lacks.
    return {name: (spec.num_params, spec.num_qubits) for name, spec in GATES.items()}


def instruction_signature(name: str) -> tuple | None:
    """(num_params, num_qubits[, num_clbits]) of an instruction a Circuit accepts, or None."""
    return _SPECIAL.get(name) or _gate_signatures().get(name)

