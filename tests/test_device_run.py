"""Device backends map circuits onto the device in run(), and run ideal engines on the
active qubits only."""

from __future__ import annotations

import pytest

import qfoundry
from qfoundry.errors import SimulationTooLargeError, UnsupportedInstructionError


def _toffoli() -> qfoundry.Circuit:
    c = qfoundry.Circuit(3, 3, name="toffoli")
    c.x(0).x(1).ccx(0, 1, 2).swap(0, 2)
    return c.measure([0, 1, 2], [0, 1, 2])


def test_textbook_circuit_runs_on_paris_after_mapping():
    backend = qfoundry.get_backend("fake_paris", engine="statevector")
    result = backend.run(_toffoli(), shots=200, seed_simulator=1).result()
    # x0 x1, ccx sets q2, swap(0, 2) leaves q0=1 q1=1 q2=1 ... in the user's clbits
    assert result.get_counts() == {"111": 200}
    meta = result.results[0].header.metadata
    assert len(meta["initial_layout"]) == 3 and len(meta["final_layout"]) == 3
    # the ideal engine simulated only the qubits the mapped circuit uses
    assert len(meta["active_qubits"]) <= 6


def test_transpile_false_refuses_non_native_input():
    backend = qfoundry.get_backend("fake_paris", engine="statevector")
    with pytest.raises(UnsupportedInstructionError, match=r"ccx.*not native.*transpile=True"):
        backend.run(_toffoli(), transpile=False)


def test_native_circuit_runs_exactly_as_written():
    # idle `id` gates on a coupled pair are kept: no pass touches a native circuit
    c = qfoundry.Circuit(27, 2)
    c.x(0).id(0).id(0).cx(0, 1).measure([0, 1], [0, 1])
    backend = qfoundry.get_backend("fake_paris", engine="statevector")
    from qfoundry.transpiler.api import transpile_qobj

    qobj = qfoundry.assemble(c)
    mapped = transpile_qobj(qobj, backend)
    assert mapped.experiments[0].instructions == qobj.experiments[0].instructions
    assert backend.run(c, shots=10).result().get_counts() == {"11": 10}


def test_initial_layout_is_honoured():
    c = qfoundry.Circuit(2, 2).h(0).cx(0, 1).measure([0, 1], [0, 1])
    backend = qfoundry.get_backend("fake_paris", engine="statevector", initial_layout=[12, 13])
    result = backend.run(c, shots=100, seed_simulator=2).result()
    assert result.results[0].header.metadata["initial_layout"] == [12, 13]
    assert set(result.get_counts()) <= {"00", "11"}


def test_an_ideal_engine_on_a_large_device_is_sized_by_the_qubits_the_circuit_uses():
    """docs/devices.md's `engine="statevector"` (same device, no noise) refused a 3-qubit
    GHZ on a 127-qubit Eagle: the memory limit was checked before the run dropped the
    qubits the circuit never touches."""
    ghz = qfoundry.Circuit(3, 3).h(0).cx(0, 1).cx(1, 2).measure([0, 1, 2], [0, 1, 2])
    for name in ("fake_sherbrooke", "fake_fez"):
        backend = qfoundry.get_backend(name, engine="statevector")
        counts = backend.run(ghz, shots=400, seed_simulator=3).result().get_counts()
        assert set(counts) == {"000", "111"} and sum(counts.values()) == 400
    wide = qfoundry.Circuit(30, 1).h(0)
    for q in range(29):
        wide.cx(q, q + 1)
    wide.measure(0, 0)
    with pytest.raises(SimulationTooLargeError, match="needs 30 qubits"):
        qfoundry.get_backend("fake_sherbrooke", engine="statevector").run(wide)
