"""The device TOML format: reading (with validation) and writing.

The schema is documented key by key in ``docs/devices.md``; the tables below are its
single source of truth (a test checks the documentation lists every key). Every problem
is a :class:`DeviceSpecError` naming the file, the key path (``qubits[3].t1_us``) and
the rule; unknown keys are errors, because a misspelt ``t1_ms`` silently ignored would
make a device quietly noiseless.

Units live in key names and are converted exactly: ``x_us`` is divided by 10**6 and
``x_ghz`` multiplied by 10**9 (both correctly rounded), and the writer picks the float
that converts back to the very same SI value, so read/write round trips are lossless.
"""

from __future__ import annotations

import datetime
import re
import sys
import warnings
from collections.abc import Mapping
from typing import Any, NoReturn

from .device_model import (
    NAME_PATTERN,
    Device,
    DeviceSpecWarning,
    GateProperties,
    QubitProperties,
    _problem,
)
from .device_toml_write import write
from .device_units import ARITY, GATE_KEYS, QUBIT_KEYS, from_si, to_si
from .errors import DeviceSpecError
from .topology import SHORTCUTS, shortcut_edges

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["QUBIT_KEYS", "GATE_KEYS", "TOP_KEYS", "COUPLING_KEYS", "ARITY", "parse",
           "read_header", "write", "to_si", "from_si"]

TOP_KEYS = ("name", "description", "version", "source", "default_engine", "processor_type",
            "calibration_date", "max_shots", "max_experiments", "quantum_volume",
            "n_qubits", "basis_gates", "fractional_gates", "supported_instructions", "dt_ns",
            "coupling", "defaults", "qubits", "gates")
COUPLING_KEYS = ("edges", "directed", "shortcut", "rows", "cols", "distance")
# Where the calibration body starts: a table header, or the big arrays / dotted tables.
_BODY = re.compile(r"^[ \t]*(\[|qubits[ \t]*=|gates[ \t]*=|coupling[ \t]*\.|defaults[ \t]*\.)",
                   re.M)
_TYPE_NAMES = {str: "string", int: "integer", float: "float", bool: "boolean", list: "array",
               dict: "table"}


# -- reading -------------------------------------------------------------------------------

class _Reader:
    """Typed access to the TOML mapping; every failure names the file and key path."""

    def __init__(self, file: str | None):
        self.file = file

    def fail(self, key: str | None, reason: str) -> NoReturn:
        raise DeviceSpecError(reason, self.file, key or None)

    def table(self, value: Any, path: str, allowed: tuple[str, ...] | dict) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"expected a table, got {_type(value)}")
        for key in value:
            if key not in allowed:
                self.fail(_join(path, key), f"unknown key (allowed here: {', '.join(allowed)})")
        return value

    def get(self, table: dict, key: str, path: str, kind: type | tuple, *,
            required: bool = False, default: Any = None) -> Any:
        if key not in table:
            if required:
                self.fail(_join(path, key), "missing required key")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            want = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.fail(_join(path, key), f"expected {want}, got {_type(value)}")
        return value

    def count(self, table: dict, key: str, path: str, *, required: bool = False,
              minimum: int = 1) -> int | None:
        value = self.get(table, key, path, int, required=required)
        if value is not None and value < minimum:
            self.fail(_join(path, key), f"must be an integer >= {minimum}, got {value}")
        return value

    def figure(self, table: dict, key: str, path: str, kind: str,
               factor: float | None) -> float | None:
        value = self.get(table, key, path, (int, float))
        if value is None:
            return None
        reason = _problem(kind, value)
        if reason:
            self.fail(_join(path, key), reason)
        return to_si(float(value), factor)

    def qubit(self, value: Any, path: str, n: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a qubit index (integer), got {_type(value)}")
        if not 0 <= value < n:
            self.fail(path, f"qubit {value} does not exist (n_qubits = {n}: qubits 0..{n - 1})")
        return value


def _type(value: Any) -> str:
    return f"{_TYPE_NAMES.get(type(value), type(value).__name__)} {value!r}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _loads(text: str, file: str | None) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeviceSpecError(f"invalid TOML: {exc}", file) from None


def _header(r: _Reader, data: dict) -> dict[str, Any]:
    name = r.get(data, "name", "", str, required=True)
    if not NAME_PATTERN.match(name):
        r.fail("name", f"{name!r} is not a device name: use letters, digits, '_' and '-', "
                       "starting with a letter or digit (the backend is 'fake_<name>')")
    engine = r.get(data, "default_engine", "", str, default="auto")
    if not engine:
        r.fail("default_engine", "must name an engine, e.g. 'density_matrix'")
    return {"name": name, "n_qubits": r.count(data, "n_qubits", "", required=True),
            "source": r.get(data, "source", "", str, default=""),
            "description": r.get(data, "description", "", str, default=""),
            "default_engine": engine}


def read_header(text: str, file: str | None = None, *,
                partial: bool = False) -> dict[str, Any] | None:
    """``name``, ``n_qubits``, ``source``, ``description``, ``default_engine`` of a file,
    and for listings ``processor_type``, ``calibration_date``, ``basis_gates``,
    ``fractional_gates`` (None where absent or not of the right type).

    Parses only the lines before the calibration body when they form valid TOML (they
    always do in files this module writes), else the whole file. ``partial``: ``text`` is
    only the start of the file; None when it does not reach the calibration body.
    """
    data = None
    body = _BODY.search(text)
    if partial and not body:
        return None  # ``text`` is the start of a file, cut before its body: read it all
    if body:
        try:
            data = tomllib.loads(text[:body.start()])
        except tomllib.TOMLDecodeError:
            data = None
        if data is not None and not {"name", "n_qubits"} <= data.keys():
            data = None
    if data is None:
        data = _loads(text, file)
    r = _Reader(file)
    head = _header(r, data)
    # For listings (``qfoundry devices``): read, not validated, until the device is loaded.
    for key, kind in (("processor_type", str), ("calibration_date", str),
                      ("basis_gates", list), ("fractional_gates", list)):
        value = data.get(key)
        head[key] = value if isinstance(value, kind) else None
    return head


def parse(data: str | Mapping[str, Any], file: str | None = None) -> Device:
    """Validate a device TOML document (text or parsed mapping) into a :class:`Device`."""
    r = _Reader(file)
    if isinstance(data, str):
        data = _loads(data, file)
    elif not isinstance(data, Mapping):
        r.fail(None, f"expected TOML text or a mapping, got {type(data).__name__}")
    data = r.table(dict(data), "", TOP_KEYS)
    head = _header(r, data)
    n = head["n_qubits"]
    basis = _names(r, data, "basis_gates", required=True)
    if not basis:
        r.fail("basis_gates", "must list at least one gate")
    fractional = _names(r, data, "fractional_gates") or []
    for i, gate in enumerate(fractional):
        if gate in basis:
            r.fail(f"fractional_gates[{i}]", f"gate {gate!r} is already in basis_gates")
    supported = _names(r, data, "supported_instructions")
    date = r.get(data, "calibration_date", "", (str, datetime.date, datetime.time))
    defaults = r.table(data.get("defaults", {}), "defaults", ("qubit", "gates"))
    coupling = _coupling(r, data.get("coupling"), n)
    qubits = _qubits(r, data, defaults, n)
    calibrated = [*basis, *fractional, *(supported or ()), "measure"]
    gates = _gates(r, data, defaults, n, list(dict.fromkeys(calibrated)), coupling)
    try:
        device = Device(
            **head, basis_gates=tuple(basis), coupling_map=coupling, qubits=qubits,
            gates=gates, dt=r.figure(data, "dt_ns", "", "positive", 1e-9),
            version=r.get(data, "version", "", str, default="1.0.0"),
            processor_type=r.get(data, "processor_type", "", str),
            calibration_date=date if date is None or isinstance(date, str) else date.isoformat(),
            max_shots=r.count(data, "max_shots", ""),
            max_experiments=r.count(data, "max_experiments", ""),
            quantum_volume=r.count(data, "quantum_volume", ""),
            fractional_gates=tuple(fractional),
            supported_instructions=None if supported is None else tuple(supported), path=file)
    except DeviceSpecError as exc:  # invariants the checks above should already ensure
        raise DeviceSpecError(exc.reason, file, exc.key) from None
    _warn_t2(device, file)
    return device


def _names(r: _Reader, data: dict, key: str, *, required: bool = False) -> list[str] | None:
    """A list of distinct instruction names (``basis_gates`` and its kin)."""
    names = r.get(data, key, "", list, required=required)
    noun = "gate" if key.endswith("gates") else "instruction"
    for i, name in enumerate(names or ()):
        if not isinstance(name, str) or not name:
            r.fail(f"{key}[{i}]", f"expected a{'n' * (noun[0] == 'i')} {noun} name, got "
                                  f"{_type(name)}")
        if name in names[:i]:
            r.fail(f"{key}[{i}]", f"{noun} {name!r} is listed twice")
    return names


def _coupling(r: _Reader, table: Any, n: int) -> tuple[tuple[int, int], ...]:
    if table is None:
        return ()
    table = r.table(table, "coupling", COUPLING_KEYS)
    directed = r.get(table, "directed", "coupling", bool, default=False)
    kind = r.get(table, "shortcut", "coupling", str)
    if kind is not None:
        if "edges" in table:
            r.fail("coupling", "give either 'edges' or 'shortcut', not both")
        if kind not in SHORTCUTS:
            r.fail("coupling.shortcut", f"unknown shortcut {kind!r} (known: "
                                        f"{', '.join(SHORTCUTS)})")
        for key in ("rows", "cols", "distance"):
            if key in table and key not in SHORTCUTS[kind]:
                r.fail(f"coupling.{key}", f"is not a parameter of shortcut {kind!r}")
        params = {k: r.count(table, k, "coupling", required=True) for k in SHORTCUTS[kind]}
        try:
            edges = shortcut_edges(kind, n_qubits=n, **params)
        except DeviceSpecError as exc:
            raise DeviceSpecError(exc.reason, r.file, exc.key) from None
    else:
        for key in ("rows", "cols", "distance"):
            if key in table:
                r.fail(f"coupling.{key}", "only applies with a 'shortcut'")
        raw = r.get(table, "edges", "coupling", list, required=True)
        edges, seen = [], set()
        for i, edge in enumerate(raw):
            path = f"coupling.edges[{i}]"
            if not isinstance(edge, list) or len(edge) != 2:
                r.fail(path, f"expected a pair [a, b] of qubits, got {_type(edge)}")
            a, b = (r.qubit(q, path, n) for q in edge)
            if a == b:
                r.fail(path, f"couples qubit {a} to itself")
            key = (a, b) if directed else (min(a, b), max(a, b))
            if key in seen:
                r.fail(path, f"edge {list(edge)} is listed twice"
                             + ("" if directed else " (the coupling is undirected)"))
            seen.add(key)
            edges.append((a, b))
        edges = tuple(edges)
    if not directed:
        edges = tuple(sorted(set(edges) | {(b, a) for a, b in edges}))
    return edges


def _qubits(r: _Reader, data: dict, defaults: dict, n: int) -> tuple[QubitProperties, ...]:
    keys = dict(QUBIT_KEYS)
    base = _figures(r, r.table(defaults.get("qubit", {}), "defaults.qubit", keys),
                    "defaults.qubit", keys, QubitProperties.KINDS)
    per_qubit = [dict(base) for _ in range(n)]
    seen: dict[int, int] = {}
    for i, entry in enumerate(r.get(data, "qubits", "", list, default=[])):
        path = f"qubits[{i}]"
        entry = r.table(entry, path, ("qubit", *keys))
        q = r.qubit(r.get(entry, "qubit", path, int, required=True), f"{path}.qubit", n)
        if q in seen:
            r.fail(f"{path}.qubit", f"qubit {q} already has an entry (qubits[{seen[q]}])")
        seen[q] = i
        per_qubit[q].update(_figures(r, entry, path, keys, QubitProperties.KINDS))
    return tuple(QubitProperties(**p) for p in per_qubit)


def _figures(r: _Reader, table: dict, path: str, keys: dict, kinds: Mapping) -> dict:
    out = {}
    for key, (fname, factor) in keys.items():
        if key in table:
            out[fname] = r.figure(table, key, path, kinds[fname], factor)
    return out


def _gates(r: _Reader, data: dict, defaults: dict, n: int, basis: list[str],
           coupling: tuple[tuple[int, int], ...]) -> dict:
    keys, kinds = dict(GATE_KEYS), GateProperties.KINDS
    figures: dict[tuple[str, tuple[int, ...]], dict] = {}
    gate_defaults = defaults.get("gates", {})
    if not isinstance(gate_defaults, dict):
        r.fail("defaults.gates", f"expected a table, got {_type(gate_defaults)}")
    for gate, table in gate_defaults.items():
        path = f"defaults.gates.{gate}"
        if gate not in basis:
            r.fail(path, f"gate {gate!r} is not in basis_gates, fractional_gates or "
                         f"supported_instructions ({', '.join(basis)})")
        values = _figures(r, r.table(table, path, keys), path, keys, kinds)
        arity = ARITY.get(gate)
        if arity == 1:
            domain = [(q,) for q in range(n)]
        elif arity == 2:
            domain = list(coupling)
        else:
            r.fail(path, f"defaults apply to one- and two-qubit gates; give {gate!r} "
                         "per-qubit-tuple entries in 'gates'")
        for qs in domain:
            figures[(gate, qs)] = dict(values)
    explicit: dict[tuple[str, tuple[int, ...]], int] = {}
    coupled = set(coupling)
    for i, entry in enumerate(r.get(data, "gates", "", list, default=[])):
        path = f"gates[{i}]"
        entry = r.table(entry, path, ("gate", "qubits", *keys))
        gate = r.get(entry, "gate", path, str, required=True)
        if gate not in basis:
            r.fail(f"{path}.gate", f"gate {gate!r} is not in basis_gates, fractional_gates or "
                                   f"supported_instructions ({', '.join(basis)})")
        raw = r.get(entry, "qubits", path, list, required=True)
        qs = tuple(r.qubit(q, f"{path}.qubits", n) for q in raw)
        if not qs or len(set(qs)) != len(qs):
            r.fail(f"{path}.qubits", f"expected distinct qubits, got {raw}")
        if ARITY.get(gate, len(qs)) != len(qs):
            r.fail(f"{path}.qubits", f"{gate!r} acts on {ARITY[gate]} qubit(s), got {raw}")
        if len(qs) == 2 and qs not in coupled:
            r.fail(f"{path}.qubits", f"qubits {list(qs)} are not coupled: add the edge to "
                                     "[coupling] (directed couplings list each direction)")
        if len(qs) > 2 and any((a, b) not in coupled and (b, a) not in coupled
                               for j, a in enumerate(qs) for b in qs[j + 1:]):
            r.fail(f"{path}.qubits", f"qubits {list(qs)} are not all coupled")
        if (gate, qs) in explicit:
            r.fail(path, f"{gate} on {list(qs)} is already calibrated by "
                         f"gates[{explicit[(gate, qs)]}]")
        explicit[(gate, qs)] = i
        figures.setdefault((gate, qs), {}).update(_figures(r, entry, path, keys, kinds))
    return {k: GateProperties(**v) for k, v in figures.items()}


def _warn_t2(device: Device, file: str | None) -> None:
    bad = [(q, p) for q, p in enumerate(device.qubits)
           if p.t1 is not None and p.t2 is not None and p.t2 > 2 * p.t1]
    if bad:
        detail = "; ".join(f"qubits[{q}]: T2 = {p.t2 * 1e6:.2f} us > 2*T1 = "
                           f"{2 * p.t1 * 1e6:.2f} us" for q, p in bad)
        warnings.warn(f"{file or device.name}: {detail}. Kept as calibrated; the noise model "
                      "clips T2 to 2*T1, as Qiskit Aer does.", DeviceSpecWarning, stacklevel=4)
