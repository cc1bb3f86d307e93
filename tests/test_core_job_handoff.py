"""Jobs on the framework's pool reach it through a short hand-off (core/job.py, _Handoff):
jobs nobody waits for still run, in the background and at interpreter exit; a waiter
runs a still-queued job itself; a pending job can be cancelled."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest
from conftest import coin_backend, coin_flips, make_qobj

import qfoundry
from qfoundry import Job, JobStatus, QasmQobj
from qfoundry import job as job_module

WAIT = 10  # seconds: only ever reached when something is broken


def test_a_job_nobody_waits_for_runs_in_the_background():
    ran = threading.Event()
    job = Job(coin_backend(), QasmQobj.from_dict(make_qobj(coin_flips(1))),
              lambda j: ran.set() or "done")
    job.submit()
    assert ran.wait(WAIT)  # nobody called result(): the hand-off passed it to the pool
    job.wait_for_final_state(timeout=WAIT)
    assert job.status() is JobStatus.DONE and job.result() == "done"


def test_many_jobs_waited_for_in_any_order():
    backend = qfoundry.get_backend("qasm_simulator")
    circuit = qfoundry.Circuit(2, 2).h(0).cx(0, 1).measure([0, 1], [0, 1])
    jobs = [backend.run(circuit, seed_simulator=s, shots=50) for s in range(40)]
    alone = [backend.run(circuit, seed_simulator=s, shots=50).result().get_counts()
             for s in range(40)]
    # Some ran on the pool meanwhile, the rest run here as they are waited for.
    got = [job.result(timeout=WAIT if k % 2 else None).get_counts()
           for k, job in reversed(list(enumerate(jobs)))]
    assert got[::-1] == alone


class _Held(job_module._Handoff):
    """A hand-off that keeps its jobs until flushed (no thread)."""

    def put(self, job):
        with self._lock:
            self._pending.append(job)


def test_a_pending_job_can_be_cancelled_and_never_runs(monkeypatch):
    held = _Held()
    monkeypatch.setattr(job_module, "_HANDOFF", held)
    ran = []
    cancelled, kept = (Job(coin_backend(), QasmQobj.from_dict(make_qobj(coin_flips(1))),
                           lambda j: ran.append(j) or "done") for _ in range(2))
    cancelled.submit()
    kept.submit()
    assert cancelled.status() is JobStatus.QUEUED and cancelled.cancel() is True
    held.flush()  # what the hand-off thread (or interpreter exit) does
    assert kept.result(timeout=WAIT) == "done"
    assert cancelled.cancelled() and ran == [kept]


def test_jobs_left_unwaited_run_at_interpreter_exit(tmp_path):
    flag = tmp_path / "ran"
    script = textwrap.dedent(f"""\
        import qfoundry
        from qfoundry.job import Job
        def work(job):
            open({str(flag)!r}, "w").write("ran")
        c = qfoundry.Circuit(1, 1).h(0).measure(0, 0)
        Job(qfoundry.get_backend("qasm_simulator"), qfoundry.assemble(c), work).submit()
        """)  # no main guard, no wait: the script ends right after submitting
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert flag.read_text() == "ran"


def test_jobs_submitted_by_a_users_pool_while_the_interpreter_exits_run():
    # The script ends while its own pool's workers still submit jobs: the framework's
    # pool is shut by then, yet the jobs run (waited for with a timeout, or not at all)
    # and the hand-off thread does not die.
    script = textwrap.dedent("""\
        import atexit, time
        from concurrent.futures import ThreadPoolExecutor
        import qfoundry
        b = qfoundry.get_backend("qasm_simulator")
        c = qfoundry.Circuit(2, 2).h(0).cx(0, 1).measure([0, 1], [0, 1])
        jobs = []
        def task(i):
            time.sleep(0.3)
            job = b.run(c, shots=100, seed_simulator=i)
            jobs.append(job)
            if i % 2:
                print(i, sum(job.result(timeout=20).get_counts().values()), flush=True)
        pool = ThreadPoolExecutor(4)
        futures = [pool.submit(task, i) for i in range(4)]
        atexit.register(lambda: print(sorted(j.status().name for j in jobs)))
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stdout.splitlines()
    assert sorted(lines[:-1]) == ["1 100", "3 100"], proc.stdout
    assert lines[-1] == str(["DONE"] * 4), proc.stdout


def test_jobs_left_unwaited_run_their_experiments_at_exit_whatever_the_executor():
    # At exit every thread pool refuses new work, so jobs still pending then (worth
    # running on threads, or given the user's own pool) run their experiments serially.
    script = textwrap.dedent("""\
        import atexit
        from concurrent.futures import ThreadPoolExecutor
        import qfoundry
        b = qfoundry.get_backend("qasm_simulator")
        n = 18
        c = qfoundry.Circuit(n, n).h(0)
        for q in range(n - 1):
            c.cx(q, q + 1)
        c.measure(list(range(n)), list(range(n)))
        own = ThreadPoolExecutor(2)
        jobs = [b.run([c] * 4, shots=50, seed_simulator=i, executor=ex)
                for i, ex in enumerate([None, None, own, own])]
        wide = qfoundry.Circuit(20, 20)  # one state on several threads (its chunks)
        for q in range(20):
            wide.u(0.3 + q, 0.1, 0.2, q)
        wide.cx(0, 1).measure(list(range(20)), list(range(20)))
        jobs += [b.run(wide, shots=50, seed_simulator=i, max_parallel_threads=2)
                 for i in range(2)]
        atexit.register(lambda: print([j.status().name for j in jobs],
                                      [repr(j.error()) for j in jobs if j.error()]))
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{['DONE'] * 6} []", proc.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_runs_jobs_on_pools_of_its_own(tmp_path):
    # The parent's pools were in use when it forked: the child's copies have no threads,
    # so without fresh ones its jobs waited forever.
    script = textwrap.dedent("""\
        import os, sys, threading
        import qfoundry
        b = qfoundry.get_backend("qasm_simulator")
        wide = qfoundry.Circuit(20, 20)
        for q in range(20):
            wide.u(0.3 + q, 0.1, 0.2, q)
        wide.cx(0, 1).measure(list(range(20)), list(range(20)))
        bell = qfoundry.Circuit(2, 2).h(0).cx(0, 1).measure([0, 1], [0, 1])
        def jobs():
            yield b.run([bell] * 20, shots=10)  # on the framework's pool
            yield b.run(wide, shots=10, max_parallel_threads=2)  # the chunk threads
            yield b.run([bell] * 2, shots=10, executor="processes")
        if __name__ == "__main__":
            before = [j.result(timeout=60) for j in jobs()]
            pid = os.fork()
            if pid == 0:
                def child():
                    try:
                        got = [j.result(timeout=60) for j in jobs()]
                        print("child", [len(r.results) for r in got], flush=True)
                    except BaseException as exc:
                        print("child failed:", repr(exc), flush=True)
                t = threading.Thread(target=child, daemon=True)
                t.start()
                t.join(90)
                sys.exit(0)  # the normal exit: its pools shut their workers down
            os.waitpid(pid, 0)
        """)
    path = tmp_path / "forking.py"  # a file: worker processes re-import it
    path.write_text(script)
    proc = subprocess.run([sys.executable, "-W", "ignore", str(path)], capture_output=True,
                          text=True, timeout=180)
    assert proc.stdout.strip() == "child [20, 1, 2]", (proc.stdout, proc.stderr)
