"""Cross-checks against Qiskit (the ``oracle`` extra): Qiskit builds the input circuits,
and Qiskit's ``Operator`` computes the unitary of our transpiled output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

qiskit = pytest.importorskip("qiskit")
from qiskit.circuit.random import random_circuit  # noqa: E402
from qiskit.quantum_info import Operator  # noqa: E402

from qfoundry.assemble import to_circuits  # noqa: E402
from qfoundry.devices import Device  # noqa: E402
from qfoundry.transpiler import is_native, transpile  # noqa: E402

pytestmark = pytest.mark.oracle

# A 7-qubit heavy-hex fragment (IBM Casablanca / Lagos shape), CX both ways.
EDGES = [(0, 1), (1, 2), (1, 3), (3, 5), (4, 5), (5, 6)]
DEVICE = Device(name="hex7", n_qubits=7, basis_gates=("id", "rz", "sx", "x", "cx", "reset"),
                coupling_map=tuple(EDGES) + tuple((b, a) for a, b in EDGES))


def restricted(out_qc, n_virtual: int, init: list[int], final: list[int]) -> np.ndarray:
    """Columns of the output operator for inputs with ancillas in |0>, rows read through
    the final layout: should be the input operator up to a global phase."""
    u = Operator(out_qc).data
    rows = [sum(((i >> v) & 1) << final[v] for v in range(n_virtual))
            for i in range(2 ** n_virtual)]
    cols = [sum(((j >> v) & 1) << init[v] for v in range(n_virtual))
            for j in range(2 ** n_virtual)]
    sub = u[np.ix_(rows, cols)]
    return sub


@pytest.mark.parametrize("seed", range(10))
def test_qiskit_operator_of_our_output_equals_the_input(seed):
    n = 3 + seed % 3
    qc = random_circuit(n, 8, max_operands=3, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        circuit = to_circuits(qc)[0]
    out = transpile(circuit, DEVICE, seed=seed)
    assert is_native(out, DEVICE)
    out_qc = qiskit.QuantumCircuit(DEVICE.n_qubits)
    for op in out.data:  # basis gates only: rz, sx, x, cx (and measure-free)
        getattr(out_qc, op.name)(*op.params, *op.qubits)
    sub = restricted(out_qc, n, out.metadata["initial_layout"], out.metadata["final_layout"])
    want = Operator(qc).data
    k = np.unravel_index(np.argmax(np.abs(want)), want.shape)
    phase = sub[k] / want[k]
    assert abs(abs(phase) - 1) < 1e-8
    assert np.allclose(sub, phase * want, atol=1e-8)


def test_cx_count_is_close_to_qiskit_on_a_small_circuit():
    """Not a benchmark (see benchmarks/bench_transpiler.py), a sanity bound: our CX count
    on a routed circuit stays within 1.5x of Qiskit's optimization_level=1."""
    from qiskit.transpiler import CouplingMap

    qc = random_circuit(5, 12, max_operands=2, seed=3)
    theirs = qiskit.transpile(qc, coupling_map=CouplingMap(list(DEVICE.coupling_map)),
                              basis_gates=["rz", "sx", "x", "cx"], optimization_level=1,
                              seed_transpiler=1)
    ours = transpile(to_circuits(qc)[0], DEVICE, seed=1)
    assert ours.count_ops().get("cx", 0) <= 1.5 * theirs.count_ops().get("cx", 0)
