"""qfoundry Circuit -> Qiskit ``QuantumCircuit``: the inverse of :func:`from_qiskit`.

The same registers, gates, global phase, delays (with their units) and parameters (each
qfoundry expression rebuilt from Qiskit ``Parameter``s of the same names, vectors as
``ParameterVector``s); register conditions become ``if_test((register, value))``, clbit
conditions ``if_test((clbit, value))`` or a conjunction of bit tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ClassicalRegister
from qiskit.circuit.classical import expr

from ..circuit import Circuit
from ..errors import CircuitError

__all__ = ["to_qiskit"]

_ALIASES = {"CX": "cx", "U": "u", "c3sqrtx": "c3sx", "rc3x": "rcccx", "i": "id"}


def to_qiskit(circ: Circuit) -> QuantumCircuit:
    """``circ`` as a Qiskit circuit: same registers, gates, phase; conditions as
    ``if_test`` blocks (a clbit tuple condition as a conjunction of bit tests)."""
    from qiskit.circuit import Barrier, Delay, Measure, QuantumRegister, Reset
    from qiskit.circuit.library import Initialize, MCXGate, UnitaryGate
    from qiskit.circuit.library import get_standard_gate_name_mapping as standard

    gates = standard()
    angles = _qiskit_parameters(circ)
    qregs = [QuantumRegister(r.size, r.name) for r in circ.qregs]
    cregs = {r.name: ClassicalRegister(r.size, r.name) for r in circ.cregs}
    qc = QuantumCircuit(*qregs, *cregs.values(), name=circ.name,
                        global_phase=circ.global_phase, metadata=dict(circ.metadata))
    for inst in circ.data:
        name, params = _ALIASES.get(inst.name, inst.name), list(inst.params)
        if name not in ("unitary", "initialize"):
            params = [_qiskit_angle(p, angles, inst.name) for p in params]
        if name == "measure":
            op = Measure()
        elif name == "reset":
            op = Reset()
        elif name == "barrier":
            op = Barrier(len(inst.qubits))
        elif name == "delay":
            op = Delay(params[0], params[1] if len(params) > 1 else "dt")
        elif name == "unitary":
            op = UnitaryGate(params[0], label=inst.label, check_input=False)
        elif name == "initialize":
            op = Initialize(params)
        elif name in ("mcx", "mcx_gray", "c3x", "c4x"):
            op = MCXGate(len(inst.qubits) - 1)
        elif name == "u0":
            op = gates["id"]
        elif name in gates:
            op = type(gates[name])(*params)
        else:
            raise CircuitError(f"instruction {inst.name!r} has no Qiskit equivalent")
        qargs = [qc.qubits[q] for q in inst.qubits]
        cargs = [qc.clbits[c] for c in inst.clbits]
        if inst.condition is None:
            qc.append(op, qargs, cargs)
            continue
        with qc.if_test(_qiskit_condition(qc, cregs, circ, inst.condition)):
            qc.append(op, qargs, cargs)
    return qc


def _qiskit_parameters(circ: Circuit) -> dict[str, Any]:
    """Qiskit parameters of the same names as ``circ``'s (vectors stay vectors)."""
    from qiskit.circuit import Parameter, ParameterVector

    out: dict[str, Any] = {}
    vectors: dict[str, int] = {}
    for p in circ.parameters:
        vector = getattr(p, "vector", None)
        if vector is not None:
            vectors[vector.name] = max(vectors.get(vector.name, 0), p.index + 1)
        else:
            out[p.name] = Parameter(p.name)
    for name, size in vectors.items():
        out.update({f"{name}[{i}]": e for i, e in enumerate(ParameterVector(name, size))})
    return out


def _qiskit_angle(value: Any, angles: dict[str, Any], name: str) -> Any:
    """A float, or the Qiskit expression of a qfoundry one: evaluated with Qiskit
    parameters as the values (numpy applies the same operators and functions to them)."""
    if not getattr(value, "parameters", None):
        return value
    try:
        out = value.evaluate(angles)
    except (AttributeError, TypeError) as exc:
        raise CircuitError(f"instruction {name!r}: expression {value} has no Qiskit "
                           f"form ({exc})") from None
    return out.item() if isinstance(out, np.ndarray) else out


def _qiskit_condition(qc: QuantumCircuit, cregs: dict, circ: Circuit,
                      condition: tuple[Any, int]) -> Any:
    target, value = condition
    if isinstance(target, str):
        return (cregs[target], value)
    bits = [qc.clbits[b] for b in target]
    if len(bits) == 1:
        return (bits[0], value)
    terms: Iterable[Any] = (expr.lift(b) if (value >> i) & 1 else expr.logic_not(b)
                            for i, b in enumerate(bits))
    first, *rest = terms
    return list(itertools.accumulate(rest, expr.logic_and, initial=first))[-1]

