"""Jobs: asynchronous runs of a Qobj on a backend.

``backend.run()`` returns a :class:`Job` at once. The job is orchestrated on a thread of
the framework's own pool (reached through a short hand-off, :class:`_Handoff`, or run by
the first thread that waits for it while it is still queued); its experiments run there
one after the other, or on the
``executor`` the user passed (any ``concurrent.futures.Executor``), which only ever
receives plain picklable tasks, never the job itself. A job that fails stores the
exception and re-raises it, chained, from :meth:`Job.result`; it never hangs and never
touches another job.
"""

from __future__ import annotations

import atexit
import enum
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from .errors import JobError, JobTimeoutError
from .plugin_manager import call_hook_safely, get_plugin_manager

if TYPE_CHECKING:
    import pluggy

    from .backend import Backend
    from .qobj import QasmQobj
    from .result import Result

__all__ = ["Job", "JobStatus", "JOB_FINAL_STATES", "default_executor"]


class JobStatus(enum.Enum):
    """Where a job is in its life, with Qiskit's names and messages."""

    INITIALIZING = "job is being initialized"
    QUEUED = "job is queued"
    VALIDATING = "job is being validated"
    RUNNING = "job is actively running"
    CANCELLED = "job has been cancelled"
    DONE = "job has successfully run"
    ERROR = "job incurred error"


JOB_FINAL_STATES = (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.ERROR)

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def default_executor() -> Executor:
    """The framework's own thread pool, created on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(4, os.cpu_count() or 1),
                                       thread_name_prefix="qfoundry-job")
        return _pool


class _Handoff:
    """Hands jobs to the framework's pool a moment after they are submitted, in batches.

    Most jobs are waited for at once (``run(...).result()``) and then run in the waiting
    thread. Handing each to the pool as it is submitted woke a pool thread per job, which
    had to take the GIL from the caller just to find the job taken (about 30 us of a Bell
    job's 300, on average). Here one thread wakes at most once per ``GRACE`` seconds while
    jobs arrive and passes on those still queued, so a job nobody waits for starts at most
    ``GRACE`` later than before; at interpreter exit the pending ones are passed on first,
    so they still run as the pool drains.
    """

    GRACE = 0.002

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Job] = []
        self._wake = threading.Event()
        self._idle = True
        self._thread: threading.Thread | None = None
        self._exiting = False
        self._busy = threading.Lock()  # held while a batch is dispatched (not by put())

    def put(self, job: Job) -> None:
        with self._lock:  # _exiting read under the lock: no job is put after flush() took
            exiting = self._exiting  # the pending ones
            if not exiting:
                self._pending.append(job)
                if self._thread is None:
                    thread = threading.Thread(target=self._loop, daemon=True,
                                              name="qfoundry-handoff")
                    thread.start()  # (at interpreter shutdown this may raise, as the pool would)
                    self._thread = thread
                if self._idle:  # sleeping until there is work: wake it, once per batch
                    self._idle = False
                    self._wake.set()
        if exiting:  # no grace: the submitting thread may be the last one joined
            _dispatch([job])

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                time.sleep(self.GRACE)
                with self._busy:  # flush() waits for a batch being dispatched
                    with self._lock:
                        batch, self._pending = self._pending, []
                        if not batch:
                            self._idle = True
                            break
                    _dispatch(batch)

    def flush(self) -> None:
        """Pass every pending job to the pool now, and later ones as they come (at
        interpreter exit)."""
        with self._busy, self._lock:
            self._exiting = True
            batch, self._pending = self._pending, []
        _dispatch(batch)

    def _after_fork(self) -> None:  # the child has no handoff thread: start afresh
        self.__init__()


def _dispatch(batch: list[Job]) -> None:
    """Start each job of ``batch`` still queued (others were run by a waiter or cancelled).

    Once the interpreter exits, the pool refuses work, yet threads it is still joining
    (a user's own pool's workers) may submit jobs and wait for them: those run on a
    thread of their own, which the interpreter joins too, or here if none can start."""
    for job in batch:
        if job._status is not JobStatus.QUEUED:
            continue
        try:
            job._future = default_executor().submit(job._execute)
        except RuntimeError:  # "cannot schedule new futures after interpreter shutdown"
            try:
                threading.Thread(target=job._execute, name="qfoundry-job-exit").start()
            except RuntimeError:  # "can't create new thread at interpreter shutdown"
                job._execute()


def interpreter_exiting() -> bool:
    """Whether the interpreter has begun to exit (its thread pools then refuse new work,
    so a job still running runs its experiments serially: :mod:`.execution`)."""
    return _HANDOFF._exiting


_HANDOFF = _Handoff()
# Before the pool's own exit handler (they run in reverse order), which drains the pool.
getattr(threading, "_register_atexit", atexit.register)(_HANDOFF.flush)


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: its copies of the hand-off and
    of the pool (which would count threads that do not exist, so its jobs never
    started) are replaced by fresh ones, made on first use."""
    global _pool, _pool_lock
    _HANDOFF._after_fork()
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Job:
    """A run of one Qobj on one backend.

    ``work(job)`` is the callable that computes the Result; the backend provides it.
    """

    def __init__(self, backend: Backend, qobj: QasmQobj, work: Callable[[Job], Result], *,
                 job_id: str | None = None, plugin_manager: pluggy.PluginManager | None = None):
        self._backend = backend
        self.qobj = qobj
        self._work = work
        self._job_id = job_id or str(uuid.uuid4())
        self._pm = plugin_manager
        self._status = JobStatus.INITIALIZING
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._result: Result | None = None
        self._error: BaseException | None = None
        self._progress = (0, len(qobj.experiments))
        self._fraction = 0.0
        self._future: Future | None = None
        self._stealable = False
        self.submitted_at: float | None = None

    # -- identity ---------------------------------------------------------------
    def job_id(self) -> str:
        return self._job_id

    def backend(self) -> Backend:
        return self._backend

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        return self._pm or get_plugin_manager()

    # -- life cycle ---------------------------------------------------------------
    def submit(self, executor: Executor | None = None) -> None:
        """Queue the job on ``executor`` (default: the framework's pool)."""
        if self._status is not JobStatus.INITIALIZING:
            raise JobError(f"job {self._job_id} was already submitted")
        self._status = JobStatus.QUEUED
        self.submitted_at = time.perf_counter()
        # Fixed now, so job_finished reaches the plugins that saw job_submitted even if the
        # process-wide manager is replaced while the job runs.
        self._pm = self.plugin_manager
        call_hook_safely(self._pm, "job_submitted", job=self)
        # On the framework's pool, a job still queued when result() waits for it is run by
        # the waiting thread (see wait_for_final_state); a job you queue on your own
        # executor always runs there.
        self._stealable = executor is None
        if executor is None:
            _HANDOFF.put(self)  # to the pool a moment later, unless a waiter runs it first
        else:
            self._future = executor.submit(self._execute)

    def _execute(self) -> None:
        with self._lock:
            if self._status is not JobStatus.QUEUED:
                return  # cancelled while queued
            self._status = JobStatus.RUNNING
        try:
            result = self._work(self)
        except BaseException as exc:  # noqa: BLE001 - stored and re-raised by result()
            with self._lock:
                self._error = exc
                self._status = JobStatus.ERROR
            self._finish(None)
            return
        with self._lock:
            self._result = result
            self._status = JobStatus.DONE
        self._finish(result)

    def _finish(self, result: Result | None) -> None:
        try:
            call_hook_safely(self.plugin_manager, "job_finished", job=self, result=result)
        finally:
            self._finished.set()

    def set_progress(self, done: int, total: int) -> None:
        """Record progress (called by the backend as experiments finish)."""
        self._progress = (done, total)
        call_hook_safely(self.plugin_manager, "job_progress", job=self, done=done, total=total)

    def progress(self) -> tuple[int, int]:
        """(experiments done, experiments in the job)."""
        return self._progress

    def set_fraction(self, fraction: float) -> None:
        """Record the finer progress (called by the backend; never decreases)."""
        self._fraction = max(self._fraction, min(1.0, fraction))

    def fraction(self) -> float:
        """The fraction of the job's work done, 0 to 1: finished experiments and shot
        chunks, plus what engines report of the ones running in this process
        (:mod:`qfoundry.progress`); 1 once the job is done."""
        return 1.0 if self._status is JobStatus.DONE else self._fraction

    def cancel(self) -> bool:
        """Cancel the job if it has not started; returns whether it was cancelled."""
        with self._lock:
            if self._status is not JobStatus.QUEUED:
                return False
            self._status = JobStatus.CANCELLED
        if self._future is not None:  # None: cancelled from a job_submitted hook
            self._future.cancel()
        self._finish(None)
        return True

    # -- queries --------------------------------------------------------------------
    def status(self) -> JobStatus:
        return self._status

    def done(self) -> bool:
        return self._status is JobStatus.DONE

    def running(self) -> bool:
        return self._status is JobStatus.RUNNING

    def cancelled(self) -> bool:
        return self._status is JobStatus.CANCELLED

    def in_final_state(self) -> bool:
        return self._status in JOB_FINAL_STATES

    def wait_for_final_state(self, timeout: float | None = None) -> None:
        """Block until the job is DONE, ERROR or CANCELLED; JobTimeoutError after ``timeout`` s.

        Waiting without a timeout for a job that no pool thread has started yet runs it
        here, in the waiting thread: a small job then costs no thread switch (most of a
        Bell job's time when the pool's thread has to be woken on a busy machine)."""
        if timeout is None and self._stealable and self._status is JobStatus.QUEUED:
            self._execute()  # a no-op if a pool thread started it meanwhile
        if not self._finished.wait(timeout):
            raise JobTimeoutError(
                f"job {self._job_id} is still {self._status.name} after {timeout} s")

    def result(self, timeout: float | None = None) -> Result:
        """The job's Result, waiting for it up to ``timeout`` seconds (None: forever).

        Raises JobTimeoutError on timeout and JobError (with the engine's exception
        chained) when the job failed or was cancelled.
        """
        self.wait_for_final_state(timeout)
        if self._status is JobStatus.ERROR:
            err = self._error
            raise JobError(f"job {self._job_id} failed: {type(err).__name__}: {err}") from err
        if self._status is JobStatus.CANCELLED:
            raise JobError(f"job {self._job_id} was cancelled")
        assert self._result is not None
        return self._result

    def error(self) -> BaseException | None:
        """The exception that made the job fail, if it did."""
        return self._error

    def __repr__(self) -> str:
        return (f"<Job {self._job_id} on {self._backend.name!s}: {self._status.name}>")


