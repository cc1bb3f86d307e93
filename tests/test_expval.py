"""Exact expectation values (``save_expval``) in every engine, and auto's rule for them.

Oracles: a dense numpy construction (full 2^n gate matrices from np.kron, the observable
from np.kron of Pauli matrices) for the statevector and density-matrix engines; Qiskit's
``Statevector.expectation_value`` in the test marked ``oracle``. Tolerance 1e-10.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qfoundry as qf
from qfoundry.gates import gate_matrix
from qfoundry.noise import NoiseModel

GATES_1Q = [("h", 0), ("x", 0), ("sx", 0), ("s", 0), ("t", 0), ("rx", 1), ("ry", 1), ("rz", 1),
            ("u3", 3)]
GATES_2Q = [("cx", 0), ("cz", 0), ("swap", 0), ("crx", 1), ("rzz", 1), ("cp", 1)]


def random_case(seed: int) -> tuple[qf.Circuit, qf.Observable]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 6))
    c = qf.Circuit(n)
    for _ in range(int(rng.integers(1, 16))):
        table = GATES_2Q if n > 1 and rng.random() < 0.4 else GATES_1Q
        name, k = table[rng.integers(len(table))]
        qs = [int(q) for q in rng.choice(n, 2 if table is GATES_2Q else 1, replace=False)]
        getattr(c, name)(*rng.uniform(-math.pi, math.pi, k), *qs)
    terms = [("".join(rng.choice(list("IXYZ"), n)), float(rng.normal()))
             for _ in range(int(rng.integers(1, 6)))]
    return c, qf.Observable.from_list(terms)


def dense_state(c: qf.Circuit) -> np.ndarray:
    """The state from full 2^n x 2^n matrices: qubit q is bit q of the index."""
    n = c.num_qubits
    psi = np.zeros(2 ** n, dtype=complex)
    psi[0] = 1
    for inst in c.data:
        g = gate_matrix(inst.name, inst.params, len(inst.qubits))
        rest = [q for q in range(n) if q not in inst.qubits]
        order = list(inst.qubits) + rest  # gate qubit j = bit j of the gate's index
        full = np.kron(np.eye(2 ** len(rest)), g)  # low bits: the gate's qubits
        perm = np.zeros(2 ** n, dtype=int)  # index in 'order' bit positions -> real index
        for i in range(2 ** n):
            perm[i] = sum(((i >> pos) & 1) << q for pos, q in enumerate(order))
        u = np.zeros((2 ** n, 2 ** n), dtype=complex)
        u[np.ix_(perm, perm)] = full
        psi = u @ psi
    return psi


def run_expval(backend, circuit, obs, **options):
    c = circuit.copy()
    c.save_expectation_value(obs, label="ev")
    return backend.run(c, shots=options.pop("shots", 1), seed_simulator=1,
                       **options).result().results[0]


@pytest.mark.parametrize("chunk", range(4))
def test_exact_values_against_a_dense_construction(chunk):
    sv = qf.get_backend("qasm_simulator")
    dm = qf.get_backend("density_matrix_simulator")
    for seed in range(25 * chunk, 25 * chunk + 25):
        c, obs = random_case(seed)
        psi = dense_state(c)
        want = float(np.vdot(psi, obs.to_matrix() @ psi).real)
        assert run_expval(sv, c, obs).data["ev"] == pytest.approx(want, abs=1e-10), seed
        assert run_expval(dm, c, obs).data["ev"] == pytest.approx(want, abs=1e-10), seed


@pytest.mark.oracle
def test_exact_values_against_qiskit_statevector():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import SparsePauliOp, Statevector

    sv = qf.get_backend("qasm_simulator")
    for seed in range(100):
        c, obs = random_case(seed)
        qc = qiskit.QuantumCircuit.from_qasm_str(c.to_qasm())
        want = Statevector(qc).expectation_value(SparsePauliOp.from_list(obs.to_list())).real
        assert run_expval(sv, c, obs).data["ev"] == pytest.approx(want, abs=1e-10), seed


def test_values_after_mid_circuit_measurement_are_exact_on_the_density_matrix():
    c = qf.Circuit(2, 1).h(0).measure(0, 0).cx(0, 1)
    obs = qf.Observable.from_list([("ZZ", 1.0), ("IZ", 1.0), ("XI", 1.0)])
    dm = qf.get_backend("density_matrix_simulator")
    # after the measurement: |00> or |11> with 1/2 each: <ZZ> = 1, <IZ> = 0, <XI> = 0
    assert run_expval(dm, c, obs).data["ev"] == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(qf.UnsupportedInstructionError, match="density_matrix"):
        run_expval(qf.get_backend("qasm_simulator"), c, obs)


def test_trajectory_mean_is_within_four_standard_errors_of_the_exact_value(paris):
    nm = NoiseModel.from_device(paris)
    c = qf.Circuit(3).h(0).cx(0, 1).cx(1, 2).rx(0.4, 2).cx(2, 0)
    obs = qf.Observable.from_list([("ZZZ", 1.0), ("XXI", 0.5), ("IIZ", 1.0)])
    exact = run_expval(qf.get_backend("density_matrix_simulator", noise_model=nm), c, obs)
    traj = run_expval(qf.get_backend("trajectory_simulator", noise_model=nm), c, obs,
                      shots=4000)
    se = traj.data["expval_stderr"]["ev"]
    assert 0 < se < 0.05
    assert abs(traj.data["ev"] - exact.data["ev"]) <= 4 * se


def test_auto_picks_an_exact_engine_for_expectation_values_whatever_the_shots():
    dev = qf.get_backend("fake_manila")
    c = qf.Circuit(3).h(0).cx(0, 1).cx(1, 2)
    obs = qf.Observable("ZZZ")
    for shots in (1, 100, 100_000):
        r = run_expval(dev, c, obs, shots=shots)
        assert r.metadata["engine"] == "density_matrix", shots
        assert "expval_stderr" not in r.data
    ideal = run_expval(dev, c, obs, noise_model=None, shots=10)
    assert ideal.metadata["engine"] == "trajectory"
    assert ideal.data["expval_stderr"]["ev"] == 0.0
    assert ideal.data["ev"] == pytest.approx(0.0, abs=1e-12)  # <ZZZ> of GHZ-3 is 0
    # beyond the density-matrix cap (7 active qubits in 1 MiB): trajectories, with an error
    ghz = qf.Circuit(9).h(0)
    for q in range(8):
        ghz.cx(q, q + 1)
    big = run_expval(qf.get_backend("fake_paris"), ghz, qf.Observable("Z" * 9),
                     max_memory_mb=1, shots=400)
    assert big.metadata["engine"] == "trajectory"
    assert big.data["expval_stderr"]["ev"] > 0


def test_exact_values_ignore_readout_error_and_sampled_ones_include_it():
    dev = qf.get_backend("fake_manila")
    c = qf.Circuit(1)
    exact = qf.Estimator(dev).run([(c, "Z")]).result()[0].data
    assert exact.evs == 1.0 and exact.stds == 0.0  # |0>, no gate: no error at all
    sampled = qf.Estimator(dev, seed=3).run([(c, "Z")], precision=0.01).result()[0].data
    flip = dev.device.qubits[0].prob_meas1_prep0
    assert abs(sampled.evs - (1 - 2 * flip)) <= 4 * sampled.stds
    assert sampled.evs < 1 - 4 * sampled.stds


def test_device_observables_follow_the_layout_and_final_permutation():
    """transpile=True maps the observable itself: equal to a hand-mapped physical run."""
    dev = qf.get_backend("fake_manila")
    c = qf.Circuit(4).h(0).cx(0, 3).cx(3, 1).ry(0.3, 2).cx(2, 0).cx(1, 2)
    obs = qf.Observable.from_list([("ZIIZ", 1.0), ("IXYI", 0.4), ("ZZZZ", -0.2)])
    auto = qf.Estimator(dev).run([(c, obs)]).result()[0].data.evs
    mapped = qf.transpile(c, dev)
    final = mapped.metadata["final_layout"]
    assert final != list(range(4))  # routing moved qubits: the mapping matters
    hand = obs.apply_layout(final, mapped.num_qubits)
    by_hand = qf.Estimator(dev, run_options={"transpile": False}).run(
        [(mapped, hand)]).result()[0].data.evs
    assert auto == pytest.approx(by_hand, abs=1e-12)
