"""Structural validation of a Qobj dict, before any object is built: every field's type
and range, with the field path (``experiments[0].instructions[3].qubits[1]``) in the
message. Semantic checks (gate arities, unitarity) happen when an experiment is lowered
(:mod:`qfoundry.program`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import QobjValidationError

__all__ = ["validate_qobj_dict"]

_RELATIONS = ("==", "!=", "<", "<=", ">", ">=")

_INSTRUCTION_FIELDS = {"name", "params", "qubits", "register", "memory", "condition",
                       "conditional", "label", "mask", "relation", "val", "snapshot_type",
                       "duration", "unit"}


def _require(cond: bool, message: str, path: str) -> None:
    if not cond:
        raise QobjValidationError(message, path)


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _int_list(value: Any, path: str, upper: int | None, what: str) -> None:
    _require(isinstance(value, (list, tuple)), f"must be a list of {what} indices", path)
    for k, v in enumerate(value):
        _require(_is_int(v) and v >= 0, f"must be a non-negative integer, got {v!r}",
                 f"{path}[{k}]")
        if upper is not None:
            _require(v < upper, f"{what} index {v} is out of range (the experiment has {upper})",
                     f"{path}[{k}]")


def validate_qobj_dict(data: Any) -> None:
    """Check a Qobj dict's structure; raise QobjValidationError naming the bad field's path."""
    _require(isinstance(data, Mapping), "a Qobj must be a dict", "qobj")
    for key in ("header", "config"):
        _require(isinstance(data.get(key, {}), Mapping), "must be a dict", key)
    qtype = data.get("type", "QASM")
    _require(qtype == "QASM", f"only QASM Qobjs can run here, not {qtype!r}", "type")
    config = data.get("config") or {}
    if "shots" in config:
        _require(_is_int(config["shots"]), f"must be an integer, got {config['shots']!r}",
                 "config.shots")
    if config.get("seed_simulator") is not None:
        _require(_is_int(config["seed_simulator"]), "must be an integer", "config.seed_simulator")
    exps = data.get("experiments")
    _require(isinstance(exps, list), "is required and must be a list", "experiments")
    for e, exp in enumerate(exps):
        _validate_experiment(exp, config, f"experiments[{e}]")


def _validate_experiment(exp: Any, qconfig: Mapping, path: str) -> None:
    _require(isinstance(exp, Mapping), "must be a dict", path)
    header = exp.get("header") or {}
    config = exp.get("config") or {}
    _require(isinstance(header, Mapping), "must be a dict", f"{path}.header")
    _require(isinstance(config, Mapping), "must be a dict", f"{path}.config")
    n_qubits = config.get("n_qubits", header.get("n_qubits", qconfig.get("n_qubits")))
    slots = config.get("memory_slots", header.get("memory_slots", qconfig.get("memory_slots")))
    for name, value in (("n_qubits", n_qubits), ("memory_slots", slots)):
        if value is not None:
            _require(_is_int(value) and value >= 0,
                     f"must be a non-negative integer, got {value!r}", f"{path}.config.{name}")
    for key in ("creg_sizes", "qreg_sizes"):
        if key in header:
            sizes = header[key]
            _require(isinstance(sizes, list) and all(
                isinstance(s, (list, tuple)) and len(s) == 2 and _is_int(s[1]) for s in sizes),
                "must be a list of [name, size] pairs", f"{path}.header.{key}")
    insts = exp.get("instructions")
    _require(isinstance(insts, list), "is required and must be a list", f"{path}.instructions")
    for i, inst in enumerate(insts):
        _validate_instruction(inst, n_qubits, slots, f"{path}.instructions[{i}]")


def _validate_instruction(inst: Any, n_qubits: int | None, slots: int | None, path: str) -> None:
    _require(isinstance(inst, Mapping), "must be a dict", path)
    name = inst.get("name")
    _require(isinstance(name, str) and name != "", "is required and must be a string",
             f"{path}.name")
    unknown = set(inst) - _INSTRUCTION_FIELDS
    _require(not unknown, f"unknown instruction field(s) {sorted(unknown)}", path)
    if "qubits" in inst:
        _int_list(inst["qubits"], f"{path}.qubits", n_qubits, "qubit")
        _require(len(set(inst["qubits"])) == len(inst["qubits"]),
                 f"repeats a qubit: {list(inst['qubits'])}", f"{path}.qubits")
    if "params" in inst:
        _require(isinstance(inst["params"], (list, tuple)), "must be a list", f"{path}.params")
    if name == "measure":
        _require("qubits" in inst and "memory" in inst, "measure needs qubits and memory", path)
        _int_list(inst["memory"], f"{path}.memory", slots, "memory slot")
        _require(len(inst["memory"]) == len(inst["qubits"]),
                 "must have one memory slot per measured qubit", f"{path}.memory")
        if "register" in inst:
            _int_list(inst["register"], f"{path}.register", None, "register bit")
    elif name == "bfunc":
        for key in ("mask", "relation", "val", "register"):
            _require(key in inst, f"bfunc needs {key!r}", path)
        for key in ("mask", "val"):
            _require(isinstance(inst[key], str) and _is_hex(inst[key]),
                     f"must be a hex string such as '0x3', got {inst[key]!r}", f"{path}.{key}")
        _require(inst["relation"] in _RELATIONS,
                 f"must be one of {list(_RELATIONS)}, got {inst['relation']!r}",
                 f"{path}.relation")
        _require(_is_int(inst["register"]) and inst["register"] >= 0,
                 "must be a non-negative integer", f"{path}.register")
    elif "memory" in inst and name not in ("measure",):
        _require(_is_int(inst["memory"]) or isinstance(inst["memory"], list), "bad memory field",
                 f"{path}.memory")
    if "conditional" in inst and not isinstance(inst["conditional"], Mapping):
        _require(_is_int(inst["conditional"]) and inst["conditional"] >= 0,
                 "must be a non-negative integer (a register bit)", f"{path}.conditional")


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True
