"""Exact synthesis: Euler angles, KAK / Weyl coordinates, CX-optimal two-qubit circuits and
the standard decomposition rules, each checked against dense matrices from the gate table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import unitary_group

from qfoundry.errors import TranspilerError
from qfoundry.gates import GATES, gate_matrix
from qfoundry.transpiler.decompose import (
    ONE_QUBIT_BASES,
    euler_zyz,
    kak,
    num_cx,
    one_qubit_basis,
    synth_1q,
    synth_2q,
)
from qfoundry.transpiler.rules import RULES, body_of, multi_controlled

ATOL = 1e-9
I2 = np.eye(2)
CX = gate_matrix("cx")


def equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = ATOL) -> bool:
    k = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    phase = a[k] / b[k]
    return abs(abs(phase) - 1) < atol and np.allclose(a, phase * b, atol=atol)


def embed(m: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """Dense n-qubit matrix of gate ``m`` on ``qubits`` (qubits[0] = low bit), by index
    arithmetic: an independent construction from the transpiler's own."""
    k = len(qubits)
    out = np.zeros((2 ** n, 2 ** n), dtype=complex)
    for col in range(2 ** n):
        sub = sum(((col >> q) & 1) << j for j, q in enumerate(qubits))
        rest = col & ~sum(1 << q for q in qubits)
        for row_sub in range(2 ** k):
            row = rest | sum(((row_sub >> j) & 1) << q for j, q in enumerate(qubits))
            out[row, col] = m[row_sub, sub]
    return out


def body_matrix(body, n: int) -> np.ndarray:
    """Matrix of a rule body, expanding nested rules recursively."""
    u = np.eye(2 ** n, dtype=complex)
    for name, qs, params in body:
        if name == "unitary":
            m = np.asarray(params[0])
        elif len(qs) > 2 or (len(qs) == 2 and name != "cx" and name in RULES):
            m = body_matrix(body_of(name, params, len(qs)), len(qs))
        else:
            m = gate_matrix(name, params)
        u = embed(m, qs, n) @ u
    return u


def matrix_of_1q(seq) -> np.ndarray:
    u = np.eye(2, dtype=complex)
    for name, params in seq:
        u = gate_matrix(name, params) @ u
    return u


def matrix_of_2q(ops) -> np.ndarray:
    u = np.eye(4, dtype=complex)
    for name, qs, params in ops:
        u = embed(CX if name == "cx" else params[0], qs, 2) @ u
    return u


SPECIAL_1Q = [np.eye(2), gate_matrix("x"), gate_matrix("y"), gate_matrix("h"),
              gate_matrix("sx"), gate_matrix("s"), gate_matrix("rz", (0.3,)),
              gate_matrix("x") @ gate_matrix("rz", (0.2,)), gate_matrix("ry", (math.pi,)),
              gate_matrix("u", (math.pi / 2 + 1e-12, 0.4, -0.1))]
RANDOM_1Q = [unitary_group.rvs(2, random_state=s) for s in range(60)]


@pytest.mark.parametrize("u", SPECIAL_1Q + RANDOM_1Q)
def test_euler_zyz_reconstructs_the_unitary_exactly(u):
    theta, phi, lam, phase = euler_zyz(u)
    rebuilt = (np.exp(1j * phase) * gate_matrix("rz", (phi,)) @ gate_matrix("ry", (theta,))
               @ gate_matrix("rz", (lam,)))
    assert 0 <= theta <= math.pi
    assert np.allclose(rebuilt, u, atol=1e-12)


@pytest.mark.parametrize("basis", list(ONE_QUBIT_BASES))
def test_synth_1q_is_exact_in_every_basis(basis):
    for u in SPECIAL_1Q + RANDOM_1Q:
        seq = synth_1q(u, basis)
        assert {name for name, _ in seq} <= ONE_QUBIT_BASES[basis] | {"x"}
        assert equal_up_to_phase(matrix_of_1q(seq), u)


def test_zsx_uses_the_fewest_pulses_the_rotation_allows():
    def names(u):
        return [name for name, _ in synth_1q(u, "ZSX")]

    assert names(np.eye(2)) == []
    assert names(gate_matrix("rz", (0.7,))) == ["rz"]
    assert names(gate_matrix("sx")) == ["sx"]
    assert names(gate_matrix("h")) == ["rz", "sx", "rz"]
    assert names(gate_matrix("x")) == ["x"]
    assert names(gate_matrix("y")) == ["x", "rz"]
    assert names(RANDOM_1Q[0]) == ["rz", "sx", "rz", "sx", "rz"]
    assert synth_1q(gate_matrix("x"), "ZSX", use_x=False)[1][0] == "sx"


def test_one_qubit_basis_prefers_rz_sx_and_rejects_incomplete_bases():
    assert one_qubit_basis(frozenset({"id", "rz", "sx", "x", "cx"})) == "ZSX"
    assert one_qubit_basis(frozenset({"u1", "u2", "u3", "cx"})) == "U321"
    assert one_qubit_basis(frozenset({"rz", "ry", "cz"})) == "ZYZ"
    with pytest.raises(TranspilerError, match="single-qubit"):
        one_qubit_basis(frozenset({"rz", "x", "cx"}))


RANDOM_2Q = [unitary_group.rvs(4, random_state=s) for s in range(40)]
LOCAL = [np.kron(unitary_group.rvs(2, random_state=s), unitary_group.rvs(2, random_state=s + 99))
         for s in range(3)]


@pytest.mark.parametrize("name, expected", [
    ("cx", 1), ("cz", 1), ("cy", 1), ("ch", 1), ("ecr", 1), ("swap", 3), ("iswap", 2),
    ("dcx", 2), ("id", 0), ("cs", 2), ("csx", 2), ("rzz", 2), ("rxx", 2), ("crz", 2),
])
def test_kak_counts_the_minimal_number_of_cx(name, expected):
    params = (0.37,) * GATES[name].num_params
    u = gate_matrix(name, params) if name != "id" else np.eye(4)
    k = kak(u)
    assert num_cx(k) == expected
    ops, n = synth_2q(k)
    assert n == expected == sum(op[0] == "cx" for op in ops)
    assert equal_up_to_phase(matrix_of_2q(ops), u)


@pytest.mark.parametrize("u", RANDOM_2Q + LOCAL + [LOCAL[0] @ CX @ LOCAL[1]])
def test_kak_is_exact_and_in_the_weyl_chamber(u):
    k = kak(u)
    assert np.allclose(k.matrix(), u, atol=1e-10)  # global phase included
    assert math.pi / 4 + 1e-12 >= k.a >= k.b - 1e-12 >= abs(k.c) - 2e-12
    for m in (k.k1q0, k.k1q1, k.k2q0, k.k2q1):
        assert np.allclose(m.conj().T @ m, I2, atol=1e-10)
    ops, n = synth_2q(k)
    assert n <= 3 and equal_up_to_phase(matrix_of_2q(ops), u)


def test_synth_2q_handles_gates_near_the_chamber_boundaries():
    # Products of CX and SWAP with locals sit on chamber faces and edges; tiny
    # perturbations of them exercise the sign and tolerance choices.
    for base in (CX @ gate_matrix("swap"), gate_matrix("swap"), gate_matrix("iswap"),
                 gate_matrix("cp", (1e-11,)), gate_matrix("rzz", (math.pi / 2,))):
        u = LOCAL[1] @ base @ LOCAL[2]
        ops, n = synth_2q(u)
        assert equal_up_to_phase(matrix_of_2q(ops), u, atol=1e-8)


def test_kak_rejects_non_unitary_input():
    with pytest.raises(TranspilerError, match="not unitary"):
        kak(np.ones((4, 4)))
    with pytest.raises(TranspilerError, match="4x4"):
        kak(np.eye(2))


RULED = sorted(n for n in RULES if GATES.get(n) is not None and GATES[n].num_qubits)


@pytest.mark.parametrize("name", RULED)
def test_every_rule_equals_the_gate_table_matrix(name):
    spec = GATES[name]
    params = tuple(0.3 + 0.7 * k for k in range(spec.num_params))
    body = body_of(name, params, spec.num_qubits)
    assert all(len(qs) <= 2 or n in RULES for n, qs, _ in body)
    assert equal_up_to_phase(body_matrix(body, spec.num_qubits),
                             gate_matrix(name, params))


@pytest.mark.parametrize("n_qubits", [1, 2, 3, 4, 5, 6])
def test_mcx_of_any_size_is_exact(n_qubits):
    body = body_of("mcx", (), n_qubits)
    assert equal_up_to_phase(body_matrix(body, n_qubits),
                             gate_matrix("mcx", (), n_qubits))


def test_multi_controlled_unitary():
    u = unitary_group.rvs(2, random_state=5)
    expected = np.eye(16, dtype=complex)
    expected[np.ix_([7, 15], [7, 15])] = u  # controls 0..2 set, target 3
    assert equal_up_to_phase(body_matrix(multi_controlled(u, 3), 4), expected)


def test_ch_uses_one_cx_where_qelib1_uses_two():
    assert sum(name == "cx" for name, _, _ in body_of("ch", (), 2)) == 1
