"""Peer simulators for the statevector benchmark: one runner per peer (benchmark helper).

Every runner takes a Qiskit circuit (already in the form that peer gets) and returns a
zero-argument callable that runs the whole job once and returns its counts, so the timing
loop treats all simulators alike. Building and converting circuits happens here, outside
the timed call. Peers that are not installed are simply absent.

Circuit forms: Aer and BasicSimulator get the Qiskit circuit itself; qsim gets a
``cirq.Circuit`` with ``cirq.CNOT`` for ``cx`` and ``cirq.MatrixGate`` for every other
gate (its own fusion merges them, ``max_fused_gate_size`` as given); qulacs gets a
``qulacs.QuantumCircuit`` with ``CNOT`` for ``cx`` and ``DenseMatrix`` gates otherwise,
run on a ``QuantumState`` then ``sampling(shots)`` (all its measurements are final).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["available_peers", "PEER_LABELS", "final_statevector"]

PEER_LABELS = {"qsim": "qsim(single)", "aer": "Aer", "aer_single": "Aer single",
               "qulacs": "qulacs", "basic": "Basic"}


def _gate_matrix(op: Any) -> np.ndarray:
    from qiskit.quantum_info import Operator
    return Operator(op).data


def _split_measures(qc: Any) -> tuple[list[tuple[Any, list[int]]], list[tuple[int, int]]]:
    """(gates as (operation, qubit indices), final measures as (qubit, clbit))."""
    qidx = {q: i for i, q in enumerate(qc.qubits)}
    cidx = {c: i for i, c in enumerate(qc.clbits)}
    gates, measures = [], []
    for inst in qc.data:
        name = inst.operation.name
        if name == "barrier":
            continue
        if name == "measure":
            measures.append((qidx[inst.qubits[0]], cidx[inst.clbits[0]]))
            continue
        if measures:
            raise ValueError("only final measurements are supported by the peer converters")
        gates.append((inst.operation, [qidx[q] for q in inst.qubits]))
    return gates, measures


def _key(value: int, measures: list[tuple[int, int]], num_clbits: int) -> str:
    bits = 0
    for q, c in measures:
        bits |= ((value >> q) & 1) << c
    return format(bits, f"0{num_clbits}b")


# -- qsim ---------------------------------------------------------------------------------------

def _to_cirq(qc: Any) -> tuple[Any, Any, list[tuple[int, int]]]:
    import cirq
    gates, measures = _split_measures(qc)
    qs = cirq.LineQubit.range(qc.num_qubits)
    ops = []
    for op, qubits in gates:
        if op.name == "cx":
            ops.append(cirq.CNOT(qs[qubits[0]], qs[qubits[1]]))
        else:  # Qiskit matrices are little-endian; cirq's first qubit is the MSB
            ops.append(cirq.MatrixGate(_gate_matrix(op)).on(*[qs[q] for q in reversed(qubits)]))
    circuit = cirq.Circuit(ops)
    if measures:
        circuit.append(cirq.measure(*[qs[q] for q, _ in measures], key="m"))
    return circuit, qs, measures


def _qsim_runner(qc: Any, shots: int, fused: int) -> Callable[[], Any]:
    import qsimcirq
    circuit, _, measures = _to_cirq(qc)
    sim = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=_THREADS[0],
                                                      max_fused_gate_size=fused), seed=1)
    width = qc.num_clbits
    weights = 1 << np.array([c for _, c in measures], dtype=np.int64)

    def run() -> Any:
        res = sim.run(circuit, repetitions=shots)
        rows = res.measurements["m"]  # shots x len(measures), column j = measures[j]
        values, counts = np.unique(rows @ weights, return_counts=True)
        return {format(int(v), f"0{width}b"): int(c) for v, c in zip(values, counts)}
    return run


# -- qulacs -------------------------------------------------------------------------------------

def _to_qulacs(qc: Any) -> tuple[Any, list[tuple[int, int]]]:
    import qulacs
    gates, measures = _split_measures(qc)
    circuit = qulacs.QuantumCircuit(qc.num_qubits)
    for op, qubits in gates:
        if op.name == "cx":
            circuit.add_CNOT_gate(qubits[0], qubits[1])
        else:  # DenseMatrix targets: target_list[0] is the matrix's least significant bit
            circuit.add_dense_matrix_gate(qubits, _gate_matrix(op))
    return circuit, measures


def _qulacs_runner(qc: Any, shots: int) -> Callable[[], Any]:
    import qulacs
    circuit, measures = _to_qulacs(qc)
    n, width = qc.num_qubits, qc.num_clbits

    def run() -> Any:
        state = qulacs.QuantumState(n)
        circuit.update_quantum_state(state)
        values, counts = np.unique(state.sampling(shots, 1), return_counts=True)
        return {_key(int(v), measures, width): int(c) for v, c in zip(values, counts)}
    return run


# -- Qiskit simulators --------------------------------------------------------------------------

def _qiskit_runner(sim: Any, qc: Any, shots: int) -> Callable[[], Any]:
    from qiskit import transpile
    compiled = transpile(qc, sim, optimization_level=0)
    return lambda: sim.run(compiled, shots=shots, seed_simulator=1).result().get_counts()


_THREADS = [1]


def available_peers(threads: int = 1, qsim_fused: int = 4) -> dict[str, Callable[..., Any]]:
    """name -> (circuit, shots) -> run callable, for every installed peer; ``threads``
    for each peer that takes a thread count (Aer, qsim; qulacs follows OMP_NUM_THREADS)."""
    _THREADS[0] = threads
    peers: dict[str, Callable[..., Any]] = {}
    try:
        import qsimcirq  # noqa: F401
        peers["qsim"] = lambda qc, shots: _qsim_runner(qc, shots, qsim_fused)
    except ImportError:
        pass
    try:
        from qiskit_aer import AerSimulator
        aer = AerSimulator(method="statevector", max_parallel_threads=threads)
        aer_single = AerSimulator(method="statevector", precision="single",
                                  max_parallel_threads=threads)
        peers["aer"] = lambda qc, shots: _qiskit_runner(aer, qc, shots)
        peers["aer_single"] = lambda qc, shots: _qiskit_runner(aer_single, qc, shots)
    except ImportError:
        pass
    try:
        import qulacs  # noqa: F401
        peers["qulacs"] = _qulacs_runner
    except ImportError:
        pass
    try:
        from qiskit.providers.basic_provider import BasicSimulator
        basic = BasicSimulator()
        peers["basic"] = lambda qc, shots: _qiskit_runner(basic, qc, shots)
    except ImportError:
        pass
    return peers


def final_statevector(peer: str, qc: Any) -> np.ndarray:
    """A peer's final state of ``qc`` without its measurements, Qiskit order (for
    ``--check``: every converter must give the state qfoundry and Qiskit give)."""
    bare = qc.remove_final_measurements(inplace=False)
    if peer == "qsim":
        import qsimcirq
        circuit, qs, _ = _to_cirq(bare)
        sim = qsimcirq.QSimSimulator(qsimcirq.QSimOptions(cpu_threads=1))
        vec = sim.simulate(circuit, qubit_order=qs[::-1]).final_state_vector
        return np.asarray(vec, dtype=complex)
    if peer == "qulacs":
        import qulacs
        circuit, _ = _to_qulacs(bare)
        state = qulacs.QuantumState(bare.num_qubits)
        circuit.update_quantum_state(state)
        return state.get_vector()
    from qiskit.quantum_info import Statevector
    return Statevector(bare).data
