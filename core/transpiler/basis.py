"""Basis translation: every gate into the device's single- and two-qubit gates.

Translation runs in two steps around routing:

* :func:`unroll` (before layout) expands gates on three or more qubits (``ccx``,
  ``cswap``, ``c3x``, ``mcx``...) through their standard CX decompositions, so routing
  only ever sees one- and two-qubit operations.
* :func:`translate_2q` (after routing, on physical qubits) writes every two-qubit gate
  with the device's entangler on a direction the device supports: named gates through
  their rules, anything else (``unitary``, ``ecr``...) through the KAK synthesis; a CX
  against the native direction or on a ``cz``/``ecr`` device gets single-qubit
  corrections. Single-qubit gates are left for :mod:`.optimize`, which merges each run
  and synthesises it in the device's single-qubit basis (see :func:`synth_1q_ops`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from ..circuit import Instruction
from ..circuit_parts import fast_instruction
from ..errors import TranspilerError
from ..gates import GATES, gate_matrix
from .decompose import is_identity_up_to_phase, synth_1q, synth_2q
from .rules import ALIASES, body_of
from .target import DIRECTIVES, Target

__all__ = ["unroll", "translate_2q", "op_matrix", "synth_1q_ops", "NON_GATES", "RZZ_RANGE"]

#: Instructions that are not unitary gates; they pass through translation unchanged.
NON_GATES = DIRECTIVES | {"reset"}
_SWAP = gate_matrix("swap")


def op_matrix(op: Instruction) -> np.ndarray:
    """The unitary of a gate instruction (``unitary`` carries its own)."""
    if op.name == "unitary":
        return np.asarray(op.params[0], dtype=complex)
    if op.name not in GATES:
        raise TranspilerError(f"gate {op.name!r} on qubits {list(op.qubits)} is unknown to the "
                              "transpiler (it is not in qelib1 or the gate table), so it "
                              "cannot be translated to the device's basis")
    return gate_matrix(op.name, op.params, len(op.qubits))


def _sub(op: Instruction, name: str, qubits: tuple[int, ...], params: tuple = ()
         ) -> Instruction:
    return fast_instruction(name, qubits, params, (), op.condition)


def _expand(op: Instruction) -> list[Instruction] | None:
    """One level of the rule for ``op`` on its own qubits, or None without a rule."""
    body = body_of(op.name, op.params, len(op.qubits))
    if body is None:
        return None
    return [_sub(op, n, tuple(op.qubits[p] for p in qs), ps) for n, qs, ps in body]


def _state_prep_unitary(amps: np.ndarray) -> np.ndarray:
    """A unitary whose first column is ``amps`` (QR completes the basis)."""
    basis = np.eye(len(amps), dtype=complex)
    basis[:, 0] = amps
    q, r = np.linalg.qr(basis)
    q[:, 0] *= r[0, 0] / abs(r[0, 0])  # undo QR's phase so column 0 is exactly amps
    return q


def _synthesized(op: Instruction, gates: list) -> list[Instruction]:
    """Gates from :mod:`qfoundry.synthesis` (name, params, local qubits) on ``op``'s qubits."""
    return [_sub(op, name, tuple(op.qubits[q] for q in qs), tuple(params))
            for name, params, qs in gates]


def _prepare_state(op: Instruction) -> list[Instruction]:
    """``initialize``: reset every qubit, then a unitary taking |0..0> to the state. On one
    or two qubits that unitary goes through KAK (at most 3 CX); on more, through the
    quantum Shannon decomposition of :mod:`qfoundry.synthesis`."""
    resets = [_sub(op, "reset", (b,)) for b in op.qubits]
    amps = np.asarray(op.params, dtype=complex)
    if len(op.qubits) <= 2:
        return resets + [_sub(op, "unitary", op.qubits, (_state_prep_unitary(amps),))]
    from ..synthesis import prepare_state

    return resets + _synthesized(op, prepare_state(amps)[0])


def unroll(ops: Iterable[Instruction], keep: frozenset[str] = frozenset()
           ) -> tuple[list[Instruction], float]:
    """Expand every instruction on more than two qubits (barriers and ``keep`` excepted).

    Returns the new list and the global phase collected from ``global_phase`` gates.
    Raises TranspilerError for an unknown gate on three or more qubits.
    """
    out: list[Instruction] = []
    phase = 0.0
    stack = list(ops)[::-1]
    while stack:
        op = stack.pop()
        name = ALIASES.get(op.name, op.name)
        if name == "global_phase":
            phase += float(op.params[0])
            continue
        if name == "initialize" and name not in keep:
            stack.extend(_prepare_state(op)[::-1])
            continue
        if len(op.qubits) <= 2 or name == "barrier" or name in keep:
            out.append(op if name == op.name else Instruction(name, op.qubits, op.params,
                                                              op.clbits, op.condition))
            continue
        if name == "unitary":  # three or more qubits: quantum Shannon decomposition
            from ..synthesis import synthesize_unitary

            stack.extend(_synthesized(op, synthesize_unitary(op.params[0])[0])[::-1])
            continue
        parts = _expand(Instruction(name, op.qubits, op.params, op.clbits, op.condition))
        if parts is None:
            raise TranspilerError(
                f"gate {name!r} on {len(op.qubits)} qubits {list(op.qubits)} cannot be "
                "translated: it is not a qelib1 multi-qubit gate (ccx, cswap, c3x, c4x, rccx, "
                "rc3x, c3sqrtx, mcx...) nor a unitary")
        stack.extend(parts[::-1])
    return out, phase


def translate_2q(ops: Iterable[Instruction], target: Target) -> list[Instruction]:
    """Write every two-qubit gate with ``target.entangler`` on native directions.

    Single-qubit gates and directives pass through; the corrections this introduces are
    ``unitary`` instructions for the single-qubit stage to merge and synthesise.
    """
    ops = list(ops)
    out: list[Instruction | None] = []  # None: a CX a SWAP cancelled
    spans: dict[int, tuple[int, int, int, int]] = {}  # see _cx
    skip: set[int] = set()  # CX that a SWAP before them cancelled
    for i, op in enumerate(ops):
        if i in skip:
            continue
        if op.name == "swap" and len(op.qubits) == 2:
            _swap(op, target, out, ops, i, spans, skip)
        elif op.name in NON_GATES:
            if op.name == "reset" and "reset" not in target.basis_gates:
                raise TranspilerError(f"reset on qubit {op.qubits[0]}: {target.name} has no "
                                      f"reset in its basis {sorted(target.basis_gates)}")
            out.append(op)
        elif len(op.qubits) == 1:
            out.append(op)
        elif len(op.qubits) == 2:
            _two_qubit(op, target, out, spans)
        elif op.name in target.basis_gates and target.edges is None:
            out.append(op)
        else:
            raise TranspilerError(f"{op.name} on {list(op.qubits)}: unroll before translating")
    return [op for op in out if op is not None]


#: IBM calibrates the fractional ``rzz(theta)`` for 0 < theta <= pi/2 only.
RZZ_RANGE = (0.0, np.pi / 2)


def _fold_rzz(op: Instruction, out: list[Instruction]) -> None:
    """``rzz(theta)`` with theta folded into (0, pi/2], as qiskit-ibm-runtime's
    ``FoldRzzAngle`` does, so the result runs on the device: RZZ(t + pi) is Z x Z RZZ(t)
    and RZZ(-t) is (X x 1) RZZ(t) (X x 1), both up to global phase. The added X and RZ
    gates merge into their neighbours in the single-qubit stage. A symbolic angle is left
    as it is (bind it before transpiling, or keep it in range)."""
    theta = op.params[0]
    if not isinstance(theta, (int, float)):
        out.append(op)
        return
    a, b = op.qubits
    turns = round(theta / np.pi)
    rest = float(theta) - turns * np.pi  # in [-pi/2, pi/2]
    if turns % 2:
        out += [_sub(op, "rz", (a,), (np.pi,)), _sub(op, "rz", (b,), (np.pi,))]
    if abs(rest) < 1e-12:
        return  # the identity
    if rest < 0:
        out += [_sub(op, "x", (a,)), _sub(op, "rzz", (a, b), (-rest,)), _sub(op, "x", (a,))]
    else:
        out.append(op if rest == theta else _sub(op, "rzz", (a, b), (rest,)))


def _two_qubit(op: Instruction, target: Target, out: list[Instruction],
               spans: dict[int, tuple[int, int, int, int]] | None = None) -> None:
    a, b = op.qubits
    ent = target.entangler
    if op.name == "rzz" and "rzz" in target.basis_gates \
            and (target.is_native_pair(a, b) or target.is_native_pair(b, a)):
        # rzz is symmetric: either calibrated direction runs it.
        _fold_rzz(op if target.is_native_pair(a, b) else _sub(op, "rzz", (b, a), op.params),
                  out)
    elif op.name in ("cx", "CX"):  # (native or not: _cx records it for _swap)
        _cx(a, b, op, target, out, spans)
    elif (op.name == ent or op.name in target.basis_gates) and target.is_native_pair(a, b):
        out.append(op)
    elif op.name == "swap":
        _swap(op, target, out, spans=spans)
    else:
        parts = _expand(op)
        if parts is not None:
            for part in parts:
                if len(part.qubits) == 2:
                    _two_qubit(part, target, out, spans)
                else:
                    out.append(part)
            return
        u = op_matrix(op)
        if is_identity_up_to_phase(u):
            return
        flip = not target.is_native_pair(a, b) and target.is_native_pair(b, a)
        local = (b, a) if flip else (a, b)
        ops2, _ = synth_2q(_SWAP @ u @ _SWAP if flip else u)
        for name, qs, params in ops2:
            qubits = tuple(local[q] for q in qs)
            if name == "cx":
                _cx(*qubits, op, target, out, spans)
            else:
                out.append(_sub(op, name, qubits, params))


def _swap(op: Instruction, target: Target, out: list[Instruction | None],
          ops: list[Instruction] | None = None, index: int = 0,
          spans: dict[int, tuple[int, int, int, int]] | None = None,
          skip: set[int] | None = None) -> None:
    """SWAP as three CX, oriented so that a CX on the same pair just before the SWAP (or
    just after it) cancels against the SWAP's first (or last) CX: the pair is dropped
    here, on any device, so SWAP after CX costs two entanglers, not four. Otherwise,
    with one native direction, two of the three use it."""
    a, b = op.qubits
    prev = _previous_cx(out, spans, a, b)
    if prev is not None and spans is not None:  # CX(x, y) then SWAP = CX(y, x) CX(x, y)
        _, _, start, end = spans.pop(a)
        del spans[b]
        for k in range(start, end):
            out[k] = None
        x, y = prev
        for c, t in ((y, x), (x, y)):
            _cx(c, t, op, target, out, spans)
        return
    after = _neighbour_cx(ops, index + 1, 1, a, b) if ops else None
    if after is not None and skip is not None:  # SWAP then CX(x, y) = CX(x, y) CX(y, x)
        x, y = ops[after].qubits  # type: ignore[index]
        skip.add(after)
        for c, t in ((x, y), (y, x)):
            _cx(c, t, op, target, out, spans)
        return
    if prev is not None:
        x, y = prev
    elif after is not None:
        x, y = ops[after].qubits  # type: ignore[index]
    elif target.is_native_pair(a, b) != target.is_native_pair(b, a):
        x, y = (a, b) if target.is_native_pair(a, b) else (b, a)
    else:
        x, y = a, b
    for c, t in ((x, y), (y, x), (x, y)):
        _cx(c, t, op, target, out, spans)


def _previous_cx(out: list[Instruction | None],
                 spans: dict[int, tuple[int, int, int, int]] | None, a: int, b: int,
                 limit: int = 64) -> tuple[int, int] | None:
    """The CX on the pair ``a, b`` that the output ends with on both qubits, if any: the
    last instruction touching ``a`` or ``b`` is part of how that CX was written
    (``spans[q]``: control, target and the output slice of the last CX on ``q``)."""
    if spans is None:
        k = _neighbour_cx(out, len(out) - 1, -1, a, b, limit)  # type: ignore[arg-type]
        return None if k is None else out[k].qubits  # type: ignore[union-attr,return-value]
    span = spans.get(a)
    if span is None or spans.get(b) is not span:
        return None
    c, t, start, end = span
    for k in range(len(out) - 1, max(-1, len(out) - 1 - limit), -1):
        op = out[k]
        if op is not None and (a in op.qubits or b in op.qubits):
            if start <= k < end:
                return c, t
            if not _commutes_with_cx(op, c, t):
                return None
    return None


#: Single-qubit gates that commute with a CX on its control (diagonal) or its target
#: (rotations about X): a CX and a SWAP on the same pair still cancel across them.
_ON_CONTROL = frozenset({"rz", "p", "u1", "t", "tdg", "s", "sdg", "z", "id"})
_ON_TARGET = frozenset({"x", "sx", "sxdg", "rx", "id"})


def _commutes_with_cx(op: Instruction, c: int, t: int) -> bool:
    if len(op.qubits) != 1 or op.condition is not None:
        return False
    q = op.qubits[0]
    return op.name in _ON_CONTROL if q == c else q == t and op.name in _ON_TARGET


def _neighbour_cx(seq: list[Instruction], start: int, step: int, a: int, b: int,
                  limit: int = 64) -> int | None:
    """Index of the first CX on exactly the pair ``a, b`` in ``seq``, walking from index
    ``start`` by ``step`` (1 or -1, at most ``limit`` steps), if nothing before it
    touches ``a`` or ``b`` but single-qubit gates that commute with it."""
    stop = max(-1, start - limit) if step < 0 else min(len(seq), start + limit)
    between: list[Instruction] = []  # single-qubit gates it may commute past
    for k in range(start, stop, step):
        op = seq[k]
        qs = op.qubits
        if a in qs or b in qs:
            if op.name in ("cx", "CX") and op.condition is None and qs in ((a, b), (b, a)):
                return k if all(_commutes_with_cx(g, *qs) for g in between) else None
            if len(qs) != 1 or op.condition is not None:
                return None
            between.append(op)
    return None


def _cx(a: int, b: int, op: Instruction, target: Target, out: list[Instruction],
        spans: dict[int, tuple[int, int, int, int]] | None = None) -> None:
    if not (target.is_native_pair(a, b) or target.is_native_pair(b, a)):
        raise TranspilerError(f"{op.name} on qubits ({a}, {b}): they are not coupled on "
                              f"{target.name} (route the circuit first)")
    start = len(out)
    _write_cx(a, b, op, target, out)
    if spans is not None and op.condition is None:
        spans[a] = spans[b] = (a, b, start, len(out))


def _write_cx(a: int, b: int, op: Instruction, target: Target, out: list[Instruction]
              ) -> None:
    ent = target.entangler
    if ent == "cx" and target.is_native_pair(a, b):
        out.append(op if op.name == "cx" and op.qubits == (a, b) else _sub(op, "cx", (a, b)))
        return
    reverse = not target.is_native_pair(a, b)
    if op.condition is None:  # the corrections, made once per device (immutable)
        pre_a, pre_b, post_a, post_b = target.cx_correction_ops(a, b, reverse)
        if pre_a is not None:
            out.append(pre_a)
        if pre_b is not None:
            out.append(pre_b)
        out.append(fast_instruction(ent, (b, a) if reverse else (a, b)))
        if post_a is not None:
            out.append(post_a)
        if post_b is not None:
            out.append(post_b)
        return
    pre_a, pre_b, post_a, post_b = target.cx_corrections[reverse]
    for q, gate in ((a, pre_a), (b, pre_b)):
        if gate is not None:
            out.append(_sub(op, gate[0], (q,), gate[1]))
    out.append(_sub(op, ent, (b, a) if reverse else (a, b)))
    for q, gate in ((a, post_a), (b, post_b)):
        if gate is not None:
            out.append(_sub(op, gate[0], (q,), gate[1]))


def synth_1q_ops(op: Instruction, u: np.ndarray | tuple, target: Target
                 ) -> list[Instruction]:
    """Single-qubit unitary ``u`` (a matrix or its row-major entries) as the device's
    gates (empty for an identity)."""
    q = op.qubits
    use_x = "x" in target.basis_gates
    if isinstance(u, tuple):  # entries: the same product recurs (corrections, SWAPs)
        gates = _synth_entries(u, target.oneq_basis, use_x)
    else:
        gates = tuple((name, tuple(float(p) for p in params))
                      for name, params in synth_1q(u, target.oneq_basis, use_x=use_x))
    return [fast_instruction(name, q, params, (), op.condition) for name, params in gates]


@functools.lru_cache(maxsize=8192)
def _synth_entries(u: tuple, basis: str, use_x: bool
                   ) -> tuple[tuple[str, tuple[float, ...]], ...]:
    return tuple((name, tuple(float(p) for p in params))
                 for name, params in synth_1q(u, basis, use_x=use_x))

