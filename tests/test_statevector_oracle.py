"""The statevector engine against Qiskit (Statevector, Operator) and Qiskit Aer.

Circuits are generated once as gate lists and built twice: as our Qobj and as a Qiskit
QuantumCircuit from Qiskit's own gate classes, so the two sides share nothing but names.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from test_statevector import run

import qfoundry
from qfoundry.gates import GATES

qiskit = pytest.importorskip("qiskit")
pytestmark = pytest.mark.oracle

from qiskit import QuantumCircuit  # noqa: E402
from qiskit.circuit.library import get_standard_gate_name_mapping  # noqa: E402
from qiskit.quantum_info import Operator, Statevector  # noqa: E402

QISKIT_GATES = get_standard_gate_name_mapping()
NAMES = sorted(g for g, s in GATES.items() if g in QISKIT_GATES and s.num_qubits
               and g not in ("delay", "measure", "reset"))


def random_gate_list(rng, n, count):
    names = [g for g in NAMES if GATES[g].num_qubits <= n]
    out = []
    for _ in range(count):
        name = str(rng.choice(names))
        spec = GATES[name]
        qubits = [int(q) for q in rng.choice(n, spec.num_qubits, replace=False)]
        params = [float(p) for p in rng.uniform(-math.pi, math.pi, spec.num_params)]
        out.append((name, qubits, params))
    return out


def to_qiskit(gates, n, phase=0.0):
    qc = QuantumCircuit(n, global_phase=phase)
    for name, qubits, params in gates:
        proto = QISKIT_GATES[name]
        qc.append(type(proto)(*params) if params else proto, qubits)
    return qc


def to_insts(gates):
    return [{"name": name, "qubits": qubits, **({"params": params} if params else {})}
            for name, qubits, params in gates]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
@pytest.mark.parametrize("seed", range(3))
def test_random_circuits_match_qiskit_statevector(n, seed):
    rng = np.random.default_rng(100 * n + seed)
    gates = random_gate_list(rng, n, 12 * n)
    ref = Statevector(to_qiskit(gates, n, phase=0.7)).data
    for fusion in (False, True):
        out = run(to_insts(gates), n, method="statevector", fusion_enable=fusion,
                  fusion_threshold=1, header={"global_phase": 0.7})
        np.testing.assert_allclose(out.data["statevector"], ref, atol=1e-10)


@pytest.mark.parametrize(("n", "seed"), [(4, 0), (4, 1), (4, 2), (7, 3)])
def test_random_circuit_unitaries_match_qiskit_operator(n, seed):
    """7 qubits: the unitary is a 14-qubit state, big enough for the real-arithmetic
    products and the moves of wide gates to the back."""
    rng = np.random.default_rng(seed)
    gates = random_gate_list(rng, n, 12 * n)
    ref = Operator(to_qiskit(gates, n)).data
    out = run(to_insts(gates), n, method="unitary", fusion_threshold=1)
    np.testing.assert_allclose(out.data["unitary"], ref, atol=1e-10)


def test_quantum_volume_unitary_blocks_match_qiskit():
    from qiskit.circuit.library import QuantumVolume

    qc = QuantumVolume(5, seed=3).decompose()
    insts = [{"name": "unitary", "qubits": [qc.find_bit(q).index for q in inst.qubits],
              "params": [np.asarray(inst.operation.to_matrix())]} for inst in qc.data]
    out = run(insts, 5, method="statevector", fusion_threshold=1)
    np.testing.assert_allclose(out.data["statevector"], Statevector(qc).data, atol=1e-10)


def test_qiskit_random_circuit_through_backend_run():
    from qiskit.circuit.random import random_circuit

    qc = random_circuit(5, 8, max_operands=3, seed=17)
    result = qfoundry.get_backend("statevector_simulator").run(qc).result()
    ref = Statevector(qc).data
    got = result.get_statevector()
    assert abs(abs(np.vdot(ref, got)) - 1) < 1e-10  # OpenQASM 2 drops global phase


def test_sampled_counts_fit_qiskit_probabilities():
    rng = np.random.default_rng(5)
    gates = random_gate_list(rng, 5, 40)
    probs = Statevector(to_qiskit(gates, 5)).probabilities()
    insts = to_insts(gates) + [{"name": "measure", "qubits": [q], "memory": [q]}
                               for q in range(5)]
    shots = 20000
    counts = run(insts, 5, 5, shots=shots, seed_simulator=2).data["counts"]
    keep = probs > 1e-12
    observed = np.array([counts.get(hex(i), 0) for i in range(32)])
    assert observed[~keep].sum() == 0
    assert stats.chisquare(observed[keep], probs[keep] / probs[keep].sum() * shots).pvalue > 1e-3


def test_dynamic_circuit_counts_agree_with_aer():
    aer = pytest.importorskip("qiskit_aer")
    rng = np.random.default_rng(12)
    n = 3
    qc = QuantumCircuit(n, 4)
    insts = []
    for layer in range(3):
        gates = random_gate_list(rng, n, 4)
        for name, qubits, params in gates:
            proto = QISKIT_GATES[name]
            qc.append(type(proto)(*params) if params else proto, qubits)
        insts += to_insts(gates)
        q = layer % n
        qc.measure(q, layer)
        insts.append({"name": "measure", "qubits": [q], "memory": [layer],
                      "register": [layer]})
        with qc.if_test((qc.clbits[layer], 1)):
            qc.h((q + 1) % n)
        insts.append({"name": "h", "qubits": [(q + 1) % n], "conditional": layer})
    qc.reset(0)
    insts.append({"name": "reset", "qubits": [0]})
    qc.measure(1, 3)
    insts.append({"name": "measure", "qubits": [1], "memory": [3]})
    shots = 8000
    ours = run(insts, n, 4, shots=shots, seed_simulator=3).data["counts"]
    sim = aer.AerSimulator(method="statevector")
    theirs = sim.run(qiskit.transpile(qc, sim), shots=shots,
                     seed_simulator=4).result().get_counts()
    keys = sorted(set(ours) | {hex(int(k, 2)) for k in theirs})
    table = [[ours.get(k, 0) for k in keys],
             [theirs.get(format(int(k, 16), "04b"), 0) for k in keys]]
    assert stats.chi2_contingency(table).pvalue > 1e-3
