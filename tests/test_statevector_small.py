"""The small-state path (plugins/statevector/small.py) against dense constructions and
against the general path, and the cheaper tallies and formatters small jobs use."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from test_statevector import experiment, random_gates, random_state, reference_unitary

import qfoundry
from qfoundry.plugins.statevector import engine as sv
from qfoundry.plugins.statevector import small
from qfoundry.plugins.statevector.run import _distinct
from qfoundry.program import lower
from qfoundry.qobj import QobjExperimentHeader
from qfoundry.result import _bits_formatter, format_counts, format_memory

ENGINE = sv.ENGINE


def options(**extra):
    return {**dict(sv.StatevectorEngine.default_options()), "shots": 4000, "memory": False,
            "seed_simulator": 5, **extra}


def measure_all(n, slots=None):
    return [{"name": "measure", "qubits": [q], "memory": [q if slots is None else slots[q]]}
            for q in range(n)]


def tvd(counts, probs):
    """Total variation distance between observed counts and a distribution over keys."""
    shots = sum(counts.values())
    keys = set(counts) | set(probs)
    return 0.5 * sum(abs(counts.get(k, 0) / shots - probs.get(k, 0.0)) for k in keys)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("seed", range(6))
def test_final_state_equals_the_dense_product(n, seed):
    rng = np.random.default_rng(100 * n + seed)
    gates = random_gates(rng, n, 25)  # every gate of the table that fits, random angles
    if n >= 2:  # a unitary instruction, a diagonal one and a permutation one
        u = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))[0]
        gates.append({"name": "unitary", "qubits": [n - 1, 0], "params": [u]})
        gates.append({"name": "unitary", "qubits": [0, n - 1],
                      "params": [np.diag(np.exp(1j * rng.uniform(0, 6, 4)))]})
        gates.append({"name": "unitary", "qubits": [n - 1, 0], "params": [np.eye(4)[[1, 0, 3, 2]]]})
    gates.append({"name": "global_phase", "qubits": [], "params": [0.7]})
    program = lower(experiment(gates, n, 0, global_phase=0.3))
    assert small.eligible(program, options(), True)
    expected = np.exp(1j * 1.0) * reference_unitary(gates[:-1], n)[:, 0]
    np.testing.assert_allclose(small.final_state(program), expected, atol=1e-10)
    init = random_state(rng, n)
    np.testing.assert_allclose(small.final_state(program, initial=init),
                               np.exp(1j * 1.0) * reference_unitary(gates[:-1], n) @ init,
                               atol=1e-10)


def test_single_precision_state_is_close_to_double():
    rng = np.random.default_rng(3)
    program = lower(experiment(random_gates(rng, 4, 30), 4))
    np.testing.assert_allclose(small.final_state(program, np.complex64),
                               small.final_state(program), atol=1e-5)


@pytest.mark.parametrize("n", [2, 4, 9])  # multinomial (<= 64 outcomes) and search (> 64)
def test_counts_follow_the_born_rule_and_match_the_general_path(n):
    rng = np.random.default_rng(n)
    names = ["h", "rx", "cx", "cp", "u", "swap"] + (["ccx"] if n >= 3 else [])
    gates = random_gates(rng, n, 40, names=names)
    insts = gates + measure_all(n)
    program = lower(experiment(insts, n, n))
    assert small.eligible(program, options(), True)
    psi = reference_unitary(gates, n)[:, 0]
    probs = {hex(i): abs(a) ** 2 for i, a in enumerate(psi) if abs(a) > 0}
    shots = 20000
    # Tolerance: E[TVD] of k outcomes at s shots is about sqrt(k / (2 pi s)); 3x that.
    tol = 3 * math.sqrt(len(probs) / (2 * math.pi * shots)) + 0.01
    out = ENGINE.run_experiment(experiment(insts, n, n), options(shots=shots))
    assert out.metadata["measure_sampling"] and out.metadata["branches"] == 1
    assert sum(out.data["counts"].values()) == shots
    assert tvd(out.data["counts"], probs) < tol
    # The general path (a mid-circuit reset on a fresh qubit keeps it off the small path)
    # draws the same distribution.
    general = ENGINE.run_experiment(experiment(insts + [{"name": "reset", "qubits": [n]}],
                                               n + 1, n), options(shots=shots))
    assert general.metadata["branches"] == 1 and general.metadata["dynamic"]
    assert tvd(general.data["counts"], probs) < tol


def test_zero_probability_outcomes_are_never_drawn():
    for n in (3, 8):  # 4 and 128 nonzero outcomes: both samplers
        gates = [{"name": "h", "qubits": [q]} for q in range(n - 1)]
        insts = gates + [{"name": "x", "qubits": [n - 1]}] + measure_all(n)
        for seed in range(5):
            counts = ENGINE.run_experiment(experiment(insts, n, n),
                                           options(seed_simulator=seed)).data["counts"]
            assert all(int(k, 16) >> (n - 1) & 1 for k in counts)  # qubit n-1 is always 1


def test_partial_measurement_and_slot_layout():
    # Measure qubit 2 into slot 0 and qubit 0 into slot 3 of 4; qubit 1 is not measured.
    insts = [{"name": "x", "qubits": [2]}, {"name": "h", "qubits": [1]},
             {"name": "measure", "qubits": [2, 0], "memory": [0, 3]}]
    out = ENGINE.run_experiment(experiment(insts, 3, 4), options(memory=True))
    assert out.data["counts"] == {"0x1": 4000}
    assert out.data["memory"] == ["0x1"] * 4000


def test_memory_is_the_counts_in_shot_order_and_seeded():
    rng = np.random.default_rng(9)
    insts = random_gates(rng, 3, 20) + measure_all(3)
    a = ENGINE.run_experiment(experiment(insts, 3, 3), options(memory=True, shots=3000))
    b = ENGINE.run_experiment(experiment(insts, 3, 3), options(memory=True, shots=3000))
    c = ENGINE.run_experiment(experiment(insts, 3, 3), options(memory=False, shots=3000))
    assert a.data == b.data  # the same seed: the same counts and the same memory
    assert c.data["counts"] == a.data["counts"]  # memory=True draws the counts first
    assert Counter(a.data["memory"]) == a.data["counts"]
    assert len(a.data["memory"]) == 3000
    # Shot order is random: consecutive shots are not grouped by outcome.
    runs = sum(x != y for x, y in zip(a.data["memory"], a.data["memory"][1:]))
    assert runs > 1000


def test_no_measurement_and_no_clbits():
    insts = [{"name": "h", "qubits": [0]}]
    out = ENGINE.run_experiment(experiment(insts, 2, 2), options(memory=True, shots=10))
    assert out.data == {"counts": {"0x0": 10}, "memory": ["0x0"] * 10}
    out = ENGINE.run_experiment(experiment(insts, 2, 0), options(memory=True, shots=10))
    assert out.data == {"counts": {}, "memory": []}


@pytest.mark.parametrize("extra, n", [
    ([{"name": "measure", "qubits": [0], "memory": [0]}, {"name": "x", "qubits": [0]}], 2),
    ([{"name": "reset", "qubits": [0]}], 2),
    ([{"name": "x", "qubits": [1], "conditional": 0},
      {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 0}], 2),
    ([], small.SMALL_QUBITS + 1),
])
def test_what_stays_on_the_general_path(extra, n):
    insts = [{"name": "h", "qubits": [0]}, *extra, {"name": "measure", "qubits": [0],
                                                    "memory": [1]}]
    assert not small.eligible(lower(experiment(insts, n, 2)), options(), True)


def test_other_methods_and_single_shots_stay_on_the_general_path():
    program = lower(experiment([{"name": "h", "qubits": [0]}], 1))
    assert small.eligible(program, options(), True)
    assert not small.eligible(program, options(method="statevector"), True)
    assert not small.eligible(program, options(), False)  # shots=1 or no sampling


def test_jobs_give_identical_results_whatever_the_executor_and_threads():
    backend = qfoundry.get_backend("qasm_simulator")
    circuits = []
    for k in range(6):
        c = qfoundry.Circuit(3, 3)
        c.h(0).cx(0, 1).ry(0.3 * k, 2).cx(1, 2)
        c.measure([0, 1, 2], [0, 1, 2])
        circuits.append(c)
    runs = [backend.run(circuits, seed_simulator=11, memory=True, executor=ex,
                        max_parallel_experiments=2, max_parallel_threads=t).result()
            for ex, t in (("serial", 1), ("threads", 1), ("threads", 2), (None, 0))]
    first = runs[0]
    for other in runs[1:]:
        assert other.get_counts() == first.get_counts()
        assert [other.get_memory(i) for i in range(6)] == [first.get_memory(i) for i in
                                                             range(6)]
    # An experiment's seed reproduces it alone, whatever its place in the job.
    seed = first.results[4].seed_simulator
    alone = backend.run(circuits[4], seed_simulator=seed, memory=True).result()
    assert alone.get_memory() == first.get_memory(4)


def test_sample_counts_statistics_and_support():
    rng = np.random.default_rng(1)
    for size in (4, 64, 65, 1000):  # both sides of MULTINOMIAL_MAX
        p = rng.random(size)
        p[::3] = 0  # zeros are never drawn
        p /= p.sum()
        outcomes, tally = small.sample_counts(p, 200000, np.random.default_rng(size))
        assert tally.sum() == 200000 and np.all(tally > 0)
        assert np.all(np.diff(outcomes) > 0) and np.all(p[outcomes] > 0)
        freq = np.zeros(size)
        freq[outcomes] = tally / 200000
        # 3 sigma per outcome (binomial), plus rounding room
        assert np.all(np.abs(freq - p) <= 3 * np.sqrt(p * (1 - p) / 200000) + 1e-4)


@pytest.mark.parametrize("size", [4, 300, 5000])
def test_distinct_equals_unique(size):
    draws = np.random.default_rng(size).integers(0, size, 1024)
    distinct, per_shot = _distinct(draws)
    ref, inv = np.unique(draws, return_inverse=True)
    np.testing.assert_array_equal(distinct, ref)
    np.testing.assert_array_equal(per_shot, inv.reshape(-1))


@pytest.mark.parametrize("sizes", [None, [["c", 5]], [["a", 2], ["b", 3]], [["a", 0], ["b", 5]]])
def test_bulk_formatting_equals_the_per_key_formatter(sizes):
    header = QobjExperimentHeader(name="x", memory_slots=5,
                                  **({"creg_sizes": sizes} if sizes else {}))
    keys = [hex(v) for v in range(32)]
    counts = {k: i % 4 for i, k in enumerate(keys)}  # zeros are dropped
    to_bits = _bits_formatter(header)
    expected = {to_bits(k): v for k, v in counts.items() if v}
    assert format_counts(counts, header) == expected
    assert format_memory(keys * 2, header) == [to_bits(k) for k in keys * 2]
    # Mixed and non-canonical keys take the per-key path and still sum.
    assert format_counts({"0x1": 2, "0x01": 3, "00011": 1}, header) == {
        to_bits("0x1"): 5, "00011": 1}
