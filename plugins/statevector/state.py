"""A statevector whose tensor axes are ordered lazily, so gates cost one or two passes.

numpy applies a k-qubit matrix fastest as one BLAS product on a ``(2**k, rest)`` or
``(rest, 2**k)`` view, with the targets leading or trailing. Rather than transposing there
and back for every gate, :class:`SVState` tracks which qubit each axis holds and leaves the
targets where the product put them. From ``_IN_PLACE_AXES`` active qubits a dense gate is
applied in place a cache-sized chunk at a time (:mod:`.chunked`, or the ``accel`` extra's
compiled kernel: :mod:`.accelerator`), with no second state-sized buffer, on ``threads``
threads. Diagonal gates are one in-place multiply, permutation gates move only the
amplitudes that change, and SWAP only relabels axes.

Qubits that no gate has touched yet are still |0> and unentangled, so they are left out
of the tensor until a gate needs them (a GHZ chain then costs about two passes over the
final state, not one per gate). The amplitudes live in the prefix of a zero-filled
buffer sized for every qubit, and a qubit joins as the new leading axis: its |0> half is
the old state where it already is, its |1> half the zeros that follow, so growing moves
nothing. ``np.zeros`` maps its pages lazily, so untouched qubits cost no memory traffic.

Everything here is per run: instances are never shared between runs (the threads of
one state's chunks work on disjoint amplitudes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._sim.kernels import apply_diagonal, apply_matrix, apply_permutation, broadcast_diagonal
from .chunked import apply_dense, multiply_in_place, real_form, run_ranges, widen

__all__ = ["SVState"]

Accel = tuple[Callable | None, int]  # (compiled dense kernel or None, from this many qubits)

# Targets inside the leading/trailing block of this many axes are applied by widening
# the matrix to the whole block (identity on the others) instead of transposing: a BLAS
# product on 2**3 rows costs about as much as one on 2 rows (measured), on 2**4 twice.
_BLOCK_AXES = 3
# Diagonals are widened over the trailing axes until numpy's inner loop is this long.
_INNER_AXES = 7
_MAX_WIDE_DIAGONAL = 18  # ...unless the widened diagonal would exceed 2**18 entries
# Permutations move runs of up to 2**_RUN_AXES contiguous amplitudes as single elements.
_RUN_AXES = 12
_CHUNK_AXES = 18  # products in place without a spare buffer: 2**18 amplitudes at a time
# Trailing products run in real arithmetic from this many axes, on stacks of 2**12
# amplitudes, for blocks of up to 4 axes (wider blocks: zgemm is as fast).
_REAL_PRODUCT_AXES = 13
_STACK_AXES = 12
_REAL_PRODUCT_MAX = 4
# Dense gates on this many qubits or more that need a transpose are moved to the back
# (for the real product) rather than the front (zgemm): 3 qubits, 4.8 ms instead of 6 ms
# at 20 qubits; for 1-2 qubits the two cost the same.
_BACK_MIN = 3
# From this many active qubits dense gates run in place a cache-sized chunk at a time
# (:mod:`.chunked`, on ``threads`` threads) and no spare buffer is ever allocated: the
# run's peak memory is then one state plus a few MiB (a spare buffer was one more state,
# and its first touch in a fresh process cost as much as the product).
_IN_PLACE_AXES = 16


class SVState:
    """Amplitudes of the active qubits in a contiguous buffer with a tracked axis order.

    ``n`` is the number of tensor axes (active qubits) and ``num_qubits`` the register's
    size; inactive qubits are in |0>. ``order[a]`` is the qubit held by tensor axis ``a``
    (axis 0 most significant) and ``pos[q]`` its inverse (-1 while q is inactive). The
    canonical (Qiskit) layout is ``order == [n-1, ..., 0]`` with every qubit active.
    """

    __slots__ = ("n", "num_qubits", "data", "order", "pos", "threads", "_base", "_spare", "accel")

    def __init__(self, data: np.ndarray, n: int, order: Sequence[int] | None = None,
                 base: np.ndarray | None = None, threads: int = 1, accel: Accel = (None, 0)):
        """``data`` holds ``n`` active qubits (all of them unless ``order`` names fewer
        than ``n``; then ``base`` is the zero-padded buffer whose prefix ``data`` is).
        ``threads``: how many threads the in-place products of a large state may use;
        ``accel``: as :func:`.accelerator.dense_kernel` gives."""
        self.threads, self.accel = threads, accel
        self.num_qubits = n
        self.order = list(order) if order is not None else list(range(n - 1, -1, -1))
        self.n = len(self.order)
        self.data = data
        self._base = data if base is None else base
        self.pos = [-1] * n
        for a, q in enumerate(self.order):
            self.pos[q] = a
        self._spare: np.ndarray | None = None

    @classmethod
    def zero(cls, n: int, threads: int = 1, dtype: type = complex, accel: Accel = (None, 0)
             ) -> SVState:
        """|0...0> with no qubit active yet (nothing but one amplitude is touched);
        ``dtype`` complex128, or complex64 for the engine's single precision."""
        base = np.zeros(1 << n, dtype=dtype)
        base[0] = 1
        return cls(base[:1], n, order=[], base=base, threads=threads, accel=accel)

    def copy(self) -> SVState:
        if self.n == self.num_qubits:
            return SVState(self.data.copy(), self.n, self.order, None, self.threads, self.accel)
        base = np.zeros(1 << self.num_qubits, dtype=self.data.dtype)  # mapped lazily
        base[:self.data.size] = self.data
        return SVState(base[:self.data.size], self.num_qubits, self.order, base,
                       self.threads, self.accel)

    @property
    def nbytes(self) -> int:
        """Bytes of the state once every qubit is active (what a copy may grow to)."""
        return self.data.itemsize << self.num_qubits

    def tensor(self) -> np.ndarray:
        return self.data.reshape((2,) * self.n)

    def _spare_buffer(self) -> np.ndarray:
        # Zero-filled like the main buffer, so that after the two swap roles both are
        # still zero past the active prefix (what growing relies on). Only states below
        # _IN_PLACE_AXES use one, so a register that grows past it gets a spare of that
        # size, and activate() moves the state back to the full buffer when it outgrows it.
        if self._spare is None:
            size = self._base.size
            if self.num_qubits >= _IN_PLACE_AXES:
                size = 1 << (_IN_PLACE_AXES - 1)
            self._spare = np.zeros(size, dtype=self.data.dtype)
        return self._spare[:self.data.size]

    def _swap_buffers(self) -> None:
        size = self.data.size
        self._base, self._spare = self._spare, self._base
        self.data = self._base[:size]

    def _set_order(self, order: list[int]) -> None:
        self.order = order
        for a, q in enumerate(order):
            self.pos[q] = a

    def activate(self, qubits: Sequence[int]) -> None:
        """Bring inactive ``qubits`` (in |0>) into the tensor as new leading axes."""
        new = [q for q in qubits if self.pos[q] < 0]
        if not new:
            return
        size = self.data.size << len(new)
        if size > self._base.size:  # in the small spare (see _spare_buffer): move back
            full, used = self._spare, self._base.size
            full[:self.data.size] = self.data
            full[self.data.size:used] = 0  # what it held before the swap
            self._base, self._spare = full, None
        elif self.n < _IN_PLACE_AXES <= self.n + len(new):
            self._spare = None  # large states never use one
        self.data = self._base[:size]  # zero past the old prefix: the new |1> halves
        self._set_order(new[::-1] + self.order)
        self.n = len(self.order)

    def is_active(self, qubit: int) -> bool:
        return self.pos[qubit] >= 0

    # -- gates -------------------------------------------------------------------------
    def apply_matrix(self, qubits: Sequence[int], matrix: np.ndarray,
                     after: Sequence[int] | None = None) -> None:
        """Apply a dense ``2**k`` matrix (``qubits[0]`` its least significant bit).

        ``after`` (optional) names the qubits of the next dense gate: if this gate needs a
        transpose anyway, those qubits are parked at the other end at no extra cost (the
        back when the targets go to the front, and vice versa), so the next gate needs
        none."""
        if self.n < self.num_qubits:
            self.activate(qubits)
            if after:  # qubits still untouched need no parking
                after = [q for q in after if self.pos[q] >= 0]
        n, k = self.n, len(qubits)
        kernel, start = self.accel
        if kernel is not None and n >= start:
            # Compiled, one pass (axis a is bit n-1-a); it returns the bits it relabelled.
            moved = kernel(self.data, matrix, [n - 1 - self.pos[q] for q in qubits],
                           lambda count, work: run_ranges(count, work, self.threads))
            self._set_order([self.order[n - 1 - moved[n - 1 - a]] for a in range(n)])
            return
        axes = [self.pos[q] for q in qubits]
        lo, hi = min(axes), max(axes)
        width = max(k, _BLOCK_AXES)
        t, f = n - lo, hi + 1
        if n >= _IN_PLACE_AXES:
            if t <= width:  # within the trailing block: widened, gathered untransposed
                block = [n - 1 - j for j in range(t)]
                apply_dense(self.data, widen(matrix, axes, block), block, self.threads)
            else:  # the targets end on the trailing axes
                moved = apply_dense(self.data, matrix, axes, self.threads)
                self._set_order([self.order[a] for a in moved])
            return
        if t <= width and (t <= f or f > width):
            self._matmul_trailing(matrix, axes)
        elif f <= _BLOCK_AXES or f == k:  # targets lead (exactly, or within 3 axes)
            # Leading block: local qubit j is axis f-1-j.
            m = widen(matrix, axes, [f - 1 - j for j in range(f)])
            np.matmul(m, self.data.reshape(1 << f, -1),
                      out=self._spare_buffer().reshape(1 << f, -1))
            self._swap_buffers()
        elif n >= _REAL_PRODUCT_AXES and _BACK_MIN <= k <= _REAL_PRODUCT_MAX:
            # Wide gates: move the targets to the back (the transpose costs more, its
            # inner runs are short) for the real-arithmetic trailing product, which
            # costs less than half of zgemm's on the leading axes. The next gate's
            # qubits, if any, go to the front.
            taken = set(axes)
            front: list[int] = []
            if after and len(after) <= _BLOCK_AXES and taken.isdisjoint(
                    self.pos[q] for q in after):
                front = [self.pos[q] for q in after]
                taken.update(front)
            new_axes = front + [a for a in range(n) if a not in taken] + axes[::-1]
            src = self.tensor().transpose(new_axes)
            np.copyto(self._spare_buffer().reshape(src.shape), src)
            self._swap_buffers()
            self._set_order([self.order[a] for a in new_axes])
            self._matmul_trailing(matrix, [n - 1 - j for j in range(k)])
        else:
            # Move the targets to the front (qubits[k-1] first), then one product.
            front = axes[::-1]
            taken = set(front)
            back: list[int] = []
            if after and len(after) <= _BLOCK_AXES and taken.isdisjoint(
                    self.pos[q] for q in after):
                back = [self.pos[q] for q in after]
                taken.update(back)
            rest = [a for a in range(n) if a not in taken] + back
            spare = self._spare_buffer()
            src = self.tensor().transpose(front + rest)
            np.copyto(spare.reshape(src.shape), src)
            np.matmul(matrix, spare.reshape(1 << k, -1), out=self.data.reshape(1 << k, -1))
            self._set_order([self.order[a] for a in front + rest])

    def _matmul_trailing(self, matrix: np.ndarray, axes: list[int]) -> None:
        """One product on the block of trailing axes holding the targets (local qubit j
        of the block is axis n-1-j; the matrix is widened with identities).

        On a big state the product is done in real arithmetic: each run of ``2**t``
        amplitudes, read as ``2**(t+1)`` interleaved floats, times a real matrix of twice
        the size (:func:`.chunked.real_form`). OpenBLAS's dgemm on ``2**_STACK_AXES`` amplitudes
        at a time (one stacked call, operands in cache) runs about twice as fast as its
        zgemm on the whole state: 0.9 ms instead of 2.1 ms for a 2-qubit gate on 20
        qubits, close to the cost of copying the state."""
        n = self.n
        t = n - min(axes)
        m = widen(matrix, axes, [n - 1 - j for j in range(t)])
        if n < _REAL_PRODUCT_AXES or t > _REAL_PRODUCT_MAX:
            def product(src: np.ndarray, out: np.ndarray) -> None:
                np.matmul(src.reshape(-1, 1 << t), m.T, out=out.reshape(-1, 1 << t))
        else:
            real = real_form(m, self.data.real.dtype)
            shape = (-1, 1 << (_STACK_AXES - t), 2 << t)

            def product(src: np.ndarray, out: np.ndarray) -> None:
                np.matmul(src.view(real.dtype).reshape(shape), real,
                          out=out.view(real.dtype).reshape(shape))
        if self._spare is None and n > _CHUNK_AXES:
            # No spare buffer yet: work in place a chunk at a time through a small one,
            # rather than first-touch a state-sized buffer (page faults cost a pass).
            tmp = np.empty(1 << _CHUNK_AXES, dtype=self.data.dtype)
            for chunk in self.data.reshape(-1, 1 << _CHUNK_AXES):
                product(chunk, tmp)
                chunk[...] = tmp
            return
        product(self.data, self._spare_buffer())
        self._swap_buffers()

    def apply_controlled(self, targets: Sequence[int], controls: Sequence[int],
                         matrix: np.ndarray) -> None:
        """Apply ``matrix`` to ``targets`` where every control qubit is 1: only
        ``2**-len(controls)`` of the amplitudes are read and written."""
        if self.n < self.num_qubits:
            self.activate([*controls, *targets])
        n = self.n
        control_axes = {self.pos[q] for q in controls}
        idx: list = [slice(None)] * n
        for a in control_axes:
            idx[a] = 1
        sub = self.tensor()[tuple(idx)]
        kept = [a for a in range(n) if a not in control_axes]
        sub[...] = apply_matrix(sub, matrix, [kept.index(self.pos[q]) for q in targets])

    def apply_diagonal(self, qubits: Sequence[int], diagonal: np.ndarray) -> None:
        """Multiply in place by ``diag(diagonal)`` on ``qubits``."""
        if self.n < self.num_qubits:
            self.activate(qubits)
        n = self.n
        if not qubits:
            self.data *= diagonal[0]
            return
        axes = [self.pos[q] for q in qubits]
        changed = np.flatnonzero(diagonal != 1)
        if 4 * changed.size <= diagonal.size:
            # Controlled phases (cz, cp, ccz...) touch few amplitudes: multiply only those.
            t = self.tensor()
            for j in changed.tolist():
                idx: list = [slice(None)] * n
                for i, a in enumerate(axes):
                    idx[a] = (j >> i) & 1
                t[tuple(idx)] *= diagonal[j]
            return
        if n >= 12 and n - 1 - max(axes) < _INNER_AXES:
            # Widen over the trailing axes so numpy's inner loop is long and contiguous.
            extra = [a for a in range(n - _INNER_AXES, n) if a not in axes]
            if extra and len(axes) + len(extra) <= _MAX_WIDE_DIAGONAL:
                diagonal = np.tile(diagonal, 1 << len(extra))  # extra axes: high bits
                axes = axes + extra
        if self.threads > 1 and n >= _IN_PLACE_AXES:
            multiply_in_place(self.tensor(), broadcast_diagonal(diagonal, axes, n),
                              self.threads)
            return
        apply_diagonal(self.tensor(), diagonal, axes, out=self.tensor())

    def apply_permutation(self, qubits: Sequence[int], perm: np.ndarray) -> None:
        """Apply a permutation gate (basis ``j`` -> ``perm[j]``) by moving amplitudes."""
        if self.n < self.num_qubits:
            self.activate(qubits)
        n = self.n
        axes = [self.pos[q] for q in qubits]
        # The trailing axes after the last target move together: viewed as one opaque
        # element, a run of 2**r amplitudes is copied by one strided loop, not 2**r.
        r = min(n - 1 - max(axes), _RUN_AXES)
        t = self.data.view(np.dtype((np.void, self.data.itemsize << r))).reshape((2,) * (n - r))
        moved = sum(1 for j, p in enumerate(perm) if j != p)
        if 1.5 * moved <= len(perm) or n >= _IN_PLACE_AXES:
            apply_permutation(t, perm, axes, out=t)
        else:  # moving most amplitudes: one copy into the spare buffer is cheaper
            spare = self._spare_buffer().view(t.dtype).reshape(t.shape)
            apply_permutation(t, perm, axes, out=spare)
            self._swap_buffers()

    def swap(self, a: int, b: int) -> None:
        """SWAP qubits ``a`` and ``b``: only the labels move (an inactive qubit's |0>
        moves with its label too)."""
        pa, pb = self.pos[a], self.pos[b]
        if pa >= 0:
            self.order[pa] = b
        if pb >= 0:
            self.order[pb] = a
        self.pos[a], self.pos[b] = pb, pa

    # -- measurement -------------------------------------------------------------------
    def _split(self, qubit: int) -> tuple[np.ndarray, np.ndarray]:
        """Views of the amplitudes with ``qubit`` = 0 and = 1, as (A, B) arrays."""
        a = self.pos[qubit]
        v = self.data.reshape(1 << a, 2, -1)
        return v[:, 0, :], v[:, 1, :]

    def probability_one(self, qubit: int) -> float:
        a = self.pos[qubit]
        if a < 0:
            return 0.0
        f = self.data.view(self.data.real.dtype).reshape(1 << a, 2, -1)[:, 1, :]
        return float(np.einsum("ij,ij->", f, f, dtype=np.float64))

    def collapse(self, qubit: int, outcome: int, probability: float) -> None:
        """Project ``qubit`` on ``outcome`` (probability given) and renormalise."""
        if self.pos[qubit] < 0:
            return  # inactive: already |0>, the only possible outcome
        zero, one = self._split(qubit)
        keep, drop = (one, zero) if outcome else (zero, one)
        drop[...] = 0
        keep *= 1 / np.sqrt(probability)

    def reset_to_zero(self, qubit: int, outcome: int, probability: float) -> None:
        """After a reset measured ``outcome``: leave ``qubit`` in |0>, renormalised."""
        if self.pos[qubit] < 0:
            return
        zero, one = self._split(qubit)
        scale = 1 / np.sqrt(probability)
        if outcome:
            np.multiply(one, scale, out=zero)
        else:
            zero *= scale
        one[...] = 0

    def prepare(self, qubits: Sequence[int], amplitudes: np.ndarray) -> None:
        """Set ``qubits``, all in |0> now, to ``amplitudes`` (``qubits[0]`` the LSB)."""
        self.activate(qubits)
        axes = [self.pos[q] for q in qubits]
        t = self.tensor()
        idx0 = [slice(None)] * self.n
        for a in axes:
            idx0[a] = 0
        rest = t[tuple(idx0)].copy()
        for j, amp in enumerate(amplitudes):
            idx = list(idx0)
            for i, a in enumerate(axes):
                idx[a] = (j >> i) & 1
            t[tuple(idx)] = rest * amp

    def to_array(self) -> np.ndarray:
        """The amplitudes in Qiskit order (qubit q = bit q of the index), as a new array."""
        canonical = list(range(self.num_qubits - 1, -1, -1))
        if self.order == canonical:
            return self.data.copy()
        active = [q for q in canonical if self.pos[q] >= 0]
        src = self.tensor().transpose([self.pos[q] for q in active])
        if len(active) == self.num_qubits:
            return np.ascontiguousarray(src).reshape(-1)
        out = np.zeros((2,) * self.num_qubits, dtype=self.data.dtype)
        out[tuple(slice(None) if self.pos[q] >= 0 else 0 for q in canonical)] = src
        return out.reshape(-1)
