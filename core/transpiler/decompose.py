"""Exact synthesis of two-qubit unitaries: the KAK (Weyl) form and CX-optimal circuits.

Matrices follow the project convention: a two-qubit matrix acting on qubits ``(q0, q1)``
is ``kron(M_q1, M_q0)`` (q0 is the low bit of the index, as in Qiskit). Everything here is
pure numpy/scipy on matrices; nothing knows about circuits or devices, so the synthesis
can be checked against dense products in isolation.

* :func:`kak` writes any 4x4 unitary as ``phase * K1 . exp(i(a XX + b YY + c ZZ)) . K2``
  with local ``K1``/``K2`` and ``(a, b, c)`` in the Weyl chamber; :func:`synth_2q` then
  emits the minimal number of CX (0, 1, 2 or 3) with single-qubit unitaries around them.

The one-qubit half (:func:`euler_zyz`, :func:`synth_1q`, the bases) lives in
:mod:`.euler` and is re-exported here, so ``decompose`` remains the one import for all
exact synthesis.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np

from ..errors import TranspilerError
from .euler import (
    _CX,
    _H,
    _I2,
    _I4,
    _S,
    _SX,
    _X,
    _Y,
    _Z,
    ONE_QUBIT_BASES,
    _allclose,
    _rx,
    _ry,
    _rz,
    euler_zyz,
    is_identity_up_to_phase,
    kron2,
    one_qubit_basis,
    synth_1q,
)

__all__ = [
    "ONE_QUBIT_BASES", "euler_zyz", "synth_1q", "one_qubit_basis", "Kak", "kak",
    "num_cx", "synth_2q", "is_identity_up_to_phase", "kron2",
]

# Magic basis: local gates SU(2)xSU(2) become real SO(4), and exp(i(aXX+bYY+cZZ)) diagonal.
_B = np.array([[1, 1j, 0, 0], [0, 0, 1j, 1], [0, 0, 1j, -1], [1, -1j, 0, 0]],
              dtype=complex) / math.sqrt(2)
_BD = _B.conj().T
_XX, _YY, _ZZ = np.kron(_X, _X), np.kron(_Y, _Y), np.kron(_Z, _Z)
# theta_k (eigenphases in the magic basis) = phase + a dx_k + b dy_k + c dz_k.
_COEF = np.column_stack([np.ones(4)] + [np.real(np.diag(_BD @ p @ _B)) for p in (_XX, _YY, _ZZ)])


def _canonical(a: float, b: float, c: float) -> np.ndarray:
    """exp(i(a XX + b YY + c ZZ)), built from its (diagonal) magic-basis form."""
    return _B @ np.diag(np.exp(1j * (_COEF[:, 1:] @ (a, b, c)))) @ _BD


@dataclass(frozen=True)
class Kak:
    """``u = e^{i phase} (k1q1 (x) k1q0) . exp(i(a XX + b YY + c ZZ)) . (k2q1 (x) k2q0)``.

    ``pi/4 >= a >= b >= |c|`` (the Weyl chamber). ``k*q0`` act on the first qubit of the
    gate (the low index bit), ``k*q1`` on the second.
    """

    a: float
    b: float
    c: float
    k1q0: np.ndarray
    k1q1: np.ndarray
    k2q0: np.ndarray
    k2q1: np.ndarray
    phase: float

    def matrix(self) -> np.ndarray:
        k1 = kron2(self.k1q1, self.k1q0)
        k2 = kron2(self.k2q1, self.k2q0)
        return cmath.exp(1j * self.phase) * k1 @ _canonical(self.a, self.b, self.c) @ k2


def _split_local(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) with ``k = kron(A, B)``: the dominant term of the operator-Schmidt SVD."""
    r = k.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    uu, s, vh = np.linalg.svd(r)
    a = uu[:, 0].reshape(2, 2) * math.sqrt(s[0])
    b = vh[0].reshape(2, 2) * math.sqrt(s[0])
    # Make both factors unitary with det 1-ish scale, keeping the product exact.
    na = math.sqrt(abs(np.linalg.det(a)))
    return a / na, b * na


def _diagonalize_symmetric_unitary(m2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real orthogonal P (det +1) and unit-modulus d with ``m2 = P diag(d) P^T``.

    Re(m2) and Im(m2) are commuting real symmetric matrices; a generic real combination
    of them has their common eigenvectors. A fixed-seed generator keeps results
    reproducible; several draws guard against an unlucky degenerate combination.
    """
    rng = np.random.default_rng(20240607)
    for _ in range(100):
        x, y = rng.normal(size=2)
        _, p = np.linalg.eigh(x * m2.real + y * m2.imag)
        d = np.diag(p.T @ m2 @ p)
        if _allclose(p @ np.diag(d) @ p.T, m2, 1e-12):
            if np.linalg.det(p) < 0:
                p[:, -1] = -p[:, -1]
            return p, d
    raise TranspilerError("KAK decomposition failed: could not diagonalize the magic-basis "
                          "form of the two-qubit unitary (is the matrix unitary?)")


def kak(u: np.ndarray) -> Kak:
    """The KAK (Weyl) decomposition of a 4x4 unitary, with canonical chamber coordinates."""
    u = np.asarray(u, dtype=complex)
    if u.shape != (4, 4) or not _allclose(u.conj().T @ u, _I4, 1e-8):
        raise TranspilerError(f"expected a 4x4 unitary matrix, got shape {u.shape}"
                              + ("" if u.shape != (4, 4) else " that is not unitary"))
    det = np.linalg.det(u)
    su = u * det ** (-0.25)
    phase = cmath.phase(det) / 4
    up = _BD @ su @ _B
    p, d = _diagonalize_symmetric_unitary(up.T @ up)
    theta = np.angle(d) / 2
    k1m = up @ p @ np.diag(np.exp(-1j * theta))
    if np.linalg.det(k1m).real < 0:  # choose the other square root of one eigenvalue
        theta[0] += math.pi
        k1m[:, 0] = -k1m[:, 0]
    k1 = _B @ k1m.real @ _BD
    k2 = _B @ p.T @ _BD
    ph, a, b, c = np.linalg.solve(_COEF, theta)
    return _to_weyl_chamber(float(a), float(b), float(c), k1, k2, phase + float(ph))


# Local Clifford conjugations used to move (a, b, c) into the Weyl chamber. With
# C = kron(g, g): C exp(i(a XX + b YY + c ZZ)) C^dag permutes (a, b, c) as listed.
_SWAP_AB = np.kron(_S, _S)                       # X->Y, Y->-X: (a, b, c) -> (b, a, c)
_SWAP_AC = np.kron(_H, _H)                       # X<->Z:       (a, b, c) -> (c, b, a)
_SWAP_BC = np.kron(_rx(math.pi / 2), _rx(math.pi / 2))  # Y<->Z: (a, b, c) -> (a, c, b)
_SHIFT = (_XX, _YY, _ZZ)                         # exp(i pi/2 PP) = i PP
_FLIP = {(0, 2): np.kron(_I2, _Y), (1, 2): np.kron(_I2, _X), (0, 1): np.kron(_I2, _Z)}


def _to_weyl_chamber(a: float, b: float, c: float, k1: np.ndarray, k2: np.ndarray,
                     phase: float) -> Kak:
    coords = [a, b, c]
    # 1. Each coordinate into [-pi/4, pi/4]: N(..x..) = N(..x - pi/2..) . (i PP).
    for i in range(3):
        n = round(coords[i] / (math.pi / 2))
        if n:
            coords[i] -= n * math.pi / 2
            if n % 2:
                k2 = _SHIFT[i] @ k2
            phase += n * math.pi / 2
    # 2. Sort by magnitude, largest first: N(v) = C^dag N(perm v) C.
    swaps = {(0, 1): _SWAP_AB, (0, 2): _SWAP_AC, (1, 2): _SWAP_BC}
    for i, j in ((0, 1), (1, 2), (0, 1)):
        if abs(coords[i]) < abs(coords[j]) - 1e-15:
            g = swaps[(i, j)]
            k1 = k1 @ g.conj().T
            k2 = g @ k2
            coords[i], coords[j] = coords[j], coords[i]
    # 3. Signs: a, b >= 0 by flipping pairs, N(v) = F N(flipped v) F.
    for i in (0, 1):
        if coords[i] < 0:
            f = _FLIP[(i, 2)]
            k1 = k1 @ f
            k2 = f @ k2
            coords[i], coords[2] = -coords[i], -coords[2]
    k1q1, k1q0 = _split_local(k1)
    k2q1, k2q0 = _split_local(k2)
    return Kak(coords[0], coords[1], coords[2], k1q0, k1q1, k2q0, k2q1, phase)


def num_cx(k: Kak, atol: float = 1e-9) -> int:
    """How many CX the gate needs: 0 (local), 1 (CX-like), 2 (c == 0) or 3."""
    if abs(k.c) < atol:
        if abs(k.b) < atol:
            if abs(k.a) < atol:
                return 0
            if abs(k.a - math.pi / 4) < atol:
                return 1
        return 2
    return 3


# Templates realise exp(i(a XX + b YY + c ZZ)) with CX(0 -> 1) only, up to global phase.
# Each is a list in time order of ("cx",) or (qubit, 2x2 matrix). They were derived from
# CX X0 CX = X0 X1 and CX Z1 CX = Z0 Z1 (see the module tests for the numeric check).
_V = _rx(math.pi / 2)  # V Z V^dag = Y, V X V^dag = X


def _template(n: int, a: float, b: float, c: float) -> list:
    if n == 0:
        return []
    if n == 1:  # exp(i pi/4 XX) = H0 exp(i pi/4 Z0) exp(i pi/4 X1) CX H0
        return [(0, _H), ("cx",), (0, _H @ _rz(-math.pi / 2)), (1, _rx(-math.pi / 2))]
    if n == 2:  # V V CX [Rx0(-2a) Rz1(-2b)] CX V^dag V^dag
        vd = _V.conj().T
        return [(0, vd), (1, vd), ("cx",), (0, _rx(-2 * a)), (1, _rz(-2 * b)), ("cx",),
                (0, _V), (1, _V)]
    # Three CX (Vatan-Williams), with the reversed CX written as H.H CX H.H.
    return [(0, _rz(math.pi / 2)), (0, _H), (1, _H), ("cx",), (0, _H), (1, _H),
            (1, _ry(2 * b - math.pi / 2)), ("cx",),
            (0, _rz(math.pi / 2 - 2 * c)), (1, _ry(math.pi / 2 - 2 * a)),
            (0, _H), (1, _H), ("cx",), (0, _H), (1, _H), (1, _rz(-math.pi / 2))]


def _sx_efficient_template(a: float, b: float, c: float) -> list | None:
    """Three CX with cheap interior gates: rz on the target, ``sx``/``rz sx`` on the
    control (two sx in total instead of four for the Vatan-Williams form, as Qiskit's
    pulse-optimised decomposer). T(2a, 2b + pi/2, 2c) below has Weyl coordinates exactly
    (a, b, c); its own KAK factors then convert it into the target's. None if the
    coordinates do not match (a numerical edge of the chamber): the caller falls back."""
    inner = [(1, _rz(2 * a)), (0, _rz(2 * b + math.pi / 2) @ _SX), ("cx",), (1, _rz(2 * c)),
             (0, _SX)]
    t = _CX @ kron2(_rz(2 * c), _SX) @ _CX @ kron2(_rz(2 * a), _rz(2 * b + math.pi / 2)
                                                  @ _SX) @ _CX
    kt = kak(t)
    if max(abs(kt.a - a), abs(kt.b - b), abs(kt.c - c)) > 1e-10:
        return None
    # t = L N R, so N = L^dag t R^dag up to phase.
    return ([(0, kt.k2q0.conj().T), (1, kt.k2q1.conj().T), ("cx",)] + inner
            + [("cx",), (0, kt.k1q0.conj().T), (1, kt.k1q1.conj().T)])


def _ops_from_template(k: Kak, steps: list) -> list[tuple]:
    pending = [k.k2q0, k.k2q1]
    ops: list[tuple] = []
    for step in steps:
        if step[0] == "cx":
            ops += [("unitary", (q,), (pending[q],)) for q in (0, 1)]
            ops.append(("cx", (0, 1), ()))
            pending = [_I2, _I2]
        else:
            q, m = step
            pending[q] = m @ pending[q]
    final = [k.k1q0 @ pending[0], k.k1q1 @ pending[1]]
    return ops + [("unitary", (q,), (final[q],)) for q in (0, 1)]


def _ops_matrix(ops: list[tuple]) -> np.ndarray:
    u = np.eye(4, dtype=complex)
    for name, qs, params in ops:
        if name == "cx":
            u = _CX @ u
        else:
            u = (kron2(_I2, params[0]) if qs == (0,) else kron2(params[0], _I2)) @ u
    return u


def synth_2q(u: np.ndarray | Kak) -> tuple[list[tuple], int]:
    """CX circuit for a 4x4 unitary: ``([(name, qubits, params), ...], n_cx)`` in time order.

    Operations are ``("cx", (0, 1), ())`` and ``("unitary", (q,), (2x2 matrix,))`` on the
    gate's local qubits 0 and 1; consecutive single-qubit factors are already multiplied
    together, so a caller only needs to merge them with its neighbours. Exact up to
    global phase; the number of CX is the minimum (0-3) the gate's Weyl coordinates allow.
    """
    k = u if isinstance(u, Kak) else kak(u)
    n = num_cx(k)
    if n == 3:
        steps = _sx_efficient_template(k.a, k.b, k.c)
        if steps is not None:
            ops = _ops_from_template(k, steps)
            if _equal_up_to_phase(_ops_matrix(ops), k.matrix()):
                return ops, 3
    return _ops_from_template(k, _template(n, k.a, k.b, k.c)), n


def _equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
    overlap = np.vdot(a, b)
    if abs(overlap) < 1e-12:
        return False
    return _allclose(a * (overlap / abs(overlap)), b, atol)
