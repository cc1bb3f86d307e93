"""qfoundry.qiskit.EstimatorV2 / SamplerV2: Qiskit's primitive interfaces over qfoundry's.

Exact estimates equal Qiskit's StatevectorEstimator (ideal, 1e-12) and Aer's EstimatorV2
on the density-matrix method with the noise model Aer builds from the same IBM
calibration snapshot (fake Manila, the same ISA circuit, 1e-8). Samples follow the exact
distribution (chi-square, fixed seed) and keep Qiskit's register names and shapes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from engine_helpers import REPO, assert_distribution

qiskit = pytest.importorskip("qiskit")
pytestmark = pytest.mark.oracle

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister  # noqa: E402
from qiskit.circuit.library import efficient_su2  # noqa: E402
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2, StatevectorEstimator  # noqa: E402
from qiskit.quantum_info import SparsePauliOp  # noqa: E402
from qiskit.transpiler import generate_preset_pass_manager  # noqa: E402

from qfoundry.qiskit import EstimatorV2, QfoundryProvider, SamplerV2  # noqa: E402

OBS = [SparsePauliOp(["ZZ", "XI"], [1.0, 0.5]), SparsePauliOp(["YY", "IZ"], [0.3, -1.0])]


def test_exact_estimates_equal_statevector_estimator():
    qc = efficient_su2(2, reps=2)
    values = np.random.default_rng(1).uniform(-3, 3, (4, qc.num_parameters))
    pub = (qc, [[o] for o in OBS], values)  # observables (2, 1) x values (4,) -> (2, 4)
    est = EstimatorV2()
    assert isinstance(est, BaseEstimatorV2)
    ours = est.run([pub]).result()[0].data
    want = StatevectorEstimator().run([pub]).result()[0].data
    assert ours.evs.shape == want.evs.shape == (2, 4)
    np.testing.assert_allclose(ours.evs, want.evs, atol=1e-12)
    assert not ours.stds.any()


def test_exact_noisy_estimates_equal_aer_density_matrix():
    qiskit_aer = pytest.importorskip("qiskit_aer")
    from qiskit_aer.primitives import EstimatorV2 as AerEstimator
    from qiskit_ibm_runtime.models import BackendProperties

    b = QfoundryProvider().get_backend("fake_manila")
    props = BackendProperties.from_dict(json.loads(
        (REPO / "devices/snapshots/manila/props_manila.json").read_text()))
    nm = qiskit_aer.noise.NoiseModel.from_backend_properties(props, dt=b.target.dt)
    qc = efficient_su2(3, reps=1)
    isa = generate_preset_pass_manager(backend=b, optimization_level=1,
                                       seed_transpiler=3).run(qc)
    obs = [o.apply_layout(isa.layout) for o in
           (SparsePauliOp(["ZZI", "XIX"], [1.0, 0.5]), SparsePauliOp(["IYZ"], [0.7]))]
    values = np.random.default_rng(2).uniform(-3, 3, (3, qc.num_parameters))
    pub = (isa, [[o] for o in obs], values)
    ours = EstimatorV2(b, run_options={"transpile": False}).run([pub]).result()[0].data
    aer = AerEstimator(options={"backend_options": {"method": "density_matrix",
                                                    "noise_model": nm}}).run(
        [pub], precision=0.0).result()[0].data
    np.testing.assert_allclose(ours.evs, aer.evs, atol=1e-8)
    ideal = StatevectorEstimator().run([(qc, [[o] for o in (
        SparsePauliOp(["ZZI", "XIX"], [1.0, 0.5]), SparsePauliOp(["IYZ"], [0.7]))],
        values)]).result()[0].data
    assert np.abs(ours.evs - ideal.evs).max() > 1e-3  # the device's noise is in it


def test_sampled_estimates_have_their_standard_errors():
    qc = QuantumCircuit(2)
    qc.ry(1.0, 0)
    qc.cx(0, 1)
    ours = EstimatorV2(seed=4).run([(qc, OBS[0])], precision=0.01).result()[0]
    exact = StatevectorEstimator().run([(qc, OBS[0])]).result()[0].data.evs
    assert 0.005 < float(ours.data.stds) < 0.02
    assert abs(float(ours.data.evs) - float(exact)) < 5 * float(ours.data.stds)


def test_sampler_keeps_register_names_shapes_and_the_distribution():
    qr, a, b = QuantumRegister(2), ClassicalRegister(1, "Alpha"), ClassicalRegister(1, "beta")
    qc = QuantumCircuit(qr, a, b)
    theta = qiskit.circuit.Parameter("t")
    qc.ry(theta, 0)
    qc.cx(0, 1)
    qc.measure(0, a[0])
    qc.measure(1, b[0])
    sampler = SamplerV2(seed=7)
    assert isinstance(sampler, BaseSamplerV2)
    res = sampler.run([(qc, [[0.0], [1.2]])], shots=4000).result()[0]
    assert set(res.data.keys()) == {"Alpha", "beta"}
    assert res.data.Alpha.shape == (2,) and res.data.Alpha.num_shots == 4000
    assert res.data.Alpha.get_counts(0) == {"0": 4000}
    p1 = np.sin(0.6) ** 2
    assert_distribution(res.data.Alpha.get_counts(1), {"0": 1 - p1, "1": p1}, 4000)
    joined = [a + b for a, b in zip(res.data.beta.get_bitstrings(1),
                                    res.data.Alpha.get_bitstrings(1))]
    assert set(joined) <= {"00", "11"}  # the two registers come from the same shots
    again = SamplerV2(seed=7).run([(qc, [[0.0], [1.2]])], shots=4000).result()[0]
    assert again.data.Alpha.get_counts(1) == res.data.Alpha.get_counts(1)
