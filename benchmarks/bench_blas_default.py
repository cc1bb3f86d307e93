"""Small-circuit workloads in the default environment against BLAS pinned to one thread.

Each workload runs in a fresh child process, in three environments, interleaved so that
machine load hits all alike, best of ``--repeat``:

* ``default``: no ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS``, as
  a user's shell has it; qfoundry sets BLAS to one thread while a job runs (qfoundry/blas.py);
* ``pinned``: those variables set to 1 before numpy loads;
* ``unmanaged``: the default environment with ``QFOUNDRY_BLAS_THREADS=keep``, which turns
  qfoundry's control off: what the default was before it.

Usage::

    python benchmarks/bench_blas_default.py                  # all workloads, best of 3
    python benchmarks/bench_blas_default.py --repeat 5 --workloads noisy5
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _noisy5():
    """A 5-qubit noisy circuit on fake_manila (density_matrix via auto), 10 runs."""
    import qfoundry

    c = qfoundry.Circuit(5, 5)
    for _ in range(10):
        for q in range(5):
            c.h(q)
        for q in range(4):
            c.cx(q, q + 1)
    c.measure(list(range(5)), list(range(5)))
    backend = qfoundry.get_backend("fake_manila")
    backend.run(c, shots=1000, seed_simulator=1).result()  # warm: device, noise model
    return lambda: [backend.run(c, shots=1000, seed_simulator=1).result() for _ in range(10)]


def _qaoa():
    """QAOA MaxCut on a 6-qubit ring, p=2, a 40-point parameter sweep, one job, on
    density_matrix_simulator with a depolarizing noise model."""
    import numpy as np

    import qfoundry
    from qfoundry.plugins.noise import NoiseModel, depolarizing

    n, edges = 6, [(i, (i + 1) % 6) for i in range(6)]
    circuits = []
    for gamma, beta in np.random.default_rng(1).uniform(0, np.pi, (40, 2)):
        c = qfoundry.Circuit(n, n)
        for q in range(n):
            c.h(q)
        for _ in range(2):
            for a, b in edges:
                c.rzz(float(gamma), a, b)
            for q in range(n):
                c.rx(float(beta), q)
        c.measure(list(range(n)), list(range(n)))
        circuits.append(c)
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing(0.01, 2), ["rzz"])
    nm.add_all_qubit_quantum_error(depolarizing(0.001, 1), ["rx", "h"])
    backend = qfoundry.get_backend("density_matrix_simulator", noise_model=nm)
    return lambda: backend.run(circuits, shots=1000, seed_simulator=1).result()


def _ideal_small():
    """200 random 4-qubit circuits on qasm_simulator, one job."""
    import numpy as np

    import qfoundry

    rng = np.random.default_rng(2)
    circuits = []
    for _ in range(200):
        c = qfoundry.Circuit(4, 4)
        for _ in range(20):
            c.u(*map(float, rng.uniform(0, 6, 3)), int(rng.integers(4)))
            a, b = rng.choice(4, 2, replace=False)
            c.cx(int(a), int(b))
        c.measure(list(range(4)), list(range(4)))
        circuits.append(c)
    backend = qfoundry.get_backend("qasm_simulator")
    return lambda: backend.run(circuits, shots=1000, seed_simulator=1).result()


WORKLOADS = {"noisy5": _noisy5, "qaoa": _qaoa, "small": _ideal_small}
MODES = ("default", "pinned", "unmanaged")


def _env(mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _BLAS_VARS}
    env.pop("QFOUNDRY_BLAS_THREADS", None)
    if mode == "pinned":
        env.update({k: "1" for k in _BLAS_VARS})
    elif mode == "unmanaged":
        env["QFOUNDRY_BLAS_THREADS"] = "keep"
    return env


def _child(name: str) -> None:
    run = WORKLOADS[name]()
    start = time.perf_counter()
    run()
    print(time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child)
        return
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print(f"{'workload':10} {'default':>9} {'pinned':>9} {'unmanaged':>10} "
          f"{'default/pinned':>15} {'unmanaged/pinned':>17}")
    for name in args.workloads.split(","):
        best = {m: float("inf") for m in MODES}
        for _ in range(args.repeat):
            for mode in MODES:  # interleaved: load hits every mode alike
                out = subprocess.run([sys.executable, __file__, "--child", name],
                                     env=_env(mode), capture_output=True, text=True, check=True)
                best[mode] = min(best[mode], float(out.stdout.split()[-1]))
        d, p, u = best["default"], best["pinned"], best["unmanaged"]
        print(f"{name:10} {d * 1e3:8.1f}ms {p * 1e3:8.1f}ms {u * 1e3:9.1f}ms "
              f"{d / p:15.2f} {u / p:17.2f}")


if __name__ == "__main__":
    main()
