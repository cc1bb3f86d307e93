"""qfoundry backends inside Qiskit: provider, BackendV2 + Target, transpile, primitives.

The adapter is checked against qfoundry itself (same circuit, ``transpile=False``, same
seed: identical counts) and against Aer's EstimatorV2 on the density-matrix method with
the noise model Aer builds from the same IBM calibration snapshot (equal to ours to
1e-12, tests/test_density_oracle.py): BackendEstimatorV2's estimate must lie within 5
of its reported standard errors of Aer's exact value.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from engine_helpers import REPO

import qfoundry
from qfoundry.errors import IntegrationError

qiskit = pytest.importorskip("qiskit")
pytestmark = pytest.mark.oracle

from qiskit import QuantumCircuit  # noqa: E402
from qiskit.primitives import BackendEstimatorV2, BackendSamplerV2  # noqa: E402
from qiskit.providers import BackendV2  # noqa: E402
from qiskit.quantum_info import SparsePauliOp  # noqa: E402
from qiskit.transpiler import generate_preset_pass_manager  # noqa: E402

from qfoundry.qiskit import QfoundryProvider  # noqa: E402

# Falcon (cx) with and without dynamic circuits, Hummingbird, Eagle (ecr), Heron (cz)
DEVICES = ["fake_manila", "fake_guadalupe", "fake_paris", "fake_brooklyn", "fake_brisbane",
           "fake_torino"]
PROVIDER = QfoundryProvider()


def ghz(n: int = 3) -> QuantumCircuit:
    qc = QuantumCircuit(n, n)
    qc.h(0)
    for k in range(n - 1):
        qc.cx(k, k + 1)
    qc.measure(range(n), range(n))
    return qc


def test_provider_lists_every_backend_as_backend_v2():
    names = sorted(b.name for b in PROVIDER.backends())
    assert names == sorted(str(b.name) for b in qfoundry.backends())
    assert all(isinstance(b, BackendV2) for b in PROVIDER.backends())
    assert [b.name for b in PROVIDER.backends("fake_paris")] == ["fake_paris"]
    assert PROVIDER.get_backend("fake_manila", noise_scale=2.0).options.noise_scale == 2.0


@pytest.mark.parametrize("name", DEVICES)
def test_device_target_carries_the_calibration(name):
    b = PROVIDER.get_backend(name)
    device = b.qfoundry_backend.device
    t = b.target
    assert t.num_qubits == device.n_qubits and t.dt == device.dt
    from qfoundry.device_isa import supports_dynamic_circuits

    dynamic = {"if_else", "switch_case", "for_loop"} if supports_dynamic_circuits(device) \
        else set()
    assert set(t.operation_names) == set(device.basis_gates) | {"measure", "delay", "box"} \
        | dynamic
    assert "while_loop" not in t.operation_names
    for (gate, qubits), props in device.gates.items():
        if gate not in device.basis_gates:  # fractional gates, offered opt-in
            assert gate not in t.operation_names
            continue
        assert t[gate][qubits].error == props.error
        assert t[gate][qubits].duration == props.length
    for q in range(device.n_qubits):
        assert t["measure"][(q,)].error == device.readout_error(q)
        assert t["measure"][(q,)].duration == device.readout_length(q)
        assert t.qubit_properties[q].t1 == device.t1(q)
        assert t.qubit_properties[q].t2 == device.t2(q)
        assert t.qubit_properties[q].frequency == device.frequency(q)
    assert sorted(b.coupling_map.get_edges()) == sorted(tuple(e) for e in device.coupling_map)


def test_fractional_gates_join_the_target_when_asked_for():
    b = PROVIDER.get_backend("fake_torino")
    assert "rzz" not in b.target.operation_names
    b.set_options(use_fractional_gates=True)
    device = b.qfoundry_backend.device
    assert {"rx", "rzz"} <= set(b.target.operation_names)
    pair = next(qs for (g, qs) in device.gates if g == "rzz")
    assert b.target["rzz"][pair].error == device.gates[("rzz", pair)].error


def test_ideal_simulators_have_a_gates_only_target():
    b = PROVIDER.get_backend("qasm_simulator")
    t = b.target
    assert t.dt is None and b.coupling_map is None
    assert {"cx", "rzz", "unitary", "measure", "reset", "if_else"} <= set(t.operation_names)
    assert t.instruction_supported("cx", (0, 27)) and t["cx"] == {None: None}
    qc = ghz(3)
    assert qiskit.transpile(qc, backend=b).num_qubits == 3  # no layout onto 28 qubits


@pytest.mark.parametrize("name", DEVICES)
def test_transpile_then_run_equals_qfoundry_with_transpile_false(name):
    b = PROVIDER.get_backend(name)
    isa = qiskit.transpile(ghz(3), backend=b, seed_transpiler=11)
    assert set(isa.count_ops()) <= set(b.target.operation_names)
    ours = b.qfoundry_backend.run(isa, shots=500, seed_simulator=3, transpile=False)
    theirs = b.run(isa, shots=500, seed_simulator=3)
    assert theirs.result().get_counts() == ours.result().get_counts()


def test_preset_pass_manager_and_sampler_give_qfoundry_counts():
    b = PROVIDER.get_backend("fake_manila")
    pm = generate_preset_pass_manager(backend=b, optimization_level=2, seed_transpiler=4)
    isa = pm.run(ghz(3))
    sampler = BackendSamplerV2(backend=b, options={"seed_simulator": 9})
    counts = sampler.run([isa], shots=700).result()[0].data.c.get_counts()
    ours = b.qfoundry_backend.run(isa, shots=700, seed_simulator=9, memory=True,
                                  transpile=False).result().get_counts()
    assert counts == ours


def test_backend_estimator_agrees_with_aer_density_matrix():
    qiskit_aer = pytest.importorskip("qiskit_aer")
    from qiskit_aer.primitives import EstimatorV2 as AerEstimator
    from qiskit_ibm_runtime.models import BackendProperties

    b = PROVIDER.get_backend("fake_manila")
    props = BackendProperties.from_dict(json.loads(
        (REPO / "devices/snapshots/manila/props_manila.json").read_text()))
    nm = qiskit_aer.noise.NoiseModel.from_backend_properties(props, dt=b.target.dt)
    qc = QuantumCircuit(2)
    qc.ry(1.1, 0)
    qc.cx(0, 1)
    qc.rx(0.4, 1)
    isa = generate_preset_pass_manager(backend=b, optimization_level=1,
                                       seed_transpiler=2).run(qc)
    obs = SparsePauliOp(["ZZ", "XI", "IY", "ZI"], [1.0, 0.5, -0.7, 0.3]).apply_layout(
        isa.layout)
    ours = BackendEstimatorV2(backend=b, options={"seed_simulator": 21}).run(
        [(isa, obs)], precision=0.01).result()[0].data
    aer = AerEstimator(options={"backend_options": {"method": "density_matrix",
                                                    "noise_model": nm}}).run(
        [(isa, obs)], precision=0.0).result()[0].data
    assert abs(float(ours.evs) - float(aer.evs)) < 5 * float(ours.stds)
    assert float(ours.stds) < 0.03  # so that 5 sigma is a sharp test


def test_statevector_and_unitary_simulators_return_their_arrays():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    sv = PROVIDER.get_backend("statevector_simulator").run(qc).result().get_statevector()
    np.testing.assert_allclose(np.asarray(sv), [2 ** -0.5, 0, 0, 2 ** -0.5], atol=1e-12)
    u = PROVIDER.get_backend("unitary_simulator").run(qc).result().get_unitary()
    from qiskit.quantum_info import Operator

    np.testing.assert_allclose(np.asarray(u), Operator(qc).data, atol=1e-12)


@pytest.mark.parametrize("name", ["statevector_simulator", "unitary_simulator"])
def test_counts_tools_refuse_state_simulators(name):
    b = PROVIDER.get_backend(name)
    with pytest.raises(IntegrationError, match=f"{name} returns the final .*not samples"):
        BackendSamplerV2(backend=b).run([ghz(2)]).result()


def test_delay_on_a_device_relaxes_in_its_unit():
    b = PROVIDER.get_backend("fake_manila", engine="density_matrix")
    qc = QuantumCircuit(5, 1)
    qc.x(0)
    qc.delay(50, 0, unit="us")
    qc.measure(0, 0)
    isa = qiskit.transpile(qc, backend=b, optimization_level=0)
    counts = b.run(isa, shots=20_000, seed_simulator=1).result().get_counts()
    device = b.qfoundry_backend.device
    p1 = math.exp(-50e-6 / device.t1(0))
    e01, e10 = device.qubits[0].prob_meas1_prep0, device.qubits[0].prob_meas0_prep1
    p_read0 = p1 * e10 + (1 - p1) * (1 - e01)
    # to within the X gate's error (3e-4) and 5 sigma of sampling
    sigma = math.sqrt(p_read0 * (1 - p_read0) / 20_000)
    assert abs(counts.get("0", 0) / 20_000 - p_read0) < 5 * sigma + 1e-3


def test_gate_and_error_maps_plot():
    pytest.importorskip("matplotlib")
    pytest.importorskip("seaborn")
    from qiskit.utils import optionals

    if not optionals.HAS_GRAPHVIZ:
        pytest.skip("Qiskit's plot_gate_map needs the Graphviz binaries")
    import matplotlib

    matplotlib.use("Agg")
    from qiskit.visualization import plot_error_map, plot_gate_map

    for name in ("fake_manila", "fake_paris"):
        b = PROVIDER.get_backend(name)
        assert plot_gate_map(b) is not None
        assert plot_error_map(b) is not None


def test_job_status_options_and_unknown_options():
    b = PROVIDER.get_backend("fake_manila")
    assert b.options.transpile is False and b.options.shots == 1024
    with pytest.raises(qfoundry.errors.UnsupportedInstructionError, match="not native"):
        b.run(ghz(2))  # a Qiskit backend receives ISA circuits
    isa = qiskit.transpile(ghz(2), backend=b, seed_transpiler=1)
    job = b.run(isa, shots=10, seed_simulator=1)
    job.result()
    assert job.status() is qiskit.providers.JobStatus.DONE and job.done()
    with pytest.raises(IntegrationError, match="unknown option.*'shotz'"):
        b.set_options(shotz=3)
    b.set_options(shots=50)
    assert sum(b.run(isa).result().get_counts().values()) == 50
    assert sum(b.run(ghz(2), transpile=True).result().get_counts().values()) == 50
