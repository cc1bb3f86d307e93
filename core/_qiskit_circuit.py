"""Parameterised Qiskit circuits as qfoundry Circuits.

OpenQASM 2 (the route :mod:`qfoundry.assemble` takes for bound Qiskit circuits) has no
free parameters, so a circuit with unbound parameters is read instruction by instruction
instead: registers as declared, gates by name when qfoundry knows them (qelib1 and the
gate table), measurements, resets and barriers; each parameter expression through its
text, so ``2*theta + 1`` stays symbolic under the same parameter names. Anything else
(custom gates, control flow) must be decomposed or bound first.
"""

from __future__ import annotations

from typing import Any

from .circuit import Circuit, ClassicalRegister, QuantumRegister
from .circuit_parts import _gate_signatures
from .errors import CircuitError
from .parameter_text import parse_expression
from .parameters import Parameter

__all__ = ["from_parameterised_qiskit"]


def _param(value: Any, table: dict[str, Parameter], where: str) -> Any:
    if not hasattr(value, "parameters"):  # a plain number
        return float(value)
    text = str(value).replace("log(", "ln(")
    try:
        expr = parse_expression(text, table)
    except Exception as exc:
        raise CircuitError(f"{where}: cannot read parameter expression {text!r}: "
                           f"{exc}") from None
    if not isinstance(expr, float):
        table.update({p.name: p for p in expr.parameters})
    return expr


def from_parameterised_qiskit(qc: Any) -> Circuit:
    """``qc`` (a Qiskit QuantumCircuit with unbound parameters) as a Circuit."""
    circ = Circuit(*(QuantumRegister(r.name, r.size) for r in qc.qregs),
                   *(ClassicalRegister(r.name, r.size) for r in qc.cregs), name=qc.name,
                   global_phase=0.0 if hasattr(qc.global_phase, "parameters")
                   else float(qc.global_phase), metadata=dict(qc.metadata or {}))
    if len(qc.qubits) != circ.num_qubits or len(qc.clbits) != circ.num_clbits:
        raise CircuitError(f"Qiskit circuit {qc.name!r} has bits outside its registers")
    known = _gate_signatures()
    table: dict[str, Parameter] = {}
    for k, ci in enumerate(qc.data):
        op = ci.operation
        where = f"Qiskit circuit {qc.name!r}, instruction {k} ({op.name!r})"
        qubits = [qc.find_bit(q).index for q in ci.qubits]
        clbits = [qc.find_bit(c).index for c in ci.clbits]
        if getattr(op, "condition", None) is not None or op.name in (
                "if_else", "while_loop", "for_loop", "switch_case"):
            raise CircuitError(f"{where}: control flow in a parameterised circuit is not "
                               "supported; bind the parameters first")
        if op.name in ("measure", "reset", "barrier", "delay") or op.name in known:
            params = [] if op.name in ("measure", "reset", "barrier") else [
                _param(p, table, where) for p in op.params]
            circ.append(op.name, qubits, params, clbits)
        else:
            raise CircuitError(f"{where}: qfoundry has no gate {op.name!r}; decompose the "
                               "circuit (qc.decompose()) or bind its parameters first")
    return circ
