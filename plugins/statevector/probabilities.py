"""Probabilities of a lazily ordered statevector (:class:`.state.SVState`), read a
chunk at a time: the marginal distribution of measured qubits in the state's own axis
order, and the row totals and rows of two-level sampling (:mod:`.run`). A large state
needs no state-sized temporary this way (its first-touch page faults cost more than the
arithmetic); only results are allocated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .state import SVState

__all__ = ["marginal", "row_masses", "row_probabilities", "CHUNK_AXES"]

CHUNK_AXES = 18  # probabilities are computed this many amplitudes (2**k) at a time


def marginal(state: SVState, qubits: set[int] | Sequence[int]
             ) -> tuple[np.ndarray, dict[int, int]]:
    """Marginal distribution of ``qubits`` in the current axis order, without
    transposing: returns (probs, bit) where bit j of an index of ``probs`` is the
    outcome of qubit q for ``bit[q] == j``. An inactive qubit always reads 0: its
    bit is ``len(probs).bit_length() - 1``, one past the index's width.

    Computed a chunk of ``2**CHUNK_AXES`` amplitudes at a time, so a big state needs
    no state-sized temporary (its first-touch page faults cost more than the maths);
    only the result (``2**len(qubits)`` floats) is allocated."""
    n = state.n
    axes = sorted(state.pos[q] for q in qubits if state.pos[q] >= 0)
    m = len(axes)
    bits = {q: m for q in qubits if state.pos[q] < 0}
    bits.update({state.order[a]: m - 1 - i for i, a in enumerate(axes)})
    if n <= CHUNK_AXES:
        probs = np.square(np.abs(state.data), dtype=np.float64)
        if m < n:
            others = tuple(a for a in range(n) if a not in set(axes))
            probs = probs.reshape((2,) * n).sum(axis=others).reshape(-1)
        return probs, bits
    lead = n - CHUNK_AXES  # chunk c fixes the leading axes to the bits of c
    lead_axes = [a for a in axes if a < lead]
    trail_others = tuple(a - lead for a in range(lead, n) if a not in set(axes))
    probs = np.empty(1 << m) if m == n else np.zeros(1 << m)
    out = probs.reshape(1 << len(lead_axes), -1)
    buf = np.empty(1 << CHUNK_AXES)
    for c, chunk in enumerate(state.data.reshape(1 << lead, -1)):
        row = 0
        for a in lead_axes:  # measured leading axes: high bits of the result
            row = (row << 1) | ((c >> (lead - 1 - a)) & 1)
        if m == n:
            np.abs(chunk, out=out[c])
            np.square(out[c], out=out[c])
            continue
        np.abs(chunk, out=buf)
        np.square(buf, out=buf)
        part = buf.reshape((2,) * CHUNK_AXES).sum(axis=trail_others) if trail_others \
            else buf
        out[row] += part.reshape(-1)
    return probs, bits

def row_masses(state: SVState, cols: int) -> np.ndarray:
    """Total probability of each run of ``cols`` consecutive amplitudes (buffer
    order), a chunk at a time: the first stage of two-level sampling."""
    if state.n <= CHUNK_AXES:
        return np.square(np.abs(state.data), dtype=np.float64).reshape(-1, cols).sum(axis=1)
    chunks = state.data.reshape(1 << (state.n - CHUNK_AXES), -1)
    per = chunks.shape[1] // cols
    out = np.empty(state.data.size // cols)
    buf = np.empty(chunks.shape[1])
    for c, chunk in enumerate(chunks):
        np.abs(chunk, out=buf)
        np.square(buf, out=buf)
        buf.reshape(per, cols).sum(axis=1, out=out[c * per:(c + 1) * per])
    return out

def row_probabilities(state: SVState, rows: np.ndarray, cols: int) -> np.ndarray:
    """Probabilities of the amplitudes in the given runs of ``cols``, one row each."""
    return np.square(np.abs(state.data.reshape(-1, cols)[rows]), dtype=np.float64)
