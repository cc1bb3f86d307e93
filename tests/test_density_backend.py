"""The density_matrix engine through the public API: fake_paris and density_matrix_simulator.

Counts are compared with the exact distribution the same run reports (its saved density
matrix, then the backend's readout errors): every outcome within 5 standard deviations
of the binomial spread (false alarm below 1e-5 for four outcomes; seeds fixed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qfoundry
from qfoundry import Circuit
from qfoundry.errors import NoiseError, SimulationTooLargeError
from qfoundry.noise import NoiseModel, depolarizing

SHOTS = 8192  # fake_paris max_shots; tolerances below scale with it


@pytest.fixture(scope="module")
def paris():
    # Device backends default to the `auto` engine; these tests are about density_matrix.
    return qfoundry.get_backend("fake_paris", engine="density_matrix")


def bell_on(a: int, b: int) -> Circuit:
    """A Bell pair natively on Paris qubits a -> b (sx/rz/cx), measured into clbits 0, 1."""
    c = Circuit(27, 2)
    c.rz(math.pi / 2, a).sx(a).rz(math.pi / 2, a)  # h, up to a global phase
    c.cx(a, b)
    c.measure(a, 0)
    c.measure(b, 1)
    return c


def test_fake_paris_runs_this_engine_with_the_device_noise(paris):
    assert paris.engine.name == "density_matrix"
    nm = paris.noise_model
    assert nm is paris.noise_model  # built once per device and options, then shared
    assert nm.quantum_error("cx", (0, 1)) is not None and nm.readout_error(0) is not None


def test_fake_paris_counts_follow_rho_and_readout(paris):
    result = paris.run(bell_on(0, 1), shots=SHOTS, seed_simulator=3, transpile=False,
                       save_density_matrix=True).result()
    rho = result.get_density_matrix()
    assert result.results[0].metadata["active_input_qubits"] == [0, 1]
    assert abs(np.trace(rho) - 1) < 1e-10 and np.linalg.eigvalsh(rho)[0] > -1e-10
    assert 0.45 < rho[3, 0].real < 0.5  # coherence survives, reduced by the noise
    m0 = paris.noise_model.readout_error(0).probabilities
    m1 = paris.noise_model.readout_error(1).probabilities
    exact = {}
    for true in range(4):
        for rec in range(4):
            p = rho[true, true].real * m0[true & 1, rec & 1] * m1[true >> 1, rec >> 1]
            key = format(rec, "02b")
            exact[key] = exact.get(key, 0.0) + p
    counts = result.get_counts()
    for key, p in exact.items():
        assert abs(counts.get(key, 0) / SHOTS - p) <= 5 * math.sqrt(p * (1 - p) / SHOTS), key


def test_a_plain_circuit_is_mapped_and_simulated_on_its_active_qubits(paris):
    c = Circuit(2, 2)
    c.h(0).cx(0, 1)
    c.measure(0, 0)
    c.measure(1, 1)
    result = paris.run(c, shots=4000, seed_simulator=8).result()
    counts = result.get_counts()
    assert counts["00"] + counts["11"] > 0.9 * 4000  # a noisy Bell pair
    assert len(result.results[0].metadata["active_input_qubits"]) == 2


def test_parallel_experiments_give_the_serial_results(paris):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    circuits = [bell_on(a, b) for a, b in [(0, 1), (1, 2), (2, 3), (3, 5)]]
    kw = dict(shots=1000, seed_simulator=21, memory=True, transpile=False)
    serial = paris.run(circuits, max_parallel_experiments=1, **kw).result()
    threaded = paris.run(circuits, max_parallel_experiments=4, **kw).result()
    # worker processes receive the device and noise options pickled
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = paris.run(circuits, executor=pool, **kw).result()
    memories = [serial.get_memory(i) for i in range(4)]
    assert memories == [threaded.get_memory(i) for i in range(4)]
    assert memories == [pooled.get_memory(i) for i in range(4)]


def test_noise_model_none_is_an_explicit_ideal_run(paris):
    ideal = qfoundry.get_backend("fake_paris", noise_model=None)
    counts = ideal.run(bell_on(0, 1), shots=2000, seed_simulator=1).result().get_counts()
    assert set(counts) == {"00", "11"}
    assert ideal.noise_model is None


def test_a_custom_noise_model_and_noise_scale(paris):
    nm = NoiseModel()
    nm.add_readout_error([[0.0, 1.0], [0.0, 1.0]], 1)  # qubit 1 always reads 1
    counts = paris.run(bell_on(0, 1), shots=500, seed_simulator=1, transpile=False,
                       noise_model=nm).result().get_counts()
    assert set(counts) == {"10", "11"}
    with pytest.raises(NoiseError, match="custom noise model"):
        paris.run(bell_on(0, 1), noise_model=nm, noise_scale=2.0)


def test_a_bad_noise_model_option_is_refused_at_run(paris):
    with pytest.raises(NoiseError, match="noise_model="):
        paris.run(bell_on(0, 1), noise_model="paris")
    with pytest.raises(ValueError, match="noise_scale"):
        paris.run(bell_on(0, 1), noise_scale=-1.0)


def test_noisier_than_the_snapshot_through_run(paris):
    def p_error(scale):
        c = Circuit(27, 1)
        c.x(12)
        c.measure(12, 0)
        counts = paris.run(c, shots=SHOTS, seed_simulator=2, transpile=False,
                           noise_scale=scale).result().get_counts()
        return counts.get("0", 0) / SHOTS
    assert p_error(2.0) > 1.6 * p_error(1.0)


def test_memory_guard_is_refused_at_submission(paris):
    c = Circuit(27, 1)
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 5), (5, 8), (8, 9), (8, 11), (11, 14)]:
        c.cx(a, b)
    # 9 active qubits: 2 buffers of 4^9 doubles = 4 MiB > 1 MiB, which holds 8.
    with pytest.raises(SimulationTooLargeError, match="9 active qubits.*at most 8"):
        paris.run(c, max_memory_mb=1, transpile=False)


def test_density_matrix_simulator_runs_user_noise():
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing(0.1, 2), "cx")
    backend = qfoundry.get_backend("density_matrix_simulator", noise_model=nm)
    c = Circuit(2, 2)
    c.h(0).cx(0, 1)
    c.measure(0, 0)
    c.measure(1, 1)
    result = backend.run(c, shots=1000, seed_simulator=4, save_density_matrix=True).result()
    bell = np.zeros((4, 4))
    bell[np.ix_([0, 3], [0, 3])] = 0.5
    np.testing.assert_allclose(result.get_density_matrix(), 0.9 * bell + 0.025 * np.eye(4),
                               atol=1e-12)
    plain = qfoundry.get_backend("density_matrix_simulator")
    assert set(plain.run(c, shots=200).result().get_counts()) == {"00", "11"}
