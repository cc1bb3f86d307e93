"""The chunked paths of the statevector engine (states above 2^18 amplitudes): sampling
straight from the amplitudes, chunked marginals and in-place trailing-qubit gates."""

from __future__ import annotations

import numpy as np
from scipy.stats import chisquare

import qfoundry


def _random_circuit(n: int, seed: int) -> qfoundry.Circuit:
    rng = np.random.default_rng(seed)
    c = qfoundry.Circuit(n, n)
    for _ in range(3):
        for q in range(n):
            c.u3(*rng.uniform(0, 2 * np.pi, 3), q)
        for q in range(0, n - 1, 2):
            c.cx(q, q + 1)
    return c


def test_sampling_a_20_qubit_state_follows_its_probabilities():
    n, shots = 20, 20000
    c = _random_circuit(n, seed=5)
    state = qfoundry.get_backend("statevector_simulator").run(c).result().get_statevector()
    c.measure(list(range(n)), list(range(n)))
    counts = qfoundry.get_backend("qasm_simulator").run(
        c, shots=shots, seed_simulator=3).result().get_counts()
    # Compare the distribution of the 4 lowest qubits (16 bins) with the exact marginal.
    probs = (np.abs(state) ** 2).reshape(-1, 16).sum(axis=0)
    observed = np.zeros(16)
    for key, value in counts.items():
        observed[int(key, 2) & 15] += value
    assert chisquare(observed, probs * shots).pvalue > 1e-4


def test_partial_measurement_of_a_20_qubit_state():
    n, shots = 20, 20000
    c = _random_circuit(n, seed=6)
    state = qfoundry.get_backend("statevector_simulator").run(c).result().get_statevector()
    c2 = c.copy()
    c2.measure([19, 3, 0], [0, 1, 2])  # a marginal over 3 qubits, in permuted clbits
    counts = qfoundry.get_backend("qasm_simulator").run(
        c2, shots=shots, seed_simulator=4).result().get_counts()
    p = (np.abs(state) ** 2).reshape((2,) * n)  # axis k is qubit n-1-k
    marg = p.sum(axis=tuple(k for k in range(n) if n - 1 - k not in (19, 3, 0)))
    expected, observed = np.zeros(8), np.zeros(8)
    for b19 in range(2):
        for b3 in range(2):
            for b0 in range(2):
                key = b19 | (b3 << 1) | (b0 << 2)
                expected[key] = marg[b19, b3, b0]
    for key, value in counts.items():
        observed[int(key, 2)] = value
    assert chisquare(observed, expected * shots).pvalue > 1e-4


def test_ghz_20_gives_only_the_two_branches():
    n = 20
    c = qfoundry.Circuit(n, n).h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    counts = qfoundry.get_backend("qasm_simulator").run(
        c, shots=4000, seed_simulator=2).result().get_counts()
    assert set(counts) == {"0" * n, "1" * n}
    assert abs(counts["0" * n] - 2000) < 5 * np.sqrt(1000)


def test_20_qubit_state_matches_qiskit():
    import pytest

    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import Statevector

    c = _random_circuit(20, seed=7)
    ours = qfoundry.get_backend("statevector_simulator").run(c).result().get_statevector()
    qc = qiskit.qasm2.loads(c.to_qasm(),
                            custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    theirs = Statevector(qc).data
    overlap = abs(np.vdot(theirs, ours))  # equal up to global phase
    assert abs(overlap - 1) < 1e-9


def test_trailing_gates_on_a_given_19_qubit_state_work_in_place():
    """With an initial statevector every qubit is active and no spare buffer exists yet:
    dense gates on the trailing qubits then run in place a chunk at a time (real-arithmetic
    products included) and must equal the plain kernels' result."""
    from qfoundry.gates import gate_matrix
    from qfoundry.plugins._sim.kernels import apply_matrix

    n = 19
    rng = np.random.default_rng(3)
    init = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    init /= np.linalg.norm(init)
    gates = [("h", [0], []), ("u3", [1], [0.3, 1.1, -0.4]), ("cu3", [0, 2], [0.7, 0.2, 0.5]),
             ("ry", [2], [1.9])]
    c = qfoundry.Circuit(n)
    ref = init.reshape((2,) * n)
    for name, qubits, params in gates:
        c.append(name, qubits, params)
        ref = apply_matrix(ref, gate_matrix(name, params, len(qubits)),
                           [n - 1 - q for q in qubits])
    out = qfoundry.get_backend("statevector_simulator").run(
        c, initial_statevector=init, fusion_enable=False).result().get_statevector()
    np.testing.assert_allclose(out, ref.reshape(-1), atol=1e-12)
