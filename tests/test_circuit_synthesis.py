"""Unitary and state-preparation synthesis, checked against a dense construction.

The reference multiplies gate matrices embedded by explicit index arithmetic (qubit k is
bit k of the index), written here independently of any engine or of qfoundry's own
gate table.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import unitary_group

from qfoundry import qasm2
from qfoundry.circuit import Circuit
from qfoundry.synthesis import prepare_state, synthesize_unitary

ATOL = 1e-9


def u_matrix(theta, phi, lam):
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -np.exp(1j * lam) * s],
                     [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])


MATRICES = {
    "u": u_matrix, "U": u_matrix,
    "ry": lambda t: u_matrix(t, 0, 0),
    "rz": lambda t: np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)]),
    "cx": lambda: np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]),
    "CX": lambda: np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]),
}


def embed(m: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """The 2^n matrix of ``m`` acting on ``qubits`` (qubits[0] = low bit of m's index)."""
    full = np.zeros((1 << n, 1 << n), dtype=complex)
    mask = sum(1 << q for q in qubits)
    for col in range(1 << n):
        sub = sum(((col >> q) & 1) << t for t, q in enumerate(qubits))
        for out in range(1 << len(qubits)):
            row = (col & ~mask) | sum(((out >> t) & 1) << q for t, q in enumerate(qubits))
            full[row, col] += m[out, sub]
    return full


def product(gates, n: int) -> np.ndarray:
    total = np.eye(1 << n, dtype=complex)
    for name, params, qubits in gates:
        total = embed(MATRICES[name](*params), tuple(qubits), n) @ total
    return total


def equal_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    k = np.unravel_index(np.argmax(abs(b)), b.shape)
    return np.allclose(a * (b[k] / a[k]), b, atol=ATOL)


SPECIAL = [
    np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
    np.diag([1, -1]), np.array([[1, 1], [1, -1]]) / np.sqrt(2), np.diag([1, 1j]),
    np.eye(4), MATRICES["cx"](), np.diag([1, 1, 1, -1]),
    np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]),
    np.diag(np.exp(1j * np.array([0.1, 0.1, 0.1, 2.0]))),  # degenerate eigenvalues
    np.eye(8)[[0, 1, 2, 7, 4, 5, 6, 3]],  # Toffoli
]


@pytest.mark.parametrize("matrix", SPECIAL + [unitary_group.rvs(1 << n, random_state=n + 10)
                                              for n in (1, 1, 2, 2, 3, 4)])
def test_synthesis_is_exact_including_global_phase(matrix):
    n = matrix.shape[0].bit_length() - 1
    gates, phase = synthesize_unitary(matrix)
    assert {g[0] for g in gates} <= {"u", "ry", "rz", "cx"}
    assert np.allclose(np.exp(1j * phase) * product(gates, n), matrix, atol=ATOL)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_state_preparation_reaches_the_state(n, seed):
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    psi /= np.linalg.norm(psi)
    if seed == 0:
        psi = np.eye(1 << n)[-1] * 1j  # a basis state, with a phase
    gates, phase = prepare_state(psi)
    assert np.allclose(np.exp(1j * phase) * product(gates, n)[:, 0], psi, atol=ATOL)


def test_unitary_and_initialize_survive_to_qasm_up_to_global_phase():
    matrix = unitary_group.rvs(4, random_state=3)
    c = Circuit(3).h(2).unitary(matrix, [2, 0]).cx(0, 1)
    back = qasm2.loads(c.to_qasm())
    assert "unitary" not in back.count_ops()
    want = embed(MATRICES["cx"](), (0, 1), 3) @ embed(matrix, (2, 0), 3) @ embed(
        np.array([[1, 1], [1, -1]]) / np.sqrt(2), (2,), 3)
    got = product([(i.name if i.name != "h" else "u",
                    i.params if i.name != "h" else (np.pi / 2, 0, np.pi), i.qubits)
                   for i in back.data], 3)
    assert equal_up_to_phase(got, want)

    # local index 1 sets qubits[0] = q1, which is bit 1 of the circuit's index
    prep = qasm2.loads(Circuit(2, 1).initialize([0.6, 0.8j, 0, 0], [1, 0]).to_qasm())
    assert [i.name for i in prep.data[:2]] == ["reset", "reset"]
    state = product([(i.name, i.params, i.qubits) for i in prep.data[2:]], 2)[:, 0]
    assert equal_up_to_phase(state, np.array([0.6, 0, 0.8j, 0]))
