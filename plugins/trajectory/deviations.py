"""Exact draws for the shots of a branch that deviate from a block's dominant operator.

:func:`.run.apply_block` decides how many shots of a branch leave the block's dominant
path; this module says which operators they drew, exactly conditioned on having deviated:
where along the block's items each deviation falls, then which of that item's operators,
recursively for the rest of the block. It needs only the block and the block's reduced
density matrix (2^k x 2^k), never the full state, so it is kept apart from the walk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .program import Block

__all__ = ["deviations"]


def _draw(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """How many of ``shots`` draw each outcome (one uniform number for a single shot)."""
    if not probs.sum() > 0:  # only rounding can empty a distribution a shot was sent to
        probs = np.ones(len(probs))
    if shots == 1:
        counts = np.zeros(len(probs), dtype=np.int64)
        cdf = np.cumsum(probs)
        counts[min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")),
                   len(probs) - 1)] = 1
        return counts
    return rng.multinomial(shots, probs / probs.sum())


def deviations(block: Block, rho: np.ndarray | None, shots: int,
                rng: np.random.Generator) -> list[tuple[np.ndarray, int]]:
    """Exact draws for ``shots`` shots conditioned on not drawing ``ops[0]`` at every step
    (rho: the block's reduced density matrix, None without Kraus items): (operator,
    shots) per distinct draw."""
    state = None if rho is None else rho / np.trace(rho).real
    return _from(block, 0, np.eye(block.dominant.shape[0], dtype=complex), state, shots, rng,
                 deviate=True)


def _from(block: Block, start: int, acc: np.ndarray, rho: np.ndarray | None, shots: int,
          rng: np.random.Generator, deviate: bool) -> list[tuple[np.ndarray, int]]:
    """Draws of items ``start``.. for ``shots`` shots whose operator so far is ``acc`` and
    state ``rho``; ``deviate`` conditions on at least one draw other than ops[0].

    Where the next deviation falls: with P_t the product of ops[0] of items start..t-1
    and tr_t = Tr(P_t rho P_t^H), the chance of reaching item t on ops[0] is
    fixed_t * tr_t (fixed_t: the state-independent draws' p0 so far; tr_t = 1 when every
    ops[0] is unitary), and of leaving the path there fixed_t * tr_t * (1 - p0) for an
    item with an identity part or a mixture, fixed_t * (tr_t - tr_t+1) for a Kraus item
    without. Only at the chosen items is rho needed, to pick the operator."""
    items = block.items
    end = len(items)
    path = _path(block, start)
    p0, born = block.p0[start:], block.born[start:]
    fixed = np.concatenate([[1.0], np.cumprod(np.where(born, 1.0, p0))])
    if rho is None or not block.norm:
        tr = np.ones(end - start + 1)
    else:
        tr = np.einsum("tab,bc,tac->t", path, rho, path.conj()).real
    chances = np.where(born, fixed[:-1] * (tr[:-1] - tr[1:]), fixed[:-1] * tr[:-1] * (1 - p0))
    if not deviate:
        chances = np.concatenate([[fixed[-1] * tr[-1]], chances])
    counts = _draw(np.clip(chances, 0.0, None), shots, rng)
    shift = 0 if deviate else 1
    out: list[tuple[np.ndarray, int]] = []
    if not deviate and counts[0]:
        out.append((path[-1] @ acc, int(counts[0])))
    for t in np.flatnonzero(counts[shift:]):
        item = items[start + t]
        here = path[t] @ acc
        rho_t = None
        if rho is not None:
            rho_t = path[t] @ rho @ path[t].conj().T
            rho_t = rho_t / np.trace(rho_t).real
        rest = _probabilities(item, rho_t)[1:]
        for o, c in enumerate(_draw(rest, int(counts[t + shift]), rng), start=1):
            if c:
                op = item.ops[o]
                nxt = None
                if rho_t is not None:
                    nxt = op @ rho_t @ op.conj().T
                    nxt = nxt / np.trace(nxt).real
                out.extend(_from(block, start + int(t) + 1, op @ here, nxt, int(c), rng, False))
    return out


def _path(block: Block, start: int) -> np.ndarray:
    """Products of ops[0] of items start..t-1, for t = start..end (a stack)."""
    prefix = block.prefix()
    if start == 0:
        return prefix
    if not block.norm:  # unitary steps: undo the first ones instead of recomputing
        return prefix[start:] @ prefix[start].conj().T
    out = np.empty((len(block.items) - start + 1, *block.dominant.shape), dtype=complex)
    out[0] = np.eye(block.dominant.shape[0])
    for t, item in enumerate(block.items[start:]):
        out[t + 1] = item.ops[0] @ out[t]
    return out


def _probabilities(item: Any, rho: np.ndarray | None) -> np.ndarray:
    """The chance of each of ``item.ops`` for a state with density matrix ``rho``."""
    if item.kind == "mixture":
        return item.probs
    born = np.clip(np.einsum("oab,bc,oac->o", item.ops, rho, item.ops.conj()).real, 0, None)
    if item.p0 == 0:
        return born / born.sum()
    rest = born[1:] / born[1:].sum()  # ops[0] is the identity part, drawn regardless
    return np.concatenate([[item.p0], (1.0 - item.p0) * rest])
