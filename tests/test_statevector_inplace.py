"""Dense blocks grown by permutations, and the in-place chunked products of large states
(plugins/statevector/chunked.py), against dense constructions and Qiskit."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from test_statevector import embed
from test_statevector_fusion import as_op, full, random_ops

import qfoundry
from qfoundry.gates import gate_matrix
from qfoundry.plugins._sim.fusion import fuse
from qfoundry.plugins._sim.kernels import apply_matrix
from qfoundry.plugins.statevector.chunked import apply_dense
from qfoundry.plugins.statevector.state import SVState

N = 5


def _ucx_ops(rng, n, count):
    """u and cx gates as a transpiled circuit has them (u's cheap forms included)."""
    from qfoundry.plugins._sim.fusion import cheap_forms
    ops = []
    for _ in range(count):
        if rng.random() < 0.5:
            a, b = (int(q) for q in rng.choice(n, 2, replace=False))
            ops.append(as_op("cx", [a, b]))
        else:
            theta = float(rng.choice([0.0, math.pi, rng.uniform(0, math.pi)]))
            op = as_op("u", [int(rng.integers(n))], [theta, *rng.uniform(-3, 3, 2)])
            ops.extend(cheap_forms(op))
    return ops


@pytest.mark.parametrize("max_qubits", [2, 3, 4, 5])
@pytest.mark.parametrize("seed", range(4))
def test_grown_blocks_preserve_the_unitary(seed, max_qubits):
    rng = np.random.default_rng(seed)
    for ops in (random_ops(rng, 40), _ucx_ops(rng, N, 40)):
        fused = fuse(ops, N, max_qubits, max_diagonal_qubits=4, grow=True)
        np.testing.assert_allclose(full(fused), full(ops), atol=1e-12)
        for op in fused:
            limit = 4 if op.kind == "diagonal" else max(max_qubits, 3)
            assert len(op.qubits) <= limit


def test_a_u_cx_ladder_becomes_one_dense_block():
    """What transpiled circuits need: a CX onto a fresh qubit grows the block (without
    growth every CX of the ladder would stay a pass of its own)."""
    ops = []
    for q in range(N - 1):
        ops += [as_op("u", [q], [0.3, 0.1 * q, -0.2]), as_op("cx", [q, q + 1])]
    fused = fuse(ops, N, 5, grow=True)
    assert [(op.kind, len(op.qubits)) for op in fused] == [("general", 5)]
    np.testing.assert_allclose(embed(fused[0].data, fused[0].qubits, N), full(ops),
                               atol=1e-12)
    assert len(fuse(ops, N, 5)) > 1  # the default (density matrices) keeps them apart


def test_two_qubit_diagonals_still_merge_wide_when_growing():
    """The QFT's controlled phases merge into one wide diagonal, not into dense blocks."""
    ops = [as_op("h", [0])] + [as_op("cp", [0, q], [0.1 * q]) for q in range(1, N)]
    fused = fuse(ops, N, 3, max_diagonal_qubits=5, grow=True)
    assert [(op.kind, len(op.qubits)) for op in fused] == [("general", 1), ("diagonal", 5)]
    np.testing.assert_allclose(full(fused), full(ops), atol=1e-12)


def _random_unitary(rng, k):
    a = rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k))
    return np.linalg.qr(a)[0]


@pytest.mark.parametrize("threads", [1, 2])
def test_chunked_products_match_the_plain_kernel(threads):
    """Gates of 1-6 qubits on arbitrary axes of a 17-axis tensor, applied in place with
    the relabelling apply_dense returns, against kernels.apply_matrix on a fixed order."""
    n = 17
    rng = np.random.default_rng(11)
    psi = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    ref = psi.reshape((2,) * n).copy()
    data = psi.copy()
    where = list(range(n))  # where[a] = the reference axis our tensor axis a holds
    for k in (1, 2, 3, 6, 4, 5, 2, 1):
        m = _random_unitary(rng, k)
        ref_axes = [int(a) for a in rng.choice(n, k, replace=False)]
        ref = apply_matrix(ref, m, ref_axes)
        moved = apply_dense(data, m, [where.index(a) for a in ref_axes], threads)
        where = [where[a] for a in moved]
    ours = data.reshape((2,) * n).transpose(np.argsort(where))
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def _ucx_circuit(n, seed, layers=6):
    """A circuit of u and cx only, in the shape transpilation gives every circuit."""
    rng = np.random.default_rng(seed)
    c = qfoundry.Circuit(n, n)
    for layer in range(layers):
        for q in rng.permutation(n)[: n - 2]:
            theta = float(rng.choice([0.0, np.pi, rng.uniform(0, np.pi)]))
            c.u(theta, *rng.uniform(-np.pi, np.pi, 2), int(q))
        for q in range(layer % 2, n - 1, 2):
            a, b = (q, q + 1) if rng.random() < 0.5 else (q + 1, q)
            c.cx(a, b)
        a, b = (int(q) for q in rng.choice(n, 2, replace=False))
        c.cx(a, b)
    return c


@pytest.mark.oracle
@pytest.mark.parametrize("max_fused", [3, 5])
def test_large_u_cx_state_matches_qiskit(max_fused):
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import Statevector

    c = _ucx_circuit(18, seed=4)
    ours = qfoundry.get_backend("statevector_simulator").run(
        c, fusion_max_qubits=max_fused).result().get_statevector()
    qc = qiskit.qasm2.loads(c.to_qasm(),
                            custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    overlap = abs(np.vdot(Statevector(qc).data, ours))  # equal up to global phase
    assert abs(overlap - 1) < 1e-9


def test_threads_give_identical_counts_and_memory():
    c = _ucx_circuit(18, seed=9)
    c.measure(list(range(18)), list(range(18)))
    backend = qfoundry.get_backend("qasm_simulator")
    runs = [backend.run(c, shots=300, memory=True, seed_simulator=21,
                        max_parallel_threads=t).result() for t in (1, 2, 0)]
    for r in runs[1:]:
        assert r.get_counts() == runs[0].get_counts()
        assert r.get_memory() == runs[0].get_memory()
    vecs = [qfoundry.get_backend("statevector_simulator").run(
        _ucx_circuit(18, seed=9), max_parallel_threads=t).result().get_statevector()
        for t in (1, 2)]
    np.testing.assert_array_equal(vecs[0], vecs[1])  # bitwise: same products per chunk


def test_a_large_run_allocates_no_second_state():
    """Peak allocation of a 20-qubit u/cx run with sampled measurements: the state plus
    chunk buffers, never a state-sized scratch (numpy reports its buffers to tracemalloc)."""
    n = 20
    c = _ucx_circuit(n, seed=2)
    c.measure(list(range(n)), list(range(n)))
    backend = qfoundry.get_backend("qasm_simulator")
    tracemalloc.start()
    try:
        backend.run(c, shots=100, seed_simulator=1).result()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    state = 16 << n
    assert peak < 1.25 * state + (4 << 20), f"peak {peak / state:.2f} states"


def test_max_parallel_threads_is_validated():
    backend = qfoundry.get_backend("qasm_simulator")
    with pytest.raises(ValueError, match="max_parallel_threads"):
        backend.run(_ucx_circuit(3, seed=0), max_parallel_threads=-1)


def test_trailing_widened_products_on_a_given_state():
    """Targets inside the trailing block of a given 17-qubit state: widened to the block,
    applied in place, against the plain kernel."""
    n = 17
    rng = np.random.default_rng(5)
    init = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    init /= np.linalg.norm(init)
    st = SVState(init.copy(), n)
    ref = init.reshape((2,) * n)
    for name, qubits, params in [("h", [0], []), ("cu3", [2, 0], [0.7, 0.2, 0.5]),
                                 ("u3", [1], [0.3, 1.1, -0.4]), ("cx", [5, 1], [])]:
        m = gate_matrix(name, params, len(qubits))
        st.apply_matrix(qubits, m)
        ref = apply_matrix(ref, m, [n - 1 - q for q in qubits])
    np.testing.assert_allclose(st.to_array(), ref.reshape(-1), atol=1e-12)


def test_parallel_experiments_share_the_cores():
    """max_parallel_threads is divided among experiments running at once (Aer's
    parallel_state_update metadata says how many threads each state used)."""
    from qfoundry.plugins.statevector.chunked import cpu_count

    cores = cpu_count()
    c = _ucx_circuit(6, seed=1)
    c.measure(list(range(6)), list(range(6)))
    backend = qfoundry.get_backend("qasm_simulator")
    alone = backend.run(c, shots=10).result()
    assert alone.results[0].metadata["parallel_state_update"] == cores
    both = backend.run([c, c], shots=10, executor="threads",
                       max_parallel_experiments=2).result()
    assert [r.metadata["parallel_state_update"] for r in both.results] == \
        [max(1, cores // 2)] * 2
    pinned = backend.run([c, c], shots=10, max_parallel_threads=1).result()
    assert [r.metadata["parallel_state_update"] for r in pinned.results] == [1, 1]


def test_threaded_diagonals_match_one_thread():
    """Wide diagonals (a QFT's fused controlled phases) on 2 threads, bitwise, and
    against an index-based reference."""
    n = 17
    rng = np.random.default_rng(8)
    init = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    init /= np.linalg.norm(init)
    gates = [(qs, np.exp(1j * rng.uniform(0, 6, 1 << len(qs))))
             for qs in ([0, 5, 16], [16], [3, 1, 15, 14, 2, 9])]
    out = []
    for threads in (1, 2):
        st = SVState(init.copy(), n, threads=threads)
        for qubits, d in gates:
            st.apply_diagonal(qubits, d)
        out.append(st.to_array())
    ref = init.copy()
    index = np.arange(1 << n)
    for qubits, d in gates:  # qubits[0] is d's least significant bit
        ref *= d[sum(((index >> q) & 1) << j for j, q in enumerate(qubits))]
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_allclose(out[0], ref, atol=1e-12)


@pytest.mark.oracle
def test_single_precision_state_matches_qiskit():
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import Statevector

    c = _ucx_circuit(18, seed=6)
    result = qfoundry.get_backend("statevector_simulator").run(
        c, precision="single").result()
    ours = result.get_statevector()
    assert ours.dtype == np.complex64 and result.results[0].metadata["precision"] == "single"
    qc = qiskit.qasm2.loads(c.to_qasm(),
                            custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    overlap = abs(np.vdot(Statevector(qc).data, ours.astype(complex)))
    assert abs(overlap - 1) < 1e-5  # float32 rounding over about 60 fused blocks


def test_single_precision_counts_follow_the_probabilities():
    """Counts in single precision against the exact (double) marginal of 4 qubits:
    chi-square at 20000 shots, seed fixed; p > 1e-3."""
    from scipy.stats import chisquare

    n, shots = 17, 20000
    c = _ucx_circuit(n, seed=3)
    state = qfoundry.get_backend("statevector_simulator").run(c).result().get_statevector()
    probs = (np.abs(state.reshape(-1, 16)) ** 2).sum(axis=0)  # qubits 0-3
    c.measure([0, 1, 2, 3], [0, 1, 2, 3])
    runs = [qfoundry.get_backend("qasm_simulator").run(
        c, shots=shots, seed_simulator=12, precision="single",
        max_parallel_threads=t).result().get_counts() for t in (1, 2)]
    assert runs[0] == runs[1]
    observed = np.zeros(16)
    for key, count in runs[0].items():
        observed[int(key, 2) & 15] += count
    assert chisquare(observed, probs * shots).pvalue > 1e-3


def test_wide_cheap_gates_stay_cheap_when_growing():
    """A ccx (a pass by moving amplitudes) never grows a dense block: a dense block
    costs several passes on a large state."""
    ops = [as_op("u", [0], [0.3, 0.2, 0.1]), as_op("ccx", [0, 1, 2]), as_op("t", [1])]
    fused = fuse(ops, N, 4, grow=True)
    assert ("permutation", 3) in [(op.kind, len(op.qubits)) for op in fused]
    np.testing.assert_allclose(full(fused), full(ops), atol=1e-12)
