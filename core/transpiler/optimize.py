"""Peephole optimisation after translation (optimisation level 1).

* :func:`consolidate_1q` multiplies each run of single-qubit gates on a qubit into one
  matrix and writes it as at most ``rz sx rz sx rz`` (rz costs nothing on IBM devices, so
  the synthesis uses as few ``sx`` as the rotation allows). This also drops identities,
  zero-angle rotations and inverse pairs such as ``x x`` or ``h h``, and merges ``rz``
  runs. A run already in the basis is kept as written unless the rewrite is shorter.
* :func:`cancel_inverse_pairs` removes two identical self-inverse two-qubit gates
  (``cx cx`` on the same ordered pair) with nothing in between on either qubit.
* :func:`consolidate_2q` (levels 2 and 3) collects each run of gates on one pair of
  qubits, and resynthesises it through KAK when that needs fewer entangling gates.

:func:`optimize` alternates the two until nothing changes, as cancelling a pair can
bring two single-qubit runs together and merging runs can make two CX adjacent.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from ..circuit import Instruction
from ..gates import GATES, gate_matrix
from .basis import NON_GATES, op_matrix, synth_1q_ops, translate_2q
from .decompose import kak, kron2, num_cx
from .symbolic import is_symbolic_op
from .target import Target

__all__ = ["consolidate_1q", "consolidate_2q", "cancel_inverse_pairs", "optimize",
           "synth_each_1q"]

#: Two-qubit gates equal to their own inverse; the symmetric ones cancel in either order.
SELF_INVERSE_2Q = frozenset({"cx", "cy", "cz", "ecr", "swap"})
SYMMETRIC_2Q = frozenset({"cz", "swap"})


def _is_1q_gate(op: Instruction) -> bool:
    return len(op.qubits) == 1 and op.name not in NON_GATES


Entries = tuple[complex, complex, complex, complex]  # a 2x2 matrix, row-major


@functools.lru_cache(maxsize=4096)
def _gate_entries(name: str, params: tuple) -> Entries:
    return tuple(gate_matrix(name, params, 1).ravel().tolist())  # type: ignore[return-value]


def _entries(op: Instruction) -> Entries:
    if op.name in GATES and op.name != "unitary":
        try:
            return _gate_entries(op.name, op.params)
        except TypeError:  # unhashable parameters
            pass
    return tuple(op_matrix(op).ravel().tolist())  # type: ignore[return-value]


def _run_matrix(run: list[Instruction]) -> Entries:
    """The product of a run of single-qubit gates, in Python complex arithmetic (numpy's
    per-call overhead dominates at 2x2, and runs are short)."""
    a, b, c, d = _entries(run[0])
    for op in run[1:]:
        e, f, g, h = _entries(op)
        a, b, c, d = e * a + f * c, e * b + f * d, g * a + h * c, g * b + h * d
    return a, b, c, d


# Single basis gates that are never an identity: a run of one is kept as written.
_NEVER_IDENTITY = frozenset({"sx", "x", "sxdg", "y", "z", "h", "s", "sdg", "t", "tdg"})


def consolidate_1q(ops: Iterable[Instruction], target: Target, *,
                   cancel: bool = False) -> list[Instruction]:
    """Merge every run of unconditioned single-qubit gates and resynthesise it.

    With ``cancel``, also remove pairs of identical self-inverse two-qubit gates that
    meet once the gates between them merge away (``cz; h h; cz``), in the same pass: the
    runs before the removed pair are taken back from the output and merged with what
    follows, so chains cancel and the result is the fixed point that alternating merging
    and :func:`cancel_inverse_pairs` reaches, in one walk over the circuit.
    """
    basis = target.basis_gates
    # Output entries: an instruction, a merged run (a list, flattened at the end: the
    # same run object may serve several places), or None for a cancelled gate.
    out: list[Instruction | list[Instruction] | None] = []
    runs: dict[int, list[Instruction]] = {}
    last: dict[int, int] = {}  # qubit -> output index of the latest entry on it
    before: dict[int, int | tuple[int, int]] = {}  # index -> `last` before it (cancel only)
    made: dict[tuple, list[Instruction]] = {}  # (run matrix, qubit) -> its synthesis

    def flush(q: int) -> None:
        run = runs.pop(q)
        if len(run) == 1 and run[0].name in basis and run[0].name in _NEVER_IDENTITY:
            new = run  # what the rewrite below would decide, without it
        else:
            key = (_run_matrix(run), q)  # the same product recurs (corrections, SWAPs)
            new = made.get(key)  # type: ignore[assignment]
            if new is None:
                new = made[key] = synth_1q_ops(run[0], key[0], target)
            if len(new) >= len(run) and all(op.name in basis for op in run):
                new = run
        if new:
            if cancel:
                before[len(out)] = last.get(q, -1)
            last[q] = len(out)
            out.append(new)

    def reopen(q: int) -> None:
        """Take the merged runs ending at ``last[q]`` back into the pending run of ``q``."""
        taken: list[Instruction] = []
        k = last[q]
        while k >= 0 and type(entry := out[k]) is list:
            taken = entry + taken
            out[k] = None
            k = before.pop(k)  # type: ignore[assignment]
        last[q] = k
        if taken:
            runs[q] = taken

    for op in ops:
        qs = op.qubits
        if len(qs) == 1 and op.name not in NON_GATES:
            if op.condition is None and not (op.params and is_symbolic_op(op)):
                run = runs.get(qs[0])
                if run is None:
                    runs[qs[0]] = [op]
                else:
                    run.append(op)
                continue
            if qs[0] in runs:  # conditioned or symbolic: translated alone, as it is
                flush(qs[0])
            for new in synth_each_1q([op], target):
                if cancel:
                    before[len(out)] = last.get(qs[0], -1)
                last[qs[0]] = len(out)
                out.append(new)
            continue
        for q in qs:
            if q in runs:
                flush(q)
        if cancel and len(qs) == 2 and op.name in SELF_INVERSE_2Q and op.condition is None:
            a, b = qs
            k = last.get(a, -1)
            prev = out[k] if k >= 0 and k == last.get(b, -1) else None
            if isinstance(prev, Instruction) and prev.name == op.name and prev.condition is None \
                    and (prev.qubits == qs
                         or (op.name in SYMMETRIC_2Q and prev.qubits == (b, a))):
                out[k] = None
                x, y = prev.qubits
                last[x], last[y] = before.pop(k)  # type: ignore[misc]
                reopen(a)
                reopen(b)
                continue
            before[len(out)] = (last.get(a, -1), last.get(b, -1))
        index = len(out)
        out.append(op)
        for q in qs:
            last[q] = index
    for q in list(runs):
        flush(q)
    flat: list[Instruction] = []
    for entry in out:
        if type(entry) is list:
            flat.extend(entry)
        elif entry is not None:
            flat.append(entry)  # type: ignore[arg-type]
    return flat


def synth_each_1q(ops: Iterable[Instruction], target: Target) -> list[Instruction]:
    """Optimisation level 0: each single-qubit gate outside the basis on its own."""
    basis = target.basis_gates
    out: list[Instruction] = []
    for op in ops:
        if not _is_1q_gate(op) or op.name in basis:
            out.append(op)
        else:
            out.extend(synth_1q_ops(op, op_matrix(op), target))
    return out


def cancel_inverse_pairs(ops: Iterable[Instruction]) -> tuple[list[Instruction], int]:
    """Drop adjacent identical self-inverse two-qubit gates; returns (ops, pairs removed).

    ``last[q]`` is the output index of the latest instruction on qubit ``q``; each kept
    self-inverse gate remembers what ``last`` was on its qubits before it, so removing a
    pair uncovers the gates before it and chains (``cx cx cx cx``) cancel too.
    """
    out: list[Instruction | None] = []
    last: dict[int, int] = {}
    before: dict[int, tuple[int, int]] = {}
    removed = 0
    for op in ops:
        qs = op.qubits
        if len(qs) == 2 and op.name in SELF_INVERSE_2Q and op.condition is None:
            a, b = qs
            k = last.get(a, -1)
            if k >= 0 and k == last.get(b, -1):
                prev = out[k]
                if prev is not None and prev.name == op.name and prev.condition is None and (
                        prev.qubits == qs or (op.name in SYMMETRIC_2Q and prev.qubits == (b, a))):
                    out[k] = None
                    x, y = prev.qubits
                    last[x], last[y] = before.pop(k)
                    removed += 1
                    continue
            index = len(out)
            before[index] = (last.get(a, -1), last.get(b, -1))
            last[a] = last[b] = index
            out.append(op)
            continue
        index = len(out)
        out.append(op)
        for q in qs:
            last[q] = index
    if not removed:
        return out, 0  # type: ignore[return-value]
    return [op for op in out if op is not None], removed


_SWAP = gate_matrix("swap")
_I2 = np.eye(2, dtype=complex)


def _block_unitary(block: list[Instruction], a: int, b: int) -> np.ndarray:
    """The 4x4 unitary of ``block`` with ``a`` as the low qubit."""
    u = np.eye(4, dtype=complex)
    for op in block:
        m = op_matrix(op)
        if len(op.qubits) == 1:
            m = kron2(_I2, m) if op.qubits[0] == a else kron2(m, _I2)
        elif op.qubits != (a, b):
            m = _SWAP @ m @ _SWAP
        u = m @ u
    return u


def consolidate_2q(ops: Iterable[Instruction], target: Target) -> list[Instruction]:
    """Resynthesise runs of gates on one qubit pair when KAK needs fewer entanglers."""
    ent = target.entangler
    out: list[Instruction] = []
    open_block: dict[int, list] = {}  # qubit -> [pair, ops] shared by both qubits

    def close(q: int) -> None:
        block = open_block.get(q)
        if block is None:
            return
        (a, b), run = block
        del open_block[a], open_block[b]
        count = sum(op.name == ent for op in run)
        if count > 1:
            u = _block_unitary(run, a, b)
            if num_cx(kak(u)) < count:
                out.extend(translate_2q([Instruction("unitary", (a, b), (u,))], target))
                return
        out.extend(run)

    for op in ops:
        qs = op.qubits
        plain = op.condition is None and op.name not in NON_GATES and not is_symbolic_op(op)
        if plain and len(qs) == 2:
            block = open_block.get(qs[0])
            if block is not None and block is open_block.get(qs[1]):
                block[1].append(op)
                continue
            close(qs[0])
            close(qs[1])
            block = [tuple(qs), [op]]
            open_block[qs[0]] = open_block[qs[1]] = block
            continue
        if plain and len(qs) == 1 and qs[0] in open_block:
            open_block[qs[0]][1].append(op)
            continue
        for q in qs:
            close(q)
        out.append(op)
    for q in list(open_block):
        close(q)
    return out


def optimize(ops: list[Instruction], target: Target, level: int = 1) -> list[Instruction]:
    """Level 0: translate single-qubit gates one by one. Level >= 1: merge runs and cancel
    inverse pairs (one pass reaches the fixed point); level >= 2 first resynthesises
    two-qubit blocks."""
    if level <= 0:
        return synth_each_1q(ops, target)
    if level >= 2:
        ops = consolidate_2q(ops, target)
    return consolidate_1q(ops, target, cancel=True)
