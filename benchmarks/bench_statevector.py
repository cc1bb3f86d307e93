"""Statevector engine vs Qiskit's BasicSimulator and Qiskit Aer, side by side, one thread.

    python benchmarks/bench_statevector.py                 # default sizes 10,16,20,24
    python benchmarks/bench_statevector.py --sizes 20 --repeat 5 --basic-max 20

Every workload runs on the three simulators in one process, interleaved, ``--repeat``
times; the table shows the best time of each and the ratios (peer time / qfoundry time,
so > 1 means qfoundry is faster). Timed: submitting the job until the Result's counts
are read. Not timed: building circuits, converting them to a Qobj for qfoundry, and
transpiling them for the peers (Aer and BasicSimulator need their own gate sets). BLAS
and OpenMP are pinned to one thread before numpy loads; Aer runs with
``max_parallel_threads=1``. Peers that are not installed are reported as n/a.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

from _qiskit_convert import circuit_to_qobj  # noqa: E402

import qfoundry  # noqa: E402

SHOTS = 1024


def _peers() -> dict[str, Any]:
    peers: dict[str, Any] = {}
    try:
        from qiskit.providers.basic_provider import BasicSimulator
        peers["basic"] = BasicSimulator()
    except ImportError:
        pass
    try:
        from qiskit_aer import AerSimulator
        peers["aer"] = AerSimulator(method="statevector", max_parallel_threads=1)
    except ImportError:
        pass
    return peers


# -- workloads (Qiskit circuits) --------------------------------------------------------------

def ghz(n: int) -> Any:
    from qiskit import QuantumCircuit
    qc = QuantumCircuit(n, name=f"ghz{n}")
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    qc.measure_all()
    return qc


def qft(n: int) -> Any:
    from qiskit.synthesis import synth_qft_full
    qc = synth_qft_full(n)
    qc.name = f"qft{n}"
    qc.measure_all()
    return qc


def random(n: int) -> Any:
    from qiskit.circuit.random import random_circuit
    qc = random_circuit(n, 20, measure=True, seed=1234 + n)
    qc.name = f"random{n}"
    return qc


def quantum_volume(n: int) -> Any:
    from qiskit.circuit.library import QuantumVolume
    qc = QuantumVolume(n, seed=1234 + n).decompose()
    qc.name = f"qv{n}"
    qc.measure_all()
    return qc


def teleport() -> Any:
    """3-qubit teleportation with classically conditioned corrections."""
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    q, c0, c1, c2 = QuantumRegister(3), ClassicalRegister(1), ClassicalRegister(1), \
        ClassicalRegister(1)
    qc = QuantumCircuit(q, c0, c1, c2, name="teleport")
    qc.ry(1.1, 0)
    qc.h(1)
    qc.cx(1, 2)
    qc.cx(0, 1)
    qc.h(0)
    qc.measure(0, c0[0])
    qc.measure(1, c1[0])
    with qc.if_test((c1, 1)):
        qc.x(2)
    with qc.if_test((c0, 1)):
        qc.z(2)
    qc.measure(2, c2[0])
    return qc


def small_circuits(count: int = 1000) -> list[Any]:
    from qiskit.circuit.random import random_circuit
    rng = np.random.default_rng(7)
    return [random_circuit(int(rng.integers(2, 6)), 5, max_operands=2, measure=True,
                           seed=int(s)) for s in rng.integers(0, 2**31, count)]


# -- timing -------------------------------------------------------------------------------------

def _time(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _case(circuits: Any, shots: int, peers: dict[str, Any], skip: set[str]) -> dict:
    """Callables that run ``circuits`` once on each simulator."""
    from qiskit import transpile
    backend = qfoundry.get_backend("qasm_simulator")
    qobj = qfoundry.QasmQobj.from_dict(circuit_to_qobj(circuits, shots=shots, seed=1))
    runs = {"qfoundry": lambda: backend.run(qobj).result().get_counts()}
    for name, sim in peers.items():
        if name in skip:
            continue
        compiled = transpile(circuits, sim, optimization_level=0)
        runs[name] = (lambda s=sim, c=compiled: s.run(c, shots=shots,
                                                      seed_simulator=1).result().get_counts())
    return runs


def bench(label: str, runs: dict, repeat: int) -> dict[str, float | None]:
    best: dict[str, float | None] = {k: float("inf") for k in runs}
    for _ in range(repeat):
        for name, fn in runs.items():  # interleaved, so background load hits all alike
            if best[name] is None:
                continue
            try:
                best[name] = min(best[name], _time(fn))
            except Exception as exc:  # a peer that cannot run this workload: n/a
                if name == "qfoundry":
                    raise
                print(f"# {label}: {name} failed: {type(exc).__name__}: {exc}")
                best[name] = None
    return best


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else (f"{x:.3f}" if x >= 0.01 else f"{x * 1e3:.2f}ms")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,16,20,24")
    ap.add_argument("--workloads", default="qft,ghz,random,qv,teleport,small,latency")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--basic-max", type=int, default=20,
                    help="largest size run on BasicSimulator (it needs minutes beyond)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    workloads = args.workloads.split(",")
    peers = _peers()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, python "
          f"{platform.python_version()}, numpy {np.__version__}, qfoundry "
          f"{qfoundry.__version__}; peers: {', '.join(peers) or 'none'}; best of "
          f"{args.repeat}; one thread")
    print(f"{'workload':<14}{'qubits':>7}{'qfoundry':>11}{'Basic':>11}{'Aer':>11}"
          f"{'Basic/qf':>10}{'Aer/qf':>8}")

    def report(label: str, n: Any, best: dict[str, float | None]) -> None:
        qf, basic, aer = best["qfoundry"], best.get("basic"), best.get("aer")
        print(f"{label:<14}{n!s:>7}{_fmt(qf):>11}{_fmt(basic):>11}{_fmt(aer):>11}"
              f"{(f'{basic / qf:.1f}x' if basic else 'n/a'):>10}"
              f"{(f'{aer / qf:.2f}x' if aer else 'n/a'):>8}", flush=True)

    makers = {"qft": qft, "ghz": ghz, "random": random, "qv": quantum_volume}
    for name in workloads:
        if name in makers:
            for n in sizes:
                skip = {"basic"} if n > args.basic_max else set()
                report(name, n, bench(name, _case(makers[name](n), SHOTS, peers, skip),
                                      args.repeat))
        elif name == "teleport":
            # BasicSimulator (Qiskit 2) has no classical control: n/a.
            report("teleport-4096", 3, bench(name, _case(teleport(), 4096, peers, {"basic"}),
                                             args.repeat))
        elif name == "small":
            report("1000 small", "2-5", bench(name, _case(small_circuits(), SHOTS, peers,
                                                          set()), args.repeat))
        elif name == "latency":
            from qiskit import QuantumCircuit
            qc = QuantumCircuit(2)
            qc.h(0)
            qc.cx(0, 1)
            qc.measure_all()
            runs = _case(qc, SHOTS, peers, set())
            for fn in runs.values():  # warm up imports and caches
                fn()
            best = {k: min(_time(fn) for _ in range(200)) for k, fn in runs.items()}
            report("bell-1024 job", 2, best)


if __name__ == "__main__":
    main()
