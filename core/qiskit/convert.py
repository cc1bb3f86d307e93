"""Qiskit ``QuantumCircuit`` -> :class:`qfoundry.Circuit`, directly (no OpenQASM 2 detour).

:func:`from_qiskit` is what ``backend.run()`` uses for every QuantumCircuit. Standard gates
keep their names (qfoundry's gate table is Qiskit's conventions, matrices and global phases
included); ``UnitaryGate``, ``Initialize``, ``Delay`` (with its unit), measure, reset,
barrier and the global phase map one to one; any other gate goes through its definition.
Unbound ``Parameter`` / ``ParameterVector`` / ``ParameterExpression`` angles become
qfoundry parameters of the same names (an expression through its text, so ``2*theta + 1``
stays symbolic); a global phase that depends on them is dropped, as only a statevector's
overall phase could show it.

Control flow is lowered to conditioned instructions, which every engine runs:

- ``if_else``: the true body's instructions get the condition; the false body runs once
  for each value the condition's bits can take that makes it false, so exactly one copy
  fires (up to 64 copies: a condition on at most 6 bits). Nested blocks conjoin their
  conditions. qfoundry tests a condition at each instruction rather than once at the
  block, so a body that measures into a bit its condition reads is refused.
- ``switch_case``: each case as an ``if``; ``default`` as the values no case lists.
- ``for_loop``: unrolled, the loop parameter bound per iteration; ``box``: inlined.
- ``while_loop``, ``break_loop``, ``continue_loop``: refused (no engine repeats a block).

Qiskit is imported only here, when the caller already holds a Qiskit object.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import (
    CASE_DEFAULT,
    ClassicalRegister,
    Clbit,
    Gate,
    ParameterExpression,
)
from qiskit.circuit.classical import expr

from ..circuit import Circuit
from ..circuit import ClassicalRegister as QfClassicalRegister
from ..circuit import QuantumRegister as QfQuantumRegister
from ..errors import CircuitError, ParameterError
from ..parameters import parse_expression

__all__ = ["from_qiskit"]

MAX_ELSE_COPIES = 64
_NAME_RE = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
_REFUSED = {
    "while_loop": "its condition is tested at run time and no qfoundry engine repeats a block",
    "break_loop": "no qfoundry engine jumps out of a block",
    "continue_loop": "no qfoundry engine jumps within a block",
    "store": "qfoundry circuits have no classical variables",
}
# Qiskit names that are not the qfoundry gate of the same name (none today); and the
# names whose qfoundry gate takes a variable number of qubits.
_VARIADIC = {"mcx"}

Cond = dict[int, int]  # flat clbit -> required value; {} is "always"


def from_qiskit(qc: QuantumCircuit) -> Circuit:
    """The qfoundry form of ``qc``: same registers, bits, phase, name and metadata.

    :raises CircuitError: naming the instruction, for an unbound parameter, an opaque
        instruction without a definition, or control flow no engine can run.
    """
    taken: set[str] = set()
    qregs = _registers(qc.qubits, qc.qregs, "q", QfQuantumRegister, taken)
    cregs = _registers(qc.clbits, qc.cregs, "c", QfClassicalRegister, taken)
    out = Circuit(*qregs, *cregs, name=qc.name, metadata=dict(qc.metadata or {}))
    if not (isinstance(qc.global_phase, ParameterExpression) and qc.global_phase.parameters):
        out.global_phase = _number(qc.global_phase, f"Qiskit circuit {qc.name!r}: global phase")
    lowering = _Lowering(out)
    lowering.block(qc, dict(zip(qc.qubits, range(qc.num_qubits))),
                   dict(zip(qc.clbits, range(qc.num_clbits))), {})
    return out


def _registers(bits: list, regs: list, default: str, cls: type, taken: set[str]) -> list:
    """The circuit's registers when they list its bits in order (so flat indices and
    counts keys agree with Qiskit's), else one register; names that qfoundry's OpenQASM-2
    rules refuse (``Meas``, ``my-reg``) or that repeat are made valid and distinct."""
    flat = [b for r in regs for b in r]
    pairs = [(r.name, r.size) for r in regs] if regs and flat == list(bits) else \
        ([(default, len(bits))] if bits else [])
    out = []
    for name, size in pairs:
        new = re.sub(r"[^A-Za-z0-9_]", "_", name)
        new = new[:1].lower() + new[1:] if new[:1].isalpha() else f"r{new}"
        base, k = new, 0
        while new in taken:
            new, k = f"{base}_{k}", k + 1
        taken.add(new)
        out.append(cls(new, size))
    return out


def _number(value: Any, where: str) -> float:
    if isinstance(value, ParameterExpression):
        if value.parameters:
            names = sorted(p.name for p in value.parameters)
            raise CircuitError(f"{where}: unbound parameter(s) {names}; bind them first "
                               "(QuantumCircuit.assign_parameters)")
        value = complex(value)
    if isinstance(value, (complex, np.complexfloating)):
        if abs(value.imag) > 1e-12:
            raise CircuitError(f"{where}: parameter {value!r} is not real")
        value = value.real
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CircuitError(f"{where}: parameter {value!r} is not a number") from None


class _Lowering:
    """Appends a Qiskit block's instructions to ``out``, under a condition."""

    def __init__(self, out: Circuit):
        self.out = out
        self.gates = _qfoundry_gates()
        self.parameters: dict[str, Any] = {}  # name -> the qfoundry Parameter of that name

    def angle(self, value: Any, where: str) -> Any:
        """A gate parameter: a float, or a qfoundry expression of the same parameters."""
        if not (isinstance(value, ParameterExpression) and value.parameters):
            return _number(value, where)
        text = str(value).replace("log(", "ln(")  # Qiskit's text; ln is qfoundry's log
        try:
            angle = parse_expression(text, self.parameters)
        except ParameterError as exc:
            raise CircuitError(f"{where}: cannot read parameter expression {text!r} ({exc}); "
                               "bind it first (QuantumCircuit.assign_parameters)") from None
        if not isinstance(angle, float):
            self.parameters.update({p.name: p for p in angle.parameters})
        return angle

    def block(self, qc: QuantumCircuit, qmap: dict, cmap: dict, cond: Cond,
              where: str = "") -> None:
        for k, inst in enumerate(qc.data):
            op = inst.operation
            here = f"{where}instruction {k} ({op.name!r})"
            qs = [qmap[q] for q in inst.qubits]
            cs = [cmap[c] for c in inst.clbits]
            if op.name in _REFUSED:
                raise CircuitError(f"Qiskit circuit {self.out.name!r}, {here}: {op.name} is "
                                   f"not supported: {_REFUSED[op.name]}")
            if op.name == "measure" and set(cs) & set(cond):
                raise CircuitError(
                    f"Qiskit circuit {self.out.name!r}, {here}: writes clbit(s) "
                    f"{sorted(set(cs) & set(cond))}, which the enclosing condition reads; "
                    "qfoundry tests a condition at each instruction, so this block has no "
                    "exact lowering")
            if op.name in ("if_else", "switch_case", "for_loop", "box"):
                self.control_flow(op, qs, cs, cmap, cond, here)
            else:
                self.operation(op, qs, cs, cond, here)

    def control_flow(self, op: Any, qs: list, cs: list, cmap: dict, cond: Cond,
                     here: str) -> None:
        def body(block: QuantumCircuit, c: Cond | None) -> None:
            if c is None:  # contradicts the enclosing condition: can never run
                return
            self.block(block, dict(zip(block.qubits, qs)), dict(zip(block.clbits, cs)), c,
                       here + " > ")

        if op.name == "box":
            body(op.blocks[0], cond)
        elif op.name == "for_loop":
            indexset, param, block = op.params
            for value in indexset:
                body(block if param is None else block.assign_parameters({param: value}),
                     cond)
        elif op.name == "if_else":
            bits, value = self.condition(op.condition, cmap, here)
            body(op.blocks[0], _conjoin(cond, bits, value))
            if len(op.blocks) > 1 and op.blocks[1] is not None:
                for other in self.other_values(bits, [value], here):
                    body(op.blocks[1], _conjoin(cond, bits, other))
        else:  # switch_case
            bits, _ = self.condition(op.target, cmap, here, value=0)
            listed, default = [], None
            for values, block in op.cases_specifier():
                for v in values:
                    if v is CASE_DEFAULT:
                        default = block
                    else:
                        listed.append(int(v))
                        body(block, _conjoin(cond, bits, int(v)))
            if default is not None:
                for other in self.other_values(bits, listed, here):
                    body(default, _conjoin(cond, bits, other))

    def other_values(self, bits: tuple, values: list[int], here: str) -> list[int]:
        others = [v for v in range(1 << len(bits)) if v not in values]
        if len(others) > MAX_ELSE_COPIES:
            raise CircuitError(f"Qiskit circuit {self.out.name!r}, {here}: an else/default "
                               f"branch on {len(bits)} bits would need {len(others)} "
                               f"conditioned copies (at most {MAX_ELSE_COPIES})")
        return others

    def condition(self, target: Any, cmap: dict, here: str,
                  value: Any = None) -> tuple[tuple[int, ...], int]:
        """``(flat clbits, value)`` for a Qiskit condition: ``(Clbit, bool)``,
        ``(ClassicalRegister, int)`` or the equivalent simple classical expressions."""
        if isinstance(target, tuple):
            target, value = target
        if isinstance(target, expr.Expr):
            target, value = _simple_expr(target, value, here)
        if isinstance(target, Clbit):
            return (cmap[target],), int(bool(value)) if value is not None else 1
        if isinstance(target, ClassicalRegister):
            return tuple(cmap[b] for b in target), int(value)
        raise CircuitError(f"Qiskit circuit {self.out.name!r}, {here}: condition {target!r} "
                           "is not a clbit or register test")

    def operation(self, op: Any, qs: list, cs: list, cond: Cond, here: str) -> None:
        where = f"Qiskit circuit {self.out.name!r}, {here}"
        condition = self.as_condition(cond)
        name = op.name
        label = op.label if isinstance(getattr(op, "label", None), str) else None
        if name in ("measure", "reset", "barrier"):
            if name == "barrier" and condition is not None:
                return  # a barrier only orders the (conditioned) gates around it
            self.out.append(name, qs, clbits=cs, condition=condition)
        elif name == "delay":
            if not isinstance(op.duration, (int, float, np.number)):
                raise CircuitError(f"{where}: a delay of {op.duration!r} is not a number")
            self.out.append("delay", qs, [op.duration, op.unit], condition=condition)
        elif name == "global_phase":
            if condition is None:  # on one classical branch it is not observable
                self.out.global_phase += _number(op.params[0], where)
        elif name == "unitary":
            self.out.append("unitary", qs, [op.to_matrix()], condition=condition, label=label)
        elif name == "initialize":
            self.out.append("initialize", qs, _amplitudes(op), condition=condition)
        elif name in self.gates and (self.gates[name] == len(qs) or name in _VARIADIC) \
                and len(op.params) == _n_params(name):
            params = [self.angle(p, f"{where}, parameter {i}") for i, p in enumerate(op.params)]
            self.out.append(name, qs, params, condition=condition, label=label)
        elif op.definition is not None:
            definition = op.definition
            phase = definition.global_phase
            if cond == {} and not (isinstance(phase, ParameterExpression) and phase.parameters):
                self.out.global_phase += _number(phase, where)
            self.block(definition, dict(zip(definition.qubits, qs)),
                       dict(zip(definition.clbits, cs)), cond, here + " > ")
        elif isinstance(op, Gate) and op.num_qubits <= 12:
            try:
                matrix = op.to_matrix()
            except Exception as exc:  # Qiskit's own error types, reported as ours
                raise CircuitError(f"{where}: an opaque gate with no definition or matrix "
                                   f"({exc})") from exc
            self.out.append("unitary", qs, [matrix], condition=condition, label=name)
        else:
            raise CircuitError(f"{where}: {name!r} has no definition qfoundry can run")

    def as_condition(self, cond: Cond) -> tuple[Any, int] | None:
        """A Circuit condition: on a whole register by name when the bits are one."""
        if not cond:
            return None
        bits = tuple(sorted(cond))
        value = sum(cond[b] << i for i, b in enumerate(bits))
        for reg in self.out.cregs:
            offset = self.out.creg_offset(reg.name)
            if bits == tuple(range(offset, offset + reg.size)):
                return (reg.name, value)
        return (bits, value)


def _conjoin(cond: Cond, bits: tuple[int, ...], value: int) -> Cond | None:
    """``cond`` and ``bits == value``; None when the two contradict."""
    out = dict(cond)
    for i, b in enumerate(bits):
        v = (value >> i) & 1
        if out.setdefault(b, v) != v:
            return None
    if value >> len(bits):  # a value the bits cannot hold: never true
        return None
    return out


def _simple_expr(node: Any, value: Any, here: str) -> tuple[Any, Any]:
    """``bit``, ``!bit``, ``reg == v`` (either side) as (target, value)."""
    if isinstance(node, expr.Var) and isinstance(node.var, (Clbit, ClassicalRegister)):
        return node.var, 1 if value is None else value
    if isinstance(node, expr.Unary) and node.op is expr.Unary.Op.LOGIC_NOT \
            and isinstance(node.operand, expr.Var) and isinstance(node.operand.var, Clbit):
        return node.operand.var, 0
    if isinstance(node, expr.Binary) and node.op is expr.Binary.Op.EQUAL:
        for var, val in ((node.left, node.right), (node.right, node.left)):
            if isinstance(var, expr.Var) and isinstance(val, expr.Value):
                return var.var, int(val.value)
    raise CircuitError(f"{here}: the classical expression {node} is not a test of one clbit "
                       "or register against a value")


def _amplitudes(op: Any) -> list[complex]:
    params = list(op.params)
    n = op.num_qubits
    if len(params) == 1 << n and all(isinstance(p, (int, float, complex, np.number))
                                      for p in params):
        return [complex(p) for p in params]
    from qiskit.quantum_info import Statevector  # labels ("01+") and integers

    prep = next(i.operation for i in op.definition.data
                if i.operation.name == "state_preparation")
    return list(Statevector(prep).data)


@functools.cache  # read-only: built once, not per converted circuit (15% of a Bell's cost)
def _qfoundry_gates() -> dict[str, int | None]:
    from ..circuit_parts import _gate_signatures

    return {name: sig[1] for name, sig in _gate_signatures().items()
            if name not in ("CX", "U", "global_phase")}


def _n_params(name: str) -> int:
    from ..circuit_parts import _gate_signatures

    return _gate_signatures()[name][0]
