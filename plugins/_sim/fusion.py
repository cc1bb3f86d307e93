"""Gate fusion: merge runs of gates on few qubits into one operator before simulating.

On a large state every gate costs at least one pass over memory, while composing small
matrices costs microseconds, so an engine gains by applying fewer, wider operators:

* general gates merge into one dense matrix on at most ``max_qubits`` qubits, absorbing
  diagonal and permutation gates on qubits the block already has;
* diagonal gates merge into one diagonal on up to ``max_diagonal_qubits`` qubits (a
  diagonal costs one multiply whatever its width);
* SWAPs disappear: later gates are renamed and the swaps become relabellings at the end
  (free for an engine that tracks its axis order).

Before fusion, :func:`cheap_forms` rewrites single gates whose structure allows it: a
monomial (y, cy, iswap, rccx...) becomes a permutation and a diagonal, a gate with two or
more controls (c3sx, multi-controlled unitaries) its small matrix applied only where the
controls are 1.

A block grows greedily from the first pending gate (how far permutations may grow a
dense block is the engine's choice: ``grow``, for engines whose dense block costs one
pass whatever its width). A gate that does not fit is deferred,
and every later gate sharing a qubit with a deferred one is deferred too, so gates only
move past gates on disjoint qubits and the product is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from qfoundry.gates import control_qubits as _controls
from qfoundry.gates import monomial_parts as _monomial

from .kernels import apply_diagonal, apply_matrix, apply_permutation

__all__ = ["GateOp", "fuse", "compose", "relabel", "cheap_forms"]

_SCAN = 200  # gates looked at past a block's first gate before the block is closed


class GateOp(NamedTuple):
    """A unitary step: ``kind`` is "general" (``data`` a matrix), "diagonal" (the
    diagonal), "permutation" (``perm`` with basis j -> perm[j]), "controlled" (``data``
    the full matrix; ``extra`` = (targets, controls, matrix on the targets when every
    control is 1)) or "swap" (no data)."""

    kind: str
    qubits: tuple[int, ...]
    data: np.ndarray | None
    extra: tuple | None = None


def relabel(op: GateOp, new: Callable[[int], int]) -> GateOp:
    """``op`` with every qubit q renamed ``new(q)`` (controlled gates' extra too)."""
    extra = op.extra
    if extra is not None:
        extra = (tuple(map(new, extra[0])), tuple(map(new, extra[1])), extra[2])
    return op._replace(qubits=tuple(map(new, op.qubits)), extra=extra)


def _absorb_swaps(ops: Sequence[GateOp]) -> tuple[list[GateOp], list[GateOp]]:
    """Rename gates past each SWAP; return (renamed gates, the swaps to relabel at the end).

    With P the product of the swaps so far, a later gate G equals P (P^-1 G P): G on
    relabelled qubits, applied before P. The swaps keep their order and labels.
    """
    rename: dict[int, int] = {}
    gates, swaps = [], []
    for op in ops:
        if op.kind == "swap":
            a, b = op.qubits
            rename[a], rename[b] = rename.get(b, b), rename.get(a, a)
            swaps.append(op)
        elif rename:
            gates.append(relabel(op, lambda q: rename.get(q, q)))
        else:
            gates.append(op)
    return gates, swaps


def _limit(kind: str, gate_kind: str, grows: bool, max_qubits: int,
           max_diagonal_qubits: int, grow: bool = False, width: int = 1,
           size: int = 1) -> tuple[str, int]:
    """(kind of the merged block, its qubit limit) for adding a gate of ``width`` qubits
    to a block of ``size`` qubits.

    Diagonals merge with diagonals up to the wide limit. A diagonal, permutation or
    multi-controlled gate costs a fraction of a pass alone, so by default it joins a
    dense block only if the block need not grow for it, and two of them never merge (a
    merged permutation moves most amplitudes; each alone moves few).

    With ``grow`` (the statevector engine's chunked products, where a dense block of up
    to 4 qubits costs about four passes and a cheap step one), permutations and diagonals
    on one or two qubits merge with each other and with dense blocks into dense blocks,
    growing them (permutations alone into one permutation): a transpiled circuit is
    chains of CX and u gates whose monomial parts are split off (:func:`cheap_forms`),
    and each of them alone would cost a pass. Wider cheap steps stay cheap: a
    permutation or diagonal on three or more qubits (ccx, cswap, ccz) never grows a
    dense block, and a cheap block of three or more qubits never becomes dense for a
    cheap gate. Diagonals on two or more qubits never grow a block that is not diagonal:
    they merge with each other into one wide diagonal (a QFT's controlled phases) at the
    cost of one multiply."""
    if kind == gate_kind == "diagonal":
        return kind, max_diagonal_qubits
    if gate_kind == "general" or (kind == "general" and not grows):
        return "general", max_qubits
    if grow and kind == gate_kind == "permutation":
        return kind, max_qubits  # still a permutation: a CX ladder moves amplitudes once
    if grow and "controlled" not in (kind, gate_kind) and width <= 2 and (
            kind == "general" or size <= 2) and (
            gate_kind != "diagonal" or width == 1 or not grows):
        return "general", max_qubits
    return kind, 0


def fuse(ops: Sequence[GateOp], num_qubits: int, max_qubits: int = 3,
         max_diagonal_qubits: int = 10, *, grow: bool = False) -> list[GateOp]:
    """Fuse a run of unconditional gates; the result applies the same unitary.

    ``grow`` lets permutations and one-qubit diagonals grow dense blocks (see
    :func:`_limit`)."""
    gates, swaps = _absorb_swaps(ops)
    done = [False] * len(gates)
    out: list[GateOp] = []
    first = 0
    while first < len(gates):
        if done[first]:
            first += 1
            continue
        kind = gates[first].kind
        qubits = list(gates[first].qubits)
        members = [first]
        blocked: set[int] = set()
        scanned = 0
        i = first + 1
        while i < len(gates) and scanned < _SCAN and len(blocked) < num_qubits:
            if not done[i]:
                scanned += 1
                g = gates[i]
                if blocked.isdisjoint(g.qubits):
                    union = qubits + [q for q in g.qubits if q not in qubits]
                    new_kind, limit = _limit(kind, g.kind, len(union) > len(qubits),
                                             max_qubits, max_diagonal_qubits, grow,
                                             len(g.qubits), len(qubits))
                    if len(union) <= limit:
                        kind, qubits = new_kind, union
                        members.append(i)
                    else:
                        blocked.update(g.qubits)
                else:
                    blocked.update(g.qubits)
            i += 1
        for m in members:
            done[m] = True
        if len(members) == 1:
            out.append(gates[first])
        else:
            out.append(GateOp(kind, tuple(qubits), compose([gates[m] for m in members],
                                                           qubits, kind)))
    return out + swaps


def compose(ops: Sequence[GateOp], qubits: Sequence[int], kind: str) -> np.ndarray:
    """The product of ``ops`` (applied in order) as an operator of ``kind`` on ``qubits``.

    ``qubits[j]`` is qubit j (least significant first) of the result.
    """
    k = len(qubits)
    local = {q: j for j, q in enumerate(qubits)}
    if kind == "diagonal":
        # Unit-modulus entries: add phases (real adds), exponentiate once. Each gate's
        # few phases are gathered by its qubits' bits of the block index.
        index = np.arange(1 << k)
        bits = {j: ((index >> j) & 1).astype(np.intp) for j in range(k)}
        phase = np.zeros(1 << k)
        for op in ops:
            sub = np.zeros(1 << k, dtype=np.intp)
            for j, q in enumerate(op.qubits):
                sub |= bits[local[q]] << j
            phase += np.angle(op.data)[sub]
        return np.exp(1j * phase)
    if kind == "permutation":
        # Track where each basis state goes: labels[i] = the input basis state now at i.
        labels = np.arange(1 << k).reshape((2,) * k)
        for op in ops:
            labels = apply_permutation(labels, op.data, [k - 1 - local[q] for q in op.qubits])
        perm = np.empty(1 << k, dtype=np.intp)
        perm[labels.reshape(-1)] = np.arange(1 << k)
        return perm
    u = np.eye(1 << k, dtype=complex).reshape((2,) * (2 * k))
    for op in ops:
        axes = [k - 1 - local[q] for q in op.qubits]
        if op.kind == "diagonal":
            u = apply_diagonal(u, op.data, axes)
        elif op.kind == "permutation":
            u = apply_permutation(u, op.data, axes)
        else:
            u = apply_matrix(u, op.data, axes)
    return u.reshape(1 << k, 1 << k)


# -- cheaper forms of single gates ---------------------------------------------------------

def cheap_forms(op: GateOp) -> list[GateOp]:
    """A dense gate as cheaper steps when its structure allows: a monomial as a
    permutation then a diagonal; a gate with two or more control qubits as its small
    matrix on the targets, applied only where every control is 1."""
    split = _monomial(op.data)
    if split is not None:
        return [GateOp("permutation", op.qubits, split[0]),
                GateOp("diagonal", op.qubits, split[1])]
    k = len(op.qubits)
    local = _controls(op.data) if k >= 3 else []
    if len(local) < 2 or len(local) == k:
        return [op]
    rest = [j for j in range(k) if j not in local]
    mask = sum(1 << j for j in local)
    on = [mask | sum(((t >> i) & 1) << j for i, j in enumerate(rest))
          for t in range(1 << len(rest))]
    reduced = op.data[np.ix_(on, on)]
    targets = tuple(op.qubits[j] for j in rest)
    controls = tuple(op.qubits[j] for j in local)
    return [GateOp("controlled", op.qubits, op.data, (targets, controls, reduced))]
