"""Parameter sweeps: ``run(..., parameter_binds=...)``, one transpile, symbolic angles."""

from __future__ import annotations

import math

import numpy as np
import pytest

import qfoundry as qf
from qfoundry.errors import ParameterError, TranspilerError
from qfoundry.parameters import Parameter, ParameterVector

RULE_GATES = [("rx", 1, 1), ("ry", 1, 1), ("rz", 1, 1), ("p", 1, 1), ("u1", 1, 1),
              ("u2", 2, 1), ("u3", 3, 1), ("u", 3, 1), ("crz", 1, 2), ("cp", 1, 2),
              ("cu1", 1, 2), ("crx", 1, 2), ("cry", 1, 2), ("rzz", 1, 2), ("rxx", 1, 2)]


def _ansatz(n: int = 3, layers: int = 2) -> tuple[qf.Circuit, ParameterVector]:
    theta = ParameterVector("theta", 2 * n * layers)
    c = qf.Circuit(n, n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            c.ry(theta[k], q).rz(theta[k + 1], q)
            k += 2
        for q in range(n - 1):
            c.cx(q, q + 1)
    c.measure(range(n), range(n))
    return c, theta


def test_ideal_sweep_equals_bound_runs_with_the_reported_seeds():
    c, theta = _ansatz()
    rng = np.random.default_rng(3)
    values = rng.uniform(-math.pi, math.pi, (6, len(theta)))
    backend = qf.get_backend("qasm_simulator")
    sweep = backend.run(c, parameter_binds=[{theta: values.T}], shots=500, memory=True,
                        seed_simulator=11).result()
    assert len(sweep.results) == 6
    for k, row in enumerate(values):
        single = backend.run(c.assign_parameters(row), shots=500, memory=True,
                             seed_simulator=sweep.results[k].seed_simulator).result()
        assert single.get_counts() == sweep.get_counts(k)
        assert single.get_memory() == sweep.get_memory(k)
        meta = sweep.results[k].header.metadata["parameter_values"]
        assert meta["theta[3]"] == row[3]


def test_device_sweep_with_transpile_false_equals_bound_runs():
    a = Parameter("a")
    c = qf.Circuit(2, 2).rz(a, 0).sx(0).rz(2 * a, 0).cx(0, 1).measure([0, 1], [0, 1])
    dev = qf.get_backend("fake_manila")
    sweep = dev.run(c, parameter_binds=[{a: [0.1, 1.2]}], transpile=False, shots=300,
                    seed_simulator=4).result()
    for k, v in enumerate([0.1, 1.2]):
        one = dev.run(c.assign_parameters([v]), transpile=False, shots=300,
                      seed_simulator=sweep.results[k].seed_simulator).result()
        assert one.get_counts() == sweep.get_counts(k)


def test_device_sweep_transpiles_once_and_matches_bound_runs_statistically(monkeypatch):
    import qfoundry.transpiler.api as api

    calls = []
    real = api.transpile_one
    monkeypatch.setattr(api, "transpile_one", lambda *a, **k: calls.append(1) or real(*a, **k))
    c, theta = _ansatz()
    values = np.random.default_rng(5).uniform(-math.pi, math.pi, (4, len(theta)))
    dev = qf.get_backend("fake_manila")
    shots = 4000
    sweep = dev.run(c, parameter_binds=[{theta: values.T}], shots=shots,
                    seed_simulator=2).result()
    assert len(calls) == 1  # one symbolic transpile serves every value set
    for k, row in enumerate(values):
        one = dev.run(c.assign_parameters(row), shots=shots, seed_simulator=7 + k).result()
        a, b = sweep.get_counts(k), one.get_counts()
        for key in set(a) | set(b):  # two independent samples of one distribution
            p = (a.get(key, 0) + b.get(key, 0)) / (2 * shots)
            sigma = math.sqrt(2 * max(p * (1 - p), 1 / shots) / shots)
            assert abs(a.get(key, 0) - b.get(key, 0)) / shots <= 5 * sigma, (k, key)


def test_a_sweep_is_not_capped_by_the_devices_max_experiments():
    a = Parameter("a")
    c = qf.Circuit(1, 1).rx(a, 0).measure(0, 0)
    dev = qf.get_backend("fake_manila")
    n = dev.device.max_experiments + 20
    r = dev.run(c, parameter_binds=[{a: np.linspace(0, math.pi, n)}], shots=10,
                seed_simulator=1).result()
    assert len(r.results) == n


def _statevector(circuit: qf.Circuit) -> np.ndarray:
    backend = qf.get_backend("statevector_simulator")
    return backend.run(circuit, shots=1).result().results[0].data["statevector"]


@pytest.mark.parametrize("seed", range(6))
def test_symbolic_transpile_then_bind_equals_the_circuit(seed):
    """Every gate with a symbolic rule, transpiled once for fake_manila, bound afterwards:
    the state equals the original circuit's on the final layout (up to global phase)."""
    rng = np.random.default_rng(seed)
    n = 3
    c = qf.Circuit(n)
    params = ParameterVector("p", 40)
    used = 0
    for q in range(n):  # a generic input state
        c.u3(*rng.uniform(-3, 3, 3), q)
    for _ in range(8):
        name, n_par, n_q = RULE_GATES[rng.integers(len(RULE_GATES))]
        qs = [int(x) for x in rng.choice(n, n_q, replace=False)]
        args = [params[used + j] * (1 + j) - 0.5 * j for j in range(n_par)]
        used += n_par
        getattr(c, name)(*args, *qs)
    c.cx(0, 2)
    dev = qf.get_backend("fake_manila")
    mapped = qf.transpile(c, dev, seed=seed)
    assert mapped.parameters  # still symbolic
    assert {op.name for op in mapped.data} <= {"rz", "sx", "x", "cx", "barrier"}
    values = {p.name: float(v) for p, v in zip(c.parameters, rng.uniform(-3, 3, 40))}
    want = _statevector(c.assign_parameters(values))
    got = _statevector(mapped.assign_parameters(values))
    final = mapped.metadata["final_layout"]
    expected = np.zeros(2 ** mapped.num_qubits, dtype=complex)
    for i, amp in enumerate(want):
        expected[sum(((i >> v) & 1) << final[v] for v in range(n))] = amp
    overlap = abs(np.vdot(expected, got))
    assert overlap == pytest.approx(1.0, abs=1e-10)


def test_unbound_parameters_are_named_at_run_time():
    t, u = Parameter("t"), Parameter("u")
    c = qf.Circuit(1, 1).rx(t, 0).ry(u, 0).measure(0, 0)
    backend = qf.get_backend("qasm_simulator")
    with pytest.raises(ParameterError, match=r"unbound parameter\(s\) \['t', 'u'\]"):
        backend.run(c)
    with pytest.raises(ParameterError, match=r"lacks \['u'\]"):
        backend.run(c, parameter_binds=[{t: [1, 2]}])
    with pytest.raises(ParameterError, match="does not have"):
        backend.run(c, parameter_binds=[{t: [1], u: [2], "w": [3]}])
    with pytest.raises(ParameterError, match="same number of values"):
        backend.run(c, parameter_binds=[{t: [1, 2], u: [2]}])
    with pytest.raises(ParameterError, match="one dict per circuit"):
        backend.run(c, parameter_binds=[{t: [1], u: [2]}, {}])
    with pytest.raises(ParameterError, match="nan"):
        qf.get_backend("qasm_simulator").run(
            qf.Circuit(1, 1).rx(t.sqrt(), 0).measure(0, 0), parameter_binds=[{t: [1, -1]}])


def test_a_symbolic_gate_without_a_rule_is_a_clear_transpiler_error():
    t = Parameter("t")
    c = qf.Circuit(2).cu3(t, 0, 0, 0, 1)
    with pytest.raises(TranspilerError, match=r"cu3 .* symbolic parameter\(s\) \['t'\]"):
        qf.transpile(c, qf.get_backend("fake_manila"))


def test_qobj_carries_symbolic_angles_as_text_and_round_trips():
    t = Parameter("t")
    c = qf.Circuit(1).rx(2 * t + 1, 0)
    qobj = qf.assemble(c)
    assert qobj.experiments[0].instructions[0].params == ["(2*t)+1"]
    again = qf.QasmQobj.from_dict(qobj.to_dict())
    back = qf.circuit.from_qobj_experiment(again.experiments[0])
    assert [p.name for p in back.parameters] == ["t"]
    assert back.assign_parameters([0.5]).data[0].params == (2.0,)


def test_lowered_once_density_matrices_equal_bound_runs():
    """The density-matrix engine's sweep path (template compiled once, symbolic gates'
    transfer matrices batched over value sets) gives the bound runs' states."""
    a, b = Parameter("a"), Parameter("b")
    c = qf.Circuit(3).sx(0).rz(a, 0).sx(0).rz(2 * a - b, 1).cx(0, 1).rz(b.cos(), 2).cx(1, 2)
    dev = qf.get_backend("fake_manila", engine="density_matrix")
    values = {a: [0.1, 1.3, -2.0], b: [0.5, 0.0, 3.0]}
    sweep = dev.run(c, parameter_binds=[values], transpile=False, shots=1,
                    save_density_matrix=True).result()
    for k in range(3):
        one = dev.run(c.assign_parameters({a: values[a][k], b: values[b][k]}), shots=1,
                      transpile=False, save_density_matrix=True).result()
        np.testing.assert_allclose(sweep.results[k].data["density_matrix"],
                                   one.results[0].data["density_matrix"], atol=1e-12)


def test_a_sweep_auto_runs_as_trajectories_equals_bound_runs():
    """Beyond the density-matrix cap (7 active qubits in 1 MiB) auto runs trajectories,
    which need the symbolic gates' matrices the density-matrix path leaves out."""
    t = Parameter("t")
    c = qf.Circuit(9, 9).h(0)
    for q in range(8):
        c.cx(q, q + 1)
    c.rx(t, 4).ry(2 * t, 8).measure(range(9), range(9))
    dev = qf.get_backend("fake_paris")
    sweep = dev.run(c, parameter_binds=[{t: [0.3, 2.0]}], shots=200, max_memory_mb=1,
                    seed_simulator=3).result()
    assert sweep.results[0].metadata["engine"] == "trajectory"
    for k, v in enumerate([0.3, 2.0]):
        one = dev.run(c.assign_parameters([v]), shots=200, max_memory_mb=1,
                      seed_simulator=sweep.results[k].seed_simulator).result()
        a, b = sweep.get_counts(k), one.get_counts()
        for key in set(a) | set(b):  # one symbolic transpile against a bound one
            p = (a.get(key, 0) + b.get(key, 0)) / 400
            assert abs(a.get(key, 0) - b.get(key, 0)) / 200 <= 5 * math.sqrt(
                2 * max(p * (1 - p), 1 / 200) / 200), key


def test_sweep_gate_stacks_equal_the_gate_table_and_flag_only_plain_xy_rotations():
    """The batched matrices of a sweep's symbolic gates are the gate table's, and only a
    noiseless rz's PTM takes the in-place XY rotation."""
    from qfoundry.gates import GATES
    from qfoundry.plugins.density_matrix.sweep import _gate_stack, _xy_rotations

    angles = np.array([[0.0], [0.3], [-2.1], [math.pi]])
    for name in ("rz", "rx", "p"):
        stack = _gate_stack(GATES[name], angles, 1)
        for row, u in zip(angles, stack):
            np.testing.assert_allclose(u, GATES[name].matrix(tuple(row), 1), atol=1e-15)
    c, s = math.cos(0.3), math.sin(0.3)
    rz = np.array([[1, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, 1.0]])
    rx = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, c, -s], [0, 0, s, c]])
    damped = rz * np.array([1, 0.9, 0.9, 1.0])[:, None]
    shifted = rz.copy()
    shifted[3, 0] = 0.01
    assert _xy_rotations(np.stack([rz, rx, damped, np.eye(4), shifted])).tolist() == [
        True, False, True, True, False]
    assert _xy_rotations(np.eye(16)[None]).tolist() == [False]
