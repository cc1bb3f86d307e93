"""Sampler and Estimator: Qiskit V2 PUB shapes, broadcasting, results and errors."""

from __future__ import annotations

import numpy as np
import pytest

import qfoundry as qf
from qfoundry.errors import PrimitiveError
from qfoundry.parameters import Parameter, ParameterVector


def _ansatz(circuit, theta, n):
    for q in range(n):
        circuit.ry(theta[q], q)
    for q in range(n - 1):
        circuit.cx(q, q + 1)
    for q in range(n):
        circuit.rz(theta[n + q], q)
    return circuit


def _pair(n=3):
    return _ansatz(qf.Circuit(n), ParameterVector("t", 2 * n), n)


OBS = [qf.Observable.from_list([("ZZI", 1.0), ("IXX", 0.5)]), qf.Observable("YIZ"),
       qf.Observable.from_list([("XXX", -1.0), ("ZIZ", 0.2)])]
RNG = np.random.default_rng(7)
VALUES = RNG.uniform(-np.pi, np.pi, (2, 3, 6))

CASES = [  # (observables, parameter values, broadcast shape), after Qiskit's docs
    (OBS[0], VALUES[0, 0], ()),                      # one of each
    (OBS[0], VALUES[0], (3,)),                       # one observable, a sweep
    (OBS, VALUES[0], (3,)),                          # zipped
    ([[o] for o in OBS], VALUES[0], (3, 3)),         # every observable x every value set
    ([OBS[:2], OBS[1:]], VALUES[:, :1], (2, 2)),     # (2, 2) against (2, 1)
    (OBS[1], VALUES, (2, 3)),                        # one observable, a 2-d sweep
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_estimator_broadcasting_matches_bound_circuits(case):
    obs, values, shape = CASES[case]
    c = _pair()
    est = qf.Estimator(qf.get_backend("qasm_simulator"))
    data = est.run([(c, obs, values)]).result()[0].data
    assert data.evs.shape == shape and data.stds.shape == shape
    assert np.all(data.stds == 0)
    obs_arr = np.empty(np.shape(obs) if isinstance(obs, list) else (), dtype=object)
    for idx in np.ndindex(obs_arr.shape):
        item = obs
        for i in idx:
            item = item[i]
        obs_arr[idx] = item
    o_b = np.broadcast_to(obs_arr, shape)
    v_b = np.broadcast_to(values, shape + (6,))
    sv = qf.get_backend("statevector_simulator")
    for idx in np.ndindex(shape):
        psi = sv.run(c.assign_parameters(v_b[idx]), shots=1).result().results[0].data[
            "statevector"]
        want = np.vdot(psi, o_b[idx].to_matrix() @ psi).real
        assert data.evs[idx] == pytest.approx(want, abs=1e-10), idx


@pytest.mark.oracle
@pytest.mark.parametrize("case", range(len(CASES)))
def test_estimator_agrees_with_qiskits_statevector_estimator(case):
    qiskit = pytest.importorskip("qiskit")
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp

    obs, values, shape = CASES[case]
    theirs = _ansatz(qiskit.QuantumCircuit(3), qiskit.circuit.ParameterVector("t", 6), 3)

    def spo(x):
        if isinstance(x, list):
            return [spo(y) for y in x]
        return SparsePauliOp.from_list(x.to_list())

    ref = StatevectorEstimator().run([(theirs, spo(obs), values)]).result()[0].data.evs
    ours = qf.Estimator(qf.get_backend("qasm_simulator")).run(
        [(_pair(), obs, values)]).result()[0].data.evs
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-10)


def test_parameter_values_as_mappings_and_qiskit_shape_rules():
    a, b = Parameter("a"), Parameter("b")
    c = qf.Circuit(1).rx(a, 0).rz(b, 0)
    est = qf.Estimator(qf.get_backend("qasm_simulator"))
    xs = np.linspace(0, np.pi, 4)
    by_name = est.run([(c, "Z", {"a": xs, "b": np.zeros(4)})]).result()[0].data.evs
    by_tuple = est.run([(c, "Z", {(a, b): np.stack([xs, np.zeros(4)], -1)})]).result()[0]
    np.testing.assert_allclose(by_name, np.cos(xs), atol=1e-12)
    np.testing.assert_allclose(by_tuple.data.evs, np.cos(xs), atol=1e-12)
    one = qf.Circuit(1).rx(a, 0)
    # one parameter: a trailing axis of 1 is the parameter axis, else every axis is shape
    assert est.run([(one, "Z", xs)]).result()[0].data.evs.shape == (4,)
    assert est.run([(one, "Z", xs[:, None])]).result()[0].data.evs.shape == (4,)
    assert est.run([(qf.Circuit(1).x(0), "Z")]).result()[0].data.evs == pytest.approx(-1)


def test_pub_errors_name_the_shapes_and_terms():
    c = _pair()
    est = qf.Estimator(qf.get_backend("qasm_simulator"))
    with pytest.raises(PrimitiveError, match=r"observables shape \(3,\) .* \(2,\) are not"):
        est.run([(c, OBS, VALUES[0, :2])])
    with pytest.raises(PrimitiveError, match="acts on 4 qubits but the circuit has 3"):
        est.run([(c, "ZZZZ", VALUES[0, 0])])
    with pytest.raises(qf.ObservableError, match="observable 1.*term 0.*imaginary"):
        est.run([(c, [OBS[0], qf.Observable.from_list([("ZZZ", 1j)])], VALUES[0, :2])])
    with pytest.raises(PrimitiveError, match=r"parameters \['t\[0\]'"):
        est.run([(c, "ZZZ")])
    with pytest.raises(PrimitiveError, match="shape"):
        est.run([(c, "ZZZ", np.zeros((2, 5)))])
    with pytest.raises(PrimitiveError, match="wrap a single PUB in a list|list of PUBs"):
        est.run((c, "ZZZ", VALUES[0, 0]))
    with pytest.raises(PrimitiveError, match="precision"):
        est.run([(c, "ZZZ", VALUES[0, 0], -1.0)])
    with pytest.raises(PrimitiveError, match="ragged"):
        est.run([(c, [["ZZZ"], ["ZZZ", "XXX"]], VALUES[0, 0])])


@pytest.mark.parametrize("seed", range(4))
def test_sampled_estimates_are_within_four_standard_errors(seed):
    rng = np.random.default_rng(seed)
    c = _pair()
    values = rng.uniform(-np.pi, np.pi, (3, 6))
    obs = qf.Observable.from_list([("ZZI", 0.7), ("XXI", -0.4), ("IYZ", 0.9), ("XIX", 0.3),
                                   ("III", 0.25)])
    backend = qf.get_backend("qasm_simulator")
    exact = qf.Estimator(backend).run([(c, obs, values)]).result()[0].data
    sampled = qf.Estimator(backend, seed=seed).run([(c, obs, values)],
                                                   precision=0.02).result()[0]
    assert sampled.metadata["shots"] == 2500
    d = sampled.data
    assert np.all(d.stds > 0) and np.all(d.stds < 0.05)
    assert np.all(np.abs(d.evs - exact.evs) <= 4 * d.stds), (d.evs, exact.evs, d.stds)


def test_sampler_registers_shapes_counts_and_bitstrings():
    a = Parameter("a")
    c = qf.Circuit(qf.QuantumRegister("q", 2), qf.ClassicalRegister("lo", 1),
                   qf.ClassicalRegister("hi", 1))
    c.rx(a, 0).cx(0, 1).measure(0, 0).x(1).measure(1, 1)
    sampler = qf.Sampler(qf.get_backend("qasm_simulator"), seed=5)
    res = sampler.run([(c, [[0.0], [np.pi]])], shots=50).result()[0]
    lo, hi = res.data.lo, res.data.hi
    assert lo.shape == (2,) and lo.num_shots == 50 and lo.num_bits == 1
    assert lo.get_counts(0) == {"0": 50} and lo.get_counts(1) == {"1": 50}
    assert hi.get_counts(0) == {"1": 50} and hi.get_counts(1) == {"0": 50}
    assert lo.get_counts() == {"0": 50, "1": 50}
    assert len(hi.get_bitstrings()) == 100
    joined = res.join_data()
    assert joined.get_counts(0) == {"10": 50}  # hi is the high bit, as Qiskit's counts
    with pytest.raises(PrimitiveError, match="no classical registers"):
        sampler.run([qf.Circuit(1).x(0)])


def test_bitarray_loc_indexes_parameter_sets_never_shots():
    from qfoundry.errors import ResultError

    c = qf.Circuit(1).x(0)
    c.measure_all()
    res = qf.Sampler(qf.get_backend("qasm_simulator"), seed=1).run([c], shots=10).result()[0]
    meas = res.data.meas
    assert meas.shape == () and meas.get_counts() == {"1": 10} and meas.get_counts(()) == {"1": 10}
    with pytest.raises(ResultError, match=r"loc 5 has 1 indices; .*shape \(\) has 0"):
        meas.get_counts(5)  # would silently have counted shot 5 alone


def test_sampler_counts_equal_a_seeded_sweep():
    c = _pair()
    c.measure_all()
    values = VALUES[0]
    backend = qf.get_backend("qasm_simulator")
    res = qf.Sampler(backend, seed=9).run([(c, values)], shots=300).result()[0]
    sweep = backend.run(c, parameter_binds=[{p: values[:, k] for k, p in enumerate(
        c.parameters)}], shots=300, seed_simulator=9).result()
    for k in range(3):
        assert res.data.meas.get_counts(k) == sweep.get_counts(k)


@pytest.mark.oracle
def test_parameterised_qiskit_circuits_keep_their_expressions():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.circuit import Parameter as QParameter
    from qiskit.circuit import ParameterVector as QVector
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp

    t, v = QParameter("t"), QVector("v", 2)
    qc = qiskit.QuantumCircuit(2)
    qc.rx(2 * t + 1, 0)
    qc.rzz(v[1].sin(), 0, 1)
    qc.u(t, v[0], 0.5, 1)
    qc.ry(v[0].exp() - v[1].log(), 0)
    obs = SparsePauliOp.from_list([("XY", 1.0), ("ZZ", 0.5)])
    values = [[0.3, 0.2, 0.5], [1.0, 2.0, 3.0]]
    want = StatevectorEstimator().run([(qc, obs, values)]).result()[0].data.evs
    got = qf.Estimator(qf.get_backend("qasm_simulator")).run([(qc, obs, values)]).result()
    np.testing.assert_allclose(got[0].data.evs, want, atol=1e-10)
    qc.append(qiskit.circuit.library.QFTGate(2), [0, 1])  # a library gate: its definition
    want = StatevectorEstimator().run([(qc, obs, values)]).result()[0].data.evs
    got = qf.Estimator(qf.get_backend("qasm_simulator")).run([(qc, obs, values)]).result()
    np.testing.assert_allclose(got[0].data.evs, want, atol=1e-10)
