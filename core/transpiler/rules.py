"""Standard decompositions of named gates into CX and single-qubit gates.

Each rule maps a gate's parameters to its body: ``[(name, positions, params), ...]`` in
time order, ``positions`` indexing the gate's own qubits. Bodies use ``cx``, single-qubit
gates, two-qubit ``unitary`` blocks and other ruled gates, and are exact up to global
phase (the tests compare every rule with the gate table's matrix). They follow
qelib1.inc / Qiskit's definitions, except where a cheaper exact form exists (``ch`` with
one CX instead of two). Two-qubit gates without a rule (``ecr``, ``xx_plus_yy``,
``unitary``...) go through the KAK synthesis instead, which is CX-optimal but less tidy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.linalg

__all__ = ["RULES", "ALIASES", "body_of", "multi_controlled", "Body"]

PI = math.pi
Body = list[tuple[str, tuple[int, ...], tuple]]

#: OpenQASM 2 / Qiskit spellings of the same gate (as in the gate table).
ALIASES = {"U": "u", "CX": "cx", "i": "id", "c3sqrtx": "c3sx", "rc3x": "rcccx",
           "mcx_gray": "mcx"}


def _g(name: str, *qubits: int, params: tuple = ()) -> tuple[str, tuple[int, ...], tuple]:
    return (name, qubits, params)


def _cp(lam: float) -> Body:
    # qelib1's rule with its last phase (on the target, which holds its own value again
    # before the first CX and after the second) moved to the front: the rule ends with a
    # CX, which a SWAP that follows on the pair cancels (basis._swap), 5 CX becoming 3.
    return [_g("p", 0, params=(lam / 2,)), _g("p", 1, params=(lam / 2,)), _g("cx", 0, 1),
            _g("p", 1, params=(-lam / 2,)), _g("cx", 0, 1)]


def _cu3(theta: float, phi: float, lam: float) -> Body:
    return [_g("p", 0, params=((lam + phi) / 2,)), _g("p", 1, params=((lam - phi) / 2,)),
            _g("cx", 0, 1), _g("u3", 1, params=(-theta / 2, 0.0, -(phi + lam) / 2)),
            _g("cx", 0, 1), _g("u3", 1, params=(theta / 2, phi, 0.0))]


def _pauli_pair(pre: tuple[str, tuple], post: tuple[str, tuple], theta: float) -> Body:
    """exp(-i theta/2 P P) as basis change, CX-RZ-CX, basis change back."""
    (pre_name, pre_p), (post_name, post_p) = pre, post
    return [_g(pre_name, 0, params=pre_p), _g(pre_name, 1, params=pre_p), _g("cx", 0, 1),
            _g("rz", 1, params=(theta,)), _g("cx", 0, 1),
            _g(post_name, 0, params=post_p), _g(post_name, 1, params=post_p)]


def _ccx() -> Body:
    return [_g("h", 2), _g("cx", 1, 2), _g("tdg", 2), _g("cx", 0, 2), _g("t", 2),
            _g("cx", 1, 2), _g("tdg", 2), _g("cx", 0, 2), _g("t", 1), _g("t", 2), _g("h", 2),
            _g("cx", 0, 1), _g("t", 0), _g("tdg", 1), _g("cx", 0, 1)]


def _rccx() -> Body:
    h, t, tdg = _g("u2", 2, params=(0.0, PI)), _g("u1", 2, params=(PI / 4,)), \
        _g("u1", 2, params=(-PI / 4,))
    return [h, t, _g("cx", 1, 2), tdg, _g("cx", 0, 2), t, _g("cx", 1, 2), tdg, h]


def _rcccx() -> Body:
    h, t, tdg = _g("u2", 3, params=(0.0, PI)), _g("u1", 3, params=(PI / 4,)), \
        _g("u1", 3, params=(-PI / 4,))
    return [h, t, _g("cx", 2, 3), tdg, h, _g("cx", 0, 3), t, _g("cx", 1, 3), tdg,
            _g("cx", 0, 3), t, _g("cx", 1, 3), tdg, h, t, _g("cx", 2, 3), tdg, h]


def _c3x() -> Body:
    """qelib1's c3x: 14 CX, with phases of +-pi/8 between them."""
    body: Body = [_g("h", 3)] + [_g("p", q, params=(PI / 8,)) for q in range(4)]
    pattern = [((0, 1), -1), ((0, 1), None), ((1, 2), -1), ((0, 2), 1), ((1, 2), -1),
               ((0, 2), None), ((2, 3), -1), ((1, 3), 1), ((2, 3), -1), ((0, 3), 1),
               ((2, 3), -1), ((1, 3), 1), ((2, 3), -1), ((0, 3), None)]
    for (c, t), sign in pattern:
        body.append(_g("cx", c, t))
        if sign is not None:
            body.append(_g("p", t, params=(sign * PI / 8,)))
    body.append(_g("h", 3))
    return body


def _c3sx() -> Body:
    """qelib1's c3sqrtx: controlled phases of +-pi/8 conjugated by H on the target."""
    body: Body = []

    def hcp(lam: float, c: int) -> None:
        body.extend([_g("h", 3), _g("cp", c, 3, params=(lam,)), _g("h", 3)])

    hcp(PI / 8, 0)
    for (c, t), (lam, ctrl) in zip(
            [(0, 1), (0, 1), (1, 2), (0, 2), (1, 2), (0, 2)],
            [(-PI / 8, 1), (PI / 8, 1), (-PI / 8, 2), (PI / 8, 2), (-PI / 8, 2), (PI / 8, 2)]):
        body.append(_g("cx", c, t))
        hcp(lam, ctrl)
    return body


def _c4x() -> Body:
    return [_g("h", 4), _g("cp", 3, 4, params=(PI / 2,)), _g("h", 4), _g("c3x", 0, 1, 2, 3),
            _g("h", 4), _g("cp", 3, 4, params=(-PI / 2,)), _g("h", 4), _g("c3x", 0, 1, 2, 3),
            _g("c3sx", 0, 1, 2, 4)]


def _controlled_1q(u: np.ndarray) -> np.ndarray:
    out = np.eye(4, dtype=complex)
    out[np.ix_([1, 3], [1, 3])] = u
    return out


def _sqrt_unitary(u: np.ndarray) -> np.ndarray:
    t, z = scipy.linalg.schur(u, output="complex")  # u normal: t is diagonal
    return z @ np.diag(np.sqrt(np.diag(t))) @ z.conj().T


_X = np.array([[0, 1], [1, 0]], dtype=complex)


def multi_controlled(u: np.ndarray, n_controls: int) -> Body:
    """``u`` on position ``n_controls`` controlled by positions ``0..n_controls-1``.

    Barenco et al. (1995), lemma 7.5: C^n(U) = C(V)[c_n,t] C^{n-1}X[..,c_n] C(V^dag)[c_n,t]
    C^{n-1}X[..,c_n] C^{n-1}(V)[..,t] with V^2 = U. The cost grows quickly with n; it is
    used for ``mcx`` with more than four controls, which textbook circuits rarely need.
    """
    t = n_controls
    if n_controls == 0:
        return [("unitary", (0,), (u,))]
    if n_controls == 1:
        return [("unitary", (0, 1), (_controlled_1q(u),))]
    v = _sqrt_unitary(u)
    last = n_controls - 1
    inner = list(range(last))
    flip = _mcx_body(inner, last)
    body: Body = [("unitary", (last, t), (_controlled_1q(v),))]
    body += flip
    body.append(("unitary", (last, t), (_controlled_1q(v.conj().T),)))
    body += flip
    outer = [*inner, t]
    body += [(n, tuple(outer[p] for p in qs), ps) for n, qs, ps in multi_controlled(v, last)]
    return body


def _mcx_body(controls: list[int], target: int) -> Body:
    """C^k X on the given positions: named gates up to four controls, else recursion."""
    k = len(controls)
    named = {0: "x", 1: "cx", 2: "ccx", 3: "c3x", 4: "c4x"}
    if k in named:
        return [(named[k], (*controls, target), ())]
    qubits = [*controls, target]
    return [(n, tuple(qubits[p] for p in qs), ps) for n, qs, ps in multi_controlled(_X, k)]


#: name -> body builder taking the gate's parameters (and, for ``mcx``, no parameters: the
#: caller passes the number of qubits through :func:`body_of`).
RULES: dict[str, Callable[..., Body]] = {
    "cz": lambda: [_g("h", 1), _g("cx", 0, 1), _g("h", 1)],
    "cy": lambda: [_g("sdg", 1), _g("cx", 0, 1), _g("s", 1)],
    # CH = Ry(pi/4) CZ Ry(-pi/4) on the target: one CX, where qelib1 uses two.
    "ch": lambda: [_g("ry", 1, params=(-PI / 4,)), _g("h", 1), _g("cx", 0, 1), _g("h", 1),
                   _g("ry", 1, params=(PI / 4,))],
    "cs": lambda: _cp(PI / 2),
    "csdg": lambda: _cp(-PI / 2),
    "csx": lambda: [_g("h", 1), *_cp(PI / 2), _g("h", 1)],
    "swap": lambda: [_g("cx", 0, 1), _g("cx", 1, 0), _g("cx", 0, 1)],
    "iswap": lambda: [_g("s", 0), _g("s", 1), _g("h", 0), _g("cx", 0, 1), _g("cx", 1, 0),
                      _g("h", 1)],
    "dcx": lambda: [_g("cx", 0, 1), _g("cx", 1, 0)],
    "crx": lambda lam: [_g("p", 1, params=(PI / 2,)), _g("cx", 0, 1),
                        _g("u3", 1, params=(-lam / 2, 0.0, 0.0)), _g("cx", 0, 1),
                        _g("u3", 1, params=(lam / 2, -PI / 2, 0.0))],
    "cry": lambda lam: [_g("ry", 1, params=(lam / 2,)), _g("cx", 0, 1),
                        _g("ry", 1, params=(-lam / 2,)), _g("cx", 0, 1)],
    "crz": lambda lam: [_g("rz", 1, params=(lam / 2,)), _g("cx", 0, 1),
                        _g("rz", 1, params=(-lam / 2,)), _g("cx", 0, 1)],
    "cp": _cp,
    "cu1": _cp,
    "cu3": _cu3,
    "cu": lambda theta, phi, lam, gamma: [_g("p", 0, params=(gamma,)), *_cu3(theta, phi, lam)],
    "rxx": lambda t: _pauli_pair(("h", ()), ("h", ()), t),
    "ryy": lambda t: _pauli_pair(("rx", (PI / 2,)), ("rx", (-PI / 2,)), t),
    "rzz": lambda t: [_g("cx", 0, 1), _g("rz", 1, params=(t,)), _g("cx", 0, 1)],
    # Z on qubits[0], X on qubits[1]: CX-RZ-CX with the target in the X basis.
    "rzx": lambda t: [_g("h", 1), _g("cx", 0, 1), _g("rz", 1, params=(t,)), _g("cx", 0, 1),
                      _g("h", 1)],
    "ccx": _ccx,
    "ccz": lambda: [_g("h", 2), *_ccx(), _g("h", 2)],
    "cswap": lambda: [_g("cx", 2, 1), _g("ccx", 0, 1, 2), _g("cx", 2, 1)],
    "rccx": _rccx,
    "rcccx": _rcccx,
    "c3x": _c3x,
    "c3sx": _c3sx,
    "c4x": _c4x,
}
for _alias, _name in ALIASES.items():
    if _name in RULES:
        RULES[_alias] = RULES[_name]


def body_of(name: str, params: tuple, n_qubits: int) -> Body | None:
    """The rule body of gate ``name``, or None when it has no rule."""
    if name in ("mcx", "mcx_gray"):
        return _mcx_body(list(range(n_qubits - 1)), n_qubits - 1)
    rule = RULES.get(name)
    return None if rule is None else rule(*params)
