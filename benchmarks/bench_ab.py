"""End-to-end timings of whichever qfoundry is importable, in the default environment (no
BLAS or OpenMP pinning): for comparing two checkouts side by side, interleaved.

    python benchmarks/bench_ab.py --label after
    PYTHONPATH=/path/to/other/checkout-as-package python benchmarks/bench_ab.py --label before

Run the two alternately, several rounds, and compare the best times per row (the machine
may be shared: only ratios between checkouts measured in one session mean anything).
Circuits use only qelib1 gates and the public API, so any version of qfoundry runs them.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import qfoundry


def random_circuit(n: int, depth: int, seed: int) -> qfoundry.Circuit:
    rng = np.random.default_rng(seed)
    c = qfoundry.Circuit(n, n)
    for _ in range(depth):
        for q in range(n):
            c.u(*rng.uniform(0, 2 * math.pi, 3), q)
        for q in range(int(rng.integers(0, 2)), n - 1, 2):
            c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


def ghz(n: int) -> qfoundry.Circuit:
    c = qfoundry.Circuit(n, n)
    c.h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


def qft(n: int) -> qfoundry.Circuit:
    c = qfoundry.Circuit(n, n)
    c.x(0)
    for j in range(n):
        c.h(j)
        for k in range(j + 1, n):
            c.cp(math.pi / 2 ** (k - j), k, j)
    c.measure(list(range(n)), list(range(n)))
    return c


ROWS = [  # (row, backend, options, circuit)
    ("statevector random-16 x10", "qasm_simulator", {}, lambda: random_circuit(16, 10, 1)),
    ("statevector random-20 x10", "qasm_simulator", {}, lambda: random_circuit(20, 10, 2)),
    ("statevector qft-18", "qasm_simulator", {}, lambda: qft(18)),
    ("density_matrix paris qft-6", "fake_paris", {"engine": "density_matrix"}, lambda: qft(6)),
    ("density_matrix paris ghz-8", "fake_paris", {"engine": "density_matrix"}, lambda: ghz(8)),
    ("trajectory paris ghz-10", "fake_paris", {"engine": "trajectory"}, lambda: ghz(10)),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", default="")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shots", type=int, default=1000)
    args = ap.parse_args()
    for row, name, kw, make in ROWS:
        backend = qfoundry.get_backend(name, **kw)
        circuit = make()
        backend.run(circuit, shots=10, seed_simulator=1).result()  # warm caches, transpile code
        best = math.inf
        for _ in range(args.repeat):
            start = time.perf_counter()
            backend.run(circuit, shots=args.shots, seed_simulator=7).result().get_counts()
            best = min(best, time.perf_counter() - start)
        print(f"{args.label}\t{row}\t{best:.4f}", flush=True)


if __name__ == "__main__":
    main()
