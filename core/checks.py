"""Engine-neutral checks of a job at run(), before the transpiler or any engine sees it.

``QasmQobj.from_dict`` checks a Qobj dict's structure, but a job also arrives as a
``QasmQobj`` built in code, from a Circuit or from OpenQASM text, and some values are
well-formed yet poisonous: a NaN angle gives plausible counts, ``shots=2.9`` runs 2 shots,
``memory_slots=10**10`` asks for ten-gigabyte bit strings. These checks hold for every
input form and every engine, and each error names the experiment, the instruction index
and the field (as a ``QobjValidationError`` path) or the option (``OptionsError``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import limits
from .errors import EngineError, OptionsError, QobjValidationError
from .gates import GATES
from .options import show

__all__ = ["check_seed", "check_job", "check_experiment", "check_header"]

_SEEDS = ("seed_simulator", "seed_transpiler")
_PLAIN = frozenset({"name", "qubits", "params"})  # an instruction with nothing else set
_PLAIN_MEASURE = frozenset({"name", "qubits", "memory", "register"})
_ARRAY_OPTIONS = ("initial_statevector", "initial_unitary")


def _is_int(x: Any) -> bool:
    # type() first: the Integral ABC check costs ~1 us, and headers hold many ints
    return type(x) is int or (isinstance(x, numbers.Integral) and not isinstance(x, bool))


def check_seed(name: str, value: Any) -> None:
    """A seed is None (random) or a non-negative integer."""
    if value is not None and not (_is_int(value) and value >= 0):
        raise OptionsError(f"{name}={show(value)} is invalid: must be a non-negative integer "
                           "(or None for a random seed)")


def check_job(qobj: Any, options: Mapping[str, Any],
              shots_rule: tuple[int, int] = (1, 10**9)) -> None:
    """Check the resolved options and every experiment of ``qobj`` (``shots_rule``: the
    backend's (min, max) shots)."""
    for name in _SEEDS:
        if name in options:
            check_seed(name, options[name])
    for name in _ARRAY_OPTIONS:
        if options.get(name) is not None:
            bad = _first_bad_number(options[name])
            if bad is not None:
                raise OptionsError(f"{name} has a {bad} entry; amplitudes must be finite "
                                   "complex numbers")
    lo, hi = shots_rule
    shots = options.get("shots", lo)
    if not (_is_int(shots) and lo <= shots <= hi):
        raise OptionsError(f"shots={show(shots)} is invalid: this backend takes an integer "
                           f">= {lo} and <= {hi}")
    for e, exp in enumerate(qobj.experiments):
        check_experiment(e, exp, shots_rule)


def check_experiment(e: int, exp: Any, shots_rule: tuple[int, int] = (1, 10**9)) -> None:
    """One experiment's config, header and instructions (``e`` is its index, for paths)."""
    path = f"experiments[{e}]"
    where = f"experiment {e} ({show(getattr(exp.header, 'name', None))})"
    cfg = exp.config
    if hasattr(cfg, "shots"):
        lo, hi = shots_rule
        shots = cfg.shots
        if not (_is_int(shots) and lo <= shots <= hi):
            raise QobjValidationError(f"{where}: shots={show(shots)} must be an integer "
                                      f">= {lo} and <= {hi}", f"{path}.config.shots")
    if getattr(cfg, "seed_simulator", None) is not None:
        seed = cfg.seed_simulator
        if not (_is_int(seed) and seed >= 0):
            raise QobjValidationError(f"{where}: seed_simulator={show(seed)} must be a "
                                      "non-negative integer", f"{path}.config.seed_simulator")
    for part in ("config", "header"):
        record = getattr(exp, part)
        for key in ("n_qubits", "memory_slots"):
            value = getattr(record, key, None)
            if value is not None and not (_is_int(value) and value >= 0):
                raise QobjValidationError(f"{where}: {key} must be a non-negative integer, "
                                          f"got {show(value)}", f"{path}.{part}.{key}")
        slots = getattr(record, "memory_slots", None)
        if slots is not None and slots > limits.MAX_CLBITS:
            raise QobjValidationError(_too_many(where, f"memory_slots={slots}"),
                                      f"{path}.{part}.memory_slots")
    check_header(exp.header, where, f"{path}.header")
    for i, inst in enumerate(exp.instructions):
        if not (_plain_gate_ok(inst) or _plain_measure_ok(inst)):  # messages built only
            # for what needs a closer look
            _check_instruction(inst, f"{where}, instruction {i} ({show(inst.name)})",
                               f"{path}.instructions[{i}]")


def _plain_gate_ok(inst: Any) -> bool:
    """Whether ``inst`` is a named gate with only qubits and finite float parameters of
    the right counts: what :func:`_check_instruction` accepts without a second look."""
    fields = getattr(inst, "__dict__", None)
    if fields is None or not _PLAIN.issuperset(fields):
        return False
    spec = GATES.get(inst.name)
    if spec is None:
        return False
    qubits, params = fields.get("qubits") or (), fields.get("params") or ()
    if (len(qubits) != spec.num_qubits if spec.num_qubits is not None else not qubits) \
            or len(params) != spec.num_params or type(params) not in (list, tuple):
        return False
    return all(type(p) is float and math.isfinite(p) for p in params)


def _plain_measure_ok(inst: Any) -> bool:
    """Whether ``inst`` is a ``measure`` with only qubits, memory slots and register bits,
    the bits ints in range and one register bit per qubit: what
    :func:`_check_instruction` accepts without a second look."""
    fields = getattr(inst, "__dict__", None)
    if fields is None or inst.name != "measure" or not _PLAIN_MEASURE.issuperset(fields):
        return False
    register = fields.get("register")
    if register is not None and (type(register) is not list
                                 or len(register) != len(fields.get("qubits") or ())):
        return False
    memory = fields.get("memory")
    if memory is not None and type(memory) is not list:
        return False
    limit = limits.MAX_CLBITS
    return all(type(b) is int and 0 <= b < limit for b in (memory or []) + (register or []))


def _too_many(where: str, what: str) -> str:
    return (f"{where}: {what} exceeds the limit of {limits.MAX_CLBITS} classical bits "
            "(qfoundry.limits.MAX_CLBITS; raise it to run this on purpose)")


def check_header(header: Any, where: str, path: str) -> None:
    """The header fields the result formatter relies on (metadata, register sizes)."""
    metadata = getattr(header, "metadata", None)
    if metadata is not None and not isinstance(metadata, Mapping):
        raise QobjValidationError(f"{where}: metadata must be a dict, got {show(metadata)}",
                                  f"{path}.metadata")
    for key in ("creg_sizes", "qreg_sizes", "clbit_labels", "qubit_labels"):
        pairs = getattr(header, key, None)
        if pairs is None:
            continue
        ok = isinstance(pairs, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str)
            and _is_int(p[1]) and 0 <= p[1] <= limits.MAX_CLBITS for p in pairs)
        if not ok:
            raise QobjValidationError(
                f"{where}: {key} must be a list of [name, non-negative integer] pairs, "
                f"got {show(pairs)}", f"{path}.{key}")


def _check_instruction(inst: Any, where: str, path: str) -> None:
    params = getattr(inst, "params", None)
    if params is not None:
        if not isinstance(params, (list, tuple, np.ndarray)):
            raise QobjValidationError(f"{where}: params must be a list, got {show(params)}",
                                      f"{path}.params")
        for k, p in enumerate(params):
            bad = _first_bad_number(p)
            if bad is not None:
                raise QobjValidationError(
                    f"{where}: parameter {k} is {bad}; parameters must be finite numbers",
                    f"{path}.params[{k}]")
    spec = GATES.get(inst.name)
    if spec is not None:  # a named gate: its arity and parameter count, from the gate table
        qubits = getattr(inst, "qubits", None) or ()
        if (spec.num_qubits is None and not qubits) or \
                (spec.num_qubits is not None and len(qubits) != spec.num_qubits):
            raise QobjValidationError(
                f"{where}: acts on {spec.num_qubits or '>= 1'} qubit(s), got "
                f"{show(list(qubits))}", f"{path}.qubits")
        if len(params or ()) != spec.num_params:
            raise QobjValidationError(f"{where}: takes {spec.num_params} parameter(s), got "
                                      f"{len(params or ())}", f"{path}.params")
    if inst.name == "initialize":
        _check_initialize(inst, where, path)
    register = getattr(inst, "register", None)
    if (inst.name == "measure" and isinstance(register, (list, tuple))
            and len(register) != len(getattr(inst, "qubits", None) or ())):
        raise QobjValidationError(f"{where}: register {show(register)} must name one "
                                  "register bit per measured qubit", f"{path}.register")
    for key in ("register", "memory"):
        bits = getattr(inst, key, None)
        for b in (bits if isinstance(bits, (list, tuple)) else [bits]):
            if b is None:
                continue
            if not (_is_int(b) and b >= 0):
                raise QobjValidationError(f"{where}: {key} bits must be non-negative "
                                          f"integers, got {show(b)}", f"{path}.{key}")
            if b >= limits.MAX_CLBITS:
                raise QobjValidationError(_too_many(where, f"{key} bit {b}"), f"{path}.{key}")
    cond = getattr(inst, "conditional", None)
    if cond is not None:
        if isinstance(cond, Mapping):
            for key in ("mask", "val"):
                value = cond.get(key, "0x0")
                if not (isinstance(value, str) and _hex(value) is not None):
                    raise QobjValidationError(f"{where}: conditional {key} must be a hex "
                                              f"string such as '0x3', got {show(value)}",
                                              f"{path}.conditional.{key}")
        elif not (_is_int(cond) and 0 <= cond < limits.MAX_CLBITS):
            raise QobjValidationError(f"{where}: conditional must be a register bit (a "
                                      f"non-negative integer), got {show(cond)}",
                                      f"{path}.conditional")
    for key in ("mask", "val"):
        value = getattr(inst, key, None)
        if value is not None and not (isinstance(value, str) and _hex(value) is not None):
            raise QobjValidationError(f"{where}: {key} must be a hex string such as '0x3', "
                                      f"got {show(value)}", f"{path}.{key}")
        if value is not None and len(value) > limits.MAX_CLBITS // 4 + 2:
            raise QobjValidationError(_too_many(where, f"a {len(value)}-digit {key}"),
                                      f"{path}.{key}")


def _check_initialize(inst: Any, where: str, path: str) -> None:
    """The three forms every engine takes (a label, a basis-state index, normalised
    amplitudes), by the lowering's own rule, here before the transpiler sees them."""
    from .program import _initial_amplitudes  # one rule: qfoundry.program's

    try:
        _initial_amplitudes(inst, len(getattr(inst, "qubits", None) or ()), where)
    except EngineError as exc:
        raise QobjValidationError(str(exc), f"{path}.params") from None


def _hex(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


_MAX_DEPTH = 8  # a unitary's [re, im] rows are 3 deep; nothing legitimate nests more


def _first_bad_number(value: Any, depth: int = 0) -> str | None:
    """'nan' or 'inf' (with sign) for the first non-finite number in ``value`` (a number
    or nested lists/arrays of them), None when every number is finite. Strings and other
    objects are left to the engines, which know what each instruction takes."""
    if type(value) is float:  # the common case first: an angle
        return None if math.isfinite(value) else ("nan" if math.isnan(value) else
                                                  "inf" if value > 0 else "-inf")
    if depth > _MAX_DEPTH:
        return f"nested more than {_MAX_DEPTH} lists deep"
    if isinstance(value, (str, bytes, bool)) or value is None:
        return None
    if isinstance(value, numbers.Number):
        try:
            z = complex(value)
        except (TypeError, ValueError, OverflowError):
            return None
        for part in (z.real, z.imag):
            if math.isnan(part):
                return "nan"
            if math.isinf(part):
                return "inf" if part > 0 else "-inf"
        return None
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            flat = value.reshape(-1)
            return _first_bad_number(flat[~np.isfinite(flat)][0])
        if value.dtype.kind == "O":
            return _first_bad_number(list(value.reshape(-1)), depth + 1)
        return None
    if isinstance(value, (list, tuple)):
        for item in value:
            bad = _first_bad_number(item, depth + 1)
            if bad is not None:
                return bad
    return None
