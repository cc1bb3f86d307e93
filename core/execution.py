"""Execution: how a job's experiments and shot chunks run, and how their outputs merge.

:func:`execute` is the whole of it, called by :class:`~qfoundry.backend.EngineBackend`
from the job's thread once the experiments are validated and lowered:

* **Seeds derive, never share** (:func:`derive_seed`): experiment i of a job seeded s
  runs with ``derive_seed(s, i)``, its shot chunk c with ``derive_seed(s_i, 0, c)``.
* **Shot chunks** (:func:`split_shots`): an engine that samples shots independently
  (``Engine.shots_per_chunk``) has large experiments split into chunks that run as tasks
  of their own; :func:`merge_chunks` sums counts and joins memory in chunk order.
* **Executors** (:func:`run_units`): serial, threads (the default for jobs worth it,
  :data:`PARALLEL_WORK_THRESHOLD`), processes only on request (``executor="processes"``;
  a pool that broke is discarded), or any ``concurrent.futures.Executor`` or Dask client.
  A task is a plain picklable call, :func:`run_batch_task` / :func:`run_experiment_task`.

None of this depends on which executor runs the tasks, so the same seed gives the same
counts and memory everywhere. ``qfoundry.backend`` re-exports the documented names.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import numpy as np

from .blas import single_blas_thread
from .engine import Engine, ExperimentOutput
from .errors import OptionsError, WorkerDiedError
from .job import interpreter_exiting
from .program import Program, lower
from .progress import listening

if TYPE_CHECKING:
    from .qobj import QasmQobjExperiment

__all__ = ["execute", "derive_seed", "random_seed", "resolve_executor", "worth_parallel",
           "run_units", "split_shots", "merge_chunks", "run_experiment_task", "run_batch_task",
           "process_pool", "share_cores", "EXECUTOR_NAMES", "PARALLEL_WORK_THRESHOLD"]


def derive_seed(seed: int, *key: int) -> int:
    """The seed of experiment ``key[0]`` (and chunk ``key[1]``...) of a job seeded ``seed``.

    Experiment 0 of a single-chunk run keeps the job seed itself, so rerunning one
    experiment with the seed its result reports reproduces it; the others get independent
    streams from numpy's SeedSequence, so results never depend on execution order.
    """
    key = list(key)
    while key and key[-1] == 0:  # (i, 0) is experiment i's first chunk: the same seed as (i,)
        key.pop()
    if not key:
        return int(seed)
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(k) for k in key))
    return int(seq.generate_state(1, np.uint32)[0] & 0x7FFFFFFF)


def random_seed() -> int:
    """A fresh seed for a job run without one: 31 bits from the OS's entropy (as
    SeedSequence() draws its own, at a tenth of the cost)."""
    return secrets.randbits(31)


def execute(engine: Engine, device: Any, exps: list[QasmQobjExperiment], work: list,
            exp_opts: list[dict[str, Any]], options: Mapping[str, Any],
            executor: Executor | str | None,
            progress: Callable[[int, int], None] | None = None,
            fraction: Callable[[float], None] | None = None
            ) -> list[tuple[ExperimentOutput, float]]:
    """Run a job's experiments; one (output, seconds) per experiment, in order.

    ``work[e]`` is what experiment e's tasks run (its lowered program, or the Qobj
    experiment for an engine that takes Qobj), ``exp_opts[e]`` its options with its derived
    seed. Each experiment is split into shot chunks (:func:`split_shots`), the chunks run on
    the executor (:func:`run_units`) and merge back in chunk order (:func:`merge_chunks`),
    so the result never depends on the executor or the order tasks finish. ``progress(done,
    total)`` is called in this thread as experiments complete; ``fraction(f)`` with the
    fraction of work units done, including what a running engine reports
    (:mod:`qfoundry.progress`).
    """
    # Work units: (experiment, chunk index, options of one shot chunk). Chunking depends
    # only on the engine and the options, never on the executor, so results never do.
    units = [(e, c, chunk) for e, opts in enumerate(exp_opts)
             for c, chunk in enumerate(split_shots(engine, opts, e))]
    outputs: dict[int, list] = {e: [] for e in range(len(exps))}
    for e, _c, _ in units:
        outputs[e].append(None)
    done_exps = done_units = 0
    report = fraction or (lambda f: None)

    def collect(unit: tuple, out: tuple[ExperimentOutput, float]) -> None:
        nonlocal done_exps, done_units
        e, c, _ = unit
        outputs[e][c] = out  # chunk order, whatever order they finish in
        done_units += 1
        report(done_units / len(units))
        if all(o is not None for o in outputs[e]):
            done_exps += 1
            if progress is not None:
                progress(done_exps, len(exps))

    with single_blas_thread():  # small products: BLAS threads only oversubscribe (blas.py)
        run_units(engine, device, exps, units, options, executor, collect, work=work,
                  partial=lambda f: report((done_units + f) / len(units)))
    return [merge_chunks(outputs[e]) for e in range(len(exps))]


#: The names ``executor=`` takes besides an Executor; None picks threads or serial per job.
EXECUTOR_NAMES = ("serial", "threads", "processes")

# A job runs on threads only when that is worth it: several experiments and at least this
# many amplitude updates in all (about 50 ms of work), where numpy's large-array operations
# release the GIL; below it, thread switches cost more than they give.
PARALLEL_WORK_THRESHOLD = 2**23


def resolve_executor(value: Any) -> Executor | str | None:
    """The ``executor`` option checked at run(): None, one of EXECUTOR_NAMES, an Executor
    or a Dask Client (its ``get_executor()``); anything else is an OptionsError."""
    if value is None or isinstance(value, Executor):
        return value
    if isinstance(value, str) and value in EXECUTOR_NAMES:
        return value
    get = getattr(value, "get_executor", None)
    if callable(get):
        return get()
    raise OptionsError(
        f"executor={value!r} is invalid: use None (the default: threads for large jobs, "
        f"else serial), {', '.join(map(repr, EXECUTOR_NAMES))}, a "
        "concurrent.futures.Executor or a Dask Client")


def worth_parallel(exps: list[QasmQobjExperiment]) -> bool:
    """Whether a job is large enough that running its experiments at once pays."""
    if len(exps) < 2:
        return False
    work = 0
    for exp in exps:  # the qubits an experiment touches, not those it declares
        active = len({q for inst in exp.instructions for q in getattr(inst, "qubits", ())})
        work += len(exp.instructions) * 2 ** min(active, 40)
        if work >= PARALLEL_WORK_THRESHOLD:
            return True
    return False


def share_cores(units: list, parallel: int) -> list:
    """Units whose ``max_parallel_threads`` (for engines that take it: threads inside one
    experiment, 0 meaning all cores) is divided among ``parallel`` experiments running at
    once on qfoundry's workers, so that experiments times threads never exceed the cores.
    The one rule (docs/scaling.md): threads per experiment = max(1, T // parallel), where
    T is ``max_parallel_threads`` or, for 0, the cores; BLAS stays on one thread."""
    cores = os.cpu_count() or 1
    out = []
    for e, c, opts in units:
        if "max_parallel_threads" in opts:
            total = min(int(opts["max_parallel_threads"] or cores), cores)
            opts = {**opts, "max_parallel_threads": max(1, total // parallel)}
        out.append((e, c, opts))
    return out


def run_units(engine: Engine, device: Any, exps: list[QasmQobjExperiment], units: list,
              options: Mapping[str, Any], executor: Executor | str | None, collect,
              work: list | None = None,
              partial: Callable[[float], None] | None = None) -> None:
    """Run every work unit ``(experiment, chunk, options)`` and ``collect(unit, output)``
    each as it finishes, in the job's thread (which is where progress is reported from).
    ``work[e]`` is what experiment e's tasks run (its lowered program for an engine that
    takes programs); by default the experiments themselves. ``partial(f)`` hears what a
    running experiment's engine reports of itself (:mod:`qfoundry.progress`), serially.

    No default path starts a process: processes re-import the user's main module, which
    crashes a script without a main guard. They run only for ``executor="processes"``.
    """
    workers = options["max_parallel_experiments"]
    if executor is None:
        executor = "threads" if workers > 1 and worth_parallel(exps) else "serial"
    exps = exps if work is None else work
    if executor == "threads" and (workers == 1 or len(units) == 1):
        executor = "serial"
    if executor != "serial" and not interpreter_exiting():
        collected: set[tuple[int, int]] = set()  # (experiment, chunk): units get new options

        def collect_once(unit, out) -> None:
            collected.add((unit[0], unit[1]))
            collect(unit, out)
        try:
            _run_parallel(engine, device, exps, units, workers, executor, collect_once)
            return
        except RuntimeError:  # "cannot schedule new futures after interpreter shutdown"
            if not interpreter_exiting():
                raise
        # A job left running as the interpreter exits, when every pool refuses work:
        # the experiments not yet collected run here.
        units = [unit for unit in units if (unit[0], unit[1]) not in collected]
    with listening(partial or (lambda f: None)):  # engines' report_progress
        for unit in units:
            collect(unit, run_experiment_task(engine, exps[unit[0]], unit[2], device))


def _run_parallel(engine: Engine, device: Any, exps: list, units: list, workers: int,
                  executor: Executor | str, collect) -> None:
    """run_units on threads, processes or the user's executor."""
    if executor in EXECUTOR_NAMES:
        units = share_cores(units, min(workers, len(units)))
    if executor == "threads":
        with ThreadPoolExecutor(max_workers=min(workers, len(units)),
                                thread_name_prefix="qfoundry-experiment") as pool:
            _gather(engine, device, exps, [[u] for u in units], pool, collect)
        return
    if executor == "processes":
        pool = process_pool(workers)
        try:
            _gather(engine, device, exps, _batches(units, 4 * workers), pool, collect)
        except BrokenProcessPool as exc:
            _discard_pool(workers, pool)
            raise WorkerDiedError(
                "a worker process died while running this job (killed, out of memory or "
                "crashed); its pool is discarded and the next job starts a new one. If this "
                "is a script, keep the run under `if __name__ == \"__main__\":`: "
                "executor=\"processes\" re-imports your main module in every worker") from exc
        return
    _gather(engine, device, exps, [[u] for u in units], executor, collect)


def _gather(engine: Engine, device: Any, exps: list[QasmQobjExperiment],
            batches: list[list], executor: Executor, collect) -> None:
    """Submit each batch to ``executor`` and collect its outputs as batches finish (done
    callbacks feed a queue, so progress moves with the first finished task, whatever the
    submission order, and works for Dask futures too)."""
    finished: queue.SimpleQueue = queue.SimpleQueue()
    futures = []
    try:
        for batch in batches:
            fut = executor.submit(run_batch_task, engine, device,
                                  [(exps[e], o) for e, _, o in batch])
            futures.append(fut)
            fut.add_done_callback(lambda f, b=batch: finished.put((b, f)))
        for _ in batches:
            batch, fut = finished.get()
            for unit, out in zip(batch, fut.result()):
                collect(unit, out)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise


def _batches(units: list, n: int) -> list[list]:
    """Split ``units`` into at most ``n`` contiguous batches of near-equal size."""
    n = max(1, min(n, len(units)))
    size, extra = divmod(len(units), n)
    out, start = [], 0
    for k in range(n):
        end = start + size + (k < extra)
        out.append(units[start:end])
        start = end
    return out


_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()
_forked = False  # whether this process was forked from one that imported qfoundry
_inherited: list[ProcessPoolExecutor] = []  # kept, never used: shutting one down would
# reach the parent's workers through the pipes the two processes share


def _after_fork_in_child() -> None:
    """A forked child cannot use the parent's pools (their manager threads are not in
    it, so a job there waited forever) nor its forkserver (not its child): it makes its
    own pools on first use, spawning their workers."""
    global _pools, _pools_lock, _forked
    _inherited.extend(_pools.values())
    _pools, _pools_lock, _forked = {}, threading.Lock(), True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """The persistent process pool of ``workers`` processes for ``executor="processes"``
    (forkserver where available, so no worker inherits the job threads' state); a pool
    that broke (a worker died) is replaced, never reused."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is not None and getattr(pool, "_broken", False):
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
        if pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              and not _forked else "spawn")
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            _pools[workers] = pool
        return pool


def _discard_pool(workers: int, pool: ProcessPoolExecutor) -> None:
    with _pools_lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


def split_shots(engine: Engine, opts: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The shot chunks of one experiment: one, unless the engine samples shots
    independently (``Engine.shots_per_chunk``). Chunk c gets derive_seed(s, 0, c) from
    the experiment's seed s (chunk 0 keeps s), wherever and in whatever order it runs."""
    size = engine.shots_per_chunk(opts)
    shots = opts["shots"]
    if not size or shots <= size:
        return [opts]
    chunks = []
    for c, first in enumerate(range(0, shots, size)):
        chunk = dict(opts, shots=min(size, shots - first))
        chunk["seed_simulator"] = (opts["seed_simulator"] if c == 0
                                   else derive_seed(opts["seed_simulator"], 0, c))
        chunks.append(chunk)
    return chunks


def merge_chunks(parts: list[tuple[ExperimentOutput, float]]) -> tuple[ExperimentOutput, float]:
    """One experiment's output from its chunks' outputs (counts summed, memory in order)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0][0]
    data = dict(first.data)
    counts: dict[str, int] = {}
    for out, _ in parts:
        for key, value in out.data.get("counts", {}).items():
            counts[key] = counts.get(key, 0) + value
    data["counts"] = counts
    if "memory" in first.data:
        data["memory"] = [m for out, _ in parts for m in out.data["memory"]]
    metadata = dict(first.metadata, shot_chunks=len(parts))
    return (ExperimentOutput(data=data, shots=sum(o.shots for o, _ in parts), metadata=metadata),
            sum(t for _, t in parts))


def run_experiment_task(engine: Engine, experiment: Any, options: Mapping[str, Any],
                        device: Any) -> tuple[ExperimentOutput, float]:
    """Run one experiment; module-level so process pools and Dask can pickle it.

    ``experiment`` is a Qobj experiment, or, for an engine that takes programs
    (:attr:`Engine.takes_program`), the experiment's lowered :class:`~qfoundry.program.Program`
    (a Qobj experiment is then lowered here)."""
    start = time.perf_counter()
    if getattr(engine, "takes_program", False):
        program = experiment if isinstance(experiment, Program) else lower(experiment)
        out = engine.run_program(program, options, device)
    else:
        out = engine.run_experiment(experiment, options, device)
    return out, time.perf_counter() - start


def run_batch_task(engine: Engine, device: Any,
                   items: list[tuple[QasmQobjExperiment, Mapping[str, Any]]]
                   ) -> list[tuple[ExperimentOutput, float]]:
    """Run several experiments in one task (one pickling round trip for many small ones);
    BLAS on one thread wherever it runs, since the workers already share the cores."""
    with single_blas_thread():
        return [run_experiment_task(engine, exp, opts, device) for exp, opts in items]
