"""Small jobs: two qfoundry trees in alternating fresh processes, and the crossover of
the statevector engine's small-state path.

    python benchmarks/bench_small_jobs.py --before /tmp/old_qfoundry --rounds 3
    python benchmarks/bench_small_jobs.py --crossover --sizes 6,8,10,12,13

``--before`` (and ``--after``, default: the installed qfoundry) is a directory holding an
importable ``qfoundry`` package, as for ``bench_statevector_ab.py``. Rows (1024 shots,
``max_parallel_threads=1``; each timed from ``run()`` until the counts are read, best of
many warm calls in one process, best over ``--rounds`` processes per tree, the trees
alternating so machine load hits both alike):

* ``bell Circuit``: ``backend.run(c).result().get_counts()`` from a ``qfoundry.Circuit``
  (h, cx, measure both), so assembly, checks and lowering are timed; ``bell Qobj``: the
  same circuit as a ready ``QasmQobj``; ``bell Qiskit``: from a ``qiskit.QuantumCircuit``;
* ``qft12``: ``synth_qft_full(12)`` with measurements, as a Qobj;
* ``1000 small``: one job of the 1000 random 2-5 qubit circuits of
  ``bench_statevector.py --workloads small``, as a Qobj.

Peers for the same rows: ``bench_statevector.py --workloads bell,qft12,small``.

``--crossover`` runs circuits of n qubits twice in one process, interleaved: on the
small-state path (``small.SMALL_QUBITS = n``) and on the general path (``n - 1``), which
is how ``SMALL_QUBITS`` was chosen. BLAS is pinned to one thread.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import timeit  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
OPTIONS = {"max_parallel_threads": 1}

_CHILD = """
import json, sys, timeit, warnings
warnings.filterwarnings("ignore")
import qfoundry
files = json.loads(sys.argv[1])
opts = json.loads(sys.argv[2])
backend = qfoundry.get_backend("qasm_simulator")
c = qfoundry.Circuit(2, 2)
c.h(0)
c.cx(0, 1)
c.measure([0, 1], [0, 1])
calls = {"bell Circuit": (lambda: backend.run(c, shots=1024, **opts).result().get_counts(), 400),
         "bell Qobj": (lambda q=qfoundry.assemble(c, shots=1024):
                       backend.run(q, **opts).result().get_counts(), 400)}
try:
    import qiskit
    qc = qiskit.QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    calls["bell Qiskit"] = (lambda: backend.run(qc, shots=1024, **opts).result().get_counts(),
                            400)
except ImportError:
    pass
for name, (path, reps) in files.items():
    q = qfoundry.QasmQobj.from_dict(json.load(open(path)))
    calls[name] = (lambda q=q: backend.run(q, **opts).result().get_counts(), reps)
best = {}
for name, (fn, reps) in calls.items():
    fn()
    best[name] = min(timeit.repeat(fn, number=1, repeat=reps))
print(json.dumps(best))
"""


def _child(tree: str | None, files: dict) -> dict[str, float]:
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(files), json.dumps(OPTIONS)],
                          capture_output=True, text=True, env=env, cwd="/")
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(t: float) -> str:
    return f"{t * 1e3:.2f} ms" if t >= 1e-3 else f"{t * 1e6:.0f} us"


def before_after(before: str, after: str | None, rounds: int) -> None:
    sys.path.insert(0, str(HERE))
    warnings.filterwarnings("ignore")
    import bench_statevector as bench
    from _qiskit_convert import circuit_to_qobj

    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, circuits, reps in (("qft12", bench.qft(12), 40),
                                     ("1000 small", bench.small_circuits(), 3)):
            path = Path(tmp) / f"{name.replace(' ', '_')}.json"
            path.write_text(json.dumps(circuit_to_qobj(circuits, shots=1024, seed=1),
                                       default=bench._jsonable))
            files[name] = (str(path), reps)
        best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
        for _ in range(rounds):
            for label, tree in (("before", before), ("after", after)):
                for name, t in _child(tree, files).items():
                    best[label][name] = min(best[label].get(name, t), t)
    print(f"# before: {before}; after: {after or 'the installed qfoundry'}; {OPTIONS}; "
          f"best over {rounds} alternating processes; load {os.getloadavg()[0]:.1f}")
    print(f"{'workload':<14}{'before':>12}{'after':>12}{'speed-up':>10}")
    for name, b in best["before"].items():
        a = best["after"][name]
        print(f"{name:<14}{_fmt(b):>12}{_fmt(a):>12}{b / a:>9.2f}x")
    for label in ("before", "after"):
        if "bell Qiskit" in best[label]:
            r = best[label]["bell Qiskit"] / best[label]["bell Circuit"]
            print(f"# {label}: Qiskit QuantumCircuit / Circuit = {r:.2f}x")


def crossover(sizes: list[int], repeat: int) -> None:
    sys.path.insert(0, str(HERE))
    warnings.filterwarnings("ignore")
    import bench_statevector as bench
    from _qiskit_convert import circuit_to_qobj

    import qfoundry
    from qfoundry.plugins.statevector import small

    backend = qfoundry.get_backend("qasm_simulator")
    print(f"# small-state path against the general path, one process, interleaved, best of "
          f"{repeat}; load {os.getloadavg()[0]:.1f}")
    print(f"{'workload':<10}{'n':>4}{'small':>12}{'general':>12}{'general/small':>15}")
    saved = small.SMALL_QUBITS
    try:
        for n in sizes:
            for name in ("qft", "ucx", "random", "ghz"):
                qobj = qfoundry.QasmQobj.from_dict(
                    circuit_to_qobj(bench.MAKERS[name](n), shots=1024, seed=1))
                best = {}
                for limit in (n, n - 1) * 3:
                    small.SMALL_QUBITS = limit

                    def fn(qobj=qobj):
                        return backend.run(qobj, **OPTIONS).result().get_counts()
                    fn()
                    t = min(timeit.repeat(fn, number=1, repeat=repeat))
                    best[limit] = min(best.get(limit, t), t)
                print(f"{name:<10}{n:>4}{_fmt(best[n]):>12}{_fmt(best[n - 1]):>12}"
                      f"{best[n - 1] / best[n]:>14.2f}x", flush=True)
    finally:
        small.SMALL_QUBITS = saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before")
    ap.add_argument("--after", default=None)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--crossover", action="store_true")
    ap.add_argument("--sizes", default="6,8,10,12,13")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    if args.crossover:
        crossover([int(s) for s in args.sizes.split(",")], args.repeat)
    if args.before:
        before_after(args.before, args.after, args.rounds)


if __name__ == "__main__":
    main()
