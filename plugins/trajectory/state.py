"""The state of one trajectory branch: a product of independent factors.

A trajectory's state is often far from maximally entangled: every qubit starts alone in
|0>, device noise acts through tensor-product Kraus operators (:mod:`.unravel`), a
measurement or reset leaves its qubit alone again, and many circuits entangle only a few
qubits at a time (a QFT on a basis state never entangles at all). So the state is kept
as a tensor product of :class:`Factor` s, each the amplitudes of a set of qubits:

* an operation on qubits in different factors first merges them (a Kronecker product);
* after an operation, each of its qubits whose reduced density matrix is pure (within
  ``SPLIT_TOLERANCE``) is split off again, as long as its factor is small enough for the
  test to be cheap (``SPLIT_MAX_QUBITS``); a split discards a component of weight at
  most ``SPLIT_TOLERANCE``, far below any sampling error;
* a fully entangled state is one factor: a dense statevector, with the cost of one.

Amplitudes are never renormalised: each factor keeps ``norm2``, its squared norm, and
every probability is taken relative to it. Within a factor, tensor axis a (C order, axis
0 most significant) holds qubit ``qubits[a]``; operations on a block of qubits move them
to the front with one transposing copy, so that the block is one BLAS product (and its
reduced density matrix another) on a ``(2^k, rest)`` view.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.linalg.blas as blas

from ..statevector.run import sample_indices

__all__ = ["Factor", "Product", "gram", "SPLIT_TOLERANCE", "SPLIT_MAX_QUBITS"]

SPLIT_TOLERANCE = 1e-12  # a qubit is split off when lambda_min / lambda_max of its rho is below
SPLIT_MAX_QUBITS = 12    # split tests cost a pass over the factor: only on factors this small
_BLAS_SIZE = 1 << 14     # from this many amplitudes, rho = M M^H through zherk (no conj copy)


class Factor:
    """Amplitudes of ``qubits`` (axis a holds qubits[a]); ``norm2`` is their squared norm.

    ``spare`` is a buffer of the same size that transposes and products write into, so a
    large factor is not reallocated per operation. A factor belongs to one branch.
    """

    __slots__ = ("qubits", "data", "norm2", "spare")

    def __init__(self, qubits: list[int], data: np.ndarray, norm2: float = 1.0):
        self.qubits, self.data, self.norm2 = qubits, data, norm2
        self.spare: np.ndarray | None = None

    def copy(self) -> Factor:
        return Factor(list(self.qubits), self.data.copy(), self.norm2)

    def out(self) -> np.ndarray:
        """The spare buffer (allocated on first use)."""
        if self.spare is None:
            self.spare = np.empty_like(self.data)
        return self.spare

    def swap(self) -> None:
        """The spare buffer now holds the amplitudes."""
        self.data, self.spare = self.spare, self.data

    def front(self, block: Sequence[int]) -> np.ndarray:
        """The amplitudes as a (2^k, rest) matrix whose row index is the block's basis
        state (``block[0]`` its least significant bit); one transposing copy unless the
        block's qubits already lead in that order."""
        k = len(block)
        lead = [self.qubits.index(q) for q in reversed(block)]
        if lead != list(range(k)):
            m = len(self.qubits)
            rest = [a for a in range(m) if a not in set(lead)]
            order = lead + rest
            src = self.data.reshape((2,) * m).transpose(order)
            np.copyto(self.out().reshape(src.shape), src)
            self.swap()
            self.qubits = [self.qubits[a] for a in order]
        return self.data.reshape(1 << k, -1)

    def split(self, qubit: int) -> tuple[Factor, Factor] | None:
        """(factor of ``qubit`` alone, factor of the others) if ``qubit`` is in a product
        state with them, else None. One pass over the amplitudes."""
        a = self.qubits.index(qubit)
        x = self.data.reshape(1 << a, 2, -1).transpose(1, 0, 2).reshape(2, -1)
        # The qubit's reduced state rho[i][j] = sum psi_i conj(psi_j), as Python numbers.
        (r00, r01), (r10, r11) = (x @ x.conj().T).tolist()
        r00, r11 = r00.real, r11.real
        total = r00 + r11
        if total <= 0 or r00 * r11 - abs(r01) ** 2 > SPLIT_TOLERANCE * total * total:
            return None
        # rho is rank one: the qubit's state is its column of larger norm, normalised.
        c0, c1 = (r00, r10) if r00 >= r11 else (r01, r11)
        scale = 1 / math.sqrt(abs(c0) ** 2 + abs(c1) ** 2)
        c0, c1 = c0 * scale, c1 * scale
        rest = c0.conjugate() * x[0] + c1.conjugate() * x[1]
        others = self.qubits[:a] + self.qubits[a + 1:]
        return (Factor([qubit], np.array([c0, c1], dtype=complex), 1.0),
                Factor(others, rest, _sq(rest)))

    def probability_one(self, qubit: int) -> float:
        a = self.qubits.index(qubit)
        return min(1.0, _sq(self.data.reshape(1 << a, 2, -1)[:, 1, :]) / self.norm2)

    def project(self, qubit: int, outcome: int) -> tuple[Factor, Factor | None]:
        """(``qubit`` alone in |outcome>, the others projected on it) after a measurement."""
        a = self.qubits.index(qubit)
        basis = np.zeros(2, dtype=complex)
        basis[outcome] = 1
        if len(self.qubits) == 1:
            return Factor([qubit], basis), None
        rest = np.ascontiguousarray(self.data.reshape(1 << a, 2, -1)[:, outcome, :]).reshape(-1)
        others = self.qubits[:a] + self.qubits[a + 1:]
        return Factor([qubit], basis), Factor(others, rest, _sq(rest))


def _sq(a: np.ndarray) -> float:
    return float(np.vdot(a, a).real)


def gram(m: np.ndarray) -> np.ndarray:
    """``m @ m^H`` (the block's unnormalised reduced density matrix), Hermitian."""
    if m.size < _BLAS_SIZE:
        return m @ m.conj().T
    # zherk on the Fortran view m.T computes conj(m m^H), upper triangle only.
    upper = blas.zherk(1.0, m.T, trans=2)
    lower = np.triu(upper).T
    return lower + np.tril(lower, -1).conj().T


class Product:
    """A branch's state: ``owner[q]`` is the factor holding local qubit q."""

    __slots__ = ("owner",)

    def __init__(self, owner: list[Factor]):
        self.owner = owner

    @classmethod
    def zero(cls, n: int) -> Product:
        return cls([Factor([q], np.array([1.0, 0.0], dtype=complex)) for q in range(n)])

    def factors(self, qubits: Iterable[int] | None = None) -> list[Factor]:
        """The distinct factors holding ``qubits`` (all of them if None), in qubit order."""
        seen: dict[int, Factor] = {}
        for q in (range(len(self.owner)) if qubits is None else qubits):
            f = self.owner[q]
            seen.setdefault(id(f), f)
        return list(seen.values())

    def copy(self) -> Product:
        return self.copy_with(None, None)

    def copy_with(self, old: Factor | None, new: Factor | None) -> Product:
        """A copy in which ``new`` replaces ``old`` (``new`` is not copied again)."""
        copies: dict[int, Factor] = {} if old is None or new is None else {id(old): new}
        owner = []
        for f in self.owner:
            c = copies.get(id(f))
            if c is None:
                c = copies[id(f)] = f.copy()
            owner.append(c)
        return Product(owner)

    def gather(self, qubits: Sequence[int]) -> Factor:
        """The one factor holding all ``qubits``, merging factors (Kronecker) if needed."""
        fs = self.factors(qubits)
        if len(fs) == 1:
            return fs[0]
        data = fs[0].data
        norm2 = fs[0].norm2
        for f in fs[1:]:
            data = np.multiply.outer(data, f.data).reshape(-1)
            norm2 *= f.norm2
        merged = Factor([q for f in fs for q in f.qubits], data, norm2)
        for q in merged.qubits:
            self.owner[q] = merged
        return merged

    def set(self, factor: Factor) -> None:
        for q in factor.qubits:
            self.owner[q] = factor

    def split_pure(self, candidates: Iterable[int]) -> None:
        """Split every candidate qubit that is in a product state with the rest of its
        factor (small factors only: the test is a pass over the factor)."""
        for q in candidates:
            f = self.owner[q]
            if len(f.qubits) == 1 or len(f.qubits) > SPLIT_MAX_QUBITS:
                continue
            parts = f.split(q)
            if parts is not None:
                self.set(parts[0])
                self.set(parts[1])

    def measure_collapse(self, qubit: int, outcome: int) -> None:
        """Project ``qubit`` on ``outcome``; it is left alone in its own factor."""
        alone, rest = self.owner[qubit].project(qubit, outcome)
        self.set(alone)
        if rest is not None:
            self.set(rest)

    def prepare(self, qubits: Sequence[int], amplitudes: np.ndarray) -> None:
        """Set ``qubits`` (each alone in |0> after a reset) to ``amplitudes``."""
        if len(qubits) == 1:
            self.set(Factor([qubits[0]], np.array(amplitudes, dtype=complex)))
            return
        self.set(Factor(list(reversed(qubits)), np.array(amplitudes, dtype=complex)))

    def sample(self, qubits: Iterable[int], shots: int,
               rng: np.random.Generator) -> dict[int, np.ndarray]:
        """``shots`` joint samples of ``qubits`` (factors are independent): qubit -> bits."""
        wanted = sorted(set(qubits))
        out: dict[int, np.ndarray] = {}
        for f in self.factors(wanted):
            here = [a for a, q in enumerate(f.qubits) if q in set(wanted)]
            if len(f.qubits) == 1:
                p1 = min(1.0, abs(f.data[1]) ** 2 / f.norm2)
                out[f.qubits[0]] = (rng.random(shots) < p1).astype(np.uint8)
                continue
            probs = np.abs(f.data) ** 2
            m = len(f.qubits)
            others = tuple(a for a in range(m) if a not in set(here))
            if others:
                probs = probs.reshape((2,) * m).sum(axis=others).reshape(-1)
            draws = sample_indices(probs, shots, rng)
            for i, a in enumerate(here):
                out[f.qubits[a]] = ((draws >> (len(here) - 1 - i)) & 1).astype(np.uint8)
        return out

    @property
    def largest(self) -> int:
        return max(len(f.qubits) for f in self.owner) if self.owner else 0
