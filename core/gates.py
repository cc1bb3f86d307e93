"""The gate table: every named gate a QasmQobj (or ``qelib1.inc``) can carry, by name.

This is the project's single source of truth for gate names, arities, parameter counts
and matrices; the OpenQASM 2 front end, the transpiler and every engine read it. It
depends on numpy only, so importing it is cheap.

Conventions are Qiskit's (``qiskit.quantum_info.Operator``): in a gate's matrix,
``qubits[0]`` is the least significant bit of the row/column index. For controlled gates
the controls come first in ``qubits`` (so they are the low bits) and the targets last;
``cx`` is ``[[1,0,0,0],[0,0,0,1],[0,0,1,0],[0,1,0,0]]``. Matrices equal Qiskit's gate
classes exactly, global phase included (``rz(t)`` is ``diag(e^{-it/2}, e^{it/2})``, not
qelib1's ``u1``); OpenQASM 2 names Qiskit spells differently (``c3sqrtx``, ``rc3x``,
``c3x``, ``c4x``, ``cu1``, ``U``, ``CX``) are aliases of the same matrices.

``kind`` tells an engine how it may apply the gate cheaply: ``"diagonal"`` (a phase per
basis state: one multiply), ``"permutation"`` (a 0/1 permutation matrix: moves amplitudes,
no arithmetic) or ``"general"``.

    >>> GATES["crz"].num_qubits, GATES["crz"].num_params, GATES["crz"].kind
    (2, 1, 'diagonal')
    >>> gate_matrix("cx")[3, 1]
    (1+0j)
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = ["GATES", "GateSpec", "Kind", "gate_matrix", "controlled", "NOOP_GATES",
           "permutation_of", "monomial_parts", "control_qubits"]

Kind = Literal["diagonal", "permutation", "general"]

# Gates that leave the state unchanged (engines skip them; `delay` and `barrier` are
# instructions rather than gates and are not in the table).
NOOP_GATES = frozenset({"id", "i", "u0"})


@dataclass(frozen=True)
class GateSpec:
    """One gate: arity, parameter count, matrix builder and structure.

    ``num_qubits`` is None for the variadic ``mcx`` (controls + one target). For a fixed
    gate (no parameters) :meth:`matrix` returns one shared read-only array.
    """

    name: str
    num_qubits: int | None
    num_params: int
    matrix_fn: Callable[..., np.ndarray] = field(repr=False)
    kind: Kind

    def matrix(self, params: Sequence[float] = (), num_qubits: int | None = None) -> np.ndarray:
        """The gate's unitary (complex128, shape (2**k, 2**k)) for these parameters."""
        if len(params) != self.num_params:
            raise ValueError(f"gate {self.name!r} takes {self.num_params} parameter(s), "
                             f"got {len(params)}")
        if self.num_qubits is None:
            if num_qubits is None or num_qubits < 1:
                raise ValueError(f"gate {self.name!r} needs num_qubits >= 1")
            return _variadic_cached(self.name, num_qubits)
        if self.num_params == 0:
            return _fixed_cached(self.name)
        return self.matrix_fn(*map(float, params))


# ---------------------------------------------------------------------------------------
# Builders. Each returns a fresh complex128 array.
# ---------------------------------------------------------------------------------------

def _m(rows: list) -> np.ndarray:
    return np.array(rows, dtype=complex)


def _diag(*entries: complex) -> np.ndarray:
    out = np.zeros((len(entries), len(entries)), dtype=complex)
    out.flat[::len(entries) + 1] = entries  # np.diag(np.array(...)) costs 3x as much
    return out


def _u(theta: float, phi: float, lam: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[c, -cmath.exp(1j * lam) * s],
               [cmath.exp(1j * phi) * s, cmath.exp(1j * (phi + lam)) * c]])


def _u2(phi: float, lam: float) -> np.ndarray:
    return _u(math.pi / 2, phi, lam)


def _p(lam: float) -> np.ndarray:
    return _diag(1, cmath.exp(1j * lam))


def _rx(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[c, -1j * s], [-1j * s, c]])


def _ry(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[c, -s], [s, c]])


def _rz(theta: float) -> np.ndarray:
    return _diag(cmath.exp(-0.5j * theta), cmath.exp(0.5j * theta))


def _r(theta: float, phi: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[c, -1j * cmath.exp(-1j * phi) * s], [-1j * cmath.exp(1j * phi) * s, c]])


_I2 = np.eye(2, dtype=complex)
_X = _m([[0, 1], [1, 0]])
_Y = _m([[0, -1j], [1j, 0]])
_Z = _diag(1, -1)
_H = _m([[1, 1], [1, -1]]) / math.sqrt(2)
_SX = _m([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]) / 2


def controlled(base: np.ndarray, num_ctrl: int = 1) -> np.ndarray:
    """``base`` controlled on ``num_ctrl`` qubits that come first in ``qubits`` (low bits).

    The base acts on the high bits when every control bit is 1, as Qiskit's
    ``ControlledGate`` with the default all-ones control state.
    """
    dim_c = 1 << num_ctrl
    dim = dim_c * base.shape[0]
    out = np.eye(dim, dtype=complex)
    # The indices with all controls set: dim_c - 1, then every dim_c-th (a slice is
    # several times cheaper than np.ix_, which matters when lowering many crx/cp).
    out[dim_c - 1::dim_c, dim_c - 1::dim_c] = base
    return out


_XX, _YY, _XZ = np.kron(_X, _X), np.kron(_Y, _Y), np.kron(_X, _Z)  # built once, not per gate


def _pauli_rotation(pauli: np.ndarray, theta: float) -> np.ndarray:
    """exp(-i theta/2 P) for a Pauli string matrix P (P @ P = I)."""
    return math.cos(theta / 2) * np.eye(pauli.shape[0]) - 1j * math.sin(theta / 2) * pauli


def _rzz(theta: float) -> np.ndarray:
    a, b = cmath.exp(-0.5j * theta), cmath.exp(0.5j * theta)
    return _diag(a, b, b, a)


def _xx_minus_yy(theta: float, beta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[c, 0, 0, -1j * s * cmath.exp(-1j * beta)],
               [0, 1, 0, 0],
               [0, 0, 1, 0],
               [-1j * s * cmath.exp(1j * beta), 0, 0, c]])


def _xx_plus_yy(theta: float, beta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return _m([[1, 0, 0, 0],
               [0, c, -1j * s * cmath.exp(-1j * beta), 0],
               [0, -1j * s * cmath.exp(1j * beta), c, 0],
               [0, 0, 0, 1]])


def _cu(theta: float, phi: float, lam: float, gamma: float) -> np.ndarray:
    return controlled(cmath.exp(1j * gamma) * _u(theta, phi, lam))


def _swap() -> np.ndarray:
    return _m([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])


def _sparse(dim: int, entries: dict[tuple[int, int], complex]) -> np.ndarray:
    """Identity with some entries overwritten (rows in `entries` lose their 1 first)."""
    out = np.eye(dim, dtype=complex)
    for row in {r for r, _ in entries}:
        out[row, row] = 0
    for (r, c), v in entries.items():
        out[r, c] = v
    return out


def _mcx(num_qubits: int) -> np.ndarray:
    return controlled(_X, num_qubits - 1)


_FIXED: dict[str, Callable[[], np.ndarray]] = {
    "id": lambda: _I2.copy(),
    "x": lambda: _X.copy(),
    "y": lambda: _Y.copy(),
    "z": lambda: _Z.copy(),
    "h": lambda: _H.copy(),
    "s": lambda: _diag(1, 1j),
    "sdg": lambda: _diag(1, -1j),
    "t": lambda: _diag(1, cmath.exp(0.25j * math.pi)),
    "tdg": lambda: _diag(1, cmath.exp(-0.25j * math.pi)),
    "sx": lambda: _SX.copy(),
    "sxdg": lambda: _SX.conj().T.copy(),
    "cx": lambda: controlled(_X),
    "cy": lambda: controlled(_Y),
    "cz": lambda: controlled(_Z),
    "ch": lambda: controlled(_H),
    "cs": lambda: _diag(1, 1, 1, 1j),
    "csdg": lambda: _diag(1, 1, 1, -1j),
    "csx": lambda: controlled(_SX),
    "swap": _swap,
    "iswap": lambda: _m([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]]),
    "dcx": lambda: _sparse(4, {(1, 3): 1, (2, 1): 1, (3, 2): 1}),
    "ecr": lambda: _m([[0, 1, 0, 1j], [1, 0, -1j, 0], [0, 1j, 0, 1], [-1j, 0, 1, 0]])
    / math.sqrt(2),
    "ccx": lambda: controlled(_X, 2),
    "ccz": lambda: controlled(_Z, 2),
    "cswap": lambda: controlled(_swap(), 1),
    "rccx": lambda: _sparse(8, {(3, 7): -1j, (5, 5): -1, (7, 3): 1j}),
    "rcccx": lambda: _sparse(16, {(3, 3): 1j, (7, 15): 1, (11, 11): -1j, (15, 7): -1}),
    "c3sx": lambda: controlled(_SX, 3),
    "c3x": lambda: _mcx(4),
    "c4x": lambda: _mcx(5),
}

_PARAMETRIC: dict[str, Callable[..., np.ndarray]] = {
    "u": _u, "u3": _u, "u2": _u2, "u1": _p, "p": _p, "u0": lambda _g: _I2.copy(),
    "rx": _rx, "ry": _ry, "rz": _rz, "r": _r,
    "global_phase": lambda g: _m([[cmath.exp(1j * g)]]),
    "crx": lambda t: controlled(_rx(t)), "cry": lambda t: controlled(_ry(t)),
    # the controlled diagonals directly (the same entries as controlled(_rz(t)) etc.)
    "crz": lambda t: _diag(1, cmath.exp(-0.5j * t), 1, cmath.exp(0.5j * t)),
    "cp": lambda t: _diag(1, 1, 1, cmath.exp(1j * t)),
    "cu1": lambda t: _diag(1, 1, 1, cmath.exp(1j * t)),
    "cu3": lambda t, f, lam: controlled(_u(t, f, lam)),
    "cu": _cu,
    "rxx": lambda t: _pauli_rotation(_XX, t),
    "ryy": lambda t: _pauli_rotation(_YY, t),
    "rzz": _rzz,
    "rzx": lambda t: _pauli_rotation(_XZ, t),  # Z on qubits[0], X on qubits[1]
    "xx_minus_yy": _xx_minus_yy, "xx_plus_yy": _xx_plus_yy,
}

# name: (num_qubits, num_params, kind)
_TABLE: dict[str, tuple[int | None, int, Kind]] = {
    "id": (1, 0, "diagonal"), "x": (1, 0, "permutation"), "y": (1, 0, "general"),
    "z": (1, 0, "diagonal"), "h": (1, 0, "general"), "s": (1, 0, "diagonal"),
    "sdg": (1, 0, "diagonal"), "t": (1, 0, "diagonal"), "tdg": (1, 0, "diagonal"),
    "sx": (1, 0, "general"), "sxdg": (1, 0, "general"),
    "u": (1, 3, "general"), "u3": (1, 3, "general"), "u2": (1, 2, "general"),
    "u1": (1, 1, "diagonal"), "p": (1, 1, "diagonal"), "u0": (1, 1, "diagonal"),
    "rx": (1, 1, "general"), "ry": (1, 1, "general"), "rz": (1, 1, "diagonal"),
    "r": (1, 2, "general"), "global_phase": (0, 1, "diagonal"),
    "cx": (2, 0, "permutation"), "cy": (2, 0, "general"), "cz": (2, 0, "diagonal"),
    "ch": (2, 0, "general"), "cs": (2, 0, "diagonal"), "csdg": (2, 0, "diagonal"),
    "csx": (2, 0, "general"), "swap": (2, 0, "permutation"), "iswap": (2, 0, "general"),
    "dcx": (2, 0, "permutation"), "ecr": (2, 0, "general"),
    "crx": (2, 1, "general"), "cry": (2, 1, "general"), "crz": (2, 1, "diagonal"),
    "cp": (2, 1, "diagonal"), "cu1": (2, 1, "diagonal"), "cu3": (2, 3, "general"),
    "cu": (2, 4, "general"), "rxx": (2, 1, "general"), "ryy": (2, 1, "general"),
    "rzz": (2, 1, "diagonal"), "rzx": (2, 1, "general"),
    "xx_minus_yy": (2, 2, "general"), "xx_plus_yy": (2, 2, "general"),
    "ccx": (3, 0, "permutation"), "ccz": (3, 0, "diagonal"), "cswap": (3, 0, "permutation"),
    "rccx": (3, 0, "general"), "rcccx": (4, 0, "general"), "c3sx": (4, 0, "general"),
    "c3x": (4, 0, "permutation"), "c4x": (5, 0, "permutation"),
    "mcx": (None, 0, "permutation"),
}

# OpenQASM 2 / Qiskit spellings of the same gates.
_ALIASES = {"U": "u", "CX": "cx", "i": "id", "c3sqrtx": "c3sx", "rc3x": "rcccx",
            "mcx_gray": "mcx"}


def _build_table() -> dict[str, GateSpec]:
    table = {}
    for name, (nq, npar, kind) in _TABLE.items():
        if name == "mcx":
            fn: Callable[..., np.ndarray] = _mcx
        else:
            fn = _FIXED[name] if npar == 0 else _PARAMETRIC[name]
        table[name] = GateSpec(name, nq, npar, fn, kind)
    for alias, target in _ALIASES.items():
        spec = table[target]
        table[alias] = GateSpec(alias, spec.num_qubits, spec.num_params, spec.matrix_fn,
                                spec.kind)
    return table


GATES: dict[str, GateSpec] = _build_table()

_fixed_cache: dict[str, np.ndarray] = {}
_variadic_cache: dict[tuple[str, int], np.ndarray] = {}
_perm_cache: dict[tuple[str, int], np.ndarray] = {}


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _fixed_cached(name: str) -> np.ndarray:
    m = _fixed_cache.get(name)
    if m is None:
        m = _fixed_cache[name] = _readonly(GATES[name].matrix_fn())
    return m


def _variadic_cached(name: str, num_qubits: int) -> np.ndarray:
    key = (name, num_qubits)
    m = _variadic_cache.get(key)
    if m is None:
        m = _variadic_cache[key] = _readonly(GATES[name].matrix_fn(num_qubits))
    return m


def gate_matrix(name: str, params: Sequence[float] = (),
                num_qubits: int | None = None) -> np.ndarray:
    """The matrix of gate ``name`` (KeyError-free: raises ValueError for unknown names)."""
    spec = GATES.get(name)
    if spec is None:
        raise ValueError(f"unknown gate {name!r}")
    return spec.matrix(params, num_qubits)


def permutation_of(name: str, num_qubits: int | None = None) -> np.ndarray:
    """For a ``permutation`` gate, ``perm`` with ``matrix[perm[j], j] == 1`` (cached)."""
    spec = GATES[name]
    if spec.kind != "permutation":
        raise ValueError(f"gate {name!r} is not a permutation gate")
    key = (name, num_qubits or 0)
    perm = _perm_cache.get(key)
    if perm is None:
        perm = _perm_cache[key] = _readonly(
            np.argmax(np.abs(spec.matrix((), num_qubits)), axis=0))
    return perm


# -- structure of a matrix: what makes a gate cheaper than dense -----------------------

def monomial_parts(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(perm, phases) if ``matrix`` = diag(phases) @ P with P|j> = |perm[j]>, else None.

    Gates such as y, cy, iswap and rccx are monomial: moving amplitudes and then one
    diagonal multiply is far cheaper than a dense product."""
    dim = matrix.shape[0]
    if dim < 2 or np.count_nonzero(matrix) != dim:
        return None
    perm = np.argmax(matrix != 0, axis=0)
    if len(set(perm.tolist())) != dim:
        return None
    phases = np.empty(dim, dtype=complex)
    phases[perm] = matrix[perm, np.arange(dim)]
    return perm, phases


def control_qubits(matrix: np.ndarray) -> list[int]:
    """Local qubits j of ``matrix`` that only control: it is the identity wherever bit j
    is 0 and never mixes bit j = 0 with bit j = 1."""
    dim = matrix.shape[0]
    index = np.arange(dim)
    out = []
    for j in range(dim.bit_length() - 1):
        zero = ((index >> j) & 1) == 0
        if (np.array_equal(matrix[np.ix_(zero, zero)], np.eye(dim // 2))
                and not matrix[np.ix_(zero, ~zero)].any()
                and not matrix[np.ix_(~zero, zero)].any()):
            out.append(j)
    return out
