"""Exact decomposition of unitaries and state preparations into u, ry, rz and cx.

OpenQASM 2 has no way to state a matrix, so :func:`qfoundry.qasm2.dumps` writes a
``unitary`` or ``initialize`` instruction as a gate definition built here. The method is
the quantum Shannon decomposition (Shende, Bullock, Markov 2006) on top of scipy's
cosine-sine decomposition: simple, exact to rounding for any number of qubits, and about
4^n cx gates, which is fine for the few-qubit matrices people write by hand.

Conventions are Qiskit's: qubit k is bit k of the matrix index (qubit 0 least
significant); ``u(theta, phi, lam)`` is Qiskit's U gate; ``ry``/``rz`` are exp(-i t Y/2)
and exp(-i t Z/2). Every function returns the global phase the gates leave out, so that
``exp(1j * phase) * product(gates) == matrix``.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cossin, schur

__all__ = ["synthesize_unitary", "prepare_state", "Gate"]

Gate = tuple[str, tuple[float, ...], tuple[int, ...]]
"""(name, params, qubits): one gate of a decomposition, qubits local to the matrix."""


def synthesize_unitary(matrix: np.ndarray) -> tuple[list[Gate], float]:
    """Gates (in time order) and global phase that implement ``matrix`` exactly."""
    u = np.asarray(matrix, dtype=complex)
    n = u.shape[0].bit_length() - 1
    if u.shape != (1 << n, 1 << n) or n < 1:
        raise ValueError(f"expected a 2^n x 2^n matrix, got shape {u.shape}")
    gates: list[Gate] = []
    phase = _qsd(u, list(range(n)), gates)
    return gates, phase


def prepare_state(amplitudes: np.ndarray) -> tuple[list[Gate], float]:
    """Gates taking |0...0> to ``amplitudes`` (up to the returned global phase)."""
    psi = np.asarray(amplitudes, dtype=complex)
    psi = psi / np.linalg.norm(psi)
    # A Householder reflection maps e0 to psi up to a phase; any unitary with psi as its
    # first column prepares psi, and this one costs a single vector operation.
    phase = psi[0] / abs(psi[0]) if abs(psi[0]) > 1e-12 else 1.0
    w = psi * np.conj(phase)
    w[0] -= 1.0
    norm = np.linalg.norm(w)
    u = np.eye(len(psi), dtype=complex)
    if norm > 1e-12:
        w /= norm
        u -= 2.0 * np.outer(w, w.conj())
    return synthesize_unitary(u * phase)


def _qsd(u: np.ndarray, qubits: list[int], gates: list[Gate]) -> float:
    """Append gates for ``u`` on ``qubits`` (qubits[0] least significant); return phase."""
    if len(qubits) == 1:
        theta, phi, lam, phase = _zyz(u)
        gates.append(("u", (theta, phi, lam), (qubits[0],)))
        return phase
    half = u.shape[0] // 2
    # U = diag(L0, L1) . [[C, -S], [S, C]] . diag(R0, R1), blocks selected by the top qubit.
    (l0, l1), theta, (r0, r1) = cossin(u, p=half, q=half, separate=True)
    phase = _demultiplex(r0, r1, qubits, gates)
    _multiplexed_rotation("ry", 2 * theta, qubits[:-1], qubits[-1], gates)
    return phase + _demultiplex(l0, l1, qubits, gates)


def _demultiplex(a0: np.ndarray, a1: np.ndarray, qubits: list[int], gates: list[Gate]) -> float:
    """diag(a0, a1) = (I (x) V) . diag(D, D^+) . (I (x) W), where a0 a1^+ = V D^2 V^+."""
    t, v = schur(a0 @ a1.conj().T, output="complex")
    d = np.sqrt(np.diag(t))
    w = np.diag(d) @ v.conj().T @ a1
    phase = _qsd(w, qubits[:-1], gates)
    _multiplexed_rotation("rz", -2 * np.angle(d), qubits[:-1], qubits[-1], gates)
    return phase + _qsd(v, qubits[:-1], gates)


def _multiplexed_rotation(kind: str, angles: np.ndarray, controls: list[int], target: int,
                          gates: list[Gate]) -> None:
    """Rotation by angles[j] about ``kind``'s axis when the controls read j (little-endian).

    Split on the most significant control: R(a) CX R(b) CX gives R(a+b) when it is 0 and
    R(a-b) when it is 1, because X R(b) X = R(-b) for rotations about Y and Z.
    """
    if not controls:
        gates.append((kind, (float(angles[0]),), (target,)))
        return
    half = len(angles) // 2
    low, high = angles[:half], angles[half:]
    _multiplexed_rotation(kind, (low + high) / 2, controls[:-1], target, gates)
    gates.append(("cx", (), (controls[-1], target)))
    _multiplexed_rotation(kind, (low - high) / 2, controls[:-1], target, gates)
    gates.append(("cx", (), (controls[-1], target)))


def _zyz(u: np.ndarray) -> tuple[float, float, float, float]:
    """(theta, phi, lam, phase) with u = exp(i phase) U(theta, phi, lam)."""
    gamma = np.angle(np.linalg.det(u)) / 2
    v = u * np.exp(-1j * gamma)  # in SU(2): [[a, -b*], [b, a*]]
    a, b = v[0, 0], v[1, 0]
    theta = 2 * np.arctan2(abs(b), abs(a))
    phi = np.angle(b) - np.angle(a)
    lam = -np.angle(a) - np.angle(b)
    return float(theta), float(phi), float(lam), float(gamma - (phi + lam) / 2)
