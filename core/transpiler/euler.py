"""Exact synthesis of one-qubit unitaries: Euler angles and the single-qubit bases.

Matrices follow the project convention (qubit 0 is the low index bit, as in Qiskit). Pure
numpy on 2x2 matrices; nothing knows about circuits or devices. The small matrix helpers
here (``kron2``, the rotation matrices, angle wrapping) are shared with the two-qubit KAK
synthesis in :mod:`.decompose`, which builds on these Euler angles.

* :func:`euler_zyz` and :func:`synth_1q` write any 2x2 unitary as ``rz-sx-rz-sx-rz`` (or
  fewer gates when an angle vanishes), or in the u1/u2/u3, u, p+sx and rz+ry bases.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

from ..errors import TranspilerError
from ..gates import gate_matrix

__all__ = [
    "ATOL", "ONE_QUBIT_BASES", "euler_zyz", "synth_1q", "one_qubit_basis",
    "is_identity_up_to_phase", "kron2",
]

#: Tolerance below which an angle is treated as zero (a dropped rotation changes the
#: unitary by about this much, far below any device's gate error).
ATOL = 1e-10

# Gate matrices come from the project's gate table (one home for every matrix).
_I2 = np.eye(2, dtype=complex)
_I4 = np.eye(4, dtype=complex)
_X, _Y, _Z, _H, _S, _SX, _CX = (gate_matrix(g) for g in ("x", "y", "z", "h", "s", "sx", "cx"))


def kron2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.kron`` of two 2x2 matrices, exactly, without its generic-shape overhead (the
    two-qubit synthesis builds thousands of these per circuit)."""
    return (a[:, None, :, None] * b[None, :, None, :]).reshape(4, 4)


def _rz(t: float) -> np.ndarray:
    return gate_matrix("rz", (t,))


def _ry(t: float) -> np.ndarray:
    return gate_matrix("ry", (t,))


def _rx(t: float) -> np.ndarray:
    return gate_matrix("rx", (t,))


def _wrap(angle: float) -> float:
    """Angle in (-pi, pi]: rz(t) and rz(t + 2pi) differ only by a global phase."""
    a = math.remainder(angle, 2 * math.pi)
    return math.pi if a <= -math.pi + ATOL else a


def _zero(angle: float) -> bool:
    return abs(_wrap(angle)) < ATOL


def _allclose(a: np.ndarray, b: np.ndarray, atol: float) -> bool:
    """``np.allclose(a, b, atol=atol)`` for finite arrays, minus its generic overhead."""
    return bool((np.abs(a - b) <= atol + 1e-5 * np.abs(b)).all())


def is_identity_up_to_phase(m: np.ndarray, atol: float = 1e-9) -> bool:
    """True when ``m`` is a multiple of the identity (a gate that does nothing)."""
    d = m.shape[0]
    return bool(abs(abs(np.trace(m)) - d) < atol * d and np.allclose(m, m[0, 0] * np.eye(d),
                                                                     atol=atol))


# ---------------------------------------------------------------------------------------
# One qubit
# ---------------------------------------------------------------------------------------

def euler_zyz(u: np.ndarray | tuple[complex, complex, complex, complex]
              ) -> tuple[float, float, float, float]:
    """Angles ``(theta, phi, lam, phase)`` with ``u = e^{i phase} Rz(phi) Ry(theta) Rz(lam)``.

    ``theta`` is in ``[0, pi]``. Equivalently ``u = e^{i(phase - (phi+lam)/2)} U3(theta, phi,
    lam)``. ``u`` is a 2x2 matrix or its entries ``(u00, u01, u10, u11)`` as Python complex
    numbers (the single-qubit optimiser multiplies those: cheaper than numpy at 2x2).
    """
    if not isinstance(u, tuple):
        u = tuple(np.asarray(u, dtype=complex).ravel().tolist())
    u00, u01, u10, u11 = u
    det = u00 * u11 - u01 * u10
    coeff = 1 / cmath.sqrt(det)
    phase = -cmath.phase(coeff)
    s10 = coeff * u10
    theta = 2 * math.atan2(abs(s10), abs(coeff * u00))
    ang1 = cmath.phase(coeff * u11)
    ang2 = cmath.phase(s10)
    return theta, ang1 + ang2, ang1 - ang2, phase


# Name -> (rotation gates, pulse gates): which single-qubit basis a gate set provides.
ONE_QUBIT_BASES: dict[str, frozenset[str]] = {
    "ZSX": frozenset({"rz", "sx"}),
    "PSX": frozenset({"p", "sx"}),
    "U321": frozenset({"u1", "u2", "u3"}),
    "U3": frozenset({"u3"}),
    "U": frozenset({"u"}),
    "ZYZ": frozenset({"rz", "ry"}),
}


def one_qubit_basis(basis_gates: frozenset[str] | set[str]) -> str:
    """The cheapest single-qubit synthesis the gate set supports (ZSX preferred: rz is free)."""
    for name, needed in ONE_QUBIT_BASES.items():
        if needed <= basis_gates:
            return name
    raise TranspilerError(
        f"basis {sorted(basis_gates)} cannot express arbitrary single-qubit gates; it needs "
        "one of: " + "; ".join("+".join(sorted(v)) for v in ONE_QUBIT_BASES.values()))


def synth_1q(u: np.ndarray | tuple[complex, complex, complex, complex], basis: str = "ZSX",
             *, use_x: bool = True) -> list[tuple[str, tuple[float, ...]]]:
    """Gates ``[(name, params), ...]`` in time order implementing ``u`` up to global phase.

    ``ZSX``/``PSX`` give at most ``rz sx rz sx rz`` (one sx when theta = pi/2, none when the
    gate is diagonal, an ``x`` when theta = pi and ``use_x``); zero rotations are dropped,
    so an identity gives ``[]``.
    """
    theta, phi, lam, _ = euler_zyz(u)
    if basis in ("ZSX", "PSX"):
        z = "rz" if basis == "ZSX" else "p"
        out: list[tuple[str, tuple[float, ...]]] = []

        def rot(angle: float) -> None:
            if not _zero(angle):
                out.append((z, (_wrap(angle),)))

        if abs(theta) < ATOL:
            rot(phi + lam)
        elif abs(theta - math.pi / 2) < ATOL:
            rot(lam - math.pi / 2)
            out.append(("sx", ()))
            rot(phi + math.pi / 2)
        elif use_x and abs(theta - math.pi) < ATOL:
            # Rz(phi) Ry(pi) Rz(lam) = Rz(phi - lam - pi) X up to phase.
            out.append(("x", ()))
            rot(phi - lam - math.pi)
        else:
            rot(lam)
            out.append(("sx", ()))
            rot(theta + math.pi)
            out.append(("sx", ()))
            rot(phi + math.pi)
        return out
    if basis == "ZYZ":
        if abs(theta) < ATOL:
            return [] if _zero(phi + lam) else [("rz", (_wrap(phi + lam),))]
        seq = [("rz", (_wrap(lam),)), ("ry", (theta,)), ("rz", (_wrap(phi),))]
        return [g for g in seq if g[0] == "ry" or not _zero(g[1][0])]
    if basis == "U321":
        if abs(theta) < ATOL:
            return [] if _zero(phi + lam) else [("u1", (_wrap(phi + lam),))]
        if abs(theta - math.pi / 2) < ATOL:
            return [("u2", (_wrap(phi), _wrap(lam)))]
        return [("u3", (theta, _wrap(phi), _wrap(lam)))]
    if basis in ("U3", "U"):
        if abs(theta) < ATOL and _zero(phi + lam):
            return []
        return [(basis.lower(), (theta, _wrap(phi), _wrap(lam)))]
    raise TranspilerError(f"unknown single-qubit basis {basis!r}")
