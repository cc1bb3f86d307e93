"""In-place products for large statevectors, a cache-sized chunk at a time, on threads.

A dense gate whose targets are not the tensor's trailing axes used to cost a transposing
copy of the whole state into a state-sized spare buffer, then a product back: four passes
of memory traffic, a second state in memory (about 2.2 states at peak), and, in a fresh
process, the page faults of first touching the spare. Here the state is cut into chunks
that hold every target axis plus the trailing non-target axes (``2**CHUNK_AXES``
amplitudes, half a MiB, which stays in cache). Each chunk is gathered into a small
buffer with its targets last, multiplied in real arithmetic (a run of ``2**k``
amplitudes read as ``2**(k+1)`` interleaved floats times a real matrix of twice the
size: OpenBLAS's dgemm is about twice as fast as its zgemm here) and written back
contiguously into the positions it came from. So each amplitude crosses the memory bus
once each way and no state-sized buffer exists.

Writing a chunk back in its new order moves qubits between the chunk's axes: the targets
end on the tensor's trailing axes (where the next gate on them needs no gather
transposition) and the qubits they displace take the targets' old axes. The caller
records that relabelling (:func:`apply_dense` returns it).

Chunks are independent, so threads take disjoint ranges of them from one shared pool
(numpy and BLAS release the GIL). Each chunk is computed by the same calls whatever the
number of threads, so results are bitwise identical for any ``threads``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._sim.kernels import permute_operator_qubits

__all__ = ["CHUNK_AXES", "apply_dense", "multiply_in_place", "real_form", "run_ranges",
           "cpu_count", "widen"]

CHUNK_AXES = 15  # 2**15 amplitudes (512 KiB) per chunk: gathered, multiplied in cache
_STACK_AXES = 12  # the real product is one stacked dgemm over runs of 2**12 amplitudes
_MIN_PER_THREAD = 4  # chunks below this many per thread are not worth a thread switch

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:  # a forked child has none of its threads: a new one on use
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:  # one pool for every state and job: threads are started once
            _pool = ThreadPoolExecutor(max_workers=cpu_count(),
                                       thread_name_prefix="qfoundry-statevector")
        return _pool


def run_ranges(count: int, work: Callable[[int, int], None], threads: int) -> None:
    """Call ``work(lo, hi)`` over ``range(count)`` cut into at most ``threads`` contiguous
    ranges, all but the first on the shared pool, and wait for all of them."""
    threads = max(1, min(threads, count // _MIN_PER_THREAD))
    if threads == 1:
        work(0, count)
        return
    step = -(-count // threads)
    futures, here = [], [(0, min(count, step))]
    for lo in range(step, count, step):
        try:
            futures.append(_shared_pool().submit(work, lo, min(count, lo + step)))
        except RuntimeError:  # the interpreter is exiting (its pools refuse work): run here
            here.append((lo, min(count, lo + step)))
    try:
        for lo, hi in here:
            work(lo, hi)
    finally:
        for f in futures:
            f.result()


def real_form(m: np.ndarray, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """The real matrix R with ``rows @ R`` = ``z @ m.T`` when each row of ``rows`` holds
    the amplitudes of a row ``z`` of ``2**t`` as interleaved (re, im) floats:
    out_re = A re - B im and out_im = B re + A im, for m = A + iB."""
    d = m.shape[0]
    mt = m.T
    r = np.empty((d, 2, d, 2), dtype=dtype)
    r[:, 0, :, 0] = r[:, 1, :, 1] = mt.real
    r[:, 0, :, 1] = mt.imag
    r[:, 1, :, 0] = -mt.imag
    return r.reshape(2 * d, 2 * d)


def apply_dense(data: np.ndarray, matrix: np.ndarray, axes: Sequence[int],
                threads: int = 1) -> list[int]:
    """Apply ``matrix`` (local qubit j on tensor axis ``axes[j]``) in place to the
    ``(2,) * n`` tensor stored in the flat array ``data``; return ``moved``, where tensor
    axis p now holds what axis ``moved[p]`` held (targets on the trailing axes, qubit
    ``axes[0]`` last)."""
    n = data.size.bit_length() - 1
    k = len(axes)
    c = min(n, max(CHUNK_AXES, k))
    taken = set(axes)
    others = [a for a in range(n) if a not in taken]
    inner = others[len(others) - (c - k):] if c > k else []
    outer = others[:len(others) - len(inner)]  # one chunk per value of these axes
    chunk_axes = sorted(inner + list(axes))
    new_order = inner + list(axes[::-1])
    perm = [chunk_axes.index(a) for a in new_order]
    gather_perm = None if perm == list(range(c)) else perm
    tensor = data.reshape((2,) * n).transpose(outer + chunk_axes)
    real = real_form(matrix, data.real.dtype)
    stack = (-1, 1 << (min(max(_STACK_AXES, k), c) - k), 2 << k)
    chunk_shape = (2,) * c
    index = list(np.ndindex(*(2,) * len(outer)))

    def work(lo: int, hi: int) -> None:
        src = np.empty(1 << c, dtype=data.dtype)
        out = np.empty(1 << c, dtype=data.dtype)
        src_t, out_t = src.reshape(chunk_shape), out.reshape(chunk_shape)
        src_r = src.view(data.real.dtype).reshape(stack)
        out_r = out.view(data.real.dtype).reshape(stack)
        for i in range(lo, hi):
            view = tensor[index[i]]
            np.copyto(src_t, view if gather_perm is None else view.transpose(gather_perm))
            np.matmul(src_r, real, out=out_r)
            np.copyto(view, out_t)

    run_ranges(len(index), work, threads)
    moved = list(range(n))
    for p, a in zip(chunk_axes, new_order):
        moved[p] = a
    return moved


def multiply_in_place(tensor: np.ndarray, factor: np.ndarray, threads: int,
                      split_axes: int = 4) -> None:
    """``tensor *= factor`` (``factor`` broadcasts against it: a diagonal operator) on
    ``threads`` threads, each taking a range of the ``2**split_axes`` blocks that fix the
    leading axes; a block-by-block product is the same product, so results never
    depend on ``threads``."""
    lead = min(split_axes, tensor.ndim)
    index = list(np.ndindex(*tensor.shape[:lead]))
    sizes = factor.shape[:lead]

    def work(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            idx = index[i]
            block = tensor[idx]
            np.multiply(block, factor[tuple(j if s > 1 else 0 for j, s in zip(idx, sizes))],
                        out=block)

    run_ranges(len(index), work, threads)


def widen(matrix: np.ndarray, axes: list[int], block: list[int]) -> np.ndarray:
    """``matrix`` on target ``axes`` as an operator on the ``block`` axes (local qubit j
    = axis ``block[j]``), with identity on the block axes that are not targets."""
    k, t = len(axes), len(block)
    if t > k:
        matrix = np.kron(np.eye(1 << (t - k)), matrix)
    # Local qubit j of the result is target i if block[j] == axes[i], else an identity
    # qubit (kron qubits k, k+1, ...).
    idle = iter(range(k, t))
    order = [axes.index(a) if a in axes else next(idle) for a in block]
    return permute_operator_qubits(matrix, order)
