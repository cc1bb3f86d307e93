"""Defaults that never break a user's script: no processes unless asked, a broken pool
is never reused, BLAS on one thread while a job runs, executor names checked at run()."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Executor, Future

import numpy as np
import pytest

import qfoundry
from qfoundry import execution as backend_module
from qfoundry.blas import blas_libraries

UNGUARDED = textwrap.dedent("""\
    import multiprocessing
    import qfoundry

    circuits = []
    for k in range(4):
        c = qfoundry.Circuit(20, 20)
        c.h(0)
        for q in range(19):
            c.cx(q, q + 1)
        c.measure(list(range(20)), list(range(20)))
        circuits.append(c)
    result = qfoundry.get_backend("qasm_simulator").run(circuits, shots=100,
                                                        seed_simulator=3).result()
    print(sorted(set(result.get_counts(3))), sum(result.get_counts(3).values()))
    print("children", len(multiprocessing.active_children()))
""")


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_unguarded_script_runs_without_processes(tmp_path, how):
    # A first script, no `if __name__ == "__main__":`: 4 experiments of 20 qubits are a
    # "large" job, which once went to a forkserver pool that re-imported the script.
    script = tmp_path / "first.py"
    script.write_text(UNGUARDED)
    argv, stdin = ([sys.executable, str(script)], None) if how == "file" else \
        ([sys.executable, "-"], UNGUARDED)
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == ["['00000000000000000000', '11111111111111111111'] 100", "children 0"]


def test_processes_in_an_unguarded_script_fail_with_the_main_guard_rule(tmp_path):
    script = tmp_path / "procs.py"
    script.write_text(UNGUARDED.replace("seed_simulator=3)", 'seed_simulator=3, '
                                        'executor="processes", max_parallel_experiments=2)'))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 1
    assert "WorkerDiedError" in proc.stderr and '__name__ == "__main__"' in proc.stderr


class _DiesOnRequest(qfoundry.Engine):
    """Kills its own process on an experiment named 'die' (as the OOM killer would)."""

    name = "dies_on_request"
    supported_instructions = frozenset({"measure"})

    def run_experiment(self, experiment, options, device=None):
        if experiment.header.name == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        return qfoundry.ExperimentOutput({"counts": {"0x0": options["shots"]}},
                                         options["shots"])


def _qobj(*names):
    return {"experiments": [{"header": {"name": n}, "config": {"n_qubits": 1, "memory_slots": 1},
                             "instructions": [{"name": "measure", "qubits": [0], "memory": [0]}]}
                            for n in names]}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_dead_worker_fails_its_job_clearly_and_the_next_job_works():
    backend = qfoundry.SimulatorBackend(_DiesOnRequest(), name="dies",
                                        configuration={"n_qubits": 1})
    opts = {"executor": "processes", "max_parallel_experiments": 2, "shots": 10}
    job = backend.run(_qobj("ok", "die", "ok"), **opts)
    with pytest.raises(qfoundry.JobError, match="worker process died"):
        job.result(timeout=120)
    assert isinstance(job.error(), qfoundry.WorkerDiedError)
    for _ in range(2):  # the broken pool was discarded: every later job of this size works
        result = backend.run(_qobj("ok", "ok", "ok"), **opts).result(timeout=120)
        assert [result.get_counts(i) for i in range(3)] == [{"0": 10}] * 3


@pytest.mark.parametrize("bad", ["x", "Threads", 3, object()])
def test_an_unknown_executor_is_refused_at_run_and_set_options(bad):
    backend = qfoundry.get_backend("qasm_simulator")
    c = qfoundry.Circuit(1, 1)
    c.measure(0, 0)
    with pytest.raises(qfoundry.OptionsError, match=r"executor=.* is invalid.*'processes'"):
        backend.run(c, executor=bad)
    with pytest.raises(qfoundry.OptionsError, match="executor="):
        backend.set_options(executor=bad)
    assert backend.options.executor is None


class _RecordsBlas(qfoundry.Engine):
    name = "records_blas"
    supported_instructions = frozenset({"measure"})

    def run_experiment(self, experiment, options, device=None):
        threads = [lib.get() for lib in blas_libraries()]
        return qfoundry.ExperimentOutput({"counts": {"0x0": 1}}, 1, metadata={"blas": threads})


def test_jobs_run_blas_on_one_thread_and_restore_it():
    import scipy.linalg  # noqa: F401 - load scipy's own OpenBLAS too, as the engines do

    qfoundry.get_backend("qasm_simulator")  # and whatever the plugins load
    libs = blas_libraries()
    if not libs:
        pytest.skip("no OpenBLAS/MKL loaded (nothing to control)")
    before = [lib.get() for lib in libs]
    for lib in libs:
        lib.set(2)
    found = [lib.get() for lib in libs]  # 2, or 1 for a single-threaded build (Aer's)
    try:
        backend = qfoundry.SimulatorBackend(_RecordsBlas(), name="blas",
                                            configuration={"n_qubits": 1})
        for executor in ("serial", "threads"):
            result = backend.run(_qobj("a", "b"), shots=1, executor=executor,
                                 max_parallel_experiments=2).result()
            assert [r.metadata["blas"] for r in result.results] == [[1] * len(libs)] * 2
            assert [lib.get() for lib in libs] == found
    finally:
        for lib, count in zip(libs, before):
            lib.set(count)


def test_threads_default_only_for_large_jobs():
    big = qfoundry.assemble([_ghz(16)] * 4).experiments
    assert backend_module.worth_parallel(big)
    assert not backend_module.worth_parallel(big[:1])
    assert not backend_module.worth_parallel(qfoundry.assemble([_ghz(3)] * 50).experiments)


def _layers(n, depth, seed):
    """A dense brickwork circuit: u on every qubit, CX on alternating pairs, all measured."""
    rng = np.random.default_rng(seed)
    c = qfoundry.Circuit(n, n)
    for layer in range(depth):
        for q in range(n):
            c.u(*rng.uniform(0, 3, 3), q)
        for q in range(layer % 2, n - 1, 2):
            c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


def _ghz(n):
    c = qfoundry.Circuit(n, n)
    c.h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


# -- progress -----------------------------------------------------------------------------------
class _Halfway(qfoundry.Engine):
    """Reports half its experiment done, then waits until the test has seen it."""

    name = "halfway"
    supported_instructions = frozenset({"measure"})
    seen = threading.Event()

    def run_experiment(self, experiment, options, device=None):
        from qfoundry.progress import report_progress

        report_progress(0.5)
        assert self.seen.wait(30)
        return qfoundry.ExperimentOutput({"counts": {"0x0": 1}}, 1)


def test_a_single_long_experiment_reports_finer_progress():
    backend = qfoundry.SimulatorBackend(_Halfway(), name="halfway",
                                        configuration={"n_qubits": 1})
    job = backend.run(_qobj("long"), shots=1)
    deadline = time.monotonic() + 30
    while job.fraction() < 0.5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.fraction() == 0.5 and job.progress() == (0, 1)  # experiments: still (0, 1)
    _Halfway.seen.set()
    job.result(timeout=30)
    assert job.fraction() == 1.0 and job.progress() == (1, 1)


class _ReverseExecutor(Executor):
    """Finishes its tasks last-submitted first, one at a time, recording the job's
    progress after each: as Dask does when early tasks are slow."""

    def __init__(self, n):
        self.n, self.pending, self.seen, self.job = n, [], [], None

    def submit(self, fn, *args, **kwargs):
        fut = Future()
        self.pending.append((fut, fn, args, kwargs))
        if len(self.pending) == self.n:
            self.thread = threading.Thread(target=self._finish)
            self.thread.start()
        return fut

    def _finish(self):
        for k, (fut, fn, args, kwargs) in enumerate(reversed(self.pending), 1):
            fut.set_result(fn(*args, **kwargs))
            deadline = time.monotonic() + 10
            while self.job is None or self.job.progress()[0] < k:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            self.seen.append(self.job.progress() if self.job else None)


def test_progress_moves_as_tasks_finish_in_any_order():
    circuits = [_ghz(2) for _ in range(5)]
    pool = _ReverseExecutor(5)
    job = qfoundry.get_backend("qasm_simulator").run(circuits, executor=pool, shots=10)
    pool.job = job
    job.result(timeout=60)
    pool.thread.join(30)
    assert pool.seen == [(k, 5) for k in range(1, 6)]


def test_progress_moves_under_dask_as_experiments_finish():
    distributed = pytest.importorskip("dask.distributed")
    seen = []

    class Recorder:
        __name__ = "recorder"

        @qfoundry.hookimpl
        def job_progress(self, job, done, total):
            seen.append((done, total, time.monotonic()))

    from qfoundry import plugin_manager as pm_module

    pm = pm_module.get_plugin_manager()
    pm.register(Recorder(), name="recorder")
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            # Each experiment does real work (tens of ms: beyond the small-state path),
            # so results arrive spread over the run rather than in one burst.
            circuits = [_layers(16, 6, seed) for seed in range(40)]
            start = time.monotonic()
            qfoundry.get_backend("qasm_simulator").run(circuits, executor=client,
                                                       shots=50).result(timeout=300)
            end = time.monotonic()
    finally:
        pm.unregister(name="recorder")
    assert [d for d, _, _ in seen] == list(range(1, 41))
    # the first experiment is reported well before the last: not all at the end
    assert seen[0][2] - start < 0.9 * (end - start)
