"""qfoundry.Observable: labels, sparse lists, arithmetic and matrices (Qiskit's order)."""

from __future__ import annotations

import numpy as np
import pytest

import qfoundry as qf
from qfoundry.errors import CircuitError, ObservableError
from qfoundry.observable import qubitwise_groups

X = np.array([[0, 1], [1, 0]])
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1, -1])
I2 = np.eye(2)


def test_label_order_is_qiskits_rightmost_character_is_qubit_0():
    obs = qf.Observable.from_list([("ZXI", 2.0), ("IIY", -0.5)])
    want = 2 * np.kron(Z, np.kron(X, I2)) - 0.5 * np.kron(I2, np.kron(I2, Y))
    np.testing.assert_allclose(obs.to_matrix(), want)
    # |q0=1> is index 1: Z on qubit 0 gives -1 there
    assert qf.Observable("IZ").to_matrix()[1, 1] == -1


def test_sparse_list_places_letters_on_the_listed_qubits():
    obs = qf.Observable.from_sparse_list([("ZX", [0, 3], 0.5), ("Y", [2], 1.0)], num_qubits=4)
    assert obs.paulis == ["XIIZ", "IYII"]
    with pytest.raises(ObservableError, match="out of range"):
        qf.Observable.from_sparse_list([("Z", [4], 1)], num_qubits=4)
    with pytest.raises(ObservableError, match="repeated"):
        qf.Observable.from_sparse_list([("ZZ", [1, 1], 1)], num_qubits=4)


def test_sum_scalar_product_and_simplify():
    a = qf.Observable.from_list([("ZZ", 1.0)])
    b = qf.Observable({"XI": -0.5, "ZZ": 0.25})
    total = 2 * a + b - 0.5 * a
    np.testing.assert_allclose(total.to_matrix(), 1.75 * np.kron(Z, Z) - 0.5 * np.kron(X, I2))
    assert total.simplify().to_list() == [("ZZ", 1.75 + 0j), ("XI", -0.5 + 0j)]
    assert (a / 2).coeffs[0] == 0.5
    with pytest.raises(ObservableError, match="2 and 3 qubits"):
        a + qf.Observable("ZZZ")


def test_bad_labels_and_coefficients_are_named():
    with pytest.raises(ObservableError, match=r"\['A'\]"):
        qf.Observable.from_list([("ZA", 1.0)])
    with pytest.raises(ObservableError, match="different lengths"):
        qf.Observable.from_list([("ZZ", 1.0), ("Z", 1.0)])
    with pytest.raises(ObservableError, match="term 1 .*imaginary"):
        qf.Observable.from_list([("ZZ", 1.0), ("XX", 1j * 1e-9)]).real_coeffs()
    assert qf.Observable.from_list([("XX", 1 + 1e-13j)]).real_coeffs()[0] == 1.0
    with pytest.raises(CircuitError, match="3 qubits, the instruction names 2"):
        qf.Circuit(2).save_expectation_value(qf.Observable("ZZZ"), [0, 1])
    with pytest.raises(ObservableError, match="12 qubits"):
        qf.Observable("Z" * 13).to_matrix()


def test_sparse_pauli_op_in_and_the_same_matrix():
    qi = pytest.importorskip("qiskit.quantum_info")
    spo = qi.SparsePauliOp.from_list([("XYZ", 0.3), ("IIZ", -1.0)])
    obs = qf.Observable(spo)
    np.testing.assert_allclose(obs.to_matrix(), spo.to_matrix(), atol=1e-15)
    sparse = qi.SparsePauliOp.from_sparse_list([("ZX", [0, 3], 0.5)], num_qubits=4)
    ours = qf.Observable.from_sparse_list([("ZX", [0, 3], 0.5)], num_qubits=4)
    np.testing.assert_allclose(ours.to_matrix(), sparse.to_matrix(), atol=1e-15)


def test_apply_layout_moves_qubits():
    obs = qf.Observable.from_list([("XZ", 1.0)])  # Z on 0, X on 1
    moved = obs.apply_layout([3, 1], 4)
    assert moved.paulis == ["ZIXI"]


def test_qubitwise_groups_share_one_basis_per_qubit():
    labels = ["ZZI", "ZIZ", "XXI", "IZZ", "XIX", "IIY"]
    groups = qubitwise_groups(labels)
    assert sorted(i for g in groups for i in g) == list(range(len(labels)))
    for g in groups:
        for q in range(3):
            letters = {labels[i][q] for i in g} - {"I"}
            assert len(letters) <= 1, (g, q)
    assert len(groups) == 3  # ZZI/ZIZ/IZZ, XXI/XIX, IIY (greedy in order)
