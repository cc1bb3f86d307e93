"""The QasmQobj data model: what a job carries to an engine.

Compatible with Qiskit's ``qiskit.qobj`` classes (names, fields, ``to_dict`` layout), so
a Qobj dict written by Qiskit's ``assemble`` runs here unchanged. ``from_dict`` also
validates the structure and raises :class:`QobjValidationError` with the path of the
first bad field, because a Qobj read from JSON is user input.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import QobjValidationError
from .qobj_validation import validate_qobj_dict

__all__ = [
    "QasmQobj",
    "QasmQobjConfig",
    "QasmQobjExperiment",
    "QasmQobjExperimentConfig",
    "QasmQobjInstruction",
    "QobjHeader",
    "QobjExperimentHeader",
    "QobjEncoder",
    "to_complex_array",
    "experiment_size",
]



class _Namespace:
    """Free-form record: keyword arguments that are not None become attributes."""

    def __init__(self, **kwargs: Any):
        for key, value in kwargs.items():
            if value is not None:
                setattr(self, key, value)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        return cls(**data)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _equal(self.to_dict(), other.to_dict())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({inner})"


def _equal(a: Any, b: Any) -> bool:
    """Deep equality that tolerates numpy arrays inside dicts and lists."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return np.array_equal(np.asarray(a), np.asarray(b))
        except Exception:
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, _Namespace) and isinstance(b, _Namespace):
        return a == b
    return a == b


class QobjHeader(_Namespace):
    """Free-form job header (backend_name, backend_version, user fields)."""


class QobjExperimentHeader(_Namespace):
    """Experiment header: name, n_qubits, memory_slots, qubit/clbit labels, register sizes."""


QasmQobjExperimentHeader = QobjExperimentHeader


def _as_int(field: str, value: Any) -> int | None:
    """A config integer as Qiskit's model coerces it (``"10"`` -> 10), refusing what
    ``int()`` cannot read with our error instead of a bare ValueError."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise QobjValidationError(f"{field}={value!r} is invalid: must be an integer",
                                  f"config.{field}") from None


class QasmQobjConfig(_Namespace):
    """Job-wide run configuration (shots, seed_simulator, memory, ... and free fields)."""

    def __init__(self, shots: int | None = None, seed_simulator: int | None = None,
                 memory: bool | None = None, **kwargs: Any):
        super().__init__(
            shots=_as_int("shots", shots),
            seed_simulator=_as_int("seed_simulator", seed_simulator),
            memory=bool(memory) if memory is not None else None,
            **kwargs,
        )


class QasmQobjExperimentConfig(_Namespace):
    """Per-experiment configuration (n_qubits, memory_slots, optional overrides)."""


class QasmQobjInstruction:
    """One instruction. Only the fields given (not None) exist as attributes."""

    _FIELDS = ("params", "qubits", "register", "memory", "condition", "conditional", "label",
               "mask", "relation", "val", "snapshot_type")

    def __init__(self, name: str, params: list | None = None, qubits: list[int] | None = None,
                 register: list[int] | int | None = None, memory: list[int] | int | None = None,
                 condition: Any = None, conditional: int | None = None,
                 label: str | None = None, mask: str | None = None,
                 relation: str | None = None, val: str | None = None,
                 snapshot_type: str | None = None, **extra: Any):
        self.name = name
        # One test per field, in _FIELDS order (to_dict keeps it): a dict of all eleven and
        # a setattr loop cost 3x as much, per instruction of every assembled circuit.
        if params is not None:
            self.params = params
        if qubits is not None:
            self.qubits = qubits
        if register is not None:
            self.register = register
        if memory is not None:
            self.memory = memory
        if condition is not None:
            self._condition = condition
        if conditional is not None:
            self.conditional = conditional
        if label is not None:
            self.label = label
        if mask is not None:
            self.mask = mask
        if relation is not None:
            self.relation = relation
        if val is not None:
            self.val = val
        if snapshot_type is not None:
            self.snapshot_type = snapshot_type
        for key, value in extra.items():  # instruction-specific fields (e.g. `duration`)
            if value is not None:
                setattr(self, key, value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        for key in self._FIELDS:
            if key != "condition" and hasattr(self, key):
                out[key] = getattr(self, key)
        for key, value in self.__dict__.items():
            if key not in out and not key.startswith("_"):
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QasmQobjInstruction:
        data = dict(data)
        name = data.pop("name")
        params = data.pop("params", None)
        if params is not None:
            params = _decode_params(name, params)
        return cls(name, params=params, **data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QasmQobjInstruction):
            return NotImplemented
        return _equal(self.to_dict(), other.to_dict())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"QasmQobjInstruction({inner})"


def to_complex_array(value: Any) -> np.ndarray:
    """Decode the Qobj wire form of complex data ([re, im] pairs, nested) to an ndarray."""
    arr = np.asarray(value)
    if arr.dtype.kind in "biuf" and arr.ndim >= 1 and arr.shape[-1] == 2:
        return arr[..., 0] + 1j * arr[..., 1]
    return arr.astype(complex)


def _decode_params(name: str, params: list) -> list:
    if name == "unitary" and params:
        matrix = np.asarray(params[0])
        # [re, im] pairs make a 3-d array; a plain (real or complex) matrix is 2-d.
        matrix = to_complex_array(matrix) if matrix.ndim == 3 else matrix.astype(complex)
        return [matrix, *params[1:]]
    if name == "initialize":
        try:
            arr = np.asarray(params)
        except (TypeError, ValueError):  # ragged: left for run()'s checks to name
            return list(params)
        if arr.ndim == 2 and arr.shape[1] == 2 and arr.dtype.kind in "biuf":
            return list(arr[:, 0] + 1j * arr[:, 1])
    return list(params)


class QasmQobjExperiment:
    """One experiment: header, config and the instruction list."""

    def __init__(self, config: QasmQobjExperimentConfig | None = None,
                 header: QobjExperimentHeader | None = None,
                 instructions: list[QasmQobjInstruction] | None = None):
        self.config = config or QasmQobjExperimentConfig()
        self.header = header or QobjExperimentHeader()
        self.instructions = instructions or []

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "header": self.header.to_dict(),
            "instructions": [inst.to_dict() for inst in self.instructions],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QasmQobjExperiment:
        return cls(
            config=QasmQobjExperimentConfig.from_dict(data.get("config") or {}),
            header=QobjExperimentHeader.from_dict(data.get("header") or {}),
            instructions=[QasmQobjInstruction.from_dict(i) for i in data.get("instructions", [])],
        )

    @property
    def name(self) -> str | None:
        return getattr(self.header, "name", None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QasmQobjExperiment):
            return NotImplemented
        return _equal(self.to_dict(), other.to_dict())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"QasmQobjExperiment(name={self.name!r}, "
                f"instructions={len(self.instructions)})")


class QasmQobj:
    """A whole job: id, config, header and experiments."""

    type = "QASM"
    schema_version = "1.3.0"

    def __init__(self, qobj_id: str | None = None, config: QasmQobjConfig | None = None,
                 experiments: list[QasmQobjExperiment] | None = None,
                 header: QobjHeader | None = None):
        self.qobj_id = qobj_id or str(uuid.uuid4())
        self.config = config or QasmQobjConfig()
        self.experiments = experiments or []
        self.header = header or QobjHeader()

    def to_dict(self) -> dict[str, Any]:
        return {
            "qobj_id": self.qobj_id,
            "header": self.header.to_dict(),
            "config": self.config.to_dict(),
            "schema_version": self.schema_version,
            "type": self.type,
            "experiments": [exp.to_dict() for exp in self.experiments],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), cls=QobjEncoder, **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QasmQobj:
        """Build a QasmQobj from its dict form, validating every field on the way."""
        validate_qobj_dict(data)
        return cls(
            qobj_id=data.get("qobj_id"),
            config=QasmQobjConfig.from_dict(data.get("config") or {}),
            experiments=[QasmQobjExperiment.from_dict(e) for e in data["experiments"]],
            header=QobjHeader.from_dict(data.get("header") or {}),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QasmQobj):
            return NotImplemented
        return _equal(self.to_dict(), other.to_dict())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"QasmQobj(qobj_id={self.qobj_id!r}, experiments={len(self.experiments)})"


class QobjEncoder(json.JSONEncoder):
    """JSON encoder for Qobj and Result dicts: complex -> [re, im], ndarray -> nested lists."""

    def default(self, o: Any) -> Any:
        if isinstance(o, complex):
            return [o.real, o.imag]
        if isinstance(o, np.ndarray):
            if np.iscomplexobj(o):
                return np.stack([o.real, o.imag], axis=-1).tolist()
            return o.tolist()
        if isinstance(o, np.generic):
            return self.default(o.item()) if isinstance(o, np.complexfloating) else o.item()
        if hasattr(o, "to_dict"):
            return o.to_dict()
        return super().default(o)


def experiment_size(exp: QasmQobjExperiment) -> tuple[int, int]:
    """(qubits, memory slots) an experiment declares, or the smallest that fit its instructions."""
    n_qubits = getattr(exp.config, "n_qubits", getattr(exp.header, "n_qubits", None))
    n_slots = getattr(exp.config, "memory_slots", getattr(exp.header, "memory_slots", None))
    if n_qubits is None or n_slots is None:
        max_q, max_m = -1, -1
        for inst in exp.instructions:
            max_q = max([max_q, *getattr(inst, "qubits", ())])
            if inst.name == "measure":
                max_m = max([max_m, *inst.memory])
        n_qubits = max_q + 1 if n_qubits is None else n_qubits
        n_slots = max_m + 1 if n_slots is None else n_slots
    return int(n_qubits), int(n_slots)
