"""The trajectory engine: hand-checkable noise, agreement with the density-matrix engine,
determinism and chunking, against an independent dense reference and (oracle) Qiskit Aer.

Statistics: single probabilities are checked within 5 binomial standard deviations (false
alarm below 6e-7 each); whole distributions with Pearson's chi-square test of homogeneity
between two independent samples, failing below p = 1e-4. Seeds are fixed, so every run
is reproducible and the bounds state how unlikely a correct engine is to fail them.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from engine_helpers import PARIS_PROPS, experiment, g, measure, run_engine, within

import qfoundry
from qfoundry import Circuit
from qfoundry.backend import DeviceBackend, SimulatorBackend
from qfoundry.device import DeviceSource
from qfoundry.errors import NoiseError, SimulationTooLargeError
from qfoundry.noise import (
    NoiseModel,
    amplitude_damping,
    depolarizing,
    kraus,
    phase_damping,
    thermal_relaxation,
)
from qfoundry.plugins.density_matrix import DensityMatrixEngine
from qfoundry.plugins.trajectory import TrajectoryEngine
from qfoundry.plugins.trajectory import program as _traj_program
from qfoundry.plugins.trajectory import run as _traj_run
from qfoundry.plugins.trajectory import unravel as _traj_noise
from qfoundry.program import lower

ENGINE = TrajectoryEngine()
P_FLOOR = 1e-4  # chi-square p-value below which two samples are declared different


@pytest.fixture(scope="module")
def backends(paris):
    """Paris with the trajectory engine and with the density-matrix engine."""
    source = DeviceSource.from_device(paris)
    return (DeviceBackend(source, TrajectoryEngine()),
            DeviceBackend(source, DensityMatrixEngine()))


@pytest.fixture(scope="module")
def simulator():
    return SimulatorBackend(TrajectoryEngine(), name="trajectory_test",
                            configuration={"n_qubits": 6})


def run(instructions, n_qubits=2, device=None, **options):
    return run_engine(ENGINE, instructions, n_qubits, device, **options)


def homogeneity_p(a: dict, b: dict) -> float:
    """Pearson chi-square test that two count dictionaries come from one distribution."""
    from scipy.stats import chi2_contingency

    keys = sorted(set(a) | set(b))
    table = np.array([[a.get(k, 0) for k in keys], [b.get(k, 0) for k in keys]])
    return 1.0 if len(keys) == 1 else float(chi2_contingency(table)[1])


# -- hand-checkable noise ---------------------------------------------------------------------
def test_amplitude_damping_of_one_is_exact_in_distribution():
    # Pure amplitude damping has no identity part: every shot draws its Born Kraus operator.
    nm = NoiseModel()
    nm.add_quantum_error(amplitude_damping(0.3), "x", [0])
    out = run([g("x", 0), measure(0, 0)], 1, noise_model=nm, shots=20000)
    assert within(out.data["counts"]["0x0"], 20000, 0.3)


def test_thermal_relaxation_and_dephasing_through_their_identity_part():
    # x then relaxation (T2 < 2 T1): P(0) = 1 - exp(-t/T1). H, relaxation, H: the
    # coherence c = exp(-t/T2) leaves P(1) = (1 - c)/2.
    t1, t2, t = 1.0, 1.5, 0.4
    nm = NoiseModel()
    nm.add_quantum_error(thermal_relaxation(t1, t2, t), "x", [0])
    nm.add_quantum_error(thermal_relaxation(t1, t2, t), "id", [1])
    prog = [g("x", 0), g("h", 1), g("id", 1), g("h", 1), measure(0, 0), measure(1, 1)]
    counts = run(prog, noise_model=nm, shots=20000).data["counts"]
    p0 = sum(c for k, c in counts.items() if not int(k, 16) & 1)
    p1 = sum(c for k, c in counts.items() if int(k, 16) & 2)
    assert within(p0, 20000, -math.expm1(-t / t1))
    # |+> relaxes to rho00 = (1 + p_r)/2, rho01 = c/2; after H, P(1) = (1 - c)/2.
    assert within(p1, 20000, (1 - math.exp(-t / t2)) / 2)


def test_phase_damping_between_hadamards():
    nm = NoiseModel()
    nm.add_quantum_error(phase_damping(0.36), "id", [0])
    counts = run([g("h", 0), g("id", 0), g("h", 0), measure(0, 0)], 1, noise_model=nm,
                 shots=20000).data["counts"]
    assert within(counts["0x1"], 20000, (1 - math.sqrt(1 - 0.36)) / 2)


def test_readout_flips_are_per_qubit_and_asymmetric():
    nm = NoiseModel()
    nm.add_readout_error([[0.9, 0.1], [0.25, 0.75]], 0)
    nm.add_readout_error([[0.9, 0.1], [0.25, 0.75]], 1)
    counts = run([g("x", 1), measure(0, 0), measure(1, 1)], noise_model=nm,
                 shots=20000).data["counts"]
    assert within(counts["0x0"], 20000, 0.9 * 0.25)
    assert within(sum(c for k, c in counts.items() if int(k, 16) & 1), 20000, 0.1)


def test_mid_circuit_readout_error_reaches_the_conditional():
    # The recorded bit (flipped with probability 0.2), not the true outcome, drives c_if.
    nm = NoiseModel()
    nm.add_readout_error([[1, 0], [0.2, 0.8]], 0)
    out = run([g("x", 0), measure(0, 0, register=[0]), g("x", 1, conditional=0),
               measure(1, 1)], noise_model=nm, shots=20000)
    counts = out.data["counts"]
    assert set(counts) == {"0x0", "0x3"} and within(counts["0x0"], 20000, 0.2)
    assert out.metadata["measure_sampling"] is False


def test_conditionals_bfunc_reset_initialize_and_unitary():
    bfunc = {"name": "bfunc", "mask": "0x3", "relation": "==", "val": "0x1", "register": 2}
    assert run([g("x", 0), measure(0, 0, register=[0]), bfunc, g("x", 1, conditional=2),
                measure(1, 1, register=[1])], shots=100).data["counts"] == {"0x3": 100}
    cond = {"mask": "0x1", "val": "0x1"}
    assert run([g("x", 0), measure(0, 0), g("x", 1, conditional=cond), measure(1, 1)],
               shots=50).data["counts"] == {"0x3": 50}
    counts = run([g("h", 0), measure(0, 0), g("reset", 0), measure(0, 1)]).data["counts"]
    assert set(counts) == {"0x0", "0x1"} and within(counts["0x1"], 4000, 0.5)
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    counts = run([{"name": "initialize", "qubits": [1], "params": [0.6, 0.8j]},
                  {"name": "unitary", "qubits": [0], "params": [x]},
                  measure(0, 0), measure(1, 1)], shots=20000).data["counts"]
    assert set(counts) == {"0x1", "0x3"} and within(counts["0x3"], 20000, 0.64)


def test_idle_qubit_records_and_partial_initialize():
    # q1 is only measured (always 0) but its readout flips: two records, evolving apart.
    nm = NoiseModel()
    nm.add_readout_error([[0.7, 0.3], [0.0, 1.0]], 1)
    counts = run([measure(1, 0, register=[0]), g("h", 0), g("h", 0, conditional=0),
                  measure(0, 1)], noise_model=nm, shots=20000).data["counts"]
    assert counts.get("0x3", 0) == 0
    assert within(counts["0x1"], 20000, 0.3) and within(counts["0x2"], 20000, 0.35)
    # initialize on half of a Bell pair: the other half keeps its (mixed) marginal.
    counts = run([g("h", 0), g("cx", 0, 1), {"name": "initialize", "qubits": [1],
                                             "params": [0, 1]},
                  {"name": "measure", "qubits": [0, 1], "memory": [0, 1]}],
                 shots=20000).data["counts"]
    assert set(counts) == {"0x2", "0x3"} and within(counts["0x3"], 20000, 0.5)


def test_shot_by_shot_when_no_branch_may_wait():
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing(0.3, 2), "cx")
    exp = experiment([g("h", 0), g("cx", 0, 1), measure(0, 0, register=[0]),
                      g("x", 1, conditional=0), g("cx", 0, 1), measure(1, 1)])
    program = _traj_program.compile_program(lower(exp), nm, None, fuse=3)
    waited, stats = _traj_run.run_program(program, 3000, np.random.default_rng(1), 1000)
    assert 0 < stats.most_held <= 2 * math.log2(3000)  # one state per split level
    alone, stats = _traj_run.run_program(program, 3000, np.random.default_rng(2), 0)
    assert stats.leaves == 3000 and stats.most_held == 0
    assert homogeneity_p(waited.counts(), alone.counts()) > P_FLOOR


def test_delay_relaxes_for_its_duration():
    nm = NoiseModel(dt=1e-9)
    nm.set_relaxation(0, 1e-6, 1e-6)
    nm.set_relaxation(1, 1e-6, 1e-6)
    out = run([g("x", 0), g("delay", 0, params=[1000]), g("delay", 1, params=[1000]),
               measure(0, 0)], noise_model=nm, shots=20000)
    assert within(out.data["counts"]["0x1"], 20000, math.exp(-1))
    assert out.metadata["active_input_qubits"] == [0]  # q1 only idles: it stays |0>


# -- the engine's machinery against independent constructions ------------------------------------
def test_device_channels_unravel_into_product_kraus_sets(backends):
    nm = backends[0].noise_model
    for name, qubits in [("cx", (0, 1)), ("sx", (5,)), ("reset", (3,)), ("cx", (12, 13))]:
        error = nm.quantum_error(name, qubits)
        items = _traj_noise.unravel(error)
        np.testing.assert_allclose(_traj_noise._superop(items, error.num_qubits), error.superop,
                                   atol=1e-12)
        assert all(len(item.qubits) == 1 for item in items if item.kind == "kraus")
    # Relaxation with T2 < 2 T1 keeps the state untouched with the identity part's chance;
    # q12's T2 is clipped to 2 T1 (pure amplitude damping, an extreme point): no such part.
    cx = _traj_noise.unravel(nm.quantum_error("cx", (0, 1)))
    assert [item.kind for item in cx] == ["mixture", "kraus", "kraus"]
    assert all(0.98 < item.p0 < 1 for item in cx)
    assert _traj_noise.unravel(nm.quantum_error("sx", (12,)))[1].p0 == 0


def test_a_general_two_qubit_kraus_channel_is_sampled_exactly():
    # A random channel (no structure to follow): canonical Kraus, Born draws on 2 qubits.
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 4, 4)) + 1j * rng.normal(size=(3, 4, 4))
    s = np.linalg.inv(np.linalg.cholesky(np.einsum("kji,kjl->il", a.conj(), a)))
    channel = kraus([k @ s.conj().T for k in a])
    nm = NoiseModel()
    nm.add_quantum_error(channel, "cx", [0, 1])
    out = run([g("h", 0), g("cx", 0, 1), measure(0, 0), measure(1, 1)], noise_model=nm,
              shots=20000)
    bell = np.zeros((4, 4))
    bell[np.ix_([0, 3], [0, 3])] = 0.5
    exact = np.diag(channel.apply(bell)).real
    for index, p in enumerate(exact):
        assert within(out.data["counts"].get(hex(index), 0), 20000, p)


def _dense_reference(instructions, n):
    """The ideal final state by np.kron-built full matrices (independent of the engine)."""
    from qfoundry.gates import GATES

    psi = np.zeros(2 ** n, dtype=complex)
    psi[0] = 1
    for inst in instructions:
        u = GATES[inst["name"]].matrix(inst.get("params", []), len(inst["qubits"]))
        qs = inst["qubits"]
        full = np.zeros((2 ** n, 2 ** n), dtype=complex)
        for col in range(2 ** n):
            sub = sum(((col >> q) & 1) << j for j, q in enumerate(qs))
            rest = col & ~sum(1 << q for q in qs)
            for row_sub in range(2 ** len(qs)):
                row = rest | sum(((row_sub >> j) & 1) << q for j, q in enumerate(qs))
                full[row, col] = u[row_sub, sub]
        psi = full @ psi
    return psi


def _state_vector(product, n):
    psi, order = np.ones(1, dtype=complex), []
    for f in product.factors():
        psi = np.multiply.outer(psi, f.data / math.sqrt(f.norm2)).reshape(-1)
        order += f.qubits
    return psi.reshape((2,) * n).transpose([order.index(q) for q in range(n - 1, -1, -1)]
                                           ).reshape(-1)


@pytest.mark.parametrize("fuse", [0, 2, 3, 4])
def test_fused_blocks_and_product_factors_match_a_dense_reference(fuse):
    rng = np.random.default_rng(fuse)
    n, prog = 5, []
    for layer in range(6):
        prog += [g("u3", q, params=rng.uniform(0, 2 * math.pi, 3)) for q in range(n)]
        prog += [g("cx", q, q + 1) for q in range(layer % 2, n - 1, 2)]
        prog.append(g("ccx", int(layer % n), int((layer + 2) % n), int((layer + 4) % n)))
    program = _traj_program.compile_program(lower(experiment(prog, n)), None, None, fuse=fuse)
    state = _traj_run.Product.zero(n)
    run = _traj_run._Run(program, np.random.default_rng(0), 0)
    for step in program.steps:
        _traj_run.apply_block(state, step, 1, run)
    overlap = np.vdot(_dense_reference(prog, n), _state_vector(state, n))
    assert abs(abs(overlap) - 1) < 1e-12


def test_unentangled_trajectories_stay_small(simulator):
    # A QFT of a basis state never entangles; with relaxation (identity part) and Pauli
    # noise the trajectories stay products of 1-qubit factors.
    n = 6
    c = Circuit(n, n)
    c.x(0)
    for j in range(n - 1, -1, -1):
        c.h(j)
        for k in range(j - 1, -1, -1):
            c.cp(math.pi / 2 ** (j - k), k, j)
    c.measure(list(range(n)), list(range(n)))
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing(0.02, 2).compose(
        thermal_relaxation(1, 1.2, 0.01).tensor(thermal_relaxation(1, 1.2, 0.01))), "cp")
    result = simulator.run(c, shots=200, seed_simulator=2, noise_model=nm).result()
    assert result.results[0].metadata["largest_factor"] <= 2
    ideal = simulator.run(c, shots=200, seed_simulator=2).result()
    assert ideal.results[0].metadata["largest_factor"] == 1


# -- agreement with the density-matrix engine on Paris ------------------------------------------
def _ghz(n):
    c = Circuit(n, n)
    c.h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


def _random(n, depth, seed):
    rng = np.random.default_rng(seed)
    c = Circuit(n, n)
    for _ in range(depth):
        c.u3(*rng.uniform(0, 2 * math.pi, 3), int(rng.integers(n)))
        a, b = rng.choice(n, 2, replace=False)
        c.cx(int(a), int(b))
    c.measure(list(range(n)), list(range(n)))
    return c


def _mid_circuit():
    c = Circuit(3, 3)
    c.h(0).cx(0, 1)
    c.measure(0, 0)
    c.x(2).c_if(c.cregs[0], 1)
    c.h(1).cx(1, 2)
    c.measure(1, 1)
    c.measure(2, 2)
    return c


def _amplitude_damped():
    # Paris q12/q13: T2 clipped to 2 T1, pure amplitude damping (no identity part).
    c = Circuit(27, 2)
    c.sx(12).rz(0.3, 12).cx(12, 13).sx(13).cx(13, 12)
    c.measure(12, 0)
    c.measure(13, 1)
    return c


@pytest.mark.parametrize("name, circuit, options", [
    ("ghz3", _ghz(3), {}),
    ("ghz4", _ghz(4), {"memory": True}),
    ("random4", _random(4, 10, 3), {}),
    ("mid-circuit", _mid_circuit(), {}),
    ("amplitude-damped", _amplitude_damped(), {"transpile": False}),
    ("noisier-and-warm", _ghz(3), {"noise_scale": 4.0, "temperature": 60.0}),
])
def test_agrees_with_the_density_matrix_engine(backends, name, circuit, options):
    trajectory, density = backends
    shots = 8192  # the device max_shots (Paris)
    common = dict(shots=shots, seed_transpiler=5, **options)
    ours = trajectory.run(circuit, seed_simulator=1, **common).result()
    theirs = density.run(circuit, seed_simulator=2, **common).result()
    assert ours.results[0].metadata["active_input_qubits"] == \
        theirs.results[0].metadata["active_input_qubits"]
    assert homogeneity_p(ours.get_counts(), theirs.get_counts()) > P_FLOOR, name


# -- determinism, chunks, options -----------------------------------------------------------------
def test_seeds_fix_memory_and_chunks_do_not_depend_on_the_executor(backends):
    trajectory, _ = backends
    c = _ghz(3)
    kw = dict(shots=900, memory=True, seed_transpiler=1, noise_scale=3.0)
    a = trajectory.run(c, seed_simulator=7, **kw).result()
    b = trajectory.run(c, seed_simulator=7, **kw).result()
    other = trajectory.run(c, seed_simulator=8, **kw).result()
    assert a.get_memory() == b.get_memory() != other.get_memory()
    serial = trajectory.run(c, seed_simulator=7, shots_per_chunk=200, **kw).result()
    with ThreadPoolExecutor(max_workers=3) as pool:
        spread = trajectory.run(c, seed_simulator=7, shots_per_chunk=200, executor=pool,
                                **kw).result()
    assert serial.get_memory() == spread.get_memory()
    assert serial.get_counts() == spread.get_counts()
    assert serial.results[0].metadata["shot_chunks"] == 5 and len(serial.get_memory()) == 900
    assert homogeneity_p(serial.get_counts(), a.get_counts()) > P_FLOOR


def test_result_metadata_and_the_noise_model(backends):
    trajectory, density = backends
    result = trajectory.run(_ghz(3), shots=100, seed_simulator=1, seed_transpiler=1).result()
    meta = result.results[0].metadata
    assert meta["method"] == "trajectory" and meta["num_qubits"] == 3
    assert len(meta["active_input_qubits"]) == 3 and meta["noise"].startswith("device paris")
    assert meta["measure_sampling"] is True and meta["branches"] >= 1
    assert trajectory.noise_model is density.noise_model  # the same cached device model


def test_refusals_before_allocating(backends):
    trajectory, _ = backends
    # 1 MiB holds 3 statevectors of 14 qubits: 16 active qubits are refused at submission.
    with pytest.raises(SimulationTooLargeError, match="16 active qubits.*at most 14"):
        trajectory.run(_wide(trajectory.device, 16), max_memory_mb=1, transpile=False)
    counts = trajectory.run(_wide(trajectory.device, 9), shots=10, max_memory_mb=1,
                            transpile=False).result().get_counts()
    assert sum(counts.values()) == 10
    with pytest.raises(NoiseError, match="noise_scale"):
        trajectory.run(_ghz(2), noise_model=NoiseModel(), noise_scale=2.0)


def _wide(device, n):
    """A native circuit entangling ``n`` connected Paris qubits."""
    c = Circuit(27, 1)
    touched: set[int] = set()
    for a, b in device.coupling_map:
        if len(touched | {a, b}) > n or (touched and not touched & {a, b}):
            continue
        c.cx(a, b)
        touched |= {a, b}
    c.measure(0, 0)
    return c


# -- oracle ------------------------------------------------------------------------------------
@pytest.mark.oracle
def test_agrees_with_aer_statevector_trajectories(backends):
    pytest.importorskip("qiskit_aer")
    runtime = pytest.importorskip("qiskit_ibm_runtime")
    import json

    import qiskit.qasm2
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoiseModel

    props = runtime.models.BackendProperties.from_dict(json.loads(PARIS_PROPS.read_text()))
    trajectory, _ = backends
    device = trajectory.device
    mapped = qfoundry.transpile(_random(4, 8, 11), trajectory, seed=3)
    qc = qiskit.qasm2.loads(mapped.to_qasm(),
                            custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    aer = AerSimulator(method="statevector", max_parallel_threads=1,
                       noise_model=AerNoiseModel.from_backend_properties(props, dt=device.dt))
    shots = 8000
    theirs = aer.run(qc, shots=shots, seed_simulator=5).result().get_counts()
    ours = trajectory.run(mapped, shots=shots, seed_simulator=5, transpile=False
                          ).result().get_counts()
    assert homogeneity_p(ours, dict(theirs)) > P_FLOOR
