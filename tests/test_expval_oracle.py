"""Noisy exact expectation values against Qiskit Aer's EstimatorV2 (density-matrix method)
with the noise model Aer builds from the same calibration snapshot and the same circuit,
pre-transpiled by Qiskit: agreement to 1e-8 on fake_manila and fake_paris."""

from __future__ import annotations

import json

import numpy as np
import pytest
from engine_helpers import REPO

import qfoundry as qf

pytestmark = pytest.mark.oracle
qiskit = pytest.importorskip("qiskit")
qiskit_aer = pytest.importorskip("qiskit_aer")
runtime = pytest.importorskip("qiskit_ibm_runtime")

FAKES = {"manila": "FakeManilaV2", "paris": "FakeParisV2"}


def _aer_noise(device_name: str, dt: float):
    from qiskit_ibm_runtime.models import BackendProperties

    path = REPO / "devices" / "snapshots" / device_name / f"props_{device_name}.json"
    props = BackendProperties.from_dict(json.loads(path.read_text()))
    return qiskit_aer.noise.NoiseModel.from_backend_properties(props, dt=dt)


def _random_observables(n: int, rng: np.random.Generator):
    from qiskit.quantum_info import SparsePauliOp

    terms = [("".join(rng.choice(list("IXYZ"), n)), float(rng.normal())) for _ in range(4)]
    return SparsePauliOp.from_list(terms)


@pytest.mark.parametrize("device_name", sorted(FAKES))
def test_noisy_exact_values_match_aer_estimator(device_name):
    import qiskit_ibm_runtime.fake_provider as fp
    from qiskit_aer.primitives import EstimatorV2

    backend = qf.get_backend(f"fake_{device_name}")
    fake = getattr(fp, FAKES[device_name])()
    aer = EstimatorV2(options={"backend_options": {
        "method": "density_matrix", "noise_model": _aer_noise(device_name, backend.device.dt)}})
    ours = qf.Estimator(backend, run_options={"transpile": False})
    rng = np.random.default_rng(3)
    for seed in range(4):
        qc = qiskit.circuit.random.random_circuit(4, 4, max_operands=2, seed=seed)
        t = qiskit.transpile(qc, fake, seed_transpiler=seed, optimization_level=1,
                             initial_layout=[0, 1, 2, 3])
        obs = [_random_observables(4, rng).apply_layout(t.layout) for _ in range(2)]
        want = aer.run([(t, obs)]).result()[0].data.evs
        got = ours.run([(t, obs)]).result()[0].data
        np.testing.assert_allclose(got.evs, want, atol=1e-8, err_msg=f"seed {seed}")
        assert np.all(got.stds == 0)
