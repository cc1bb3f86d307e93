"""Convert an IBM/Qiskit backend snapshot (configuration + properties JSON) to a device.

The snapshots are the ``conf_<name>.json`` / ``props_<name>.json`` pairs that Qiskit's
fake backends ship. Everything the device format models is carried over exactly:
topology, basis gates, ``dt``, per-qubit T1, T2, frequency, readout errors and readout
length, per-gate error and length. Not modelled, so left out: anharmonicity, the date of
each figure, ``general`` couplings (jq/zz), ``operational`` flags and the pulse-level
configuration (channels, Hamiltonian, LO ranges, meas_map).

``reset``: newer snapshots calibrate it and list it under ``supported_instructions``
but not ``basis_gates`` (Manila); it is then added to the device's ``basis_gates``,
which is where this format declares every quantum operation the device accepts.

Kept as the snapshot gives them: ``supported_instructions`` (which decides whether the
device runs dynamic circuits, see :mod:`qfoundry.device_isa`), the calibration of
fractional gates that are not in ``basis_gates`` (``rx``, ``rzz`` on Heron; they become
the device's ``fractional_gates``, used with ``use_fractional_gates=True``) and of every
listed instruction (``measure``, ``measure_2``, ``reset_2``). Calibration of anything
else (``p`` and ``u`` in one Cambridge snapshot) is dropped with a warning.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .device import Device, GateProperties, QubitProperties
from .device_isa import FRACTIONAL_GATES
from .device_toml import parse, to_si, write
from .errors import DeviceSpecError, QfoundryError

__all__ = ["import_ibm", "import_ibm_toml", "cli_import_ibm", "add_import_arguments"]

# Nduv unit -> factor to SI.
_UNITS = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9,
          "hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9, "": None}
_QUBIT_FIELDS = {"T1": "t1", "T2": "t2", "frequency": "frequency",
                 "readout_error": "readout_error", "prob_meas0_prep1": "prob_meas0_prep1",
                 "prob_meas1_prep0": "prob_meas1_prep0", "readout_length": "readout_length"}


def _load(obj: str | os.PathLike | Mapping[str, Any], what: str) -> tuple[dict, str]:
    if isinstance(obj, Mapping):
        return dict(obj), f"<{what}>"
    path = str(obj)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh), path
    except OSError as exc:
        raise DeviceSpecError(f"cannot read the {what}: {exc.strerror or exc}", path) from None
    except json.JSONDecodeError as exc:
        raise DeviceSpecError(f"the {what} is not valid JSON: {exc}", path) from None


def _si(nduv: Mapping[str, Any], file: str, key: str,
        spellings: dict[tuple[float, float], float]) -> float:
    """An Nduv value in SI, converted exactly as the TOML reader converts (see to_si);
    records the snapshot's number in ``spellings`` so the TOML shows it digit for digit."""
    unit = str(nduv.get("unit", "")).strip()
    value = nduv.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DeviceSpecError(f"expected a number, got {value!r}", file, key)
    if unit.lower() not in _UNITS and unit not in _UNITS:
        raise DeviceSpecError(f"unknown unit {unit!r}", file, key)
    factor = _UNITS.get(unit, _UNITS.get(unit.lower()))
    si = to_si(float(value), None if factor == 1.0 else factor)
    if factor not in (None, 1.0):
        spellings.setdefault((factor, si), float(value))
    return si


def _device_name(backend_name: str) -> str:
    for prefix in ("ibmq_", "ibm_", "fake_"):
        if backend_name.startswith(prefix):
            return backend_name[len(prefix):]
    return backend_name


def _processor(conf: Mapping[str, Any]) -> str | None:
    proc = conf.get("processor_type")
    if not isinstance(proc, Mapping) or "family" not in proc:
        return None
    text = str(proc["family"])
    if "revision" in proc:
        text += f" r{proc['revision']}{proc.get('segment', '')}"
    return text


def import_ibm(conf: str | os.PathLike | Mapping[str, Any],
               props: str | os.PathLike | Mapping[str, Any], *, name: str | None = None,
               source: str | None = None, default_engine: str = "auto") -> Device:
    """A :class:`Device` from an IBM configuration and properties snapshot (paths or dicts).

    ``name`` defaults to the backend name without its ``ibmq_``/``ibm_`` prefix;
    ``source`` to "IBM <backend> calibration snapshot of <date>".
    """
    return _convert(conf, props, name=name, source=source, default_engine=default_engine)[0]


def _convert(conf: Any, props: Any, *, name: str | None, source: str | None,
             default_engine: str) -> tuple[Device, dict[tuple[float, float], float]]:
    spellings: dict[tuple[float, float], float] = {}
    conf, conf_file = _load(conf, "backend configuration")
    props, props_file = _load(props, "backend properties")
    conf_is_props = "n_qubits" not in conf and "qubits" in conf
    if conf_is_props and "n_qubits" in props:
        raise DeviceSpecError("this is a properties file and the other a configuration file: "
                              "give the configuration (conf_*.json) first, then the properties "
                              "(props_*.json)", conf_file)
    if conf_is_props:  # the properties given twice
        raise DeviceSpecError("this is a properties file: give the configuration "
                              "(conf_*.json) first, then the properties (props_*.json)",
                              conf_file)
    if "n_qubits" in props and "qubits" not in props:  # the configuration given twice
        raise DeviceSpecError("this is a configuration file: give the properties "
                              "(props_*.json) after the configuration (conf_*.json)",
                              props_file)
    try:
        backend = conf["backend_name"]
        n = conf["n_qubits"]
        basis = list(conf["basis_gates"])
    except KeyError as exc:
        raise DeviceSpecError("missing required key", conf_file, exc.args[0]) from None
    calibrated = {g.get("gate") for g in props.get("gates", [])}
    if "reset" not in basis and ("reset" in conf.get("supported_instructions", ())
                                 or "reset" in calibrated):
        basis.append("reset")
    supported = conf.get("supported_instructions")
    if supported is not None and not (isinstance(supported, list)
                                      and all(isinstance(x, str) for x in supported)):
        raise DeviceSpecError("expected a list of instruction names", conf_file,
                              "supported_instructions")
    fractional = [g for g in dict.fromkeys(g.get("gate") for g in props.get("gates", []))
                  if g in FRACTIONAL_GATES and g not in basis]
    calibratable = {*basis, *fractional, *(supported or ()), "measure"}
    date = props.get("last_update_date")
    proc = _processor(conf)

    qubits = []
    for q, nduvs in enumerate(props.get("qubits", [])):
        fields = {}
        for i, nduv in enumerate(nduvs):
            fname = _QUBIT_FIELDS.get(nduv.get("name"))
            if fname is not None:
                fields[fname] = _si(nduv, props_file, f"qubits[{q}][{i}] ({nduv['name']})",
                                    spellings)
        try:
            qubits.append(QubitProperties(**fields))
        except DeviceSpecError as exc:
            raise DeviceSpecError(exc.reason, props_file, f"qubits[{q}] ({exc.key})") from None
    if len(qubits) != n:
        raise DeviceSpecError(f"has {len(qubits)} qubits, the configuration {n}",
                              props_file, "qubits")

    gates, dropped = {}, set()
    for i, entry in enumerate(props.get("gates", [])):
        gate, qs = entry.get("gate"), entry.get("qubits")
        if not isinstance(gate, str) or not isinstance(qs, list):
            raise DeviceSpecError("expected 'gate' (a name) and 'qubits' (a list)", props_file,
                                  f"gates[{i}]")
        qs = tuple(qs)
        if gate not in calibratable:
            dropped.add(gate)
            continue
        figures = {}
        for param in entry.get("parameters", []):
            key = f"gates[{i}] ({entry.get('name', gate)}).{param.get('name')}"
            if param.get("name") == "gate_error":
                figures["error"] = _si(param, props_file, key, spellings)
            elif param.get("name") == "gate_length":
                figures["length"] = _si(param, props_file, key, spellings)
        if len(qs) == 2 and list(qs) not in (conf.get("coupling_map") or []):
            raise DeviceSpecError(f"{gate} on {list(qs)}: the pair is not in the "
                                  "configuration's coupling_map", props_file, f"gates[{i}]")
        try:
            gates[(gate, qs)] = GateProperties(**figures)
        except DeviceSpecError as exc:
            raise DeviceSpecError(exc.reason, props_file, f"gates[{i}] ({exc.key})") from None
    if dropped:
        warnings.warn(f"{props_file}: calibration of {', '.join(sorted(dropped))} dropped: "
                      "not in basis_gates or supported_instructions", UserWarning, stacklevel=3)

    dt = conf.get("dt")  # ns in the JSON
    if dt is not None:
        dt = _si({"value": dt, "unit": "ns"}, conf_file, "dt", spellings)
    try:
        device = Device(
            name=name or _device_name(backend),
            description=f"IBM Quantum {backend}: {n} qubits"
                        + (f", {proc} processor" if proc else ""),
            version=str(conf.get("backend_version", "1.0.0")),
            source=source or (f"IBM {backend} calibration snapshot of {date[:10]}" if date
                              else f"IBM {backend} configuration snapshot"),
            default_engine=default_engine, processor_type=proc, calibration_date=date,
            max_shots=conf.get("max_shots"), max_experiments=conf.get("max_experiments"),
            quantum_volume=conf.get("quantum_volume"), n_qubits=n, basis_gates=tuple(basis),
            fractional_gates=tuple(fractional),
            supported_instructions=None if supported is None else tuple(supported),
            coupling_map=tuple(tuple(e) for e in conf.get("coupling_map") or ()),
            dt=dt, qubits=tuple(qubits), gates=gates)
    except DeviceSpecError as exc:  # e.g. an edge to a qubit the device does not have
        raise DeviceSpecError(exc.reason, conf_file, exc.key) from None
    return device, spellings


def import_ibm_toml(conf: str | os.PathLike | Mapping[str, Any],
                    props: str | os.PathLike | Mapping[str, Any], *, name: str | None = None,
                    source: str | None = None, default_engine: str = "auto",
                    generated_by: str | None = None) -> str:
    """The device TOML text of :func:`import_ibm` (what ``qfoundry import-ibm`` writes).

    The text depends only on the snapshot contents and file names (and ``generated_by``,
    the comment line naming what wrote it), so regenerating a shipped device reproduces
    it byte for byte.
    """
    device, spellings = _convert(conf, props, name=name, source=source,
                                 default_engine=default_engine)
    names = [Path(p).name if not isinstance(p, Mapping) else "<dict>" for p in (conf, props)]
    generated_by = generated_by or f"`qfoundry import-ibm {names[0]} {names[1]}`"
    comment = (f"{device.description}.\n"
               f"Generated by {generated_by}; do not edit by "
               "hand.\nSnapshot data: Apache-2.0, copyright IBM (qiskit-ibm-runtime "
               "fake_provider).\nNot modelled, so not carried over: anharmonicity, per-figure "
               "dates, jq/zz couplings, pulse data.")
    # Validate by reading it back: what we ship must load and equal what we converted.
    text = write(device, comment=comment, spellings=spellings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if parse(text) != device:  # pragma: no cover - a writer bug, never user input
            raise QfoundryError(f"internal error: {device.name} does not round-trip")
    return text


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``qfoundry import-ibm``."""
    parser.add_argument("conf", help="backend configuration JSON (conf_<name>.json)")
    parser.add_argument("props", help="backend properties JSON (props_<name>.json)")
    parser.add_argument("-o", "--output", help="TOML file to write (default: stdout)")
    parser.add_argument("--name", help="device name (default: backend name without ibmq_)")
    parser.add_argument("--source", help="the 'source' line (default: names the snapshot)")
    parser.add_argument("--default-engine", default="auto",
                        help="engine the device runs on by default (default: %(default)s)")


def cli_import_ibm(args: argparse.Namespace) -> int:
    """``qfoundry import-ibm CONF PROPS [-o OUT]``: print or write the device TOML."""
    text = import_ibm_toml(args.conf, args.props, name=args.name, source=args.source,
                           default_engine=args.default_engine)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise DeviceSpecError(f"cannot write: {exc.strerror or exc}", args.output) from None
        print(f"wrote {args.output}")
    else:
        print(text, end="")
    return 0
