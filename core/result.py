"""Results of a job, formatted as Qiskit formats them.

Engines report counts and memory with hex keys (bit m = memory slot m), exactly as the
Qobj result spec has them; :class:`Result` turns them into the bit strings users know
(clbit 0 rightmost, one space between classical registers, last-declared register
leftmost) using each experiment's header, so every engine shares one formatter.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .errors import QfoundryError, ResultError, ResultFormatError
from .options import show
from .qobj import QobjEncoder, QobjExperimentHeader, QobjHeader, to_complex_array

__all__ = ["Result", "ExperimentResult", "format_counts", "format_memory"]

_ARRAY_KEYS = ("statevector", "unitary", "density_matrix")


def _bits_formatter(header: Any) -> Callable[[str], str]:
    """The function turning a hex outcome into Qiskit's bit string for ``header``'s
    layout (memory slots zero-filled, registers last-declared first, one space apart),
    its layout read once for all the outcomes of an experiment."""
    slots = getattr(header, "memory_slots", None)
    sizes = getattr(header, "creg_sizes", None) if slots is not None else None
    spec = f"0{slots}b" if slots is not None else "b"
    cuts, start = [], 0
    for _, size in reversed(sizes or ()):
        cuts.append((start, start + size))
        start += size

    def to_bits(hexstring: str) -> str:
        try:
            bits = format(int(hexstring, 16), spec)
        except (TypeError, ValueError):
            raise ResultFormatError(
                f"{show(hexstring)} is not a hex outcome such as '0x3' "
                f"(experiment {show(getattr(header, 'name', None))})") from None
        return " ".join([bits[a:b] for a, b in cuts]) if cuts else bits
    return to_bits


def format_counts(counts: Mapping[str, int], header: Any = None) -> dict[str, int]:
    """Hex-keyed counts -> Qiskit bit-string keys; zero counts are omitted."""
    if 0 in counts.values():
        keys = [k for k, v in counts.items() if v]
        values = [int(counts[k]) for k in keys]
    else:
        keys, values = list(counts), [int(v) for v in counts.values()]
    ints = _hex_values(keys)
    if ints is not None:  # the engines' form, formatted in bulk (3-4x the loop below)
        strings = _bulk_bits(ints, header)
        if len(set(strings)) == len(strings):
            return dict(zip(strings, values))
    to_bits = _bits_formatter(header)
    out: dict[str, int] = {}
    for key, value in zip(keys, values):
        bits = to_bits(key) if key.startswith("0x") else key
        out[bits] = out.get(bits, 0) + value
    return out


def _hex_values(keys: list) -> list[int] | None:
    """The integers of ``keys`` when every one is '0x' and hex digits (the engines' form),
    else None. One check of their join: each must hold one '0x', and a parsable key of
    letters and digits holds it only at its start."""
    try:
        joined = "".join(keys)
        if joined.count("0x") != len(keys) or not joined.isalnum():
            return None
        return [int(k, 16) for k in keys]
    except (TypeError, ValueError):
        return None


def _bulk_bits(values: list[int], header: Any) -> list[str]:
    """What :func:`_bits_formatter` gives for each of ``values``, in list passes."""
    slots = getattr(header, "memory_slots", None)
    sizes = getattr(header, "creg_sizes", None) if slots is not None else None
    spec = f"0{slots}b" if slots is not None else "b"
    strings = [format(v, spec) for v in values]
    if len(sizes or ()) == 1:
        size = sizes[0][1]
        return [b[:size] for b in strings]
    if sizes:
        cuts, start = [], 0
        for _, size in reversed(sizes):
            cuts.append((start, start + size))
            start += size
        return [" ".join([b[a:c] for a, c in cuts]) for b in strings]
    return strings


def format_memory(memory: list[str], header: Any = None) -> list[str]:
    """Per-shot hex memory -> Qiskit bit strings (each distinct outcome formatted once)."""
    to_bits = _bits_formatter(header)
    done: dict[str, str] = {}
    out = []
    for m in memory:
        bits = done.get(m)
        if bits is None:
            bits = done[m] = to_bits(m)
        out.append(bits)
    return out


class ExperimentResult:
    """The outcome of one experiment: its data, header, shots, seed and metadata."""

    def __init__(self, shots: int, success: bool, data: dict[str, Any], *,
                 header: QobjExperimentHeader | None = None, status: str = "DONE",
                 seed_simulator: int | None = None, time_taken: float = 0.0,
                 metadata: dict[str, Any] | None = None, meas_level: int = 2):
        self.shots = shots
        self.success = success
        self.data = data
        self.header = header or QobjExperimentHeader()
        self.status = status
        self.seed_simulator = seed_simulator
        self.time_taken = time_taken
        self.metadata = metadata or {}
        self.meas_level = meas_level

    @property
    def name(self) -> str | None:
        return getattr(self.header, "name", None)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.data)
        for key in _ARRAY_KEYS:  # always complex: a real (n, 2) array would decode as (n,)
            if key in data:
                data[key] = np.asarray(data[key], dtype=complex)
        return {
            "shots": self.shots,
            "success": self.success,
            "data": data,
            "header": self.header.to_dict(),
            "status": self.status,
            "seed_simulator": self.seed_simulator,
            "time_taken": self.time_taken,
            "metadata": self.metadata,
            "meas_level": self.meas_level,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExperimentResult:
        """Build from the dict form, checking every field (ResultFormatError names it)."""
        _check_experiment_dict(d, "results[0]")
        data = dict(d.get("data") or {})
        for key in _ARRAY_KEYS:
            if key in data:
                data[key] = to_complex_array(data[key])
        return cls(
            shots=d.get("shots", 0), success=d.get("success", True), data=data,
            header=QobjExperimentHeader.from_dict(d.get("header") or {}),
            status=d.get("status", "DONE"), seed_simulator=d.get("seed_simulator"),
            time_taken=d.get("time_taken", 0.0), metadata=dict(d.get("metadata") or {}),
            meas_level=d.get("meas_level", 2),
        )

    def __repr__(self) -> str:
        return (f"ExperimentResult(name={self.name!r}, shots={self.shots}, "
                f"success={self.success}, data={sorted(self.data)})")


class Result:
    """A job's results, one :class:`ExperimentResult` per experiment, in order."""

    def __init__(self, backend_name: str, backend_version: str, job_id: str,
                 results: list[ExperimentResult], *, qobj_id: str | None = None,
                 success: bool = True, status: str = "COMPLETED", time_taken: float = 0.0,
                 header: QobjHeader | None = None, date: str | None = None,
                 metadata: dict[str, Any] | None = None):
        self.backend_name = backend_name
        self.backend_version = backend_version
        self.job_id = job_id
        self.qobj_id = qobj_id
        self.results = results
        self.success = success
        self.status = status
        self.time_taken = time_taken
        self.header = header or QobjHeader()
        self.date = date or datetime.datetime.now(datetime.timezone.utc).isoformat()
        self.metadata = metadata or {}

    # -- lookup ---------------------------------------------------------------
    def _get_experiment(self, key: int | str | Any = None) -> ExperimentResult:
        if key is None:
            if len(self.results) != 1:
                raise ResultError(
                    f"this result has {len(self.results)} experiments: name one "
                    "(by index or name)")
            return self.results[0]
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -len(self.results) <= key < len(self.results):
                raise ResultError(
                    f"no experiment at index {key}: the result has {len(self.results)}")
            return self.results[key]
        name = key if isinstance(key, str) else getattr(key, "name", None)
        matches = [r for r in self.results if r.name == name]
        if not matches:
            names = [r.name for r in self.results]
            raise ResultError(f"no experiment named {name!r}; experiments are {names}")
        if len(matches) > 1:
            raise ResultError(f"{len(matches)} experiments are named {name!r}: use an index")
        return matches[0]

    def data(self, experiment: int | str | Any = None) -> dict[str, Any]:
        """The raw data dict of one experiment (hex counts, as the engine produced them)."""
        return self._get_experiment(experiment).data

    def _per_experiment(self, experiment, getter):
        if experiment is None and len(self.results) > 1:
            return [getter(r) for r in self.results]
        return getter(self._get_experiment(experiment))

    # -- accessors ------------------------------------------------------------
    def get_counts(self, experiment: int | str | Any = None) -> dict[str, int] | list[dict]:
        """Counts with Qiskit's keys; a list of dicts when the job had several experiments
        and none is named."""
        def getter(exp: ExperimentResult) -> dict[str, int]:
            if "counts" not in exp.data:
                raise ResultError(f"experiment {exp.name!r} has no counts "
                                  f"(it has {sorted(exp.data) or 'no data'})")
            return format_counts(exp.data["counts"], exp.header)
        return self._per_experiment(experiment, getter)

    def get_memory(self, experiment: int | str | Any = None) -> list[str]:
        """Per-shot outcomes as bit strings; needs the run option ``memory=True``."""
        exp = self._get_experiment(experiment)
        if "memory" not in exp.data:
            raise ResultError(
                f"experiment {exp.name!r} has no memory: run with memory=True")
        return format_memory(exp.data["memory"], exp.header)

    def _get_array(self, key: str, experiment, decimals: int | None, hint: str) -> np.ndarray:
        exp = self._get_experiment(experiment)
        if key not in exp.data:
            raise ResultError(f"experiment {exp.name!r} has no {key}: {hint}")
        arr = np.asarray(exp.data[key])
        return np.round(arr, decimals) if decimals is not None else arr

    def get_statevector(self, experiment: int | str | Any = None,
                        decimals: int | None = None) -> np.ndarray:
        """The final statevector (statevector_simulator)."""
        return self._get_array("statevector", experiment, decimals,
                               "run it on statevector_simulator")

    def get_unitary(self, experiment: int | str | Any = None,
                    decimals: int | None = None) -> np.ndarray:
        """The circuit's unitary (unitary_simulator)."""
        return self._get_array("unitary", experiment, decimals, "run it on unitary_simulator")

    def get_density_matrix(self, experiment: int | str | Any = None,
                           decimals: int | None = None) -> np.ndarray:
        """The final density matrix (density_matrix engine with save_density_matrix=True)."""
        return self._get_array("density_matrix", experiment, decimals,
                               "run it with the density_matrix engine and "
                               "save_density_matrix=True")

    # -- serialisation --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "backend_name": self.backend_name,
            "backend_version": self.backend_version,
            "qobj_id": self.qobj_id,
            "job_id": self.job_id,
            "success": self.success,
            "status": self.status,
            "time_taken": self.time_taken,
            "date": self.date,
            "header": self.header.to_dict(),
            "metadata": self.metadata,
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, **kwargs: Any) -> str:
        """JSON text; complex arrays are encoded as [re, im] pairs, as in the Qobj spec."""
        return json.dumps(self.to_dict(), cls=QobjEncoder, **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        """Build from the dict form (``to_dict``, Qiskit's ``Result.to_dict()``), checking
        every field on the way: ResultFormatError names the first bad one."""
        _require(isinstance(d, Mapping), f"a Result dict must be a dict, not {type(d).__name__}",
                  "result")
        _require(isinstance(d.get("backend_name"), str), "is required and must be a string",
                 "backend_name")
        results = d.get("results", [])
        _require(isinstance(results, list), f"must be a list, got {show(results)}", "results")
        for k, r in enumerate(results):
            _check_experiment_dict(r, f"results[{k}]")
        return cls(
            backend_name=d["backend_name"], backend_version=d.get("backend_version", ""),
            job_id=d.get("job_id", ""),
            results=[ExperimentResult.from_dict(r) for r in d.get("results", [])],
            qobj_id=d.get("qobj_id"), success=d.get("success", True),
            status=d.get("status", "COMPLETED"), time_taken=d.get("time_taken", 0.0),
            header=QobjHeader.from_dict(d.get("header") or {}), date=d.get("date"),
            metadata=dict(d.get("metadata") or {}),
        )

    def _repr_png_(self) -> bytes | None:
        """Jupyter: the counts as a histogram (None without matplotlib)."""
        from .notebook import result_png

        return result_png(self)

    def __repr__(self) -> str:
        return (f"Result(backend_name={self.backend_name!r}, job_id={self.job_id!r}, "
                f"success={self.success}, experiments={len(self.results)})")


def _require(cond: bool, message: str, path: str) -> None:
    if not cond:
        raise ResultFormatError(f"{path}: {message}")


def _check_experiment_dict(r: Any, path: str) -> None:
    """One experiment result's dict: data, counts, memory and header as the formatter
    needs them, so a bad file fails here rather than in get_counts()."""
    from .checks import check_header

    _require(isinstance(r, Mapping), f"must be a dict, got {show(r)}", path)
    data = r.get("data") or {}
    _require(isinstance(data, Mapping), f"must be a dict, got {show(data)}", f"{path}.data")
    counts = data.get("counts", {})
    _require(isinstance(counts, Mapping), f"must be a dict, got {show(counts)}",
             f"{path}.data.counts")
    for key, value in counts.items():
        _require(isinstance(key, str) and _outcome(key), f"key {show(key)} is not a hex "
                 "outcome such as '0x3' (or a bit string)", f"{path}.data.counts")
        _require(isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                 and value >= 0, f"count {show(value)} of {key!r} must be a non-negative "
                 "integer", f"{path}.data.counts")
    memory = data.get("memory", [])
    _require(isinstance(memory, list) and all(isinstance(m, str) and _outcome(m)
                                              for m in memory),
             "must be a list of hex outcomes such as '0x3'", f"{path}.data.memory")
    header = r.get("header") or {}
    _require(isinstance(header, Mapping), f"must be a dict, got {show(header)}",
             f"{path}.header")
    for key in ("memory_slots", "n_qubits"):
        value = header.get(key)
        _require(value is None or (isinstance(value, (int, np.integer))
                                   and not isinstance(value, bool) and value >= 0),
                 f"must be a non-negative integer, got {show(value)}", f"{path}.header.{key}")
    try:
        check_header(QobjExperimentHeader.from_dict(header), "header", f"{path}.header")
    except QfoundryError as exc:
        raise ResultFormatError(str(exc)) from None
    for key in ("shots", "meas_level"):
        value = r.get(key, 0)
        _require(isinstance(value, (int, np.integer)) and not isinstance(value, bool),
                 f"must be an integer, got {show(value)}", f"{path}.{key}")
    _require(isinstance(r.get("metadata") or {}, Mapping), "must be a dict",
             f"{path}.metadata")


def _outcome(key: str) -> bool:
    if key.startswith(("0x", "0X")):
        try:
            int(key, 16)
        except ValueError:
            return False
        return True
    return all(c in "01 " for c in key)
