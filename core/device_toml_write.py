"""Writing a device as TOML (the inverse of :func:`qfoundry.device_toml.parse`): per-qubit
and per-gate figures factored into ``[defaults]`` where they repeat, units in the keys,
numbers spelled so they read back bit-for-bit."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .device_model import Device
from .device_units import ARITY, GATE_KEYS, QUBIT_KEYS, from_si

__all__ = ["write"]


def write(device: Device, *, comment: str | None = None,
          spellings: Mapping[tuple[float, float], float] | None = None) -> str:
    """TOML text for ``device``: figures shared by every qubit (or every qubit/edge of a
    gate) go to ``defaults``, the rest one line per qubit and per gate entry.

    ``comment`` becomes the leading ``#`` lines; ``spellings`` see :func:`from_si`.
    """
    def _units(row: dict, keys: dict) -> dict:
        return {k: from_si(v, keys[k][1], spellings) for k, v in row.items()}

    ident = {"name": device.name, "description": device.description,
             "version": device.version, "source": device.source,
             "default_engine": device.default_engine, "processor_type": device.processor_type,
             "calibration_date": device.calibration_date, "max_shots": device.max_shots,
             "max_experiments": device.max_experiments,
             "quantum_volume": device.quantum_volume, "n_qubits": device.n_qubits,
             "basis_gates": list(device.basis_gates),
             "fractional_gates": list(device.fractional_gates) or None,
             "supported_instructions": None if device.supported_instructions is None
             else list(device.supported_instructions),
             "dt_ns": None if device.dt is None else from_si(device.dt, 1e-9, spellings)}
    sections = [[f"# {line}".rstrip() for line in (comment or "").splitlines()]
                + [f"{k} = {_value(v)}" for k, v in ident.items() if v is not None]]
    if device.coupling_map:
        edges = set(device.coupling_map)
        undirected = all((b, a) in edges for a, b in edges)
        shown = [e for e in device.coupling_map if e[0] < e[1] or not undirected]
        sections.append([f"coupling.directed = {_value(not undirected)}", "coupling.edges = ["]
                        + ["  " + ", ".join(_value(list(e)) for e in shown[i:i + 10]) + ","
                           for i in range(0, len(shown), 10)] + ["]"])
    qubit_rows, qubit_defaults = _factor(
        [{k: getattr(p, f) for k, (f, _) in QUBIT_KEYS.items()} for p in device.qubits])
    sections.append([f"defaults.qubit.{k} = {_value(v)}"
                     for k, v in _units(qubit_defaults, QUBIT_KEYS).items()])
    gate_rows, gate_defaults = _factor_gates(device)
    sections.append([f"defaults.gates.{gate} = {_inline(_units(shared, GATE_KEYS))}"
                     for gate, shared in gate_defaults.items()])
    if any(qubit_rows):
        sections.append(["qubits = ["] + [
            f"  {_inline({'qubit': q, **_units(row, QUBIT_KEYS)})},"
            for q, row in enumerate(qubit_rows) if row] + ["]"])
    if gate_rows:
        sections.append(["gates = ["] + [
            f"  {_inline({'gate': g, 'qubits': list(qs), **_units(row, GATE_KEYS)})},"
            for (g, qs), row in gate_rows.items()] + ["]"])
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _factor_gates(device: Device) -> tuple[dict, dict]:
    """Per-entry gate figures, and per gate the figures a default can carry: those shared
    by every entry when the entries cover exactly what a default expands to."""
    rows: dict[tuple[str, tuple[int, ...]], dict] = {}
    defaults: dict[str, dict] = {}
    for gate in dict.fromkeys(g for g, _ in device.gates):
        entries = {qs: p for (g, qs), p in device.gates.items() if g == gate}
        arity = ARITY.get(gate)
        domain = {(q,) for q in range(device.n_qubits)} if arity == 1 else \
            set(device.coupling_map) if arity == 2 else None
        figures = [{k: getattr(p, f) for k, (f, _) in GATE_KEYS.items()}
                   for p in entries.values()]
        shared: dict = {}
        if domain and set(entries) == domain:
            figures, shared = _factor(figures)
            if shared:
                defaults[gate] = shared
        else:
            figures = [{k: v for k, v in row.items() if v is not None} for row in figures]
        for qs, row in zip(entries, figures):
            # An entry whose figures all moved to the default is recreated by it; an entry
            # that never had figures must still be written, so that it exists.
            if row or not shared:
                rows[(gate, qs)] = row
    return rows, defaults


def _factor(rows: list[dict]) -> tuple[list[dict], dict]:
    """Split per-item figures into the ones all items share (defaults) and the rest."""
    shared = {}
    if rows:
        for key, value in rows[0].items():
            if value is not None and all(row[key] == value for row in rows):
                shared[key] = value
    rest = [{k: v for k, v in row.items() if v is not None and k not in shared} for row in rows]
    return rest, shared


def _inline(table: dict) -> str:
    return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in table.items()) + " }"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):  # JSON escapes are TOML escapes, bar the DEL character
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")
