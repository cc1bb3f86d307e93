"""The gate table (qfoundry.gates): arities, kinds, matrices and conventions."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

from qfoundry.gates import GATES, NOOP_GATES, controlled, gate_matrix, permutation_of

RNG = np.random.default_rng(1234)
QELIB1 = ["u3", "u2", "u1", "cx", "id", "u0", "u", "p", "x", "y", "z", "h", "s", "sdg", "t",
          "tdg", "rx", "ry", "rz", "sx", "sxdg", "cz", "cy", "swap", "ch", "ccx", "cswap",
          "crx", "cry", "crz", "cu1", "cp", "cu3", "csx", "cu", "rxx", "rzz", "rccx", "rc3x",
          "c3x", "c3sqrtx", "c4x", "U", "CX"]


def _params(name: str) -> list[float]:
    return [float(x) for x in RNG.uniform(-math.pi, math.pi, GATES[name].num_params)]


def _nq(name: str) -> int:
    nq = GATES[name].num_qubits
    return 3 if nq is None else nq


def test_every_qelib1_gate_is_in_the_table():
    assert set(QELIB1) <= set(GATES)


@pytest.mark.parametrize("name", sorted(GATES))
def test_matrix_is_unitary_of_declared_size_and_kind(name):
    spec = GATES[name]
    m = spec.matrix(_params(name), None if spec.num_qubits is not None else 3)
    dim = 1 << _nq(name)
    assert m.shape == (dim, dim) and m.dtype == np.complex128
    np.testing.assert_allclose(m @ m.conj().T, np.eye(dim), atol=1e-12)
    off_diagonal = m - np.diag(np.diag(m))
    if spec.kind == "diagonal":
        assert not off_diagonal.any()
    elif spec.kind == "permutation":
        assert set(np.unique(m)) <= {0, 1}
        perm = permutation_of(name, _nq(name))
        assert (m[perm, np.arange(dim)] == 1).all()
    elif dim > 1:
        assert off_diagonal.any()


def test_fixed_matrices_are_cached_and_read_only():
    a, b = gate_matrix("h"), gate_matrix("h")
    assert a is b
    with pytest.raises(ValueError):
        a[0, 0] = 2


def test_wrong_parameter_count_and_unknown_gate_are_value_errors():
    with pytest.raises(ValueError, match="takes 1 parameter"):
        gate_matrix("rz", [])
    with pytest.raises(ValueError, match="unknown gate 'nope'"):
        gate_matrix("nope")


def test_qubit_zero_is_the_least_significant_bit():
    # cx with control qubits[0]: |c=1, t=0> (index 1) -> |c=1, t=1> (index 3)
    cx = gate_matrix("cx")
    assert cx[3, 1] == 1 and cx[1, 3] == 1 and cx[0, 0] == 1 and cx[2, 2] == 1
    # ccx: controls qubits[0], qubits[1]; target qubits[2]: index 3 <-> 7
    ccx = gate_matrix("ccx")
    assert ccx[7, 3] == 1 and ccx[3, 7] == 1
    # cswap: control qubits[0] swaps qubits[1], qubits[2]: index 3 (011) <-> 5 (101)
    cswap = gate_matrix("cswap")
    assert cswap[5, 3] == 1 and cswap[3, 5] == 1


def test_hand_checked_matrices():
    t = 0.7
    np.testing.assert_allclose(gate_matrix("rz", [t]),
                               np.diag([cmath.exp(-0.5j * t), cmath.exp(0.5j * t)]))
    np.testing.assert_allclose(gate_matrix("p", [t]), np.diag([1, cmath.exp(1j * t)]))
    np.testing.assert_allclose(gate_matrix("h"), np.array([[1, 1], [1, -1]]) / math.sqrt(2))
    np.testing.assert_allclose(gate_matrix("sx") @ gate_matrix("sx"), gate_matrix("x"),
                               atol=1e-15)
    np.testing.assert_allclose(gate_matrix("u2", [0, math.pi]), gate_matrix("h"), atol=1e-15)
    np.testing.assert_allclose(gate_matrix("u3", [math.pi, 0, math.pi]), gate_matrix("x"),
                               atol=1e-15)
    # rzz is exp(-i t/2 Z Z)
    zz = np.kron(np.diag([1, -1]), np.diag([1, -1]))
    np.testing.assert_allclose(gate_matrix("rzz", [t]),
                               np.diag(np.exp(-0.5j * t * np.diag(zz))), atol=1e-15)
    # controlled gates put the base on the high bits when the low (control) bits are 1
    u = gate_matrix("u", [0.3, 0.2, 0.1])
    np.testing.assert_allclose(gate_matrix("cu3", [0.3, 0.2, 0.1]), controlled(u))
    np.testing.assert_allclose(gate_matrix("cu3", [0.3, 0.2, 0.1])[np.ix_([1, 3], [1, 3])], u)


@pytest.mark.parametrize("alias,name", [("U", "u"), ("CX", "cx"), ("i", "id"),
                                        ("c3sqrtx", "c3sx"), ("rc3x", "rcccx"),
                                        ("cu1", "cp"), ("u1", "p")])
def test_aliases_share_matrices(alias, name):
    params = _params(name)
    np.testing.assert_array_equal(gate_matrix(alias, params), gate_matrix(name, params))


def test_multi_controlled_x_family():
    np.testing.assert_array_equal(gate_matrix("c3x"), gate_matrix("mcx", num_qubits=4))
    np.testing.assert_array_equal(gate_matrix("c4x"), gate_matrix("mcx", num_qubits=5))
    m = gate_matrix("mcx", num_qubits=4)
    assert m[15, 7] == 1 and m[7, 15] == 1


def test_noops_are_identities():
    for name in NOOP_GATES:
        np.testing.assert_array_equal(gate_matrix(name, _params(name)), np.eye(2))


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(GATES))
def test_matrices_equal_qiskit_exactly(name):
    pytest.importorskip("qiskit")
    from qiskit.circuit.library import get_standard_gate_name_mapping
    from qiskit.quantum_info import Operator

    mapping = get_standard_gate_name_mapping()
    if name not in mapping:
        pytest.skip(f"{name} is not a Qiskit standard gate name (covered by the qelib1 test)")
    params = _params(name)
    gate = type(mapping[name])(*params) if params else mapping[name]
    np.testing.assert_allclose(gate_matrix(name, params), Operator(gate).data, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("name", QELIB1)
def test_matrices_match_qelib1_definitions_up_to_global_phase(name):
    pytest.importorskip("qiskit")
    from qiskit import qasm2
    from qiskit.quantum_info import Operator

    params = [2.0] if name == "u0" else _params(name)  # Qiskit reads u0(n) as n delays
    nq = _nq(name)
    args = f"({', '.join(repr(p) for p in params)})" if params else ""
    qubits = ", ".join(f"q[{i}]" for i in range(nq))
    if name in ("U", "CX"):
        src = f"OPENQASM 2.0;\nqreg q[{nq}];\n{name}{args} {qubits};\n"
    else:
        src = f'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[{nq}];\n{name}{args} {qubits};\n'
    circuit = qasm2.loads(src, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    ref = Operator(circuit.decompose(reps=3)).data
    mine = gate_matrix(name, params)
    overlap = np.vdot(ref.reshape(-1), mine.reshape(-1)) / ref.shape[0]
    assert abs(abs(overlap) - 1) < 1e-10, f"{name} differs from qelib1 beyond a global phase"
