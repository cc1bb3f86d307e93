"""The ``accel`` extra's compiled dense-block kernel (plugins/_sim/accel.py) and the
engine's ``accelerator`` option, against dense constructions, the numpy path and Qiskit.

Engine tests run on both paths (``accelerator="numpy"`` and ``"numba"``, which uses the
kernel at every size); the numba ones skip cleanly where numba is not installed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from test_statevector import embed, random_gates, random_state, reference_unitary, statevector
from test_statevector_inplace import _ucx_circuit

import qfoundry
from qfoundry.errors import MissingExtraError
from qfoundry.plugins.statevector import accelerator as choice
from qfoundry.plugins.statevector.state import SVState

needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None,
                                 reason="numba not installed")
PATHS = ["numpy", pytest.param("numba", marks=needs_numba)]
TOL = {np.complex128: 1e-12, np.complex64: 2e-6}


def _random_unitary(rng, k):
    a = rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k))
    return np.linalg.qr(a)[0]


def _random_state(rng, n, dtype):
    psi = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    return (psi / np.linalg.norm(psi)).astype(dtype)


@needs_numba
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_kernel_matches_the_dense_operator(k, dtype):
    """Random k-qubit unitaries on random bits in random order (low bits, high bits,
    gaps), 9 qubits, against the full operator built by explicit embedding; the
    returned relabelling says where every qubit went."""
    from qfoundry.plugins._sim import accel

    n = 9
    rng = np.random.default_rng(100 + k)
    for trial in range(6):
        bits = [int(b) for b in rng.choice(n, k, replace=False)]
        if trial == 0:
            bits = list(range(k))[::-1]  # every target in the lowest bits
        m = _random_unitary(rng, k)
        psi = _random_state(rng, n, dtype)
        want = embed(m, bits, n) @ psi.astype(complex)
        data = psi.copy()
        moved = accel.apply_dense(data, m, bits)
        assert sorted(moved) == list(range(n))
        # bit b of data's index holds what bit moved[b] of the reference index held
        index = np.arange(1 << n)
        ref_index = sum(((index >> b) & 1) << moved[b] for b in range(n))
        np.testing.assert_allclose(data, want[ref_index].astype(dtype), atol=TOL[dtype])


@needs_numba
def test_kernel_on_a_chunk_larger_than_the_state_and_its_errors():
    """A state smaller than one chunk (5 qubits), and refused inputs."""
    from qfoundry.plugins._sim import accel

    rng = np.random.default_rng(3)
    psi = _random_state(rng, 5, np.complex128)
    m = _random_unitary(rng, 5)
    data = psi.copy()
    moved = accel.apply_dense(data, m, [4, 0, 2, 1, 3])
    index = np.arange(32)
    ref_index = sum(((index >> b) & 1) << moved[b] for b in range(5))
    np.testing.assert_allclose(data, (embed(m, [4, 0, 2, 1, 3], 5) @ psi)[ref_index],
                               atol=1e-12)
    with pytest.raises(ValueError, match="distinct bits"):
        accel.apply_dense(data, np.eye(4), [1, 1])
    with pytest.raises(ValueError, match="4-square"):
        accel.apply_dense(data, np.eye(8), [1, 2])


@needs_numba
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_state_on_the_kernel_matches_the_numpy_state(dtype):
    """A sequence of dense gates on a 17-qubit SVState, kernel against numpy path (which
    relabels differently): the same amplitudes in Qiskit order."""
    n = 17
    rng = np.random.default_rng(11)
    init = _random_state(rng, n, dtype)
    kernel = choice.dense_kernel("numba", n)
    states = [SVState(init.copy(), n, threads=2, accel=a)
              for a in ((None, 0), kernel)]
    for k in (1, 4, 2, 5, 3, 4, 1):
        qubits = [int(q) for q in rng.choice(n, k, replace=False)]
        m = _random_unitary(rng, k)
        for st in states:
            st.apply_matrix(qubits, m)
    np.testing.assert_allclose(states[1].to_array(), states[0].to_array(), atol=TOL[dtype])


@pytest.mark.parametrize("accelerator", PATHS)
@pytest.mark.parametrize("precision", ["double", "single"])
@pytest.mark.parametrize("max_fused", [2, 4, 5])
@pytest.mark.parametrize("seed", range(3))
def test_engine_paths_match_the_dense_unitary(seed, max_fused, precision, accelerator):
    """Every gate of the library on random qubits (6 qubits, fused from 1 qubit on with
    ``fusion_threshold=1``), from a random state, against the product of the gates'
    full operators; ``numba`` puts every dense block on the kernel."""
    rng = np.random.default_rng(seed)
    n = 6
    insts = random_gates(rng, n, 60)
    init = random_state(rng, n)
    want = reference_unitary(insts, n) @ init
    got = statevector(insts, n, initial_statevector=init, fusion_threshold=1,
                      fusion_max_qubits=max_fused, accelerator=accelerator,
                      precision=precision)
    np.testing.assert_allclose(got, want, atol=1e-10 if precision == "double" else 2e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("accelerator", PATHS)
def test_large_u_cx_state_matches_qiskit_on_each_path(accelerator):
    qiskit = pytest.importorskip("qiskit")
    from qiskit.quantum_info import Statevector

    c = _ucx_circuit(17, seed=5)
    ours = qfoundry.get_backend("statevector_simulator").run(
        c, accelerator=accelerator).result().get_statevector()
    qc = qiskit.qasm2.loads(c.to_qasm(),
                            custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert abs(abs(np.vdot(Statevector(qc).data, ours)) - 1) < 1e-9


@needs_numba
def test_kernel_results_do_not_depend_on_threads():
    """Counts, memory and statevector bitwise identical at 1 and 2 threads on the kernel
    (each chunk is the same calls whatever the split)."""
    c = _ucx_circuit(18, seed=9)
    c.measure(list(range(18)), list(range(18)))
    backend = qfoundry.get_backend("qasm_simulator")
    runs = [backend.run(c, shots=300, memory=True, seed_simulator=21, accelerator="numba",
                        max_parallel_threads=t).result() for t in (1, 2)]
    assert runs[0].get_counts() == runs[1].get_counts()
    assert runs[0].get_memory() == runs[1].get_memory()
    sv = qfoundry.get_backend("statevector_simulator")
    vecs = [sv.run(_ucx_circuit(18, seed=9), accelerator="numba",
                   max_parallel_threads=t).result().get_statevector() for t in (1, 2)]
    np.testing.assert_array_equal(vecs[0], vecs[1])


@needs_numba
def test_concurrent_experiments_on_the_kernel():
    """Two experiments of one job on the thread executor call the kernel at once: counts
    and statevectors equal those of the serial executor for the same seed."""
    circuits = [_ucx_circuit(16, seed=s) for s in (1, 2)]
    backend = qfoundry.get_backend("statevector_simulator")
    runs = [backend.run(circuits, executor=ex, max_parallel_experiments=2,
                        accelerator="numba").result() for ex in ("threads", "serial")]
    for i in range(2):
        np.testing.assert_array_equal(runs[0].get_statevector(i), runs[1].get_statevector(i))
    for c in circuits:
        c.measure(list(range(16)), list(range(16)))
    qasm = qfoundry.get_backend("qasm_simulator")
    counts = [qasm.run(circuits, shots=200, seed_simulator=4, executor=ex,
                       max_parallel_experiments=2, accelerator="numba").result()
              for ex in ("threads", "serial")]
    assert [counts[0].get_counts(i) for i in range(2)] == \
        [counts[1].get_counts(i) for i in range(2)]


def test_auto_uses_the_kernel_only_where_it_pays(monkeypatch):
    """``auto``: numpy below ACCEL_MIN_QUBITS or below the dense work that pays for
    loading numba, the kernel from both, whatever ran before in the process; numpy
    everywhere without numba; ``numba`` without numba is refused at run()."""
    small, large = choice.ACCEL_MIN_QUBITS - 1, choice.ACCEL_MIN_QUBITS
    big = choice._LOAD_PAYS
    assert choice.dense_kernel("auto", small, big) == (None, 0)
    assert choice.dense_kernel("numpy", large, big) == (None, 0)
    if importlib.util.find_spec("numba") is not None:
        kernel, start = choice.dense_kernel("auto", large, big)  # loads numba
        assert kernel is not None and start == large
        assert choice.dense_kernel("auto", large, big - 1) == (None, 0)  # loaded or not
        assert choice.dense_kernel("numba", 3, 0)[1] == 0
    monkeypatch.setattr(choice.importlib.util, "find_spec", lambda name: None)
    assert choice.dense_kernel("auto", large, big) == (None, 0)
    with pytest.raises(MissingExtraError, match=r"qfoundry\[accel\]"):
        choice.dense_kernel("numba", 3)
    c = _ucx_circuit(3, seed=0)
    with pytest.raises(MissingExtraError, match="numba"):
        qfoundry.get_backend("statevector_simulator").run(c, accelerator="numba")


@needs_numba
def test_each_path_repeats_its_counts_for_a_seed():
    """The same job and seed give the same counts on each path, run after run in one
    process (loading numba in between changes nothing for ``auto``)."""
    c = _ucx_circuit(16, seed=7)
    c.measure(list(range(16)), list(range(16)))
    backend = qfoundry.get_backend("qasm_simulator")
    for accelerator in ("auto", "numpy", "numba"):
        runs = [backend.run(c, shots=500, seed_simulator=3, accelerator=accelerator
                            ).result() for _ in range(2)]
        assert runs[0].get_counts() == runs[1].get_counts()
        assert runs[0].results[0].metadata["accelerator"] == (
            "numba" if accelerator == "numba" else "numpy")  # auto: too little work


def test_accelerator_option_is_validated():
    with pytest.raises(ValueError, match="accelerator"):
        qfoundry.get_backend("qasm_simulator").run(_ucx_circuit(3, seed=0),
                                                   accelerator="cuda")


def test_import_qfoundry_never_imports_numba():
    code = ("import sys, qfoundry; b = qfoundry.get_backend('qasm_simulator'); "
            "c = qfoundry.Circuit(2, 2); c.h(0); c.cx(0, 1); c.measure([0, 1], [0, 1]); "
            "b.run(c, shots=10).result(); print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@needs_numba
def test_the_engines_doc_example_runs_verbatim(tmp_path):
    """docs/engines.md's accelerator example, copied into a plain script (no main guard)
    and run as a user would: it prints what its comments say."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "engines.md").read_text("utf-8")
    (block,) = re.findall(r"\n  ```python\n(  import numpy as np\n.*?)  ```\n", doc, re.S)
    script = tmp_path / "example.py"
    script.write_text("\n".join(line[2:] for line in block.splitlines()) + "\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.split() == ["True", "numba", "True"]
