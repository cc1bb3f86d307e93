"""docs/writing-engines.md: its engine (examples/dense_engine.py, included verbatim) takes
lowered programs, registers through the hooks and agrees with the built-in engine."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import qfoundry
from qfoundry.errors import UnsupportedInstructionError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "dense_engine.py"


@pytest.fixture(scope="module")
def dense():
    spec = importlib.util.spec_from_file_location("dense_engine", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def backend(dense, fresh_pm):
    fresh_pm(dense, load_entry_points=True)
    return qfoundry.get_backend("dense_simulator")


def test_the_doc_includes_the_engine_verbatim_and_it_is_short():
    code = EXAMPLE.read_text()
    assert code in (ROOT / "docs" / "writing-engines.md").read_text()
    assert len(code.splitlines()) < 60


def test_it_takes_programs(dense):
    assert dense.ENGINE.takes_program
    assert qfoundry.get_engine("statevector").takes_program  # the built-ins do too


def random_circuit(n: int, depth: int, seed: int, measured: bool = True) -> qfoundry.Circuit:
    rng = np.random.default_rng(seed)
    c = qfoundry.Circuit(n, n)
    for _ in range(depth):
        for q in range(n):
            c.u(*rng.uniform(0, 2 * math.pi, 3), q)
        a, b = rng.choice(n, 2, replace=False)
        c.cx(int(a), int(b))
    c.ccx(0, 1, 2)
    if measured:
        c.measure(list(range(n)), list(range(n)))
    return c


def test_counts_follow_the_exact_distribution_of_the_statevector_engine(backend):
    circuit = random_circuit(4, 6, seed=5)
    shots = 20000
    counts = backend.run(circuit, shots=shots, seed_simulator=9).result().get_counts()
    ideal = random_circuit(4, 6, seed=5, measured=False)
    psi = qfoundry.get_backend("statevector_simulator").run(ideal).result().get_statevector()
    probs = np.abs(np.asarray(psi)) ** 2
    observed = np.array([counts.get(format(i, "04b"), 0) for i in range(16)])
    keep = probs * shots > 5  # chi-square needs expected counts of 5 or more
    f_obs, f_exp = observed[keep], probs[keep] * shots
    if not keep.all():  # the rare outcomes pooled into one bin
        f_obs = np.append(f_obs, observed[~keep].sum())
        f_exp = np.append(f_exp, probs[~keep].sum() * shots)
    assert f_obs.sum() == shots and f_exp.sum() == pytest.approx(shots)
    # Seeded, so deterministic; a correct engine fails this with probability 1e-4.
    assert stats.chisquare(f_obs, f_exp).pvalue > 1e-4


def test_same_seed_same_counts_and_memory(backend):
    c = random_circuit(3, 3, seed=1)
    runs = [backend.run(c, shots=200, memory=True, seed_simulator=4).result()
            for _ in range(2)]
    assert runs[0].get_counts() == runs[1].get_counts()
    assert runs[0].get_memory() == runs[1].get_memory()


def test_what_it_cannot_do_is_refused_at_run(backend):
    c = qfoundry.Circuit(1, 2)
    c.h(0)
    c.measure(0, 0)
    c.x(0)
    c.measure(0, 1)
    with pytest.raises(UnsupportedInstructionError, match="instruction 1 .*final measurements"):
        backend.run(c)
