"""The operations of a lowered program (:mod:`qfoundry.program`), engine-neutral.

Immutable, picklable named tuples, so a program crosses to worker processes and Dask as it
is. Each has ``qubits``, ``condition`` (None or a :data:`Condition`), ``index`` (the
instruction's index in its experiment, for messages) and ``name`` (the Qobj instruction
name, with ``qubits`` the key under which a noise model attaches an error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .errors import EngineError
from .gates import GATES, control_qubits, monomial_parts, permutation_of

__all__ = ["Gate", "Measure", "Reset", "Initialize", "Bfunc", "Delay", "Save", "Operation",
           "Condition", "RELATIONS", "condition_holds"]

Condition = tuple
"""When an operation runs: ``("bit", b)``, register bit b is 1 (Qobj ``conditional``), or
``("mem", mask, value)``, the memory bits under ``mask`` read ``value`` (the old object form
and OpenQASM's ``if (c == v)``). See :func:`condition_holds`."""

RELATIONS: dict[str, Callable[[int], bool]] = {
    "==": lambda x: x == 0, "!=": lambda x: x != 0, "<": lambda x: x < 0,
    "<=": lambda x: x <= 0, ">": lambda x: x > 0, ">=": lambda x: x >= 0,
}
"""A ``bfunc``'s relation, applied to ``(register & mask) - value``."""

_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12}


class Gate(NamedTuple):
    """A unitary: ``matrix`` on ``qubits``; ``kind`` is the gate table's ("diagonal",
    "permutation" or "general"), ``form`` the finer structure an engine may exploit.
    In a sweep's template a symbolic gate has ``matrix`` None and expression text among
    its ``params`` (:class:`~qfoundry.program.Program`)."""

    name: str
    qubits: tuple[int, ...]
    params: tuple[float, ...]
    matrix: np.ndarray
    kind: str
    condition: Condition | None = None
    index: int = -1

    @property
    def form(self) -> str:
        """"diagonal", "permutation", "monomial" (a permutation, then phases),
        "controlled" (some qubits only control) or "dense"."""
        if self.kind != "general":
            return self.kind
        if len(self.qubits) and monomial_parts(self.matrix) is not None:
            return "monomial"
        if 0 < len(self.controls) < len(self.qubits):
            return "controlled"
        return "dense"

    @property
    def controls(self) -> tuple[int, ...]:
        """The qubits that only control: the gate is the identity unless all are 1."""
        local = control_qubits(self.matrix) if self.qubits else []
        return tuple(self.qubits[j] for j in local)

    def permutation(self) -> np.ndarray:
        """For a permutation or monomial gate, ``perm`` with basis state j -> perm[j]."""
        if self.kind == "permutation" and self.name in GATES:
            return permutation_of(self.name, len(self.qubits))
        parts = monomial_parts(self.matrix)
        if parts is None:
            raise ValueError(f"gate {self.name!r} is not a permutation or monomial gate")
        return parts[0]


class Measure(NamedTuple):
    """Measure ``qubits[j]`` into memory slot ``memory[j]`` (and register bit
    ``register[j]``); ``terminal``: nothing later acts on the qubits or reads the bits."""

    qubits: tuple[int, ...]
    memory: tuple[int, ...]
    register: tuple[int, ...] | None
    terminal: bool
    condition: Condition | None = None
    index: int = -1
    name: str = "measure"


class Reset(NamedTuple):
    """Reset each of ``qubits`` to |0>."""

    qubits: tuple[int, ...]
    condition: Condition | None = None
    index: int = -1
    name: str = "reset"


class Initialize(NamedTuple):
    """Reset ``qubits`` and prepare ``amplitudes`` (normalised; ``qubits[0]`` is bit 0)."""

    qubits: tuple[int, ...]
    amplitudes: np.ndarray
    condition: Condition | None = None
    index: int = -1
    name: str = "initialize"


class Bfunc(NamedTuple):
    """Register bit ``register`` (and memory slot ``memory``) := ``relation`` holds for
    ``(register bits & mask) - value``; see :data:`RELATIONS`."""

    mask: int
    relation: str
    value: int
    register: int
    memory: int | None
    condition: Condition | None = None
    index: int = -1
    name: str = "bfunc"
    qubits: tuple[int, ...] = ()

    def test(self, difference: int) -> bool:
        return RELATIONS[self.relation](difference)


class Delay(NamedTuple):
    """Idle ``qubits`` for ``duration`` in ``unit`` ("dt" or "s", "ms", "us", "ns", "ps")."""

    qubits: tuple[int, ...]
    duration: float
    unit: str
    condition: Condition | None = None
    index: int = -1
    name: str = "delay"

    def seconds(self, dt: float | None) -> float:
        """The duration in seconds; ``dt`` (seconds) is needed when the unit is dt."""
        if self.unit != "dt":
            return self.duration * _SECONDS[self.unit]
        if dt is None:
            raise EngineError(f"instruction {self.index} (delay): the duration is in units of "
                              "dt, but neither the device nor the noise model defines dt")
        return self.duration * dt


class Save(NamedTuple):
    """Record the ``kind`` of state (``"density_matrix"``) of ``qubits`` under ``label``;
    ``"expval"`` (``save_expval``) records sum_t c_t <P_t>, ``terms`` holding each term's
    ``((qubit, letter), ...)`` without identities and its real coefficient."""

    kind: str
    label: str
    qubits: tuple[int, ...]
    condition: Condition | None = None
    index: int = -1
    name: str = "save"
    terms: tuple = ()


Operation = Gate | Measure | Reset | Initialize | Bfunc | Delay | Save


def condition_holds(cond: Condition, memory: int, register: int) -> bool:
    """Whether ``cond`` is true for this classical state (memory and register as ints)."""
    if cond[0] == "bit":
        return bool((register >> cond[1]) & 1)
    _, mask, val = cond  # the masked bits, shifted past the mask's trailing zeros, == val
    return ((memory & mask) >> ((mask & -mask).bit_length() - 1)) == val
