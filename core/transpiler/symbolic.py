"""Symbolic angles through the transpiler: every parameterised gate as fixed gates and ``rz``.

A parameterised circuit is transpiled once for a whole sweep, so its angles cannot be
looked at. Every gate with a symbolic parameter is rewritten here, before the pipeline,
into gates with fixed matrices plus ``rz(expression)``; the expressions stay linear in
the gate's own angles. Layout and routing only look at qubits; the single-qubit merging
of :mod:`.optimize` treats a symbolic ``rz`` as a boundary and merges the fixed gates
around it as usual. Global phases of ``p``/``u1``/``cp`` are dropped (they change no
count or expectation value). The optimiser therefore never removes a symbolic rotation
whose value turns out to be zero: a bound run may be shorter than the sweep's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..circuit import Instruction
from ..errors import TranspilerError
from ..parameters import ParameterExpression, is_symbolic
from .target import Target

__all__ = ["has_symbolic", "lower_symbolic", "is_symbolic_op"]


def is_symbolic_op(op: Instruction) -> bool:
    return any(isinstance(p, ParameterExpression) for p in op.params)


def has_symbolic(ops: Iterable[Instruction]) -> bool:
    return any(is_symbolic_op(op) for op in ops)


def _rules(name: str, p: tuple, q: tuple[int, ...]) -> list[tuple[str, tuple, tuple]] | None:
    """(name, qubits, params) in circuit order, or None for a gate without a rule."""
    if name in ("rz", "p", "u1"):
        return [("rz", q, p)]
    if name == "rx":
        return [("h", q, ()), ("rz", q, p), ("h", q, ())]
    if name == "ry":
        return [("sdg", q, ()), ("h", q, ()), ("rz", q, p), ("h", q, ()), ("s", q, ())]
    if name in ("u3", "u", "U"):
        theta, phi, lam = p
        return [("rz", q, (lam,)), ("ry", q, (theta,)), ("rz", q, (phi,))]
    if name == "u2":
        phi, lam = p
        return [("rz", q, (lam,)), ("ry", q, (math.pi / 2,)), ("rz", q, (phi,))]
    if len(q) != 2:
        return None
    a, b = q
    if name == "crz":
        return [("rz", (b,), (p[0] / 2,)), ("cx", q, ()), ("rz", (b,), (-p[0] / 2,)),
                ("cx", q, ())]
    if name in ("cp", "cu1"):
        return [("rz", (a,), (p[0] / 2,)), ("cx", q, ()), ("rz", (b,), (-p[0] / 2,)),
                ("cx", q, ()), ("rz", (b,), (p[0] / 2,))]
    if name == "crx":
        return [("h", (b,), ()), ("crz", q, p), ("h", (b,), ())]
    if name == "cry":
        return [("sdg", (b,), ()), ("h", (b,), ()), ("crz", q, p), ("h", (b,), ()),
                ("s", (b,), ())]
    if name == "rzz":
        return [("cx", q, ()), ("rz", (b,), p), ("cx", q, ())]
    if name == "rxx":
        return [("h", (a,), ()), ("h", (b,), ()), ("rzz", q, p), ("h", (a,), ()),
                ("h", (b,), ())]
    if name == "ryy":
        pre = [("sdg", (a,), ()), ("h", (a,), ()), ("sdg", (b,), ()), ("h", (b,), ())]
        post = [("h", (a,), ()), ("s", (a,), ()), ("h", (b,), ()), ("s", (b,), ())]
        return [*pre, ("rzz", q, p), *post]
    if name == "rzx":
        return [("h", (b,), ()), ("rzz", q, p), ("h", (b,), ())]
    return None


def lower_symbolic(ops: Iterable[Instruction], target: Target) -> list[Instruction]:
    """``ops`` with every symbolic gate written as fixed gates and ``rz(expression)``."""
    out: list[Instruction] = []
    stack = list(ops)[::-1]
    while stack:
        op = stack.pop()
        if not is_symbolic_op(op):
            out.append(op)
            continue
        if op.name == "rz":
            if "rz" not in target.basis_gates:
                raise TranspilerError(f"{target.name} has no rz in its basis "
                                      f"{sorted(target.basis_gates)}: symbolic angles need it "
                                      "(assign_parameters() before transpiling)")
            out.append(op)
            continue
        if op.condition is None and target.edges is None and op.name in target.basis_gates:
            out.append(op)  # ideal targets run the gate as written
            continue
        body = _rules(op.name, op.params, op.qubits)
        if body is None:
            names = sorted({p.name for x in op.params if is_symbolic(x) for p in x.parameters})
            raise TranspilerError(f"{op.name} on qubits {list(op.qubits)} with symbolic "
                                  f"parameter(s) {names} cannot be transpiled symbolically; "
                                  "assign_parameters() first")
        stack.extend(Instruction(n, qs, tuple(ps), (), op.condition)
                     for n, qs, ps in reversed(body))
    return out
