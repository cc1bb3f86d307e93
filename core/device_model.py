"""What a device is: the parsed, validated, immutable description (re-exported by
:mod:`qfoundry.device`, which also finds and loads devices).

A device is a TOML file (schema in ``docs/devices.md``, parser in
:mod:`qfoundry.device_toml`) describing a real or imagined chip: qubit count, basis
gates, coupling map and calibration. Plus an engine, it becomes the backend
``fake_<name>``. Everything here is in SI units (seconds, hertz); the TOML keys carry
their units (``t1_us``, ``length_ns``) so nothing is ever guessed.

* :class:`Device` (with :class:`QubitProperties`, :class:`GateProperties`) is the parsed,
  validated, immutable description the engines and the noise model consume.
* :class:`DeviceSource` is what the registry holds: name, size and provenance read cheaply
  from the top of the file, the full calibration parsed once, on first use.
* :class:`DeviceProperties` is ``backend.properties()``: Qiskit-like accessors.
* :func:`check_native` (in :mod:`qfoundry.device_isa`) refuses an experiment a real
  device would not accept.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .device_isa import DIRECTIVES, check_native, with_fractional_gates
from .device_units import QUBIT_KEYS, from_si
from .errors import DevicePropertyError, DeviceSpecError
from .topology import coupling_shortcut

__all__ = [
    "QubitProperties",
    "GateProperties",
    "Device",
    "DeviceProperties",
    "DeviceSpecWarning",
    "DIRECTIVES",
    "check_native",
    "with_fractional_gates",
    "coupling_shortcut",
]

#: What a device name may look like (the backend is ``fake_<name>``).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


class DeviceSpecWarning(UserWarning):
    """A device file is valid but has a figure the simulation will adjust (T2 > 2*T1)."""


def _problem(kind: str, value: float) -> str | None:
    """Why ``value`` is not a valid figure of ``kind``, or None (shared by parser and models)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"expected a number, got {type(value).__name__} {value!r}"
    if not math.isfinite(value):
        return f"must be finite, got {value!r} (leave the key out when it is unknown)"
    if kind == "probability" and not 0.0 <= value <= 1.0:
        return f"is a probability and must lie in [0, 1], got {value!r}"
    if kind == "time" and value < 0:
        return f"is a duration and cannot be negative, got {value!r}"
    if kind == "positive" and value <= 0:
        return f"must be positive, got {value!r}"
    return None


def _validated(obj: Any, kinds: Mapping[str, str]) -> None:
    for name, kind in kinds.items():
        value = getattr(obj, name)
        if value is None:
            continue
        reason = _problem(kind, value)
        if reason:
            raise DeviceSpecError(reason, key=name)
        object.__setattr__(obj, name, float(value))


@dataclass(frozen=True)
class QubitProperties:
    """Calibration of one qubit, SI units; None where the device does not say."""

    t1: float | None = None                # s
    t2: float | None = None                # s, as calibrated: NOT clipped to 2*T1
    frequency: float | None = None         # Hz
    readout_error: float | None = None
    prob_meas0_prep1: float | None = None  # P(read 0 | prepared 1)
    prob_meas1_prep0: float | None = None  # P(read 1 | prepared 0)
    readout_length: float | None = None    # s

    KINDS = types.MappingProxyType({
        "t1": "positive", "t2": "positive", "frequency": "positive",
        "readout_error": "probability", "prob_meas0_prep1": "probability",
        "prob_meas1_prep0": "probability", "readout_length": "time"})

    def __post_init__(self) -> None:
        _validated(self, self.KINDS)


@dataclass(frozen=True)
class GateProperties:
    """Calibration of one gate on one ordered qubit tuple; None where not given."""

    error: float | None = None   # average gate infidelity, 1 - F_avg
    length: float | None = None  # s

    KINDS = types.MappingProxyType({"error": "probability", "length": "time"})

    def __post_init__(self) -> None:
        _validated(self, self.KINDS)


GateKey = tuple[str, tuple[int, ...]]


def _qubit_tuple(qubits: int | Iterable[int]) -> tuple[int, ...]:
    try:
        return (operator.index(qubits),)  # one qubit, also a numpy integer
    except TypeError:
        return tuple(operator.index(q) for q in qubits)


@dataclass(frozen=True, kw_only=True)
class Device:
    """A validated device description (SI units). Build one with :func:`load_device`.

    ``coupling_map`` lists directed pairs (an undirected edge appears both ways);
    ``gates`` maps ``(name, qubits)`` to the calibration of that gate on those ordered
    qubits. ``qubits`` has one entry per qubit (all None when uncalibrated).
    """

    name: str
    n_qubits: int
    basis_gates: tuple[str, ...]
    coupling_map: tuple[tuple[int, int], ...] = ()
    qubits: tuple[QubitProperties, ...] = ()
    gates: Mapping[GateKey, GateProperties] = field(default_factory=dict)
    dt: float | None = None
    description: str = ""
    version: str = "1.0.0"
    source: str = ""
    default_engine: str = "auto"
    processor_type: str | None = None
    calibration_date: str | None = None
    max_shots: int | None = None
    max_experiments: int | None = None
    quantum_volume: int | None = None
    #: Gates offered opt-in (``use_fractional_gates=True``), calibrated like the basis.
    fractional_gates: tuple[str, ...] = ()
    #: IBM's ``supported_instructions`` as the snapshot lists them; None: not given.
    supported_instructions: tuple[str, ...] | None = None
    path: str | None = None
    _coupled: frozenset[tuple[int, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def fail(key: str, reason: str) -> None:
            raise DeviceSpecError(reason, self.path, key)

        setattr_ = object.__setattr__
        if not isinstance(self.name, str) or not NAME_PATTERN.match(self.name):
            fail("name", f"{self.name!r} is not a device name: use letters, digits, '_' and "
                         "'-', starting with a letter or digit (the backend is 'fake_<name>')")
        if isinstance(self.n_qubits, bool) or not isinstance(self.n_qubits, int) \
                or self.n_qubits < 1:
            fail("n_qubits", f"must be a positive integer, got {self.n_qubits!r}")
        n = self.n_qubits
        setattr_(self, "basis_gates", tuple(self.basis_gates))
        setattr_(self, "fractional_gates", tuple(self.fractional_gates))
        if self.supported_instructions is not None:
            setattr_(self, "supported_instructions", tuple(self.supported_instructions))
        edges = tuple((int(a), int(b)) for a, b in self.coupling_map)
        for a, b in edges:
            if not (0 <= a < n and 0 <= b < n) or a == b:
                fail("coupling_map", f"edge ({a}, {b}) is not a pair of distinct qubits "
                                     f"of a {n}-qubit device")
        # Canonical orders (sorted edges; gates by basis order, then qubits) make equal
        # devices compare, print and serialise identically however they were built.
        setattr_(self, "coupling_map", tuple(sorted(set(edges))))
        setattr_(self, "_coupled", frozenset(edges))
        qubits = tuple(self.qubits) or (QubitProperties(),) * n
        if len(qubits) != n:
            fail("qubits", f"has {len(qubits)} entries for {n} qubits")
        setattr_(self, "qubits", qubits)
        gates = {}
        for (name, qs), props in dict(self.gates).items():
            qs = _qubit_tuple(qs)
            if not all(0 <= q < n for q in qs):
                fail("gates", f"{name}{list(qs)} acts on a qubit outside 0..{n - 1}")
            if not isinstance(props, GateProperties):
                fail("gates", f"{name}{list(qs)}: expected GateProperties, got {props!r}")
            gates[(str(name), qs)] = props
        rank = {g: i for i, g in enumerate(self.basis_gates + self.fractional_gates)}
        order = sorted(gates, key=lambda k: (rank.get(k[0], len(rank)), k[0], k[1]))
        setattr_(self, "gates", types.MappingProxyType({k: gates[k] for k in order}))
        if self.dt is not None:
            setattr_(self, "dt", float(self.dt))

    def __hash__(self) -> int:  # the gates mapping is not hashable; equal devices share these
        return hash((self.name, self.n_qubits, self.basis_gates, self.coupling_map, self.path))

    def __reduce__(self) -> tuple:
        # Pickled (for process pools and Dask) by its constructor arguments: the read-only
        # gates mapping itself cannot be pickled, and __post_init__ rebuilds it.
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        fields["gates"] = dict(self.gates)
        return (_rebuild_device, (fields,))

    @property
    def backend_name(self) -> str:
        """The name of the backend that runs this device: ``fake_<name>``."""
        return "fake_" + self.name

    # -- per-qubit figures (None when the device does not give one) -------------------
    def _qubit(self, q: int) -> QubitProperties:
        if not 0 <= q < self.n_qubits:
            raise DevicePropertyError(
                f"device {self.name!r} has qubits 0..{self.n_qubits - 1}, not {q}")
        return self.qubits[q]

    def t1(self, q: int) -> float | None:
        """T1 of qubit ``q`` in seconds."""
        return self._qubit(q).t1

    def t2(self, q: int) -> float | None:
        """T2 of qubit ``q`` in seconds, as calibrated (the noise model clips it to 2*T1)."""
        return self._qubit(q).t2

    def frequency(self, q: int) -> float | None:
        """Frequency of qubit ``q`` in Hz."""
        return self._qubit(q).frequency

    def readout_error(self, q: int) -> float | None:
        """Readout assignment error of qubit ``q``."""
        return self._qubit(q).readout_error

    def readout_length(self, q: int) -> float | None:
        """Duration of a measurement of qubit ``q`` in seconds."""
        return self._qubit(q).readout_length

    # -- per-gate figures ----------------------------------------------------------------
    def gate_properties(self, name: str, qubits: int | Iterable[int]) -> GateProperties | None:
        """The calibration of ``name`` on the ordered ``qubits``, or None if uncalibrated."""
        return self.gates.get((name, _qubit_tuple(qubits)))

    def gate_error(self, name: str, qubits: int | Iterable[int]) -> float | None:
        """Error of gate ``name`` on ``qubits`` (None: not calibrated, runs ideal)."""
        props = self.gate_properties(name, qubits)
        return props.error if props else None

    def gate_length(self, name: str, qubits: int | Iterable[int]) -> float | None:
        """Duration of gate ``name`` on ``qubits`` in seconds (None: not calibrated)."""
        props = self.gate_properties(name, qubits)
        return props.length if props else None

    def is_coupled(self, a: int, b: int) -> bool:
        """True when a two-qubit gate may act with control ``a`` and target ``b``."""
        return (a, b) in self._coupled

    def properties(self) -> DeviceProperties:
        """Qiskit-like calibration accessors (what ``backend.properties()`` returns)."""
        return DeviceProperties(self)


class DeviceProperties:
    """``backend.properties()`` of a device backend, shaped like Qiskit's BackendProperties.

    Accessors return SI units (seconds, Hz) as Qiskit's do. Asking about a qubit or a
    (gate, qubits) pair the device does not have raises :class:`DevicePropertyError`;
    a figure the device leaves unspecified is None.
    """

    def __init__(self, device: Device):
        self.device = device
        self.backend_name = device.backend_name
        self.backend_version = device.version
        self.last_update_date = device.calibration_date

    def __repr__(self) -> str:
        return f"<DeviceProperties({self.backend_name!r})>"

    def t1(self, qubit: int) -> float | None:
        return self.device.t1(qubit)

    def t2(self, qubit: int) -> float | None:
        return self.device.t2(qubit)

    def frequency(self, qubit: int) -> float | None:
        return self.device.frequency(qubit)

    def readout_error(self, qubit: int) -> float | None:
        return self.device.readout_error(qubit)

    def readout_length(self, qubit: int) -> float | None:
        return self.device.readout_length(qubit)

    def prob_meas0_prep1(self, qubit: int) -> float | None:
        return self.device._qubit(qubit).prob_meas0_prep1

    def prob_meas1_prep0(self, qubit: int) -> float | None:
        return self.device._qubit(qubit).prob_meas1_prep0

    def _gate(self, gate: str, qubits: int | Iterable[int]) -> GateProperties:
        qs = _qubit_tuple(qubits)
        props = self.device.gate_properties(gate, qs)
        if props is not None:
            return props
        known = sorted(q for (g, q) in self.device.gates if g == gate)
        if known:
            hint = f"{gate} is calibrated on " + ", ".join(str(list(q)) for q in known[:12])
            hint += " ..." if len(known) > 12 else ""
        else:
            names = sorted({g for g, _ in self.device.gates})
            hint = f"calibrated gates: {', '.join(names) or 'none'}"
        raise DevicePropertyError(
            f"{self.backend_name} has no calibration for {gate} on qubits {list(qs)}; {hint}")

    def gate_error(self, gate: str, qubits: int | Iterable[int]) -> float | None:
        return self._gate(gate, qubits).error

    def gate_length(self, gate: str, qubits: int | Iterable[int]) -> float | None:
        return self._gate(gate, qubits).length

    def to_dict(self) -> dict[str, Any]:
        """The IBM/Qiskit properties JSON shape (T1/T2 in us, frequency in GHz, lengths in ns)."""
        date = self.device.calibration_date
        units = {"t1": ("T1", "us"), "t2": ("T2", "us"), "frequency": ("frequency", "GHz"),
                 "readout_length": ("readout_length", "ns")}
        qubits = []
        for q in self.device.qubits:
            nduvs = []
            for fname, scale in QUBIT_KEYS.values():
                value = getattr(q, fname)
                if value is None:
                    continue
                name, unit = units.get(fname, (fname, ""))
                nduvs.append({"date": date, "name": name, "unit": unit,
                              "value": from_si(value, scale)})
            qubits.append(nduvs)
        gates = []
        for (gate, qs), props in self.device.gates.items():
            params = []
            if props.error is not None:
                params.append({"date": date, "name": "gate_error", "unit": "",
                               "value": props.error})
            if props.length is not None:
                params.append({"date": date, "name": "gate_length", "unit": "ns",
                               "value": from_si(props.length, 1e-9)})
            gates.append({"qubits": list(qs), "gate": gate, "parameters": params,
                          "name": gate + "_".join(map(str, qs))})
        return {"backend_name": self.backend_name, "backend_version": self.backend_version,
                "last_update_date": date, "qubits": qubits, "gates": gates, "general": []}


def _rebuild_device(fields: dict[str, Any]) -> Device:
    return Device(**fields)
