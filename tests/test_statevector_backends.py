"""The three statevector backends end to end: get_backend -> run -> Result."""

from __future__ import annotations

import numpy as np
import pytest

import qfoundry
from qfoundry.errors import QfoundryError, UnsupportedInstructionError
from qfoundry.plugins.statevector import engine as sv


def qobj(experiments, shots=1024, seed=None, memory=False):
    config = {"shots": shots, "memory": memory}
    if seed is not None:
        config["seed_simulator"] = seed
    return {"qobj_id": "t", "type": "QASM", "schema_version": "1.3.0", "header": {},
            "config": config, "experiments": experiments}


def exp(instructions, n, cregs, name="e"):
    slots = sum(size for _, size in cregs)
    return {"header": {"name": name, "n_qubits": n, "memory_slots": slots,
                       "creg_sizes": [list(c) for c in cregs],
                       "qreg_sizes": [["q", n]]},
            "config": {"n_qubits": n, "memory_slots": slots},
            "instructions": instructions}


BELL = [{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]},
        {"name": "measure", "qubits": [0], "memory": [0]},
        {"name": "measure", "qubits": [1], "memory": [1]}]


def test_backends_are_registered_with_basicaer_like_configuration():
    names = {str(b.name) for b in qfoundry.backends()}
    assert {"qasm_simulator", "statevector_simulator", "unitary_simulator"} <= names
    qasm = qfoundry.get_backend("qasm_simulator")
    config = qasm.configuration()
    assert config.simulator and config.local and config.conditional and config.memory
    assert config.n_qubits == sv.ENGINE.max_qubits({})
    assert {"u3", "cx", "ccx", "c4x", "rzz", "unitary"} <= set(config.basis_gates)
    unitary = qfoundry.get_backend("unitary_simulator").configuration()
    assert unitary.n_qubits == sv.ENGINE.max_qubits({"method": "unitary"})
    assert not unitary.conditional
    assert "statevector" in qfoundry.engines()


def test_bell_counts_and_memory_as_bit_strings():
    result = qfoundry.get_backend("qasm_simulator").run(
        qobj([exp(BELL, 2, [("c", 2)])], shots=2000, seed=42, memory=True)).result()
    counts = result.get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 2000
    assert abs(counts["00"] - 1000) < 150
    memory = result.get_memory()
    assert len(memory) == 2000 and {m: memory.count(m) for m in set(memory)} == counts


def test_counts_keys_with_registers_partial_and_permuted_measurement():
    # q0=1, q1=0, q2=1; c0 (2 bits) gets q1 -> c0[0], q0 -> c0[1]; c1 (1 bit) gets q2.
    insts = [{"name": "x", "qubits": [0]}, {"name": "x", "qubits": [2]},
             {"name": "measure", "qubits": [1], "memory": [0]},
             {"name": "measure", "qubits": [0], "memory": [1]},
             {"name": "measure", "qubits": [2], "memory": [2]}]
    result = qfoundry.get_backend("qasm_simulator").run(
        qobj([exp(insts, 3, [("c0", 2), ("c1", 1)])], shots=5)).result()
    assert result.get_counts() == {"1 10": 5}
    # Only q2 measured, into the middle bit of a 3-bit register.
    insts = [{"name": "x", "qubits": [2]}, {"name": "measure", "qubits": [2], "memory": [1]}]
    result = qfoundry.get_backend("qasm_simulator").run(
        qobj([exp(insts, 3, [("c", 3)])], shots=5)).result()
    assert result.get_counts() == {"010": 5}


def test_job_seed_makes_every_experiment_reproducible():
    h3 = [{"name": "h", "qubits": [q]} for q in range(3)] + [
        {"name": "measure", "qubits": [q], "memory": [q]} for q in range(3)]
    job = qobj([exp(h3, 3, [("c", 3)], "a"), exp(h3, 3, [("c", 3)], "b")], seed=9,
               memory=True)
    backend = qfoundry.get_backend("qasm_simulator")
    r1, r2 = backend.run(job).result(), backend.run(job).result()
    assert r1.get_memory(0) == r2.get_memory(0) and r1.get_memory(1) == r2.get_memory(1)
    assert r1.get_memory(0) != r1.get_memory(1)  # experiments get their own streams


def test_statevector_and_unitary_simulators():
    body = [{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]}]
    state = qfoundry.get_backend("statevector_simulator").run(
        qobj([exp(body, 2, [])])).result().get_statevector()
    np.testing.assert_allclose(state, np.array([1, 0, 0, 1]) / np.sqrt(2), atol=1e-12)
    result = qfoundry.get_backend("unitary_simulator").run(qobj([exp(body, 2, [])])).result()
    u = result.get_unitary()
    np.testing.assert_allclose(u[:, 0], state, atol=1e-12)
    np.testing.assert_allclose(u @ u.conj().T, np.eye(4), atol=1e-12)


def test_statevector_simulator_takes_one_shot():
    result = qfoundry.get_backend("statevector_simulator").run(
        qobj([exp(BELL, 2, [("c", 2)])], shots=100, seed=3)).result()
    counts = result.get_counts()
    assert sum(counts.values()) == 1
    state = result.get_statevector()
    assert np.count_nonzero(np.round(np.abs(state), 12)) == 1  # collapsed


def test_unitary_simulator_refuses_measurement_at_submission():
    backend = qfoundry.get_backend("unitary_simulator")
    with pytest.raises(UnsupportedInstructionError, match="instruction 2.*'measure'"):
        backend.run(qobj([exp(BELL, 2, [("c", 2)])]))


def test_bad_method_option_is_refused():
    backend = qfoundry.get_backend("qasm_simulator")
    with pytest.raises((ValueError, QfoundryError), match="method"):
        backend.run(qobj([exp(BELL, 2, [("c", 2)])]), method="density")


def test_many_small_circuits_in_one_job():
    experiments = [exp([{"name": "x", "qubits": [k % 3]},
                        *[{"name": "measure", "qubits": [q], "memory": [q]} for q in range(3)]],
                       3, [("c", 3)], f"c{k}") for k in range(60)]
    result = qfoundry.get_backend("qasm_simulator").run(qobj(experiments, shots=64)).result()
    for k in range(60):
        key = format(1 << (k % 3), "03b")
        assert result.get_counts(k) == {key: 64}


def test_openqasm_text_with_two_registers_runs():
    text = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg a[1];
creg b[2];
x q[1];
h q[2];
cx q[2], q[0];
measure q[0] -> b[1];
measure q[1] -> a[0];
measure q[2] -> b[0];
"""
    counts = qfoundry.get_backend("qasm_simulator").run(text, shots=1000,
                                                        seed_simulator=1).result().get_counts()
    assert set(counts) == {"00 1", "11 1"}
