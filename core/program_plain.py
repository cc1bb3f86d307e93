"""The lowering's short path (:func:`qfoundry.program.lower`): gates and measurements
in the form every Qobj from JSON or ``assemble`` holds (int qubits and slots, float
angles, no condition), lowered without the general path's conversions and message text,
which are most of a small experiment's lowering. Anything else returns None and takes the
general path, which lowers it or raises its error naming the instruction; both paths
build the same operation (tests/test_program.py)."""

from __future__ import annotations

from typing import Any

from .gates import _fixed_cached
from .operations import Gate, Measure

__all__ = ["plain_gate", "plain_measure"]


def plain_gate(inst: Any, spec: Any, n_qubits: int, index: int) -> Gate | None:
    """The Gate of a well-formed unconditioned gate with int qubits and float angles, the
    same as the general path builds; None for anything else."""
    if getattr(inst, "conditional", None) is not None or getattr(
            inst, "_condition", None) is not None:
        return None
    qubits = getattr(inst, "qubits", None)
    nq = spec.num_qubits
    if nq is None or not qubits or len(qubits) != nq:
        return None
    for q in qubits:
        if type(q) is not int or not 0 <= q < n_qubits:
            return None
    if nq > 1 and len(set(qubits)) != nq:
        return None
    params = getattr(inst, "params", None) or ()
    if len(params) != spec.num_params:
        return None
    if params:
        for p in params:
            if type(p) is not float:
                return None
        params = tuple(params)
        matrix = spec.matrix_fn(*params)
    else:
        params = ()
        matrix = _fixed_cached(inst.name)
    return Gate(inst.name, tuple(qubits), params, matrix, spec.kind, None, index)


def plain_measure(inst: Any, n_qubits: int, n_slots: int, index: int) -> Measure | None:
    """The Measure of an unconditioned ``measure`` with int qubits, slots and register
    bits in range, the same as the general path builds; None for anything else."""
    if getattr(inst, "conditional", None) is not None or getattr(
            inst, "_condition", None) is not None:
        return None
    qubits, slots = getattr(inst, "qubits", None), getattr(inst, "memory", None)
    if not qubits or not slots or len(qubits) != len(slots):
        return None
    for q in qubits:
        if type(q) is not int or not 0 <= q < n_qubits:
            return None
    for m in slots:
        if type(m) is not int or not 0 <= m < n_slots:
            return None
    if len(qubits) > 1 and len(set(qubits)) != len(qubits):
        return None
    regs = getattr(inst, "register", None)
    if regs is not None:
        if len(regs) != len(qubits):
            return None
        for r in regs:
            if type(r) is not int:
                return None
        regs = tuple(regs)
    return Measure(tuple(qubits), tuple(slots), regs, False, None, index)
