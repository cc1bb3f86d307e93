"""The density_matrix engine: states against hand-checkable and dense references, counts
against their exact distribution (fixed seeds; tolerances stated per test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import experiment, g, measure, run_engine, within

from qfoundry.errors import EngineError, SimulationTooLargeError
from qfoundry.noise import (
    NoiseModel,
    amplitude_damping,
    depolarizing,
    pauli,
    thermal_relaxation,
)
from qfoundry.plugins.density_matrix import DensityMatrixEngine

ENGINE = DensityMatrixEngine()




def run(instructions, n_qubits=2, device=None, **options):
    return run_engine(ENGINE, instructions, n_qubits, device, **options)


def assert_physical(rho, atol=1e-10):
    assert abs(np.trace(rho) - 1) < atol
    np.testing.assert_allclose(rho, rho.conj().T, atol=atol)
    assert np.linalg.eigvalsh((rho + rho.conj().T) / 2)[0] > -atol


# -- ideal and hand-checkable ----------------------------------------------------------------
def test_bell_state_and_counts():
    out = run([g("h", 0), g("cx", 0, 1), measure(0, 0), measure(1, 1)],
              save_density_matrix=True, shots=2000)
    bell = np.zeros((4, 4))
    bell[np.ix_([0, 3], [0, 3])] = 0.5
    np.testing.assert_allclose(out.data["density_matrix"], bell, atol=1e-12)
    counts = out.data["counts"]
    assert set(counts) == {"0x0", "0x3"} and within(counts["0x3"], 2000, 0.5)
    assert out.metadata["noise"] == "ideal" and out.shots == 2000


def test_amplitude_damping_of_one():
    nm = NoiseModel()
    nm.add_quantum_error(amplitude_damping(0.3), "x", [0])
    out = run([g("x", 0), measure(0, 0)], 1, noise_model=nm, shots=20000,
              save_density_matrix=True)
    np.testing.assert_allclose(out.data["density_matrix"], np.diag([0.3, 0.7]), atol=1e-14)
    assert within(out.data["counts"]["0x0"], 20000, 0.3)


def test_depolarizing_of_a_bell_pair():
    nm = NoiseModel()
    nm.add_quantum_error(depolarizing(0.2, 2), "cx", [0, 1])
    out = run([g("h", 0), g("cx", 0, 1)], noise_model=nm, save_density_matrix=True)
    bell = np.zeros((4, 4))
    bell[np.ix_([0, 3], [0, 3])] = 0.5
    np.testing.assert_allclose(out.data["density_matrix"], 0.8 * bell + 0.05 * np.eye(4),
                               atol=1e-14)


def test_readout_flips_are_per_qubit_and_asymmetric():
    nm = NoiseModel()
    nm.add_readout_error([[0.9, 0.1], [0.25, 0.75]], 0)
    nm.add_readout_error([[0.9, 0.1], [0.25, 0.75]], 1)
    shots = 20000
    out = run([g("x", 1), measure(0, 0), measure(1, 1)], noise_model=nm, shots=shots)
    counts = out.data["counts"]
    p_slot0 = sum(c for k, c in counts.items() if int(k, 16) & 1) / shots
    p_slot1_zero = sum(c for k, c in counts.items() if not int(k, 16) & 2) / shots
    assert within(p_slot0 * shots, shots, 0.1) and within(p_slot1_zero * shots, shots, 0.25)
    # Independent flips: P(00) = 0.9 * 0.25.
    assert within(counts["0x0"], shots, 0.9 * 0.25)


def test_matches_a_dense_kraus_reference_with_and_without_fusion():
    """Random noisy 3-qubit circuit vs sum_K K rho K^dagger with np.kron-embedded K."""
    rng = np.random.default_rng(3)
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(thermal_relaxation(30e-6, 40e-6, 1e-6), ["sx", "h"])
    nm.add_all_qubit_quantum_error(depolarizing(0.05, 2), ["cx"])
    nm.add_quantum_error(pauli({"XZ": 0.1, "II": 0.9}), "cz", [2, 0])
    nm.add_quantum_error(amplitude_damping(0.2, 0.1), "reset", [1])
    ops = []
    for _ in range(14):
        kind = rng.integers(5)
        a, b = (int(x) for x in rng.permutation(3)[:2])
        if kind == 0:
            ops.append(g("u3", a, params=rng.uniform(0, 2 * np.pi, 3)))
        elif kind == 1:
            ops.append(g(rng.choice(["sx", "h"]), a))
        elif kind == 2:
            ops.append(g("cx", a, b))
        elif kind == 3:
            ops.append(g("cz", 2, 0))
        else:
            ops.append(g("reset", 1))
    rho = np.zeros((8, 8), dtype=complex)
    rho[0, 0] = 1
    for inst in ops:
        qs = inst["qubits"]
        u = _matrix(inst)
        rho = _embed(u, qs) @ rho @ _embed(u, qs).conj().T if u is not None else \
            _reset(rho, qs[0])
        error = nm.quantum_error(inst["name"], qs)
        if error is not None:
            rho = sum(_embed(k, qs) @ rho @ _embed(k, qs).conj().T for k in error.kraus)
    for fuse in (0, 1, 2, 3):
        got = run(ops, 3, noise_model=nm, save_density_matrix=True,
                  fusion_max_qubits=fuse).data["density_matrix"]
        np.testing.assert_allclose(got, rho, atol=1e-12, err_msg=f"fusion_max_qubits={fuse}")


def _matrix(inst):
    from qfoundry.gates import gate_matrix
    if inst["name"] == "reset":
        return None
    return gate_matrix(inst["name"], inst.get("params", ()))


def _embed(op, qubits, n=3):
    """op (qubits[0] least significant) as a 2^n x 2^n matrix, by explicit kron products."""
    full = np.zeros((2 ** n, 2 ** n), dtype=complex)
    k = len(qubits)
    for i in range(2 ** k):
        for j in range(2 ** k):
            if op[i, j] == 0:
                continue
            term = np.array([[1.0 + 0j]])
            for q in range(n - 1, -1, -1):
                if q in qubits:
                    pos = qubits.index(q)
                    unit = np.zeros((2, 2))
                    unit[(i >> pos) & 1, (j >> pos) & 1] = 1
                else:
                    unit = np.eye(2)
                term = np.kron(term, unit)
            full += op[i, j] * term
    return full


def _reset(rho, q):
    k0, k1 = np.array([[1, 0], [0, 0]]), np.array([[0, 1], [0, 0]])
    return sum(_embed(k, [q]) @ rho @ _embed(k, [q]).conj().T for k in (k0, k1))


# -- device noise, active qubits --------------------------------------------------------------
def test_paris_noise_keeps_rho_physical(paris):
    rng = np.random.default_rng(5)
    pairs = [(0, 1), (1, 2), (2, 3), (1, 4), (3, 5), (1, 0), (4, 1)]
    ops = []
    for _ in range(60):
        if rng.random() < 0.4:
            ops.append(g("cx", *pairs[rng.integers(len(pairs))]))
        else:
            q = int(rng.integers(6))
            ops.append(rng.choice([g("sx", q), g("x", q), g("rz", q, params=[rng.uniform(0, 6)]),
                                   g("reset", q), g("id", q)]))
    out = run(ops, 27, device=paris, noise_model="device", save_density_matrix=True)
    assert out.metadata["active_input_qubits"] == [0, 1, 2, 3, 4, 5]
    assert_physical(out.data["density_matrix"])


def test_only_active_qubits_are_simulated_and_slots_map_back(paris):
    out = run([g("x", 9), g("sx", 5), measure(9, 0), measure(5, 2), measure(20, 1)], 27,
              device=paris, noise_model="device", shots=8000)
    assert out.metadata["num_qubits"] == 2 and out.metadata["active_input_qubits"] == [5, 9]
    counts = out.data["counts"]
    p_slot0 = sum(c for k, c in counts.items() if int(k, 16) & 1) / 8000
    # q9 after x: excited up to x error and decay, read with P(0|1) = 0.019 -> ~0.98.
    assert 0.96 < p_slot0 < 0.995
    # q20 is measured only: always |0>, so slot 1 is 1 only by readout, P(1|0) = 0.0066.
    p_slot1 = sum(c for k, c in counts.items() if int(k, 16) & 2) / 8000
    assert within(p_slot1 * 8000, 8000, paris.qubits[20].prob_meas1_prep0)


def test_explicit_ideal_run_and_zero_noise_scale_on_a_device(paris):
    for opts in ({"noise_model": None}, {"noise_model": "device", "noise_scale": 0.0}):
        out = run([g("x", 12), measure(12, 0)], 27, device=paris, **opts)
        assert out.data["counts"] == {"0x1": 4000}


def test_noisier_than_the_snapshot(paris):
    prog = [g("x", 0), measure(0, 0)]
    base = run(prog, 27, device=paris, noise_model="device", save_density_matrix=True)
    noisy = run(prog, 27, device=paris, noise_model="device", noise_scale=3.0,
                save_density_matrix=True)
    assert noisy.data["density_matrix"][0, 0].real > 2.5 * base.data["density_matrix"][0, 0].real


def test_temperature_excites_through_reset_relaxation(paris):
    out = run([g("reset", 0)], 27, device=paris, noise_model="device", temperature=50.0,
              save_density_matrix=True)
    q = paris.qubits[0]
    p1 = 1 / (1 + math.exp(47.99243e-9 * q.frequency / 50.0))
    p_r = -math.expm1(-paris.gates[("reset", (0,))].length / q.t1)
    assert out.data["density_matrix"][1, 1].real == pytest.approx(p1 * p_r, rel=1e-12)


# -- mid-circuit measurement, conditionals, reset -------------------------------------------
def test_measure_then_conditional_copies_the_outcome_without_per_shot_runs():
    out = run([g("h", 0), measure(0, 0, register=[0]), g("x", 1, conditional=0),
               measure(1, 1)], shots=4000, memory=True)
    counts = out.data["counts"]
    assert set(counts) == {"0x0", "0x3"} and within(counts["0x3"], 4000, 0.5)
    assert len(out.data["memory"]) == 4000 and set(out.data["memory"]) == {"0x0", "0x3"}
    assert out.metadata["measure_sampling"] is False and out.metadata["branches"] == 2


def test_bfunc_lowered_c_if():
    # Qiskit's lowering of `x q[1] if (c == 1)`: bfunc into register bit 2, then conditional.
    bfunc = {"name": "bfunc", "mask": "0x3", "relation": "==", "val": "0x1", "register": 2}
    out = run([g("x", 0), measure(0, 0, register=[0]), bfunc, g("x", 1, conditional=2),
               measure(1, 1, register=[1])], shots=100)
    assert out.data["counts"] == {"0x3": 100}


def test_mid_circuit_readout_error_reaches_the_conditional():
    nm = NoiseModel()
    nm.add_readout_error([[1, 0], [0.2, 0.8]], 0)
    out = run([g("x", 0), measure(0, 0, register=[0]), g("x", 1, conditional=0),
               measure(1, 1)], noise_model=nm, shots=20000)
    counts = out.data["counts"]
    assert set(counts) == {"0x0", "0x3"} and within(counts["0x0"], 20000, 0.2)


def test_branches_from_an_idle_qubit_readout_evolve_independently():
    # q1 is only measured (always 0), but its readout flips: two records, one state each.
    nm = NoiseModel()
    nm.add_readout_error([[0.7, 0.3], [0.0, 1.0]], 1)
    out = run([measure(1, 0, register=[0]), g("h", 0), g("h", 0, conditional=0),
               measure(0, 1)], noise_model=nm, shots=20000)
    counts = out.data["counts"]
    # Record 1 (p 0.3): h twice, q0 back to 0. Record 0 (p 0.7): q0 is a fair coin.
    assert counts.get("0x3", 0) == 0
    assert within(counts["0x1"], 20000, 0.3) and within(counts["0x2"], 20000, 0.35)


def test_reset_mid_circuit_and_remeasure():
    out = run([g("h", 0), measure(0, 0), g("reset", 0), measure(0, 1)], shots=4000)
    counts = out.data["counts"]
    assert set(counts) == {"0x0", "0x1"} and within(counts["0x1"], 4000, 0.5)


def test_conditional_old_style_mask_on_memory():
    cond = {"mask": "0x1", "val": "0x1"}
    out = run([g("x", 0), measure(0, 0), g("x", 1, conditional=cond), measure(1, 1)],
              shots=50)
    assert out.data["counts"] == {"0x3": 50}


def test_unlowered_register_condition():
    # A Qobj may carry `if (c == 1)` as (register name, value) instead of bfunc + conditional.
    exp = experiment([g("x", 0), measure(0, 0), g("x", 1, condition=["c", 1]), measure(1, 1)])
    exp.header.creg_sizes = [["c", 2]]
    opts = {**ENGINE.default_options(), "shots": 50, "seed_simulator": 1, "noise_model": None}
    assert ENGINE.run_experiment(exp, opts).data["counts"] == {"0x3": 50}


# -- delay, save, initialize, unitary ---------------------------------------------------------
def test_delay_relaxes_for_its_duration_in_dt():
    nm = NoiseModel(dt=1e-9)
    nm.set_relaxation(0, 1e-6, 1e-6)
    out = run([g("x", 0), g("delay", 0, params=[1000])], 1, noise_model=nm,
              save_density_matrix=True)
    assert out.data["density_matrix"][1, 1].real == pytest.approx(math.exp(-1), abs=1e-14)
    out = run([g("x", 0), g("delay", 0, params=[500], unit="ns")], 1, noise_model=nm,
              save_density_matrix=True)
    assert out.data["density_matrix"][1, 1].real == pytest.approx(math.exp(-0.5), abs=1e-14)
    no_dt = NoiseModel()
    no_dt.set_relaxation(0, 1e-6, 1e-6)
    with pytest.raises(EngineError, match="units of dt"):
        run([g("delay", 0, params=[10])], 1, noise_model=no_dt)


def test_delay_on_paris_clips_t2(paris):
    out = run([g("sx", 12), g("delay", 12, params=[4500])], 27, device=paris,
              noise_model="device", save_density_matrix=True)
    assert_physical(out.data["density_matrix"])


def test_idle_qubits_padded_with_delays_are_not_simulated(paris):
    prog = [g("x", 0), g("delay", 5, params=[900]), g("delay", 7, params=[900]),
            g("id", 9), measure(0, 0), measure(5, 1)]
    cold = run(prog, 27, device=paris, noise_model="device", shots=20000)
    assert cold.metadata["active_input_qubits"] == [0, 9]  # id carries noise on Paris
    p_slot1 = sum(c for k, c in cold.data["counts"].items() if int(k, 16) & 2) / 20000
    assert within(p_slot1 * 20000, 20000, paris.qubits[5].prob_meas1_prep0)
    warm = run(prog, 27, device=paris, noise_model="device", temperature=40.0)
    assert warm.metadata["active_input_qubits"] == [0, 5, 7, 9]
    ideal = run(prog, 27, device=paris, noise_model=None)
    assert ideal.metadata["active_input_qubits"] == [0]


def test_save_instruction_reduced_state_and_labels():
    out = run([g("x", 0), g("h", 1), {"name": "save_density_matrix", "qubits": [1],
                                      "label": "mid"}, g("x", 1)])
    np.testing.assert_allclose(out.data["mid"], np.full((2, 2), 0.5), atol=1e-14)
    with pytest.raises(EngineError, match="already saved"):
        run([{"name": "save_density_matrix", "qubits": [0]}], save_density_matrix=True)


def test_initialize_and_unitary():
    psi = np.array([0.6, 0.8j])
    x = np.array([[0, 1], [1, 0]], dtype=complex)  # real pairs would read as [re, im]
    out = run([{"name": "initialize", "qubits": [1], "params": list(psi)},
               {"name": "unitary", "qubits": [0], "params": [x]}], save_density_matrix=True)
    want = np.kron(np.outer(psi, psi.conj()), np.diag([0, 1]))
    np.testing.assert_allclose(out.data["density_matrix"], want, atol=1e-14)


# -- options ----------------------------------------------------------------------------------
def test_seeds_reproduce_counts_and_memory():
    prog = [g("h", 0), g("h", 1), measure(0, 0), measure(1, 1)]
    a = run(prog, memory=True, seed_simulator=7)
    b = run(prog, memory=True, seed_simulator=7)
    c = run(prog, memory=True, seed_simulator=8)
    assert a.data == b.data and a.data["memory"] != c.data["memory"]
    assert sum(a.data["counts"].values()) == len(a.data["memory"]) == 4000


def test_memory_guard_refuses_before_allocating():
    prog = [g("h", q) for q in range(10)]
    with pytest.raises(SimulationTooLargeError, match="10 active qubits.*at most 9"):
        run(prog, 12, max_memory_mb=4)


def test_no_measurements_gives_empty_counts():
    assert run([g("h", 0)]).data["counts"] == {}
