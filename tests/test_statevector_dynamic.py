"""Measurements, resets, classical control and sampling in the statevector engine.

Distributions are checked with chi-square tests at fixed seeds (so each test is
deterministic); a p-value under 1e-3 fails. Exact claims (impossible outcomes, key
formats, reproducibility) are checked exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import assert_distribution
from scipy import stats
from test_statevector import run, statevector

from qfoundry.errors import EngineError
from qfoundry.plugins.statevector import engine as sv

P_MIN = 1e-3


def measure(q, slot, register=None):
    d = {"name": "measure", "qubits": [q], "memory": [slot]}
    if register is not None:
        d["register"] = [register]
    return d


# -- final measurements ------------------------------------------------------------------------

def test_bell_counts_and_memory():
    out = run([{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]},
               measure(0, 0), measure(1, 1)], 2, 2, shots=4000, memory=True)
    assert_distribution(out.data["counts"], {"0x0": 0.5, "0x3": 0.5}, 4000)
    mem = out.data["memory"]
    assert len(mem) == 4000 and set(mem) <= {"0x0", "0x3"}
    assert {k: mem.count(k) for k in set(mem)} == out.data["counts"]
    assert out.metadata["measure_sampling"] and out.metadata["branches"] == 1


def test_measurement_into_permuted_clbits_partial_and_repeated():
    # |q2 q1 q0> = |011>; q0 -> slot 2, q1 -> slot 0, q2 -> slot 1, q0 again -> slot 3
    out = run([{"name": "x", "qubits": [0]}, {"name": "x", "qubits": [1]},
               measure(0, 2), measure(1, 0), measure(2, 1), measure(0, 3)], 3, 5, shots=10)
    assert out.data["counts"] == {hex(0b01101): 10}
    # only q1 measured (into slot 1) of a 3-qubit state
    out = run([{"name": "x", "qubits": [1]}, {"name": "h", "qubits": [2]}, measure(1, 1)],
              3, 2, shots=10)
    assert out.data["counts"] == {"0x2": 10}


def test_later_write_to_a_slot_wins():
    out = run([{"name": "x", "qubits": [0]}, measure(0, 0), measure(1, 0)], 2, 1, shots=5)
    assert out.data["counts"] == {"0x0": 5}


def test_sampled_distribution_matches_the_state():
    rng = np.random.default_rng(2)
    n = 4
    angles = rng.uniform(0, math.pi, n)
    insts = [{"name": "ry", "qubits": [q], "params": [float(a)]} for q, a in enumerate(angles)]
    insts += [{"name": "cx", "qubits": [0, 3]}, {"name": "cx", "qubits": [2, 1]}]
    psi = statevector(insts, n)
    insts += [measure(q, q) for q in range(n)]
    shots = 20000
    out = run(insts, n, n, shots=shots, seed_simulator=11)
    assert_distribution(out.data["counts"], {hex(i): abs(a) ** 2 for i, a in enumerate(psi)},
                        shots)


def test_large_distribution_sampled_in_two_stages():
    # 2**20 outcomes: the row-then-column sampler; a uniform state over 21 qubits.
    insts = [{"name": "h", "qubits": [q]} for q in range(21)]
    insts += [measure(q, q) for q in range(21)]
    out = run(insts, 21, 21, shots=4096, seed_simulator=3)
    values = np.array([int(k, 16) for k, c in out.data["counts"].items() for _ in range(c)])
    assert len(values) == 4096
    # Each bit must be a fair coin; the high and low halves independent.
    for bit in (0, 10, 20):
        ones = int(((values >> bit) & 1).sum())
        assert stats.binomtest(ones, 4096, 0.5).pvalue > P_MIN


def test_zero_probability_outcomes_never_appear():
    out = run([{"name": "x", "qubits": [1]}, measure(0, 0), measure(1, 1)], 2, 2,
              shots=100000)
    assert out.data["counts"] == {"0x2": 100000}


def test_same_seed_same_counts_and_memory_other_seed_differs():
    insts = [{"name": "h", "qubits": [q]} for q in range(3)] + [measure(q, q) for q in range(3)]
    a = run(insts, 3, 3, memory=True, seed_simulator=5)
    b = run(insts, 3, 3, memory=True, seed_simulator=5)
    c = run(insts, 3, 3, memory=True, seed_simulator=6)
    d = run(insts, 3, 3, memory=False, seed_simulator=5)
    assert a.data == b.data
    assert a.data["memory"] != c.data["memory"]
    assert d.data["counts"] == a.data["counts"]


def test_no_clbits_gives_empty_counts():
    out = run([{"name": "h", "qubits": [0]}], 1, 0, shots=10)
    assert out.data["counts"] == {}


# -- mid-circuit measurement and classical control --------------------------------------------

def teleport(theta):
    """Teleport ry(theta)|0> from q0 to q2; corrections conditioned on c0, c1 (bfunc)."""
    return [
        {"name": "ry", "qubits": [0], "params": [theta]},
        {"name": "h", "qubits": [1]}, {"name": "cx", "qubits": [1, 2]},
        {"name": "cx", "qubits": [0, 1]}, {"name": "h", "qubits": [0]},
        measure(0, 0, 0), measure(1, 1, 1),
        {"name": "bfunc", "mask": "0x2", "relation": "==", "val": "0x2", "register": 3},
        {"name": "x", "qubits": [2], "conditional": 3},
        {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 4},
        {"name": "z", "qubits": [2], "conditional": 4},
        measure(2, 2),
    ]


def test_teleportation_branches_instead_of_simulating_each_shot():
    theta = 1.1
    shots = 4096
    out = run(teleport(theta), 3, 3, shots=shots, memory=True, seed_simulator=21)
    counts = out.data["counts"]
    p1 = math.sin(theta / 2) ** 2
    # c0, c1 are uniform and independent of the teleported bit c2.
    expected = {hex(c2 << 2 | c1 << 1 | c0): (p1 if c2 else 1 - p1) / 4
                for c0 in (0, 1) for c1 in (0, 1) for c2 in (0, 1)}
    assert_distribution(counts, expected, shots)
    assert out.metadata["branches"] == 4 and out.metadata["dynamic"]
    mem = out.data["memory"]
    assert len(mem) == shots and {k: mem.count(k) for k in set(mem)} == counts
    # Memory is shuffled across branches: no long run of one branch's outcomes.
    assert max(len(list(g)) for _, g in __import__("itertools").groupby(mem)) < 20


def test_conditional_register_bit_and_old_object_form():
    base = [{"name": "x", "qubits": [0]}, measure(0, 0, 0)]
    fired = run(base + [{"name": "x", "qubits": [1], "conditional": 0}, measure(1, 1)], 2, 2,
                shots=8)
    assert fired.data["counts"] == {"0x3": 8}
    obj = {"mask": "0x1", "val": "0x1", "type": "equals"}
    fired = run(base + [{"name": "x", "qubits": [1], "conditional": obj}, measure(1, 1)], 2, 2,
                shots=8)
    assert fired.data["counts"] == {"0x3": 8}
    obj = {"mask": "0x1", "val": "0x0", "type": "equals"}
    skipped = run(base + [{"name": "x", "qubits": [1], "conditional": obj}, measure(1, 1)], 2,
                  2, shots=8)
    assert skipped.data["counts"] == {"0x1": 8}


@pytest.mark.parametrize("relation,val,fires", [
    ("==", "0x2", True), ("!=", "0x2", False), ("<", "0x3", True), ("<=", "0x1", False),
    (">", "0x1", True), (">=", "0x3", False)])
def test_bfunc_relations_and_memory_bit(relation, val, fires):
    # register = 0b10 after measuring |q1 q0> = |10>
    insts = [{"name": "x", "qubits": [1]}, measure(0, 0, 0), measure(1, 1, 1),
             {"name": "bfunc", "mask": "0x3", "relation": relation, "val": val,
              "register": 5, "memory": 2},
             {"name": "x", "qubits": [2], "conditional": 5}, measure(2, 3)]
    out = run(insts, 3, 4, shots=4)
    bit = int(fires)
    assert out.data["counts"] == {hex(0b10 | bit << 2 | bit << 3): 4}


def test_unlowered_condition_on_a_named_register():
    from test_statevector import ENGINE, experiment

    from qfoundry.qobj import QasmQobjInstruction

    exp = experiment([{"name": "x", "qubits": [0]}, measure(0, 1)], 2, 3,
                     creg_sizes=[["a", 1], ["b", 2]])
    exp.instructions.append(QasmQobjInstruction("x", qubits=[1], condition=("b", 1)))
    exp.instructions.append(QasmQobjInstruction("measure", qubits=[1], memory=[0]))
    opts = {**dict(sv.StatevectorEngine.default_options()), "shots": 3, "memory": False,
            "seed_simulator": 1}
    assert ENGINE.run_experiment(exp, opts).data["counts"] == {"0x3": 3}


def test_reset_collapses_and_returns_to_zero():
    out = run([{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]},
               {"name": "reset", "qubits": [0]}, measure(0, 0), measure(1, 1)], 2, 2,
              shots=4000, seed_simulator=4)
    assert_distribution(out.data["counts"], {"0x0": 0.5, "0x2": 0.5}, 4000)
    out = run([{"name": "x", "qubits": [0]}, {"name": "reset", "qubits": [0]}, measure(0, 0)],
              1, 1, shots=50)
    assert out.data["counts"] == {"0x0": 50}
    assert out.metadata["branches"] == 1


def test_repeated_mid_circuit_measurement_agrees_with_itself():
    insts = [{"name": "h", "qubits": [0]}, measure(0, 0, 0),
             {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 4},
             {"name": "h", "qubits": [1], "conditional": 4}, measure(0, 1), measure(1, 2)]
    out = run(insts, 2, 3, shots=4000, seed_simulator=8)
    assert_distribution(out.data["counts"], {"0x0": 0.5, "0x3": 0.25, "0x7": 0.25}, 4000)


def test_branch_count_is_bounded_by_shots():
    insts = []
    for q in range(10):
        insts += [{"name": "h", "qubits": [q]}, measure(q, q, q),
                  {"name": "x", "qubits": [q], "conditional": q}]
    out = run(insts, 10, 10, shots=64, seed_simulator=2)
    assert out.metadata["branches"] <= 64
    assert sum(out.data["counts"].values()) == 64


def test_shot_by_shot_fallback_when_waiting_states_do_not_fit(monkeypatch):
    # 2 KiB of "memory" leaves room for no waiting branch: every split finishes shot by shot.
    monkeypatch.setattr(sv, "physical_memory", lambda: 2048)
    out = run(teleport(2.0), 3, 3, shots=2000, seed_simulator=9)
    p1 = math.sin(1.0) ** 2
    expected = {hex(c2 << 2 | c1 << 1 | c0): (p1 if c2 else 1 - p1) / 4
                for c0 in (0, 1) for c1 in (0, 1) for c2 in (0, 1)}
    assert_distribution(out.data["counts"], expected, 2000)


def test_statevector_method_collapses_on_measure():
    out = run([{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]}, measure(0, 0)],
              2, 1, method="statevector", shots=1000)
    state = out.data["statevector"]
    (key,) = out.data["counts"]
    expected = np.zeros(4)
    expected[3 if key == "0x1" else 0] = 1
    np.testing.assert_allclose(np.abs(state), expected, atol=1e-12)
    assert out.shots == 1 and out.data["counts"][key] == 1


def test_statevector_method_without_clbits_has_no_counts():
    out = run([{"name": "h", "qubits": [0]}], 1, 0, method="statevector")
    assert "counts" not in out.data


# -- initialize ---------------------------------------------------------------------------------

def test_initialize_resets_a_subset_and_prepares_it():
    amps = np.array([0.6, 0.8j])
    # q1 entangled with q0 first: initialize q1 must reset it (collapsing q0 with it).
    insts = [{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]},
             {"name": "initialize", "qubits": [1], "params": amps.tolist()},
             measure(0, 0), measure(1, 1)]
    out = run(insts, 2, 2, shots=8000, seed_simulator=5)
    expected = {"0x0": 0.5 * 0.36, "0x1": 0.5 * 0.36, "0x2": 0.5 * 0.64, "0x3": 0.5 * 0.64}
    assert_distribution(out.data["counts"], expected, 8000)


def test_initialize_all_qubits_amplitudes_label_and_index():
    amps = np.array([0.5, 0.5j, -0.5, 0.5])
    got = statevector([{"name": "initialize", "qubits": [0, 1], "params": amps.tolist()}], 2)
    np.testing.assert_allclose(got, amps, atol=1e-12)
    got = statevector([{"name": "initialize", "qubits": [1, 0], "params": ["1", "+"]}], 2)
    s = 1 / math.sqrt(2)  # label "1+": qubits[1] (q0) is "1", qubits[0] (q1) is "+"
    np.testing.assert_allclose(got, [0, s, 0, s], atol=1e-12)
    got = statevector([{"name": "initialize", "qubits": [2, 0], "params": [2]}], 3)
    np.testing.assert_allclose(got, np.eye(8)[1], atol=1e-12)  # index 2 -> qubits[1] = q0


def test_initialize_checks_its_amplitudes():
    with pytest.raises(EngineError, match="not normalized"):
        run([{"name": "initialize", "qubits": [0], "params": [1, 1]}], 1)
    with pytest.raises(EngineError, match="3 amplitudes for 1 qubit"):
        run([{"name": "initialize", "qubits": [0], "params": [1, 0, 0]}], 1)


ENGINES = ["statevector", "density_matrix", "trajectory"]


def _engine(name):
    from qfoundry.plugins.density_matrix import engine as density_matrix
    from qfoundry.plugins.trajectory import engine as trajectory
    return {"statevector": sv.ENGINE, "density_matrix": density_matrix._ENGINE,
            "trajectory": trajectory._ENGINE}[name]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("memory", [2, [2]])
def test_bfunc_memory_as_slot_or_one_slot_list_on_every_engine(engine, memory):
    """The Qobj model accepts a bfunc's ``memory`` as a slot or a one-slot list; every
    engine reads both (one shared parser)."""
    from engine_helpers import run_engine

    insts = [{"name": "x", "qubits": [1]}, measure(0, 0, 0), measure(1, 1, 1),
             {"name": "bfunc", "mask": "0x3", "relation": "==", "val": "0x2",
              "register": 5, "memory": memory},
             {"name": "x", "qubits": [2], "conditional": 5}, measure(2, 3)]
    out = run_engine(_engine(engine), insts, 3, shots=4)
    assert out.data["counts"] == {hex(0b1110): 4}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("field,value,message", [
    ("relation", "~", "relation '~' is not one of"),
    ("register", None, "needs 'register'"),
    ("memory", [1, 2], "'memory' must name one slot"),
    ("mask", "zz", "is not a hex string"),
])
def test_bad_bfunc_fields_are_refused_by_every_engine(engine, field, value, message):
    from engine_helpers import run_engine

    bfunc = {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 1}
    if value is None:
        del bfunc[field]
    else:
        bfunc[field] = value
    insts = [measure(0, 0, 0), bfunc]
    with pytest.raises(EngineError, match="instruction 1") as err:
        run_engine(_engine(engine), insts, 1, shots=4)
    assert message in str(err.value)
