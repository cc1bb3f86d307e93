"""What a device accepts as written: its instruction set, checked on hardware-strict runs.

IBM describes a chip's instruction set in two lists of its configuration: ``basis_gates``
(the gates it executes) and ``supported_instructions`` (everything it accepts, including
``measure``, ``reset``, ``delay`` and the dynamic-circuit instructions ``if_else``,
``while_loop``, ``for_loop``, ``switch_case``). A device keeps both; this module turns
them into one rule, documented in docs/devices.md:

* every device accepts its ``basis_gates`` and the directives ``measure``, ``barrier``,
  ``delay`` (``reset`` only where ``basis_gates`` lists it: the importer adds it there when
  the snapshot supports it);
* fractional gates (``rx``, ``rzz`` on Heron) only on a backend opened with
  ``use_fractional_gates=True`` (see :func:`with_fractional_gates`), as in Qiskit;
* a classically conditioned instruction (a dynamic circuit) only where
  ``supported_instructions`` lists ``if_else``. A device without the list (nine old
  snapshots, most hand-written files) runs no dynamic circuits;
* a fractional ``rzz(theta)`` only for 0 <= theta <= pi/2, the calibrated range (the
  transpiler folds any other angle into it, as Qiskit's ``FoldRzzAngle`` does).

:func:`check_native` enforces all of it; device backends call it on every run, and with
``transpile=False`` (the hardware's strictness) also for dynamic circuits and rzz angles.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import UnsupportedInstructionError

__all__ = ["DIRECTIVES", "DYNAMIC_INSTRUCTIONS", "FRACTIONAL_GATES", "check_native",
           "supports_dynamic_circuits", "with_fractional_gates"]

#: Instructions every device accepts on top of its basis gates: they are not gates a
#: transpiler must synthesise (``reset`` is accepted only where ``basis_gates`` lists it).
DIRECTIVES = frozenset({"measure", "barrier", "delay", "save_density_matrix", "save_expval"})
#: IBM's dynamic-circuit instructions (``supported_instructions`` entries).
DYNAMIC_INSTRUCTIONS = frozenset({"if_else", "while_loop", "for_loop", "switch_case"})
#: Gates IBM calls fractional: continuous-angle rotations with a real pulse (not ``rz``).
FRACTIONAL_GATES = frozenset({"rx", "rzz", "rzx"})


def supports_dynamic_circuits(device: Any) -> bool:
    """True when the device's ``supported_instructions`` lists ``if_else``."""
    return "if_else" in (getattr(device, "supported_instructions", None) or ())


@functools.lru_cache(maxsize=64)
def with_fractional_gates(device: Any) -> Any:
    """The device with its ``fractional_gates`` moved into ``basis_gates`` (the view of a
    backend opened with ``use_fractional_gates=True``); the device itself if it has none."""
    extra = tuple(g for g in getattr(device, "fractional_gates", ()) if g not in
                  device.basis_gates)
    if not extra:
        return device
    return dataclasses.replace(device, basis_gates=device.basis_gates + extra,
                               fractional_gates=())


def _check_rzz_angle(inst: Any, what: str, device: Any) -> None:
    params = inst.get("params") if isinstance(inst, Mapping) else getattr(inst, "params", ())
    theta = params[0] if params else None
    if isinstance(theta, (int, float)) and not -1e-12 <= theta <= math.pi / 2 + 1e-12:
        raise UnsupportedInstructionError(
            f"{what} has angle {theta!r}, outside the range 0..pi/2 that "
            f"{device.backend_name} calibrates rzz for; transpile the circuit, which folds "
            "the angle into that range with single-qubit gates")


def _is_conditional(inst: Any) -> bool:
    if isinstance(inst, Mapping):
        return inst.get("name") == "bfunc" or inst.get("conditional") is not None \
            or inst.get("condition") is not None
    return getattr(inst, "name", None) == "bfunc" \
        or getattr(inst, "conditional", None) is not None \
        or getattr(inst, "_condition", None) is not None \
        or getattr(inst, "condition", None) is not None


def check_native(instructions: Iterable[Any], device: Any, *,
                 experiment: str | None = None, strict: bool = False) -> None:
    """Refuse what the real device would refuse: gates outside ``basis_gates`` (besides
    ``measure``, ``barrier``, ``delay``), two-qubit gates on uncoupled pairs, qubits the
    device lacks, and (``strict=True``, the hardware-strict runs) classically conditioned
    instructions on a device whose ``supported_instructions`` lack ``if_else`` and
    ``rzz`` angles outside 0..pi/2. Map the
    circuit to the device first (``qfoundry.transpile``) to run it.

    ``instructions`` are Qobj instructions, circuit instructions or dicts with ``name``
    and ``qubits``. Raises :class:`UnsupportedInstructionError` naming the instruction's
    index, name and qubits.
    """
    basis = set(device.basis_gates)
    where = f" of experiment {experiment!r}" if experiment else ""
    no_dynamic = strict and not supports_dynamic_circuits(device)
    fractional = set(getattr(device, "fractional_gates", ()))
    for index, inst in enumerate(instructions):
        if isinstance(inst, Mapping):
            name, qubits = inst.get("name"), inst.get("qubits") or ()
        else:
            name, qubits = inst.name, getattr(inst, "qubits", None) or ()
        qubits = tuple(int(q) for q in qubits)
        if no_dynamic and _is_conditional(inst):
            listed = getattr(device, "supported_instructions", None)
            why = ("its configuration lists no supported_instructions" if listed is None
                   else f"its supported_instructions ({', '.join(listed)}) lack if_else")
            raise UnsupportedInstructionError(
                f"instruction {index}{where} ({name}) is classically conditioned, a dynamic "
                f"circuit, but {device.backend_name} runs no dynamic circuits: {why}")
        if not qubits:
            continue
        what = f"instruction {index}{where} ({name} on qubits {list(qubits)})"
        bad = [q for q in qubits if not 0 <= q < device.n_qubits]
        if bad:
            raise UnsupportedInstructionError(
                f"{what} uses qubit {bad[0]}, but {device.backend_name} has "
                f"{device.n_qubits} qubits")
        if name in DIRECTIVES:
            continue
        if name not in basis:
            hint = (f"; {name} is a fractional gate of {device.backend_name}: open the "
                    "backend with use_fractional_gates=True" if name in fractional else
                    "; transpile the circuit to the device first")
            raise UnsupportedInstructionError(
                f"{what} is not native to {device.backend_name} (basis gates: "
                f"{', '.join(device.basis_gates)}){hint}")
        if strict and name == "rzz":
            _check_rzz_angle(inst, what, device)
        # A 2-qubit gate needs its directed edge; a wider one (rare in a basis) needs
        # every pair coupled one way or the other.
        pairs = [qubits] if len(qubits) == 2 else \
            [(a, b) for i, a in enumerate(qubits) for b in qubits[i + 1:]]
        for a, b in pairs:
            if device.is_coupled(a, b) or (len(qubits) > 2 and device.is_coupled(b, a)):
                continue
            partners = sorted(t for s, t in device.coupling_map if s == a)
            raise UnsupportedInstructionError(
                f"{what}: qubits {a} and {b} are not coupled on {device.backend_name} "
                f"(qubit {a} couples to {partners or 'nothing'}); transpile the circuit to "
                "the device first")
