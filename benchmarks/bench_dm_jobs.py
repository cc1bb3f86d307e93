"""Whole-job time of small noisy density-matrix runs, for comparing two checkouts.

The circuits of ``bench_density_matrix.py`` (Qiskit-transpiled onto Paris, measured on
their active qubits, 4096 shots), run on ``fake_paris`` with ``transpile=False``: five
warm-up runs, then the median and minimum of 40. Run it in each checkout alternately
(``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_dm_jobs.py``) and compare the medians:
at a few milliseconds a job, this is the per-job overhead of the framework plus the engine.
"""

from __future__ import annotations

import argparse
import time

import bench_density_matrix as dm
from _qiskit_convert import circuit_to_qobj


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args(argv)
    backend = dm.paris_backend()
    for qc in dm.circuits([int(s) for s in args.sizes.split(",")]):
        qobj = circuit_to_qobj(dm.compact(qc), shots=4096, seed=1)
        for _ in range(5):
            backend.run(qobj, transpile=False).result()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            backend.run(qobj, transpile=False).result()
            times.append(time.perf_counter() - start)
        times.sort()
        print(f"{qc.name:<10} median {times[len(times) // 2] * 1e3:7.2f} ms   "
              f"min {times[0] * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
