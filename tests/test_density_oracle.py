"""Cross-checks against Qiskit Aer with the Paris noise model built from the same
calibration (``NoiseModel.from_backend_properties``, the V1 FakeParis path).

* every gate channel, superoperator against superoperator, to 1e-12; readout matrices exact;
* final density matrices of circuits transpiled to Paris by Qiskit, to 1e-10;
* counts: each outcome's frequency within 5 standard deviations of the exact distribution
  (Aer's rho, readout applied) and of Aer's own counts (difference of two independent
  samples: sigma = sqrt(2 p (1 - p) / shots)); with at most 16 outcomes per circuit the
  chance of a false alarm is below 1e-5, and the seeds are fixed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from engine_helpers import PARIS_PROPS

pytestmark = pytest.mark.oracle
qiskit = pytest.importorskip("qiskit")
qiskit_aer = pytest.importorskip("qiskit_aer")
runtime = pytest.importorskip("qiskit_ibm_runtime")

from qfoundry.noise import NoiseModel  # noqa: E402
from qfoundry.plugins.density_matrix import DensityMatrixEngine  # noqa: E402
from qfoundry.qobj import QasmQobjExperiment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHOTS = 100_000
DYN_SHOTS = 40_000


@pytest.fixture(scope="module")
def aer_model(paris):
    from qiskit_ibm_runtime.models import BackendProperties

    props = BackendProperties.from_dict(json.loads(PARIS_PROPS.read_text()))
    return qiskit_aer.noise.NoiseModel.from_backend_properties(props, dt=paris.dt)


def test_every_paris_channel_matches_aer(paris, aer_model):
    from qiskit.quantum_info import SuperOp

    ours = NoiseModel.from_device(paris)
    compared = 0
    for name, table in aer_model._local_quantum_errors.items():
        for qubits, error in table.items():
            mine = ours.quantum_error(name, qubits)
            np.testing.assert_allclose(mine.superop, SuperOp(error).data, atol=1e-12,
                                       err_msg=f"{name}{list(qubits)}")
            compared += 1
    assert compared == 164
    for (q,), error in aer_model._local_readout_errors.items():
        np.testing.assert_allclose(ours.readout_error(q).probabilities, error.probabilities,
                                   atol=1e-15)


def _circuits():
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFTGate

    ghz = QuantumCircuit(3, name="ghz3")
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.delay(400, 1, unit="dt")
    qft = QuantumCircuit(4, name="qft4")
    qft.x([0, 2])
    qft.append(QFTGate(4), range(4))
    rnd = qiskit.circuit.random.random_circuit(3, 5, max_operands=2, seed=7)
    rnd.name = "random3"
    return [ghz, qft, rnd]


def _to_experiment(circ, save_qubits=None):
    insts = []
    for ci in circ.data:
        op = ci.operation
        inst = {"name": op.name, "qubits": [circ.find_bit(q).index for q in ci.qubits]}
        if op.params:
            inst["params"] = [float(p) for p in op.params]
        if op.name == "measure":
            inst["memory"] = [circ.find_bit(c).index for c in ci.clbits]
        if op.name == "delay":
            assert op.unit == "dt"
        if op.name.startswith("save_"):
            continue
        insts.append(inst)
    if save_qubits is not None:
        insts.append({"name": "save_density_matrix", "qubits": list(save_qubits)})
    return QasmQobjExperiment.from_dict({
        "header": {"name": circ.name, "n_qubits": circ.num_qubits,
                   "memory_slots": circ.num_clbits},
        "config": {"n_qubits": circ.num_qubits, "memory_slots": circ.num_clbits},
        "instructions": insts})


def _transpiled(circ):
    from qiskit import transpile
    from qiskit_ibm_runtime.fake_provider import FakeParisV2

    # Layout on 0..n-1 keeps the delay off q12/q13, where Aer's delay pass refuses T2 > 2*T1.
    return transpile(circ, FakeParisV2(), initial_layout=list(range(circ.num_qubits)),
                     seed_transpiler=3, optimization_level=1)


@pytest.mark.parametrize("index", range(3), ids=["ghz3", "qft4", "random3"])
def test_density_matrix_and_counts_agree_with_aer(paris, aer_model, index):
    from qiskit_aer import AerSimulator

    sim = AerSimulator(method="density_matrix", noise_model=aer_model)
    circ = _transpiled(_circuits()[index])
    active = sorted({circ.find_bit(q).index for ci in circ.data for q in ci.qubits
                     if ci.operation.name != "barrier"})
    with_save = circ.copy()
    with_save.save_density_matrix(qubits=active)
    rho_aer = np.asarray(sim.run(with_save, shots=1).result().data()["density_matrix"])

    engine = DensityMatrixEngine()
    opts = {**engine.default_options(), "shots": SHOTS, "memory": False, "seed_simulator": 5}
    ours = engine.run_experiment(_to_experiment(circ, active), opts, paris)
    np.testing.assert_allclose(ours.data["density_matrix"], rho_aer, atol=1e-10)

    measured = circ.copy()
    measured.add_register(qiskit.ClassicalRegister(len(active), "meas"))
    measured.measure(active, range(len(active)))  # not measure_all: Aer would keep 27 qubits
    aer_counts = sim.run(measured, shots=SHOTS, seed_simulator=9).result().get_counts()
    ours = engine.run_experiment(_to_experiment(measured), opts, paris)
    n_clbits = measured.num_clbits
    ours_counts = {format(int(k, 16), f"0{n_clbits}b"): v for k, v in ours.data["counts"].items()}
    exact = _readout_distribution(rho_aer, active, paris, n_clbits, measured)
    for key in set(exact) | set(ours_counts) | set(aer_counts):
        p = exact.get(key, 0.0)
        sigma = math.sqrt(max(p * (1 - p), 1 / SHOTS) / SHOTS)
        assert abs(ours_counts.get(key, 0) / SHOTS - p) <= 5 * sigma, key
        diff = abs(ours_counts.get(key, 0) - aer_counts.get(key, 0)) / SHOTS
        assert diff <= 5 * math.sqrt(2) * sigma, key


def _readout_distribution(rho, active, device, n_clbits, circ):
    """Exact outcome distribution: diag(rho) on the measured qubits, then readout flips."""
    clbit_of = {circ.find_bit(ci.qubits[0]).index: circ.find_bit(ci.clbits[0]).index
                for ci in circ.data if ci.operation.name == "measure"}
    probs = np.clip(np.real(np.diag(rho)), 0, None)
    dist = {}
    for index, p in enumerate(probs):
        outcomes = [(0, p)]
        for pos, q in enumerate(active):
            bit = (index >> pos) & 1
            qp = device.qubits[q]
            flip = qp.prob_meas1_prep0 if bit == 0 else qp.prob_meas0_prep1
            outcomes = [(o | (b << clbit_of[q]), w * (flip if b != bit else 1 - flip))
                        for o, w in outcomes for b in (0, 1)]
        for o, w in outcomes:
            key = format(o, f"0{n_clbits}b")
            dist[key] = dist.get(key, 0.0) + w
    return dist


def test_mid_circuit_measurement_and_conditional_agree_with_aer(paris, aer_model):
    """Readout errors on the mid-circuit record decide the conditional, as on hardware.

    Aer runs this shot by shot, so fewer shots: 5 sigma of a difference is about 0.016."""
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(27, 2)
    qc.sx(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.measure(1, 1)
    sim = AerSimulator(method="density_matrix", noise_model=aer_model)
    aer_counts = sim.run(qc, shots=DYN_SHOTS, seed_simulator=2).result().get_counts()

    insts = [{"name": "sx", "qubits": [0]},
             {"name": "measure", "qubits": [0], "memory": [0], "register": [0]},
             {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 2},
             {"name": "x", "qubits": [1], "conditional": 2},
             {"name": "measure", "qubits": [1], "memory": [1], "register": [1]}]
    exp = QasmQobjExperiment.from_dict({
        "header": {"name": "dynamic", "n_qubits": 27, "memory_slots": 2},
        "config": {"n_qubits": 27, "memory_slots": 2}, "instructions": insts})
    engine = DensityMatrixEngine()
    opts = {**engine.default_options(), "shots": DYN_SHOTS, "memory": False, "seed_simulator": 6}
    ours = engine.run_experiment(exp, opts, paris)
    assert ours.metadata["branches"] >= 2 and not ours.metadata["measure_sampling"]
    ours_counts = {format(int(k, 16), "02b"): v for k, v in ours.data["counts"].items()}
    for key in set(ours_counts) | set(aer_counts):
        p = (ours_counts.get(key, 0) + aer_counts.get(key, 0)) / (2 * DYN_SHOTS)
        sigma = math.sqrt(max(p * (1 - p), 1 / DYN_SHOTS) * 2 / DYN_SHOTS)
        assert abs(ours_counts.get(key, 0) - aer_counts.get(key, 0)) / DYN_SHOTS <= 5 * sigma, key
