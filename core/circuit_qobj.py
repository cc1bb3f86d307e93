"""A Qobj experiment back into a Circuit: the inverse of :func:`qfoundry.assemble`.

Public as :func:`qfoundry.circuit.from_qobj_experiment` and
:func:`qfoundry.assemble.circuit_from_experiment`. It builds through the Circuit class it
is given, so it sits below :mod:`qfoundry.circuit` and the two do not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .circuit_parts import ClassicalRegister, QuantumRegister
from .errors import CircuitError
from .parameter_text import parse_expression
from .parameters import Parameter
from .qobj import QasmQobjExperiment, QasmQobjInstruction, to_complex_array

if TYPE_CHECKING:
    from .circuit import Circuit

__all__ = ["rebuild"]


def rebuild(experiment: QasmQobjExperiment | Mapping[str, Any], circuit_cls: type[Circuit]
            ) -> Circuit:
    """Rebuild the Circuit an experiment was assembled from (registers from the header).

    A ``bfunc`` followed by instructions ``conditional`` on its bit becomes a condition:
    on a register when its mask is one whole register, else on the masked clbits. It must
    test with ``==`` and read memory bits only; anything else a Circuit cannot express
    raises :class:`CircuitError`.
    """
    if isinstance(experiment, Mapping):
        experiment = QasmQobjExperiment.from_dict(experiment)
    header, config = experiment.header, experiment.config
    n_qubits = getattr(config, "n_qubits", getattr(header, "n_qubits", None))
    slots = getattr(config, "memory_slots", getattr(header, "memory_slots", None))
    if n_qubits is None:
        n_qubits = 1 + max((q for i in experiment.instructions
                            for q in getattr(i, "qubits", ())), default=-1)
    if slots is None:
        slots = 1 + max((m for i in experiment.instructions if i.name == "measure"
                         for m in i.memory), default=-1)
    qregs = getattr(header, "qreg_sizes", None) or _sizes(getattr(header, "qubit_labels", None))
    cregs = getattr(header, "creg_sizes", None) or _sizes(getattr(header, "clbit_labels", None))
    if qregs is None or sum(s for _, s in qregs) != n_qubits:
        qregs = [["q", n_qubits]] if n_qubits else []
    if cregs is None or sum(s for _, s in cregs) != slots:
        cregs = [["c", slots]] if slots else []
    circ = circuit_cls(*(QuantumRegister(n, s) for n, s in qregs),
                   *(ClassicalRegister(n, s) for n, s in cregs),
                   name=getattr(header, "name", None),
                   global_phase=getattr(header, "global_phase", 0.0),
                   metadata=getattr(header, "metadata", None))
    bits: dict[int, tuple[str, int]] = {}  # scratch register bit -> (creg, value)
    table: dict[str, Parameter] = {}  # one Parameter per name in the experiment
    for k, inst in enumerate(experiment.instructions):
        where = f"instruction {k} ({inst.name!r})"
        if inst.name == "bfunc":
            bits[inst.register] = _bfunc_condition(inst, circ, where)
            continue
        cond = None
        if hasattr(inst, "conditional"):
            if inst.conditional not in bits:
                raise CircuitError(f"{where}: conditional on register bit {inst.conditional!r}, "
                                   "which no earlier bfunc sets")
            cond = bits[inst.conditional]
        qubits = list(getattr(inst, "qubits", ()))
        params = [_param(p, table) for p in getattr(inst, "params", ())]
        label = getattr(inst, "label", None)
        if inst.name == "global_phase":  # Qiskit's BasicSimulator form of a phase
            circ.global_phase += float(params[0])
        elif inst.name == "measure":
            for q, m in zip(qubits, inst.memory):
                circ.append("measure", [q], clbits=[m], condition=cond)
        elif inst.name == "unitary":
            circ.append("unitary", qubits, [to_complex_array(params[0])], condition=cond,
                        label=label)
        elif inst.name == "delay" and getattr(inst, "unit", "dt") != "dt":
            circ.append("delay", qubits, [*params[:1], inst.unit], condition=cond, label=label)
        else:
            circ.append(inst.name, qubits, params, condition=cond, label=label)
    return circ


def _param(value: Any, table: dict[str, Parameter]) -> Any:
    if not isinstance(value, str):
        return value
    expr = parse_expression(value, table)
    if not isinstance(expr, float):
        table.update({p.name: p for p in expr.parameters})
    return expr


def _sizes(labels: list | None) -> list[list] | None:
    if not labels:
        return None
    sizes: dict[str, int] = {}
    for name, _ in labels:
        sizes[name] = sizes.get(name, 0) + 1
    return [[n, s] for n, s in sizes.items()]


def _bfunc_condition(inst: QasmQobjInstruction, circ: Circuit, where: str) -> tuple[Any, int]:
    mask, val = int(inst.mask, 16), int(inst.val, 16)
    if inst.relation != "==" or mask >> circ.num_clbits or val & ~mask:
        raise CircuitError(f"{where}: bfunc mask {inst.mask} relation {inst.relation!r} is not "
                           "an equality test of memory bits, so it has no condition form")
    for reg in circ.cregs:
        offset = circ.creg_offset(reg.name)
        if mask == ((1 << reg.size) - 1) << offset:
            return (reg.name, val >> offset)
    bits = [b for b in range(circ.num_clbits) if (mask >> b) & 1]
    return (tuple(bits), sum(((val >> b) & 1) << i for i, b in enumerate(bits)))
