"""Noise for the density-matrix engine: channels, readout errors, noise models.

A :class:`QuantumChannel` is a CPTP map stored as its superoperator in Qiskit's
column-stacking convention (``vec(rho)`` stacks columns; ``S = sum conj(K) (x) K``; qubit 0
is the least significant), so it compares entry by entry with
``qiskit.quantum_info.SuperOp(aer_error).data``. A :class:`NoiseModel` attaches channels to
instruction names and qubits and readout errors to qubits, with Qiskit Aer's method names.

:meth:`NoiseModel.from_device` builds the model of a fake device from its calibration with
the semantics of Aer's basic device model (docs/noise.md): after each gate, a depolarizing
part chosen so the gate's total error equals the reported one, then thermal relaxation.
:func:`noise_model_for` is what the engine and ``backend.noise_model`` call; device models
are built once per (device, noise_scale, temperature) and shared, hence frozen.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from qfoundry.errors import NoiseError
from qfoundry.gates import GATES

from .channels import (
    QuantumChannel,
    depolarizing,
    thermal_relaxation,
)
from .readout import ReadoutError

__all__ = ["NoiseModel", "NoiseEntry"]

# Instructions a device calibration may list that never get a depolarizing term
# (they are not unitary gates): reset gets relaxation only; measure only readout error.
_NOT_GATES = frozenset({"reset", "measure", "delay", "barrier", "initialize"})
_H_OVER_KB = 47.99243e-9  # h/k_B in K*s, times 1e3 because temperatures are in mK (Aer's form)
_MAX_READOUT = 0.5        # noise_scale never pushes a readout flip past a coin toss


class NoiseEntry(NamedTuple):
    """One item of a noise model: ``qubits`` is None for an all-qubit entry."""

    instruction: str
    qubits: tuple[int, ...] | None
    error: QuantumChannel | ReadoutError


class NoiseModel:
    """Which channel follows which instruction on which qubits, plus readout errors.

    Quantum errors act after the ideal instruction. An error for exact qubits overrides the
    all-qubit error of the same instruction (as in Aer); adding a second error to the same
    (instruction, qubits) composes it after the first. ``delay`` noise is thermal
    relaxation for the delay's duration on qubits given relaxation parameters
    (:meth:`set_relaxation`); durations are in units of ``dt`` seconds.
    """

    def __init__(self, *, description: str = "custom noise model", dt: float | None = None):
        self.description = description
        self.dt = dt
        self._local: dict[str, dict[tuple[int, ...], QuantumChannel]] = {}
        self._all: dict[str, QuantumChannel] = {}
        self._readout: dict[int, ReadoutError] = {}
        self._all_readout: ReadoutError | None = None
        self._relaxation: dict[int, tuple[float, float, float]] = {}
        self._frozen = False

    # -- building -----------------------------------------------------------------------
    def _check_mutable(self) -> None:
        if self._frozen:
            raise NoiseError(f"{self.description} is shared by its backend and read-only; "
                             "call .copy() and change the copy")

    def add_quantum_error(self, error: QuantumChannel, instructions: str | Iterable[str],
                          qubits: Sequence[int]) -> None:
        """Apply ``error`` after each of ``instructions`` acting on exactly ``qubits``
        (``qubits[0]`` is the error's qubit 0)."""
        self._check_mutable()
        error = _as_channel(error)
        qubits = tuple(int(q) for q in qubits)
        if len(qubits) != error.num_qubits or len(set(qubits)) != len(qubits):
            raise NoiseError(f"a {error.num_qubits}-qubit error cannot be attached to qubits "
                             f"{list(qubits)}")
        for name in _names(instructions, error):
            table = self._local.setdefault(name, {})
            old = table.get(qubits)
            table[qubits] = error if old is None else old.compose(error)

    def add_all_qubit_quantum_error(self, error: QuantumChannel,
                                    instructions: str | Iterable[str]) -> None:
        """Apply ``error`` after each of ``instructions`` on any qubits without an error
        of their own; the instruction must act on ``error.num_qubits`` qubits."""
        self._check_mutable()
        error = _as_channel(error)
        for name in _names(instructions, error):
            old = self._all.get(name)
            self._all[name] = error if old is None else old.compose(error)

    def add_readout_error(self, error: ReadoutError | Sequence[Sequence[float]],
                          qubit: int | Sequence[int]) -> None:
        """Set the readout error of one qubit (replacing any earlier one)."""
        self._check_mutable()
        if not isinstance(qubit, (int, np.integer)):
            if len(qubit) != 1:
                raise NoiseError("readout errors are per qubit: give one qubit")
            qubit = qubit[0]
        self._readout[int(qubit)] = _as_readout(error)

    def add_all_qubit_readout_error(self, error: ReadoutError | Sequence[Sequence[float]]) -> None:
        """Set the readout error of every qubit without one of its own."""
        self._check_mutable()
        self._all_readout = _as_readout(error)

    def set_relaxation(self, qubit: int, t1: float, t2: float,
                       excited_population: float = 0.0) -> None:
        """Give ``qubit`` T1/T2 (seconds, T2 <= 2*T1) for the relaxation of ``delay``s."""
        self._check_mutable()
        thermal_relaxation(t1, t2, 0.0, excited_population)  # validates the parameters
        self._relaxation[int(qubit)] = (float(t1), float(t2), float(excited_population))

    def copy(self) -> NoiseModel:
        """A mutable copy (channels are immutable and shared)."""
        new = copy.copy(self)
        new._local = {k: dict(v) for k, v in self._local.items()}
        new._all = dict(self._all)
        new._readout = dict(self._readout)
        new._relaxation = dict(self._relaxation)
        new._frozen = False
        return new

    # -- inspection ---------------------------------------------------------------------
    def quantum_error(self, instruction: str, qubits: Sequence[int]) -> QuantumChannel | None:
        """The channel applied after ``instruction`` on ``qubits``, or None if it is ideal."""
        local = self._local.get(instruction)
        if local is not None:
            found = local.get(tuple(int(q) for q in qubits))
            if found is not None:
                return found
        return self._all.get(instruction)

    def readout_error(self, qubit: int) -> ReadoutError | None:
        """The readout error of ``qubit``, or None if its measurements are exact."""
        return self._readout.get(int(qubit), self._all_readout)

    def relaxation(self, qubit: int) -> tuple[float, float, float] | None:
        """(T1, T2, excited population) used for ``delay`` on ``qubit`` (T2 clipped), or None."""
        return self._relaxation.get(int(qubit))

    def delay_error(self, qubit: int, duration: float) -> QuantumChannel | None:
        """Relaxation of ``qubit`` idling ``duration`` seconds, or None without parameters."""
        params = self._relaxation.get(int(qubit))
        if params is None or not duration:
            return None
        t1, t2, p1 = params
        return thermal_relaxation(t1, t2, float(duration), p1)

    def __iter__(self) -> Iterator[NoiseEntry]:
        """Every quantum error, then every readout error (instruction ``"measure"``)."""
        for name, table in self._local.items():
            for qubits, error in table.items():
                yield NoiseEntry(name, qubits, error)
        for name, error in self._all.items():
            yield NoiseEntry(name, None, error)
        for q, ro in sorted(self._readout.items()):
            yield NoiseEntry("measure", (q,), ro)
        if self._all_readout is not None:
            yield NoiseEntry("measure", None, self._all_readout)

    @property
    def noise_instructions(self) -> frozenset[str]:
        """Names of the instructions that carry a quantum or readout error."""
        names = set(self._local) | set(self._all)
        if self._readout or self._all_readout is not None:
            names.add("measure")
        if self._relaxation:
            names.add("delay")
        return frozenset(names)

    def is_ideal(self) -> bool:
        """True when the model adds no noise at all."""
        return not (self._local or self._all or self._readout or self._all_readout
                    or self._relaxation)

    def __repr__(self) -> str:
        n_local = sum(len(t) for t in self._local.values())
        names = ", ".join(sorted(set(self._local) | set(self._all))) or "none"
        n_ro = len(self._readout) if self._all_readout is None else "all"
        return (f"<NoiseModel {self.description!r}: {n_local} local and {len(self._all)} "
                f"all-qubit quantum errors on {names}; readout errors on {n_ro} qubits; "
                f"delay relaxation on {len(self._relaxation)} qubits>")

    # -- device model -------------------------------------------------------------------
    @classmethod
    def from_device(cls, device: Any, *, noise_scale: float = 1.0,
                    temperature: float = 0.0) -> NoiseModel:
        """The noise of ``device`` from its calibration (Aer's basic device model, see
        docs/noise.md), optionally scaled.

        ``noise_scale`` s multiplies every error rate while keeping it physical: gate errors
        become s*eps (at most d/(d+1)), relaxation rates 1/T1 and 1/T2 become s times
        larger, readout flip probabilities s*p (at most 1/2). s = 0 is ideal.
        ``temperature`` (mK) sets the thermal excited population of relaxation.
        """
        s = _check_scale(noise_scale)
        temperature = float(temperature)
        name = getattr(device, "name", "device")
        nm = cls(description=f"device {name} (noise_scale={s:g}, temperature={temperature:g} mK)",
                 dt=getattr(device, "dt", None))
        relax = [_qubit_relaxation(qp, s, temperature) for qp in device.qubits]
        for q, params in enumerate(relax):
            if params is not None:
                nm._relaxation[q] = params
        for (gate, qubits), props in device.gates.items():
            if gate in ("measure", "delay", "barrier"):
                continue
            error = _device_gate_error(gate, tuple(qubits), props, relax, s)
            if error is not None:
                nm._local.setdefault(gate, {})[tuple(qubits)] = error
        for q, qp in enumerate(device.qubits):
            ro = _device_readout_error(qp, s)
            if ro is not None:
                nm._readout[q] = ro
        nm._frozen = True
        return nm


# -- device model internals (docs/noise.md, "Device noise") --------------------------------
def _check_scale(noise_scale: Any) -> float:
    try:
        s = float(noise_scale)
    except (TypeError, ValueError):
        s = math.nan
    if not (math.isfinite(s) and s >= 0):
        raise NoiseError(f"noise_scale={noise_scale!r} is invalid: must be a finite number >= 0")
    return s


def _excited_population(frequency: float | None, temperature: float) -> float:
    if not frequency or temperature == 0 or not math.isfinite(frequency):
        return 0.0
    p1 = 1.0 / (1.0 + math.exp(_H_OVER_KB * frequency / abs(temperature)))
    return 1.0 - p1 if temperature < 0 else p1


def _qubit_relaxation(qp: Any, scale: float,
                      temperature: float) -> tuple[float, float, float] | None:
    """(T1, T2 clipped to 2*T1, p1) of one qubit with rates scaled, or None if it never
    relaxes (both times unknown, or noise_scale 0)."""
    t1, t2 = getattr(qp, "t1", None), getattr(qp, "t2", None)
    if (t1 is None and t2 is None) or scale == 0:
        return None
    t1 = math.inf if t1 is None else t1 / scale
    t2 = 2 * t1 if t2 is None else min(t2 / scale, 2 * t1)
    return t1, t2, _excited_population(getattr(qp, "frequency", None), temperature)


def _device_gate_error(gate: str, qubits: tuple[int, ...], props: Any,
                       relax: list[tuple[float, float, float] | None],
                       scale: float) -> QuantumChannel | None:
    """Depolarizing part composed with relaxation, so that 1 - F_avg equals the gate error."""
    tau = getattr(props, "length", None)
    relax_error = None
    if tau and any(relax[q] is not None for q in qubits):
        relax_error = None
        for q in qubits:  # qubits[0] is the least significant factor
            t1, t2, p1 = relax[q] or (math.inf, math.inf, 0.0)
            one = thermal_relaxation(t1, t2, tau, p1)
            relax_error = one if relax_error is None else relax_error.expand(one)
    eps = getattr(props, "error", None)
    depol_error = None
    if eps and gate not in _NOT_GATES and scale > 0:
        d = 2 ** len(qubits)
        f_relax = relax_error.average_gate_fidelity() if relax_error is not None else 1.0
        eps = scale * eps
        if eps > 1 - f_relax:
            eps = min(eps, d / (d + 1))
            denom, cap = d * f_relax - 1, 4 ** len(qubits) / (4 ** len(qubits) - 1)
            lam = cap if denom <= 0 else min(d * (eps - (1 - f_relax)) / denom, cap)  # Aer limit
            depol_error = depolarizing(lam, len(qubits))
    if depol_error is not None and relax_error is not None:
        return depol_error.compose(relax_error)
    return depol_error or relax_error


def _device_readout_error(qp: Any, scale: float) -> ReadoutError | None:
    p10 = getattr(qp, "prob_meas1_prep0", None)
    p01 = getattr(qp, "prob_meas0_prep1", None)
    if p10 is None or p01 is None:
        e = getattr(qp, "readout_error", None)
        if e is None:
            return None
        p10 = p01 = e
    p10, p01 = min(scale * p10, _MAX_READOUT), min(scale * p01, _MAX_READOUT)
    if abs(p10) < 1e-8 and abs(p01) < 1e-8:
        return None
    return ReadoutError.asymmetric(p10, p01)


# -- helpers ---------------------------------------------------------------------------------
def _names(instructions: str | Iterable[str], error: QuantumChannel) -> list[str]:
    names = [instructions] if isinstance(instructions, str) else list(instructions)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise NoiseError(f"instructions must be names such as 'cx', got {instructions!r}")
    for name in names:  # a standard gate's width is known now: refuse it here, as Aer does
        width = getattr(GATES.get(name), "num_qubits", None)
        if width not in (None, error.num_qubits):
            raise NoiseError(f"a {error.num_qubits}-qubit error cannot follow {name!r}, "
                             f"which acts on {width} qubit(s)")
    return names


def _as_channel(error: Any) -> QuantumChannel:
    if not isinstance(error, QuantumChannel):
        raise NoiseError(f"expected a QuantumChannel (see qfoundry.noise), got "
                         f"{type(error).__name__}")
    return error


def _as_readout(error: Any) -> ReadoutError:
    return error if isinstance(error, ReadoutError) else ReadoutError(error)
