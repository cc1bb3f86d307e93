"""Quantum channels as superoperators, and the standard noise channels.

Conventions (Qiskit's, so channels compare entry by entry with ``qiskit.quantum_info``):
``vec(rho)`` stacks columns, so ``rho[i, j]`` sits at ``i + d*j``; the superoperator of
Kraus operators ``K`` is ``sum conj(K) (x) K``; qubit 0 is the least significant bit.

The engine uses a second layout, "sites": qubit k of rho is one axis of dimension 4 whose
index is ``r + 2*c`` (r, c: the qubit's row and column bits), so a k-qubit channel is a
``(4,)*2k`` tensor (outputs then inputs, most significant qubit first) applied like a gate.
:func:`superop_to_sites` and :func:`sites_to_superop` convert between the two.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.linalg

from qfoundry.errors import NoiseError

__all__ = [
    "QuantumChannel", "check_cptp", "superop_to_sites", "sites_to_superop",
    "depolarizing", "amplitude_damping", "phase_damping", "thermal_relaxation", "pauli", "kraus",
]

ATOL = 1e-8  # CPTP tolerance for user-supplied channels (Qiskit's default atol)
_PAULI = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


# -- representations -------------------------------------------------------------------------
def _superop_to_choi(superop: np.ndarray) -> np.ndarray:
    """Choi matrix sum_ij |i><j| (x) E(|i><j|): C[i*d + a, j*d + b] = S[a + d*b, i + d*j]."""
    d = math.isqrt(superop.shape[0])
    return superop.reshape(d, d, d, d).transpose(3, 1, 2, 0).reshape(d * d, d * d)


_choi_to_superop = _superop_to_choi  # the reshuffle is an involution


def _kraus_to_superop(ops: Sequence[np.ndarray]) -> np.ndarray:
    return sum(np.kron(k.conj(), k) for k in ops)


def superop_to_sites(superop: np.ndarray, k: int) -> np.ndarray:
    """A k-qubit superoperator as a ``(4,)*2k`` tensor on sites (see module docstring)."""
    perm = [base + pos for base in (0, 2 * k) for m in range(k - 1, -1, -1)
            for pos in (k - 1 - m, 2 * k - 1 - m)]
    return superop.reshape((2,) * 4 * k).transpose(perm).reshape((4,) * 2 * k)


def sites_to_superop(sites: np.ndarray, k: int) -> np.ndarray:
    """Inverse of :func:`superop_to_sites`."""
    perm = [base + pos for base in (0, 2 * k) for m in range(k - 1, -1, -1)
            for pos in (k - 1 - m, 2 * k - 1 - m)]
    return sites.reshape((2,) * 4 * k).transpose(np.argsort(perm)).reshape(4 ** k, 4 ** k)


def check_cptp(superop: np.ndarray, *, atol: float = ATOL, what: str = "channel") -> None:
    """Raise NoiseError unless ``superop`` is completely positive and trace preserving.

    CP: the Choi matrix is Hermitian with no eigenvalue below ``-atol`` (scipy eigvalsh).
    TP: tracing the Choi matrix over the output gives the identity within ``atol``.
    """
    superop = np.asarray(superop, dtype=complex)
    choi = _superop_to_choi(superop)
    if not np.allclose(choi, choi.conj().T, atol=atol):
        raise NoiseError(f"{what} is not completely positive: its Choi matrix is not Hermitian")
    low = float(scipy.linalg.eigvalsh(choi)[0])
    if low < -atol:
        raise NoiseError(f"{what} is not completely positive: its Choi matrix has eigenvalue "
                         f"{low:.3g} < 0")
    d = math.isqrt(superop.shape[0])
    out_trace = np.einsum("iaja->ij", choi.reshape(d, d, d, d))
    dev = float(np.abs(out_trace - np.eye(d)).max())
    if dev > atol:
        raise NoiseError(f"{what} is not trace preserving: sum K^dagger K differs from the "
                         f"identity by {dev:.3g}")


class QuantumChannel:
    """An immutable CPTP map on ``num_qubits`` qubits.

    Build one with the constructors of :mod:`qfoundry.noise` (``depolarizing``,
    ``thermal_relaxation``, ``kraus``...) or :meth:`from_kraus`, :meth:`from_superop`,
    :meth:`from_choi`, :meth:`from_unitary`; user-supplied matrices are checked CPTP.
    ``kind`` and ``params`` record how it was made, for inspection.
    """

    __slots__ = ("_superop", "_kraus", "num_qubits", "kind", "params")

    def __init__(self, superop: Any, *, kind: str = "superop",
                 params: Mapping[str, Any] | None = None, check: bool = True,
                 _kraus: Sequence[np.ndarray] | None = None):
        s = np.array(superop, dtype=complex)
        n = _num_qubits(s.shape[0] if s.ndim == 2 else 0, squared=True)
        if s.ndim != 2 or s.shape[0] != s.shape[1] or n is None:
            raise NoiseError(f"a superoperator is a 4^n x 4^n matrix, got shape {s.shape}")
        if check:
            check_cptp(s, what=f"{kind} channel")
        s.setflags(write=False)
        self._superop = s
        self._kraus = None if _kraus is None else tuple(_kraus)
        self.num_qubits = n
        self.kind = kind
        self.params = dict(params or {})

    @classmethod
    def from_kraus(cls, operators: Iterable[Any], *, kind: str = "kraus",
                   params: Mapping[str, Any] | None = None, check: bool = True) -> QuantumChannel:
        ops = [np.array(k, dtype=complex) for k in operators]
        if not ops:
            raise NoiseError("a Kraus channel needs at least one operator")
        d = ops[0].shape[0] if ops[0].ndim == 2 else 0
        if _num_qubits(d) is None or any(k.shape != (d, d) for k in ops):
            raise NoiseError(f"Kraus operators must all be 2^n x 2^n, got shapes "
                             f"{[k.shape for k in ops]}")
        return cls(_kraus_to_superop(ops), kind=kind, params=params, check=check, _kraus=ops)

    @classmethod
    def from_superop(cls, superop: Any) -> QuantumChannel:
        return cls(superop)

    @classmethod
    def from_choi(cls, choi: Any) -> QuantumChannel:
        c = np.asarray(choi, dtype=complex)
        if c.ndim != 2 or c.shape[0] != c.shape[1] or _num_qubits(c.shape[0], True) is None:
            raise NoiseError(f"a Choi matrix is 4^n x 4^n, got shape {c.shape}")
        return cls(_choi_to_superop(c), kind="choi")

    @classmethod
    def from_unitary(cls, unitary: Any) -> QuantumChannel:
        u = np.asarray(unitary, dtype=complex)
        return cls.from_kraus([u], kind="unitary")

    # -- views ---------------------------------------------------------------------------
    @property
    def superop(self) -> np.ndarray:
        """The (read-only) superoperator, Qiskit column-stacking convention."""
        return self._superop

    @property
    def choi(self) -> np.ndarray:
        return _superop_to_choi(self._superop)

    @property
    def kraus(self) -> tuple[np.ndarray, ...]:
        """Kraus operators: as given, else the canonical set from the Choi eigenvectors."""
        if self._kraus is None:
            vals, vecs = scipy.linalg.eigh(self.choi)
            d = 2 ** self.num_qubits
            keep = vals > 1e-14 * max(1.0, float(vals[-1]))
            self._kraus = tuple(math.sqrt(v) * vecs[:, i].reshape(d, d).T
                                for i, v in zip(np.flatnonzero(keep), vals[keep]))
        return self._kraus

    # -- algebra ---------------------------------------------------------------------------
    def compose(self, other: QuantumChannel) -> QuantumChannel:
        """This channel, then ``other`` (Qiskit's ``compose`` order)."""
        if other.num_qubits != self.num_qubits:
            raise NoiseError(f"cannot compose a {self.num_qubits}-qubit channel with a "
                             f"{other.num_qubits}-qubit one")
        return QuantumChannel(other._superop @ self._superop, kind="composite", check=False,
                              params={"channels": [self, other]})

    def tensor(self, other: QuantumChannel) -> QuantumChannel:
        """``self (x) other``: ``other`` acts on the low qubits, ``self`` above them."""
        ka, kb = self.num_qubits, other.num_qubits
        outer = np.multiply.outer(superop_to_sites(self._superop, ka),
                                  superop_to_sites(other._superop, kb))
        perm = [*range(ka), *range(2 * ka, 2 * ka + kb), *range(ka, 2 * ka),
                *range(2 * ka + kb, 2 * ka + 2 * kb)]
        return QuantumChannel(sites_to_superop(outer.transpose(perm), ka + kb), kind="tensor",
                              check=False, params={"channels": [self, other]})

    def expand(self, other: QuantumChannel) -> QuantumChannel:
        """``other (x) self``: ``other`` acts on new qubits above this channel's."""
        return other.tensor(self)

    def apply(self, rho: Any) -> np.ndarray:
        """The image of a density matrix (a 2^n x 2^n array)."""
        rho = np.asarray(rho, dtype=complex)
        d = 2 ** self.num_qubits
        if rho.shape != (d, d):
            raise NoiseError(f"expected a {d}x{d} density matrix, got shape {rho.shape}")
        return (self._superop @ rho.reshape(-1, order="F")).reshape(d, d, order="F")

    def process_fidelity(self) -> float:
        """Fidelity with the identity channel, Tr(S)/d^2."""
        return float(np.trace(self._superop).real) / 4 ** self.num_qubits

    def average_gate_fidelity(self) -> float:
        """(d*F_pro + 1)/(d + 1): 1 - this is the gate error a calibration reports."""
        d = 2 ** self.num_qubits
        return (d * self.process_fidelity() + 1) / (d + 1)

    def describe(self) -> str:
        """How the channel was built, e.g. ``depolarizing(param=0.0098) then
        thermal_relaxation(...) (x) thermal_relaxation(...)``."""
        parts = self.params.get("channels")
        if parts and self.kind in ("composite", "tensor"):
            joiner = " then " if self.kind == "composite" else " (x) "
            inner = [p.describe() for p in parts]
            if self.kind == "composite":
                inner = [f"[{t}]" if " (x) " in t or " then " in t else t for t in inner]
            return joiner.join(inner)
        shown = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v!r}"
                          for k, v in self.params.items())
        return f"{self.kind}({shown})"

    def __repr__(self) -> str:
        return f"<QuantumChannel on {self.num_qubits} qubit(s): {self.describe()}>"


def _num_qubits(dim: int, squared: bool = False) -> int | None:
    """n with dim = 2^n (or 4^n when ``squared``), else None."""
    if dim < 1 or dim & (dim - 1):
        return None
    bits = dim.bit_length() - 1
    if squared:
        return bits // 2 if bits % 2 == 0 else None
    return bits


# -- standard channels (parameters as in Qiskit Aer's standard_errors) -----------------------
def _probability(value: Any, name: str, upper: float = 1.0) -> float:
    try:
        p = float(value)
    except (TypeError, ValueError):
        p = math.nan
    if not (0.0 <= p <= upper + 1e-12):
        raise NoiseError(f"{name}={value!r} is invalid: must be between 0 and {upper:g}")
    return min(p, upper)


def depolarizing(param: float, num_qubits: int = 1) -> QuantumChannel:
    """rho -> (1 - p) rho + p Tr(rho) I/d, with 0 <= p <= 4^n/(4^n - 1) (Aer's parameter)."""
    if int(num_qubits) < 1:
        raise NoiseError(f"num_qubits={num_qubits!r} must be >= 1")
    n = int(num_qubits)
    p = _probability(param, "depolarizing parameter", 4 ** n / (4 ** n - 1))
    d = 2 ** n
    vec_i = np.eye(d).reshape(-1)
    superop = (1 - p) * np.eye(d * d) + (p / d) * np.outer(vec_i, vec_i)
    return QuantumChannel(superop, kind="depolarizing", check=False,
                          params={"param": p, "num_qubits": n})


def amplitude_damping(gamma: float, excited_population: float = 0.0) -> QuantumChannel:
    """Energy loss |1> -> |0> with probability gamma (towards the thermal state when
    ``excited_population`` > 0: generalized amplitude damping)."""
    g = _probability(gamma, "gamma")
    p1 = _probability(excited_population, "excited_population")
    a, b = math.sqrt(1 - p1), math.sqrt(p1)
    ops = [a * np.array([[1, 0], [0, math.sqrt(1 - g)]]), a * np.array([[0, math.sqrt(g)], [0, 0]]),
           b * np.array([[math.sqrt(1 - g), 0], [0, 1]]), b * np.array([[0, 0], [math.sqrt(g), 0]])]
    return QuantumChannel.from_kraus([k for k in ops if np.any(k)], kind="amplitude_damping",
                                     check=False,
                                     params={"gamma": g, "excited_population": p1})


def phase_damping(gamma: float) -> QuantumChannel:
    """Loss of coherence without energy loss: off-diagonals shrink by sqrt(1 - gamma)."""
    g = _probability(gamma, "gamma")
    ops = [np.array([[1, 0], [0, math.sqrt(1 - g)]]), np.array([[0, 0], [0, math.sqrt(g)]])]
    return QuantumChannel.from_kraus(ops, kind="phase_damping", check=False,
                                     params={"gamma": g})


def thermal_relaxation(t1: float, t2: float, time: float,
                       excited_population: float = 0.0) -> QuantumChannel:
    """T1/T2 relaxation for ``time`` (same unit as T1, T2; infinity allowed), T2 <= 2*T1.

    With p_r = 1 - exp(-time/T1), c = exp(-time/T2), p1 the excited population:
    rho00 -> (1 - p1 p_r) rho00 + p0 p_r rho11, rho01 -> c rho01 (docs/noise.md).
    """
    t1, t2, time = float(t1), float(t2), float(time)
    if not (t1 > 0 and t2 > 0):
        raise NoiseError(f"T1={t1:g} and T2={t2:g} must be > 0")
    if t2 > 2 * t1 * (1 + 1e-12):
        raise NoiseError(f"T2={t2:g} is greater than 2*T1={2 * t1:g}: no physical channel")
    if not (time >= 0 and math.isfinite(time)):
        raise NoiseError(f"time={time!r} must be a finite number >= 0")
    p1 = _probability(excited_population, "excited_population")
    p_r = 0.0 if math.isinf(t1) else -math.expm1(-time / t1)
    c = 1.0 if math.isinf(t2) else math.exp(-time / t2)
    superop = np.array([[1 - p1 * p_r, 0, 0, (1 - p1) * p_r],
                        [0, c, 0, 0],
                        [0, 0, c, 0],
                        [p1 * p_r, 0, 0, 1 - (1 - p1) * p_r]], dtype=complex)
    return QuantumChannel(superop, kind="thermal_relaxation", check=False,
                          params={"t1": t1, "t2": t2, "time": time, "excited_population": p1})


def pauli(terms: Mapping[str, float] | Iterable[tuple[str, float]]) -> QuantumChannel:
    """A Pauli mixture, e.g. ``pauli({"X": 0.1, "I": 0.9})`` or ``pauli([("XI", .2), ("II",
    .8)])``. Labels are big-endian as in Qiskit: the last letter acts on qubit 0."""
    items = list(terms.items() if isinstance(terms, Mapping) else terms)
    if not items:
        raise NoiseError("a Pauli channel needs at least one (label, probability) term")
    n = len(items[0][0])
    superop = np.zeros((4 ** n, 4 ** n), dtype=complex)
    total = 0.0
    for label, prob in items:
        if len(label) != n or any(ch not in _PAULI for ch in label.upper()):
            raise NoiseError(f"Pauli label {label!r} is invalid: use {n} letters from I, X, Y, Z")
        p = _probability(prob, f"probability of {label!r}")
        total += p
        op = np.array([[1.0 + 0j]])
        for ch in label.upper():
            op = np.kron(op, _PAULI[ch])
        superop += p * np.kron(op.conj(), op)
    if abs(total - 1) > 1e-9:
        raise NoiseError(f"Pauli probabilities must sum to 1, got {total:.12g}")
    return QuantumChannel(superop, kind="pauli", check=False, params={"terms": dict(items)})


def kraus(operators: Iterable[Any]) -> QuantumChannel:
    """Any channel from its Kraus operators, checked completely positive and trace preserving."""
    return QuantumChannel.from_kraus(operators)
