"""Compiled dense-block kernel for large statevectors (the optional ``accel`` extra: numba).

numpy applies a dense k-qubit block to a large state a cache-sized chunk at a time
(:mod:`..statevector.chunked`): a transposing gather of the chunk (numpy's strided copy,
whose inner loops run over 2-16 amplitudes), a BLAS product, a write-back. Here the
whole chunk loop is one compiled function that releases the GIL: for each chunk (the
``2**k`` target offsets times the ``2**(c-k)`` lowest non-target positions, ``2**c``
amplitudes) it gathers the amplitudes into planar real and imaginary rows, one row per
target offset (a contiguous, vectorised de-interleave when the low bits are not
targets), multiplies them by the block's real form ``[[A, -B], [B, A]]`` (for
``m = A + iB``: one BLAS ``gemm`` through numba's ``np.dot``, float64 or float32), and
writes the result back into the chunk's own positions, relabelled: the non-target bits
take the chunk's lowest bits, so the write-back is contiguous and so is the next
block's gather unless it targets them (an interleaved product written in numba instead
of BLAS ran at a third of its speed). The caller records the relabelling, as for
:func:`..statevector.chunked.apply_dense`. No state-sized buffer exists, and every
amplitude crosses the memory bus once each way.

The kernel is a pure function on a flat amplitude array (``complex128`` or
``complex64``; bit ``bits[j]`` of an index is the operator's qubit ``j``), blind to
circuits. It takes a range of chunks, so an engine spreads one product over its own
threads (``split``; the statevector engine passes its shared pool, which
``max_parallel_threads`` sizes): one pool and one threads rule for both paths, rather
than numba's own threading layer (whose default, workqueue, aborts when two threads
call a parallel function at once, as two experiments of one job do). A chunk is
computed by the same calls whatever the split, so results are bitwise identical for
any thread count.

This module imports numba, so only the engine's accelerator choice imports it, and
only for large states: ``import qfoundry`` never does. Compiled code is cached on disk
(``cache=True``), so a fresh process loads it rather than compiling again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numba
import numpy as np

__all__ = ["apply_dense", "planar_form", "MAX_QUBITS", "Split"]

MAX_QUBITS = 6  # widest dense block taken (fusion makes at most fusion_max_qubits = 6)
CHUNK_AXES = 12  # 2**12 amplitudes per chunk: 64 KiB of planar rows each way, in L2

#: ``split(count, work)`` calls ``work(lo, hi)`` over ranges that cover ``range(count)``.
Split = Callable[[int, Callable[[int, int], None]], None]


def _serial(count: int, work: Callable[[int, int], None]) -> None:
    work(0, count)


@numba.njit(nogil=True, cache=True)
def _deposit(i, sorted_bits):
    """``i`` with a zero bit inserted at each of ``sorted_bits`` (ascending)."""
    for s in sorted_bits:
        i = ((i >> s) << (s + 1)) | (i & ((1 << s) - 1))
    return i


@numba.njit(nogil=True, cache=True)
def _dense_chunks(flat, real, offsets, inner, contiguous, out_offsets, chunk_bits, lo, hi):
    """Chunks ``lo..hi``: gather planar rows, one gemm, scatter (``flat``: the state's
    interleaved floats). Row t, column r of a chunk is read at ``offsets[t] + inner[r]``
    (``contiguous``: ``inner[r] == r``) and written at ``out_offsets[t] + r``."""
    d = offsets.size
    rows = inner.size
    p = np.empty((2 * d, rows), flat.dtype)
    q = np.empty((2 * d, rows), flat.dtype)
    for ch in range(lo, hi):
        base = _deposit(ch, chunk_bits)
        for t in range(d):
            pr = p[t]
            pi = p[d + t]
            o = 2 * (base + offsets[t])
            if contiguous:
                for r in range(rows):
                    pr[r] = flat[o + 2 * r]
                    pi[r] = flat[o + 2 * r + 1]
            else:
                for r in range(rows):
                    j = o + 2 * inner[r]
                    pr[r] = flat[j]
                    pi[r] = flat[j + 1]
        np.dot(real, p, q)
        for t in range(d):
            qr = q[t]
            qi = q[d + t]
            o = 2 * (base + out_offsets[t])
            for r in range(rows):
                flat[o + 2 * r] = qr[r]
                flat[o + 2 * r + 1] = qi[r]


def _offsets(bits: Sequence[int]) -> np.ndarray:
    """Index offset of local basis state c: its bit j placed at bit ``bits[j]``."""
    c = np.arange(1 << len(bits), dtype=np.int64)
    out = np.zeros(c.size, dtype=np.int64)
    for j, b in enumerate(bits):
        out |= ((c >> j) & 1) << b
    return out


def planar_form(matrix: np.ndarray, dtype: np.dtype | type) -> np.ndarray:
    """``[[A, -B], [B, A]]`` for ``matrix = A + iB``: maps planar (re rows; im rows)
    to planar."""
    d = matrix.shape[0]
    r = np.empty((2 * d, 2 * d), dtype=dtype)
    r[:d, :d] = r[d:, d:] = matrix.real
    r[:d, d:] = -matrix.imag
    r[d:, :d] = matrix.imag
    return r


def apply_dense(data: np.ndarray, matrix: np.ndarray, bits: Sequence[int],
                split: Split = _serial) -> list[int]:
    """``data`` (flat, ``2**n`` amplitudes, complex128 or complex64) times ``matrix`` on
    index ``bits`` (qubit j of the matrix is bit ``bits[j]``), in place; ``split``
    spreads the chunks over threads.

    The result is written back with the chunk's bits relabelled: the non-target bits
    read with the targets move to the lowest bits, where the write-back (and the next
    block's gather, unless it targets them) is a contiguous run, and the targets take the
    chunk's next bits, target j the j-th. Returns ``moved``: bit b of the result holds
    what bit ``moved[b]`` held."""
    n = data.size.bit_length() - 1
    k = len(bits)
    if not 1 <= k <= min(MAX_QUBITS, n) or matrix.shape != (1 << k, 1 << k) \
            or len(set(bits)) != k or not all(0 <= b < n for b in bits):
        raise ValueError(f"a dense block on bits {list(bits)} of {n} needs distinct bits "
                         f"and a {1 << k}-square matrix, got {matrix.shape}")
    c = min(n, max(CHUNK_AXES, k))
    taken = set(bits)
    inner_bits = [b for b in range(n) if b not in taken][:c - k]
    chunk = sorted([*bits, *inner_bits])  # its lowest c - k bits are 0..c-k-1
    new_bits = chunk[c - k:]  # target j is written to bit new_bits[j]
    flat = data.view(data.real.dtype)
    real = planar_form(matrix, data.real.dtype)
    offsets, inner, out_offsets = _offsets(bits), _offsets(inner_bits), _offsets(new_bits)
    contiguous = inner_bits == list(range(c - k))
    chunk_bits = np.array(chunk, dtype=np.int64)
    split(1 << (n - c), lambda lo, hi: _dense_chunks(
        flat, real, offsets, inner, contiguous, out_offsets, chunk_bits, lo, hi))
    moved = list(range(n))
    for new, old in zip(chunk, [*inner_bits, *bits]):
        moved[new] = old
    return moved
