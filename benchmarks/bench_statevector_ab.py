"""Before / after for the statevector engine: two qfoundry trees, alternating processes.

    python benchmarks/bench_statevector_ab.py --before /tmp/old_qfoundry --sizes 20,22

``--before`` is a directory holding an importable ``qfoundry`` package (for example
``git archive <commit>`` unpacked, with ``core/`` copied to ``qfoundry/``, ``plugins/``
to ``qfoundry/plugins`` and ``devices/`` to ``qfoundry/devices``). Each workload's Qobj
is written once; then the two trees run it in fresh processes, alternating
before/after ``--rounds`` times, so machine load hits both alike. Each process runs the
job ``--repeat`` times and reports its best (warm) time; the table keeps the best over
rounds. BLAS is pinned to one thread unless ``--env default``; ``--options`` (JSON) go
to the after tree's run() only (e.g. '{"max_parallel_threads": 1}').
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = """
import json, sys, time
import qfoundry
qobj = qfoundry.QasmQobj.from_dict(json.load(open(sys.argv[1])))
opts = json.loads(sys.argv[2])
backend = qfoundry.get_backend("qasm_simulator")
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    backend.run(qobj, **opts).result().get_counts()
    times.append(time.perf_counter() - t)
print(json.dumps(times))
"""


def _run(tree: str | None, path: Path, options: dict, repeat: int, env: dict) -> list[float]:
    env = dict(env)
    if tree:
        env["PYTHONPATH"] = tree
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), json.dumps(options),
                           str(repeat)], capture_output=True, text=True, env=env, cwd="/")
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default=None,
                    help="a tree like --before (default: the installed qfoundry)")
    ap.add_argument("--sizes", default="20,22")
    ap.add_argument("--workloads", default="ucx,qv,qft,ghz,random")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--options", default="{}")
    ap.add_argument("--env", choices=["pinned", "default"], default="pinned")
    args = ap.parse_args()
    env = dict(os.environ)
    if args.env == "pinned":
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    sys.path.insert(0, str(HERE))
    import bench_statevector as bench
    from _qiskit_convert import circuit_to_qobj
    options = json.loads(args.options)
    print(f"# before: {args.before}; after: {args.after or 'the installed qfoundry'} "
          f"{options}; BLAS "
          f"{args.env}; best of {args.rounds} rounds x {args.repeat} runs; load "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'workload':<10}{'n':>4}{'before':>10}{'after':>10}{'speed-up':>10}"
          f"{'first/warm after':>18}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.workloads.split(","):
            for n in map(int, args.sizes.split(",")):
                qc = bench.MAKERS[name](n)
                path = Path(tmp) / f"{name}{n}.json"
                path.write_text(json.dumps(circuit_to_qobj(qc, shots=1024, seed=1),
                                           default=bench._jsonable))
                best = {"before": float("inf"), "after": float("inf")}
                ratio = float("inf")
                for _ in range(args.rounds):
                    best["before"] = min(best["before"],
                                         min(_run(args.before, path, {}, args.repeat, env)))
                    times = _run(args.after, path, options, args.repeat, env)
                    best["after"] = min(best["after"], min(times))
                    ratio = min(ratio, times[0] / min(times[1:] or times))
                b, a = best["before"], best["after"]
                print(f"{name:<10}{n:>4}{b:>10.3f}{a:>10.3f}{b / a:>9.2f}x{ratio:>17.2f}x",
                      flush=True)


if __name__ == "__main__":
    main()
