"""backend.run() on every input form, end to end on the built-in simulators.

Same seed, same experiments: every form of the same Bell program must give identical
counts, which is a stronger check than statistics. The statistics themselves are checked
once, with a stated tolerance.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_assemble import BELL_QASM

import qfoundry
from qfoundry.assemble import assemble
from qfoundry.circuit import Circuit, ClassicalRegister, QuantumRegister
from qfoundry.errors import QasmError, UnsupportedInstructionError

SEED = 1234


@pytest.fixture(scope="module")
def qasm_sim():
    return qfoundry.get_backend("qasm_simulator")


def bell() -> Circuit:
    return Circuit(2, 2, name="bell").h(0).cx(0, 1).measure([0, 1], [0, 1])


def test_bell_counts_are_half_00_half_11(qasm_sim):
    shots = 4000
    counts = qasm_sim.run(bell(), shots=shots, seed_simulator=SEED).result().get_counts()
    assert set(counts) == {"00", "11"}
    # binomial(4000, 1/2): sigma = 31.6; allow 5 sigma
    assert abs(counts["00"] - shots / 2) < 5 * math.sqrt(shots) / 2


def test_every_input_form_gives_the_same_counts(qasm_sim, tmp_path):
    path = tmp_path / "bell.qasm"
    path.write_text(BELL_QASM)
    qobj = assemble(Circuit.from_qasm(BELL_QASM), shots=300, seed_simulator=SEED)
    wire = json.loads(qobj.to_json())
    forms = [bell(), [bell()], BELL_QASM, str(path), path, qobj, qobj.to_dict(), wire]
    results = [qasm_sim.run(f, shots=300, seed_simulator=SEED).result().get_counts()
               for f in forms]
    assert results[0] and all(r == results[0] for r in results), results


def test_a_list_gives_one_result_per_circuit(qasm_sim):
    x = Circuit(1, 1, name="flip").x(0).measure(0, 0)
    result = qasm_sim.run([bell(), x, BELL_QASM], shots=50, seed_simulator=SEED).result()
    assert result.get_counts("flip") == {"1": 50}
    for k in (0, 2):  # each experiment gets its own derived seed, so only the support agrees
        counts = result.get_counts(k)
        assert set(counts) == {"00", "11"} and sum(counts.values()) == 50


def test_c_if_runs_as_a_condition_on_the_register(qasm_sim):
    q, a, b = QuantumRegister("q", 3), ClassicalRegister("a", 2), ClassicalRegister("b", 1)
    c = Circuit(q, a, b).x(0).measure(0, a[0]).measure(1, a[1])  # a == 1
    c.x(1).c_if(a, 1)  # fires
    c.x(2).c_if(a, 2)  # does not
    c.measure(1, b[0])
    counts = qasm_sim.run(c, shots=20, seed_simulator=SEED).result().get_counts()
    assert counts == {"1 01": 20}  # b a, last-declared register leftmost


def test_conditioned_programs_from_openqasm_run(qasm_sim):
    text = BELL_QASM + "creg d[1];\nif(c==3) x q[0];\nif(c==0) x q[1];\nmeasure q[0] -> d[0];\n"
    counts = qasm_sim.run(text, shots=200, seed_simulator=SEED).result().get_counts()
    # c == 11 flips q0 to 0 (d = 0); c == 00 leaves q0 at 0 (d = 0)
    assert set(counts) == {"0 11", "0 00"}


def test_statevector_of_unitary_and_initialize_instructions():
    backend = qfoundry.get_backend("statevector_simulator")
    matrix = np.array([[0, 1j], [1j, 0]])
    c = Circuit(2).initialize([0.6, 0.8], [0]).unitary(matrix, [1])
    state = backend.run(c).result().get_statevector()
    # q0 = 0.6|0> + 0.8|1>, q1 = i|1>: index = q0 + 2 q1
    assert np.allclose(state, [0, 0, 0.6j, 0.8j])


def test_opaque_gates_are_refused_with_their_name(qasm_sim):
    with pytest.raises(UnsupportedInstructionError, match="'mystery'"):
        qasm_sim.run("opaque mystery q; qreg r[1]; mystery r[0];")


def test_bad_inputs_fail_in_run_with_our_errors(qasm_sim):
    with pytest.raises(TypeError, match="run\\(\\) accepts"):
        qasm_sim.run(3.5)
    with pytest.raises(QasmError, match="undefined gate 'hh'"):
        qasm_sim.run('include "qelib1.inc"; qreg q[1]; hh q[0];')


@pytest.mark.oracle
def test_qiskit_circuits_run_and_match_qiskits_statevector():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.circuit.random import random_circuit
    from qiskit.quantum_info import Statevector

    backend = qfoundry.get_backend("statevector_simulator")
    circuits = [random_circuit(3, 5, max_operands=3, seed=s) for s in range(3)]
    result = backend.run(circuits).result()
    for k, qc in enumerate(circuits):
        ours = np.asarray(result.get_statevector(k))
        theirs = Statevector(qc).data
        j = np.argmax(abs(theirs))
        assert np.allclose(ours * theirs[j] / ours[j], theirs, atol=1e-9)

    qc = qiskit.QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    counts = qfoundry.get_backend("qasm_simulator").run(
        qc, shots=300, seed_simulator=SEED).result().get_counts()
    assert counts == qfoundry.get_backend("qasm_simulator").run(
        bell(), shots=300, seed_simulator=SEED).result().get_counts()
