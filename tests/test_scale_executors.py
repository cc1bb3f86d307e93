"""Experiments on local processes and on a Dask cluster give exactly the serial results."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qfoundry
from qfoundry import cli
from qfoundry import execution as backend_module


def _random_circuits(count: int, n_qubits: int, depth: int, seed: int) -> list[qfoundry.Circuit]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        c = qfoundry.Circuit(n_qubits, n_qubits, name=f"random-{i}")
        for _ in range(depth):
            c.rx(float(rng.uniform(0, 2 * np.pi)), int(rng.integers(n_qubits)))
            a, b = rng.choice(n_qubits, 2, replace=False)
            c.cx(int(a), int(b))
        c.measure(list(range(n_qubits)), list(range(n_qubits)))
        out.append(c)
    return out


def _run(circuits, **options):
    backend = qfoundry.get_backend("qasm_simulator")
    result = backend.run(circuits, shots=200, seed_simulator=11, memory=True, **options).result()
    return ([result.get_counts(i) for i in range(len(circuits))],
            [result.get_memory(i) for i in range(len(circuits))],
            [r.seed_simulator for r in result.results])


def test_process_pool_matches_serial_run():
    circuits = _random_circuits(4, 16, 12, seed=3)
    serial = _run(circuits, max_parallel_experiments=1)
    assert _run(circuits, executor="processes", max_parallel_experiments=2) == serial


def test_default_threads_match_serial_run():
    # 16-qubit circuits are above the work threshold, so by default they run on threads.
    circuits = _random_circuits(4, 16, 12, seed=3)
    assert backend_module.worth_parallel(qfoundry.assemble(circuits).experiments)
    serial = _run(circuits, executor="serial")
    assert _run(circuits, max_parallel_experiments=2) == serial
    assert _run(circuits, executor="threads", max_parallel_experiments=3) == serial


def test_small_jobs_stay_serial():
    exps = qfoundry.assemble(_random_circuits(50, 3, 5, seed=1)).experiments
    assert not backend_module.worth_parallel(exps)


def test_any_executor_matches_serial_run():
    from concurrent.futures import ThreadPoolExecutor

    circuits = _random_circuits(20, 3, 8, seed=2)
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert _run(circuits, executor=pool) == _run(circuits, max_parallel_experiments=1)


def test_dask_local_cluster_matches_serial_run():
    distributed = pytest.importorskip("dask.distributed")
    circuits = _random_circuits(200, 3, 10, seed=4)
    serial = _run(circuits, max_parallel_experiments=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert _run(circuits, executor=client) == serial
        assert _run(circuits, executor=client.get_executor()) == serial



def test_the_dask_example_in_the_docs_runs_as_a_plain_script(tmp_path):
    """Copied verbatim into `python script.py`, docs/scaling.md's LocalCluster example must
    run: it once used an undefined `circuits` and no main guard, so spawned workers died."""
    pytest.importorskip("dask.distributed")
    doc = (Path(__file__).resolve().parents[1] / "docs" / "scaling.md").read_text("utf-8")
    block = re.findall(r"```python\n(.*?)```", doc.split("## Dask")[1], re.DOTALL)[0]
    script = tmp_path / "dask_example.py"
    script.write_text(block, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = ast.literal_eval(proc.stdout.strip().splitlines()[-1])
    assert sum(counts.values()) == 4096
    assert counts.get("000", 0) + counts.get("111", 0) > 0.8 * 4096  # GHZ on a noisy Falcon

class _Chunked(qfoundry.Engine):
    """Samples shots independently, so the core may split them into seeded chunks."""

    name = "chunked_coin"
    supported_instructions = frozenset({"measure"})

    def shots_per_chunk(self, options):
        return 100

    def run_experiment(self, experiment, options, device=None):
        rng = np.random.default_rng(options["seed_simulator"])
        memory = [hex(int(b)) for b in rng.integers(0, 2, options["shots"])]
        counts: dict[str, int] = {}
        for m in memory:
            counts[m] = counts.get(m, 0) + 1
        return qfoundry.ExperimentOutput({"counts": counts, "memory": memory}, options["shots"])


def test_shot_chunks_are_seeded_independently_of_the_executor():
    from concurrent.futures import ThreadPoolExecutor

    engine = _Chunked()
    backend = qfoundry.SimulatorBackend(engine, name="chunked", configuration={"n_qubits": 1})
    qobj = {"experiments": [{"config": {"n_qubits": 1, "memory_slots": 1},
                             "instructions": [{"name": "measure", "qubits": [0],
                                               "memory": [0]}]}]}
    serial = backend.run(qobj, shots=450, seed_simulator=9, memory=True).result()
    with ThreadPoolExecutor(4) as pool:
        pooled = backend.run(qobj, shots=450, seed_simulator=9, memory=True,
                             executor=pool).result()
    assert serial.get_memory() == pooled.get_memory()
    assert sum(serial.get_counts().values()) == 450
    assert serial.results[0].metadata["shot_chunks"] == 5
    # chunk 0 keeps the experiment's seed, so its shots are those of a 100-shot run
    alone = backend.run(qobj, shots=100, seed_simulator=9, memory=True).result()
    assert serial.get_memory()[:100] == alone.get_memory()


def test_cli_progress_bar_draws_on_stderr(monkeypatch):
    circuits = _random_circuits(30, 12, 20, seed=5)
    job = qfoundry.get_backend("qasm_simulator").run(circuits, max_parallel_experiments=1)
    err = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", err)
    cli._wait_with_progress(job, show=True, delay=0.0)
    assert job.done()
    text = err.getvalue()
    assert "/30 experiments" in text and "100%" in text and text.endswith("\n")
