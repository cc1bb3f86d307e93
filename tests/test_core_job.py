"""Jobs: asynchronous runs, status, cancel, timeouts, failures, job hooks and seeds."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import CoinEngine, coin_backend, coin_flips, experiment, make_qobj

import qfoundry
from qfoundry import Job, JobError, JobStatus, JobTimeoutError, QasmQobj
from qfoundry.backend import derive_seed
from qfoundry.job import JOB_FINAL_STATES, default_executor
from qfoundry.plugin_manager import PluginWarning

WAIT = 10  # seconds: only ever reached when something is broken

# Core tests run on inline plugins only: never load the installed ones.
pytestmark = pytest.mark.usefixtures("no_plugins")


class BlockingEngine(CoinEngine):
    """Signals each experiment start, then waits until the test releases it."""

    def __init__(self):
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def run_experiment(self, experiment, options, device=None):
        self.started.release()
        assert self.release.wait(WAIT), "the test never released the engine"
        return super().run_experiment(experiment, options, device)


class FailingEngine(CoinEngine):
    """Fails on experiments whose name starts with 'bad'."""

    def run_experiment(self, experiment, options, device=None):
        if experiment.name.startswith("bad"):
            raise RuntimeError(f"engine exploded on {experiment.name}")
        return super().run_experiment(experiment, options, device)


class DelayEngine(CoinEngine):
    """Sleeps ``header.delay`` seconds first, so experiments finish in a chosen order."""

    def run_experiment(self, experiment, options, device=None):
        time.sleep(getattr(experiment.header, "delay", 0))
        return super().run_experiment(experiment, options, device)


class ChunkedEngine(CoinEngine):
    """Samples shots independently, so the core may split them into chunks of 100."""

    def shots_per_chunk(self, options):
        return 100


class Recorder:
    """A plugin recording every job hook call: (hook, job id, details, thread)."""

    __name__ = "recorder"

    def __init__(self):
        self.calls = []

    def _log(self, hook, job, *details):
        self.calls.append((hook, job.job_id(), *details, threading.current_thread()))

    @qfoundry.hookimpl
    def job_submitted(self, job):
        self._log("submitted", job, job.status())

    @qfoundry.hookimpl
    def job_progress(self, job, done, total):
        self._log("progress", job, (done, total))

    @qfoundry.hookimpl
    def job_finished(self, job, result):
        self._log("finished", job, job.status(), result)

    def of(self, job):
        return [c[0] for c in self.calls if c[1] == job.job_id()]


@pytest.fixture
def recorder(fresh_pm):
    rec = Recorder()
    rec.pm = fresh_pm(rec)
    return rec


def flips_qobj(n_exps=1, shots=200, **config):
    return make_qobj(*(coin_flips(3, name=f"flips{i}") for i in range(n_exps)),
                     shots=shots, **config)


# -- life cycle --------------------------------------------------------------------------------

def test_run_returns_at_once_and_status_moves_on(recorder):
    engine = BlockingEngine()
    job = coin_backend(engine).run(flips_qobj(), seed_simulator=1)
    try:
        assert job.status() in (JobStatus.QUEUED, JobStatus.RUNNING)  # returned before the run
        assert engine.started.acquire(timeout=WAIT)
        assert job.status() is JobStatus.RUNNING and job.running()
        assert not job.done() and not job.in_final_state()
        with pytest.raises(JobTimeoutError) as info:
            job.result(timeout=0.05)
        assert isinstance(info.value, JobError) and isinstance(info.value, TimeoutError)
        assert job.job_id() in str(info.value) and "RUNNING" in str(info.value)
        with pytest.raises(JobTimeoutError):
            job.wait_for_final_state(timeout=0.01)
    finally:
        engine.release.set()
    result = job.result(timeout=WAIT)
    assert job.status() is JobStatus.DONE and job.done() and job.in_final_state()
    assert not job.running() and not job.cancelled()
    assert result.job_id == job.job_id() and sum(result.get_counts().values()) == 200
    submitted = [c for c in recorder.calls if c[0] == "submitted"]
    assert submitted[0][2] is JobStatus.QUEUED
    assert job.backend().name == "coin_simulator" and "DONE" in repr(job)


def test_job_ids_are_unique(recorder):
    backend = coin_backend()
    jobs = [backend.run(flips_qobj(shots=1)) for _ in range(5)]
    assert len({j.job_id() for j in jobs}) == 5
    for job in jobs:
        job.result(timeout=WAIT)


def test_job_built_by_hand(recorder):
    qobj = QasmQobj.from_dict(flips_qobj())
    job = Job(coin_backend(), qobj, lambda j: "the result", job_id="my-id",
              plugin_manager=recorder.pm)
    assert job.status() is JobStatus.INITIALIZING and job.job_id() == "my-id"
    assert job.progress() == (0, 1) and job.qobj is qobj
    assert job.cancel() is False  # nothing to cancel before submit
    job.submit()
    assert job.result(timeout=WAIT) == "the result"
    with pytest.raises(JobError, match="already submitted"):
        job.submit()
    assert recorder.of(job) == ["submitted", "finished"]
    assert JOB_FINAL_STATES == (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR)
    assert JobStatus.RUNNING.value == "job is actively running"


# -- cancel --------------------------------------------------------------------------------------

def test_cancel_while_queued_on_a_busy_executor(recorder):
    ran = []
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as busy:
        busy.submit(gate.wait, WAIT)
        job = Job(coin_backend(), QasmQobj.from_dict(flips_qobj()), ran.append,
                  plugin_manager=recorder.pm)
        job.submit(busy)
        assert job.status() is JobStatus.QUEUED
        assert job.cancel() is True
        assert job.cancelled() and job.status() is JobStatus.CANCELLED and job.in_final_state()
        assert job.cancel() is False
        gate.set()
    assert ran == []  # the work never started
    with pytest.raises(JobError, match="was cancelled"):
        job.result(timeout=WAIT)
    finished = [c for c in recorder.calls if c[0] == "finished"]
    assert [(c[2], c[3]) for c in finished] == [(JobStatus.CANCELLED, None)]


def test_cancel_a_backend_job_queued_behind_a_full_pool(recorder):
    engine = BlockingEngine()
    backend = coin_backend(engine)
    workers = default_executor()._max_workers
    blockers = [backend.run(flips_qobj(shots=1)) for _ in range(workers)]
    try:
        for _ in blockers:  # every pool thread is now inside the engine
            assert engine.started.acquire(timeout=WAIT)
        queued = backend.run(flips_qobj(shots=1))
        assert queued.status() is JobStatus.QUEUED
        assert queued.cancel() is True
        running = blockers[0]
        assert running.cancel() is False and running.running()
    finally:
        engine.release.set()
    for job in blockers:
        assert job.result(timeout=WAIT).success
    with pytest.raises(JobError, match="cancelled"):
        queued.result(timeout=WAIT)
    assert queued.cancelled() and queued.progress() == (0, 1)
    assert blockers[0].cancel() is False  # DONE stays DONE


def test_cancel_from_a_job_submitted_hook(fresh_pm):
    class Canceller:
        __name__ = "canceller"

        @qfoundry.hookimpl
        def job_submitted(self, job):
            assert job.cancel() is True

    rec = Recorder()
    fresh_pm(Canceller(), rec)
    job = coin_backend().run(flips_qobj())
    with pytest.raises(JobError, match="cancelled"):
        job.result(timeout=WAIT)
    assert rec.of(job).count("finished") == 1 and "progress" not in rec.of(job)


# -- failures --------------------------------------------------------------------------------------

@pytest.mark.parametrize("executor", [None, "threads"])
def test_failing_engine_gives_job_error_with_the_cause(recorder, executor):
    qobj = make_qobj(coin_flips(2, name="good"), coin_flips(2, name="bad one"), shots=10)
    with ThreadPoolExecutor(2) as pool:
        job = coin_backend(FailingEngine()).run(
            qobj, executor=pool if executor else None)
        with pytest.raises(JobError) as info:
            job.result(timeout=WAIT)
    cause = info.value.__cause__
    assert isinstance(cause, RuntimeError) and str(cause) == "engine exploded on bad one"
    assert job.error() is cause
    assert job.status() is JobStatus.ERROR and job.in_final_state() and not job.done()
    assert job.job_id() in str(info.value) and "engine exploded" in str(info.value)
    finished = [c for c in recorder.calls if c[0] == "finished"]
    assert [(c[2], c[3]) for c in finished] == [(JobStatus.ERROR, None)]
    with pytest.raises(JobError):  # asking again gives the same answer, without hanging
        job.result(timeout=WAIT)


def test_a_failing_job_does_not_affect_others(recorder):
    backend = coin_backend(FailingEngine())
    good = make_qobj(experiment([{"name": "x", "qubits": [1]},
                                 {"name": "measure", "qubits": [0, 1], "memory": [0, 1]}],
                                name="good"), shots=50)
    bad = make_qobj(coin_flips(2, name="bad"), shots=50)
    jobs = [backend.run(bad if k % 2 else good, seed_simulator=k) for k in range(8)]
    for k, job in enumerate(jobs):
        if k % 2:
            with pytest.raises(JobError):
                job.result(timeout=WAIT)
        else:
            assert job.result(timeout=WAIT).get_counts() == {"10": 50}
    assert [j.status() for j in jobs] == [JobStatus.DONE, JobStatus.ERROR] * 4


# -- hooks ----------------------------------------------------------------------------------

def test_job_hooks_fire_in_order_with_the_result(recorder):
    job = coin_backend().run(flips_qobj(3, shots=20))
    assert recorder.of(job)[0] == "submitted"  # before run() returned
    assert recorder.calls[0][-1] is threading.current_thread()
    result = job.result(timeout=WAIT)
    # job_finished has run before result() returned, after every progress call.
    assert recorder.of(job) == ["submitted", "progress", "progress", "progress", "finished"]
    progress = [c[2] for c in recorder.calls if c[0] == "progress"]
    assert progress == [(1, 3), (2, 3), (3, 3)] and job.progress() == (3, 3)
    _, _, status, hook_result, thread = recorder.calls[-1]
    assert status is JobStatus.DONE and hook_result is result
    assert thread is not threading.current_thread()  # the job's own thread


def test_progress_with_an_executor(recorder):
    with ThreadPoolExecutor(3) as pool:
        job = coin_backend().run(flips_qobj(4, shots=5), executor=pool)
        job.result(timeout=WAIT)
    progress = [c[2] for c in recorder.calls if c[0] == "progress"]
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_hooks_that_raise_only_warn(fresh_pm):
    class Broken:
        __name__ = "broken_hooks"

        @qfoundry.hookimpl
        def job_submitted(self, job):
            raise ValueError("submitted hook broke")

        @qfoundry.hookimpl
        def job_progress(self, job, done, total):
            raise ValueError("progress hook broke")

        @qfoundry.hookimpl
        def job_finished(self, job, result):
            raise ValueError("finished hook broke")

    rec = Recorder()
    fresh_pm(Broken(), rec)
    with pytest.warns(PluginWarning) as warned:
        job = coin_backend().run(flips_qobj(2, shots=10))
        result = job.result(timeout=WAIT)
    assert job.status() is JobStatus.DONE and len(result.results) == 2
    messages = [str(w.message) for w in warned]
    for hook in ("job_submitted", "job_progress", "job_finished"):
        assert any(f"Plugin 'broken_hooks' raised in {hook}: ValueError" in m
                   for m in messages), (hook, messages)
    assert rec.of(job) == ["submitted", "progress", "progress", "finished"]  # others ran


def test_hooks_go_to_the_manager_the_job_was_submitted_under(fresh_pm):
    rec = Recorder()
    fresh_pm(rec)
    engine = BlockingEngine()
    job = coin_backend(engine).run(flips_qobj(shots=1))
    assert engine.started.acquire(timeout=WAIT)
    fresh_pm()  # another default manager while the job runs
    engine.release.set()
    job.result(timeout=WAIT)
    assert rec.of(job) == ["submitted", "progress", "finished"]


# -- seeds ----------------------------------------------------------------------------------

def run(qobj, backend=None, **options):
    return (backend or coin_backend()).run(qobj, memory=True, **options).result(timeout=WAIT)


def outcome(result):
    return [(r.seed_simulator, r.data["counts"], r.data["memory"]) for r in result.results]


def test_same_seed_same_counts_and_memory(recorder):
    a, b = run(flips_qobj(2), seed_simulator=11), run(flips_qobj(2), seed_simulator=11)
    assert outcome(a) == outcome(b)
    c = run(flips_qobj(2), seed_simulator=12)
    assert outcome(c) != outcome(a)  # 400 fair coin flips in 8 outcomes cannot all agree
    assert sum(a.get_counts(0).values()) == 200 and len(a.get_counts(0)) == 8


def test_seed_from_the_qobj_config_and_call_precedence(recorder):
    from_config = run(flips_qobj(seed_simulator=5))
    assert from_config.results[0].seed_simulator == 5
    assert outcome(from_config) == outcome(run(flips_qobj(), seed_simulator=5))
    assert run(flips_qobj(seed_simulator=5), seed_simulator=6).results[0].seed_simulator == 6


def test_without_a_seed_the_reported_seed_reproduces(recorder):
    first = run(flips_qobj())
    seed = first.results[0].seed_simulator
    assert isinstance(seed, int) and 0 <= seed < 2**31
    assert outcome(run(flips_qobj(), seed_simulator=seed)) == outcome(first)


def test_per_experiment_seeds(recorder):
    result = run(flips_qobj(4), seed_simulator=99)
    seeds = [r.seed_simulator for r in result.results]
    assert seeds[0] == 99  # experiment 0 keeps the job seed
    assert seeds[1:] == [derive_seed(99, i) for i in (1, 2, 3)]
    assert len(set(seeds)) == 4
    memories = [r.data["memory"] for r in result.results]
    assert all(m != memories[0] for m in memories[1:])  # identical circuits, independent draws
    # Re-running any one experiment alone with the seed it reports reproduces it.
    alone = run(make_qobj(coin_flips(3, name="flips2"), shots=200), seed_simulator=seeds[2])
    assert alone.data()["memory"] == memories[2]


def test_experiment_config_seed_wins(recorder):
    qobj = make_qobj(coin_flips(3, name="a"), coin_flips(3, name="b", seed_simulator=5),
                     shots=50)
    result = run(qobj, seed_simulator=1)
    assert [r.seed_simulator for r in result.results] == [1, 5]


def test_seeds_do_not_depend_on_executor_or_completion_order(recorder):
    # Experiment 0 sleeps longest, so on a thread pool the experiments finish in reverse.
    exps = [coin_flips(3, name=f"e{i}") for i in range(4)]
    for i, exp in enumerate(exps):
        exp["header"]["delay"] = 0.03 * (3 - i)
    qobj = make_qobj(*exps, shots=64)
    backend = coin_backend(DelayEngine())
    serial = run(qobj, backend, seed_simulator=3)
    with ThreadPoolExecutor(4) as pool:
        threaded = run(qobj, backend, seed_simulator=3, executor=pool)
    assert outcome(threaded) == outcome(serial)


def test_executor_adapters(recorder):
    class DaskLike:  # exposes a concurrent.futures Executor, as distributed.Client does
        def __init__(self, pool):
            self.pool = pool

        def get_executor(self):
            return self.pool

    with ThreadPoolExecutor(2) as pool:
        via_adapter = run(flips_qobj(2), seed_simulator=8, executor=DaskLike(pool))
        backend = coin_backend()
        backend.set_options(executor=pool)
        via_default = run(flips_qobj(2), backend, seed_simulator=8)
    assert outcome(via_adapter) == outcome(via_default) == outcome(
        run(flips_qobj(2), seed_simulator=8))


def test_shot_chunks_are_seeded_reproducibly(recorder):
    backend = coin_backend(ChunkedEngine())
    result = run(flips_qobj(shots=250), backend, seed_simulator=21)
    exp = result.results[0]
    assert exp.shots == 250 and sum(exp.data["counts"].values()) == 250
    assert len(exp.data["memory"]) == 250 and exp.metadata["shot_chunks"] == 3
    with ThreadPoolExecutor(3) as pool:
        assert outcome(run(flips_qobj(shots=250), backend, seed_simulator=21,
                           executor=pool)) == outcome(result)
    # Chunk 0 keeps the experiment seed; chunk c uses derive_seed(seed, 0, c).
    first = run(flips_qobj(shots=100), seed_simulator=21).data()["memory"]
    last = run(flips_qobj(shots=50), seed_simulator=derive_seed(21, 0, 2)).data()["memory"]
    assert exp.data["memory"][:100] == first and exp.data["memory"][200:] == last
