"""Today's IBM devices (127-156 qubits) against Qiskit: transpilation and end-to-end runs.

    python benchmarks/bench_devices.py                 # both parts, best of 3
    python benchmarks/bench_devices.py --part transpile --repeat 5

Part ``transpile``: the same 20-qubit circuits (built with Qiskit, converted to qfoundry
Circuits) mapped onto ``fake_sherbrooke`` (Eagle, directed ECR) and ``fake_torino``
(Heron, CZ) by ``qfoundry.transpile`` and by ``qiskit.transpile(optimization_level=1)``
on ``FakeSherbrooke()`` / ``FakeTorino()``; two-qubit gate counts (each ECR or CZ is one
CX equivalent) and times, the two transpilers interleaved per circuit and seed.

Part ``ghz``: an n-qubit GHZ with 1000 shots on fake Sherbrooke, end to end: qfoundry's
``get_backend("fake_sherbrooke").run(ghz, shots=1000)`` (transpile, noisy run on the
``auto`` engine, only the active qubits simulated) against Qiskit's
``transpile(ghz, FakeSherbrooke())`` + ``AerSimulator.from_backend(FakeSherbrooke()).run``.
"cold" includes making the backend (qfoundry: reading the TOML, building the noise model;
Qiskit: the fake backend, its target and Aer's noise model); "warm" reuses it.

Needs the ``oracle`` extra (qiskit, qiskit-aer, qiskit-ibm-runtime). Timings on a shared
machine are noisy: compare the ratios, measured side by side in one run.
"""

from __future__ import annotations

import os
import sys

# One thread each, as in bench_transpiler.py (Qiskit's Rust passes and Aer use thread
# pools; qfoundry runs one experiment on one core here). --unpinned leaves the default
# environment: Qiskit's SabreLayout and BLAS then use every core.
if "--unpinned" not in sys.argv:
    for _var in ("RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

warnings.filterwarnings("ignore")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _qiskit_convert import to_qfoundry  # noqa: E402

import qfoundry  # noqa: E402
from qfoundry.transpiler import transpile  # noqa: E402

TWO_QUBIT = ("cx", "ecr", "cz")


def two_qubit_count(ops: Any) -> int:
    """CX-equivalent count: every ECR, CZ or CX is one."""
    return sum(n for name, n in dict(ops).items() if name in TWO_QUBIT)


def estimated_success(circuit: Any, target: Any) -> float:
    """Product of (1 - calibrated error) over every gate and readout of a mapped circuit
    (a SWAP would count three two-qubit gates; mapped circuits have none): the
    first-order chance that nothing fails, which the noise-aware layout maximises."""
    ro, sq, pair = target.readout_error, target.single_qubit_error, target.edge_error
    log_p = 0.0
    for op in circuit.data:
        qs = op.qubits
        if op.name in ("barrier", "delay"):
            continue
        if op.name == "measure":
            e = ro[qs[0]]
        elif len(qs) == 2:
            e = pair(*qs)
        elif op.name in ("rz", "id"):  # virtual: no pulse, no calibrated error
            e = 0.0
        else:
            e = sq[qs[0]]
        if e >= 1.0:
            return 0.0
        log_p += math.log1p(-e)
    return math.exp(log_p)


def ghz(n: int) -> Any:
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(n, n, name=f"ghz_{n}")
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    qc.measure(range(n), range(n))
    return qc


def circuits() -> list[tuple[str, Any]]:
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFT
    from qiskit.circuit.random import random_circuit

    qft = QuantumCircuit(20, 20, name="qft_20")
    qft.append(QFT(20), range(20))
    qft.measure(range(20), range(20))
    rnd = random_circuit(20, 30, max_operands=3, measure=True, seed=4)
    return [("ghz_20", ghz(20)), ("qft_20", qft.decompose(reps=2)), ("random_20x30", rnd)]


def _timed(fn, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def part_transpile(repeat: int, seeds: int) -> str:
    from qiskit import transpile as qiskit_transpile
    from qiskit_ibm_runtime.fake_provider import FakeSherbrooke, FakeTorino

    from qfoundry.transpiler.target import Target

    lines = ["| device | circuit | 2q qiskit | 2q ours (ratio) | time qiskit | time ours "
             "(ratio) | est. success qiskit | ours |", "|---|---|---|---|---|---|---|---|"]
    ratios_cx, ratios_t = [], []
    for name, fake in (("sherbrooke", FakeSherbrooke()), ("torino", FakeTorino())):
        device = qfoundry.get_device(f"fake_{name}")
        target = Target.from_any(device)
        fake.target  # noqa: B018 - built once, as the device is parsed once
        for cname, qc in circuits():
            ours_in = to_qfoundry(qc)
            rows = []
            for seed in range(seeds):
                t_q, t_o = math.inf, math.inf
                for _ in range(repeat):  # interleaved: the load hits both alike
                    theirs, t = _timed(qiskit_transpile, qc, fake, optimization_level=1,
                                       seed_transpiler=seed)
                    t_q = min(t_q, t)
                    ours, t = _timed(transpile, ours_in, device, seed=seed)
                    t_o = min(t_o, t)
                rows.append((two_qubit_count(theirs.count_ops()),
                             two_qubit_count(ours.count_ops()), t_q, t_o,
                             estimated_success(to_qfoundry(theirs), target),
                             estimated_success(ours, target)))
                print(f"  {name} {cname} seed {seed}: 2q {rows[-1][1]} / qiskit {rows[-1][0]}"
                      f", {t_o * 1e3:.0f} ms / qiskit {t_q * 1e3:.0f} ms, success "
                      f"{rows[-1][5]:.2e} / qiskit {rows[-1][4]:.2e}", file=sys.stderr)
            cx_q, cx_o = (statistics.fmean(r[i] for r in rows) for i in (0, 1))
            t_q, t_o = (statistics.fmean(r[i] for r in rows) for i in (2, 3))
            p_q, p_o = (statistics.geometric_mean(max(r[i], 1e-300) for r in rows)
                        for i in (4, 5))
            r_cx = statistics.fmean(r[1] / max(r[0], 1) for r in rows)
            r_t = statistics.geometric_mean(r[3] / r[2] for r in rows)
            ratios_cx.append(r_cx)
            ratios_t.append(r_t)
            lines.append(f"| {name} | {cname} | {cx_q:.0f} | {cx_o:.0f} ({r_cx:.2f}) | "
                         f"{t_q * 1e3:.0f} ms | {t_o * 1e3:.0f} ms ({r_t:.2f}x) | "
                         f"{p_q:.2e} | {p_o:.2e} |")
    lines.append("")
    lines.append(f"Mean 2q ratio {statistics.fmean(ratios_cx):.3f}, geometric mean time ratio "
                 f"{statistics.geometric_mean(ratios_t):.2f}x ({seeds} seeds, best of "
                 f"{repeat}).")
    return "\n".join(lines)


def part_ghz(repeat: int, sizes: tuple[int, ...] = (5, 12, 20), shots: int = 1000) -> str:
    from qiskit import transpile as qiskit_transpile
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime.fake_provider import FakeSherbrooke

    def qiskit_cold(qc):
        fake = FakeSherbrooke()
        sim = AerSimulator.from_backend(fake)
        return sim.run(qiskit_transpile(qc, fake, optimization_level=1, seed_transpiler=1),
                       shots=shots, seed_simulator=1).result().get_counts()

    fake = FakeSherbrooke()
    sim = AerSimulator.from_backend(fake)

    def qiskit_warm(qc):
        return sim.run(qiskit_transpile(qc, fake, optimization_level=1, seed_transpiler=1),
                       shots=shots, seed_simulator=1).result().get_counts()

    def ours_cold(qc):
        from qfoundry import registry
        from qfoundry.noise import for_runs as noise

        # As a new process's first run: the device file parsed, the noise model built.
        registry.reset_registry()
        sys.modules["qfoundry.device"]._path_cache.clear()
        noise._cache.clear()
        return qfoundry.get_backend("fake_sherbrooke").run(
            qc, shots=shots, seed_simulator=1, seed_transpiler=1).result().get_counts()

    backend = qfoundry.get_backend("fake_sherbrooke")

    def ours_warm(qc):
        return backend.run(qc, shots=shots, seed_simulator=1,
                           seed_transpiler=1).result().get_counts()

    lines = ["| GHZ | qfoundry cold | Qiskit + Aer cold (ratio) | qfoundry warm | "
             "Qiskit + Aer warm (ratio) | P(all 0 or all 1) ours / Aer |",
             "|---|---|---|---|---|---|"]
    for n in sizes:
        qc = ghz(n)
        best = {k: math.inf for k in ("oc", "qc", "ow", "qw")}
        for _ in range(repeat):
            for key, fn in (("oc", ours_cold), ("ow", ours_warm), ("qc", qiskit_cold),
                            ("qw", qiskit_warm)):
                counts, t = _timed(fn, qc)
                best[key] = min(best[key], t)
                if key == "oc":
                    counts_o = counts
                elif key == "qc":
                    counts_q = counts
                print(f"  ghz {n} {key}: {t:.2f} s", file=sys.stderr, flush=True)
        good = ("0" * n, "1" * n)
        p_o = sum(counts_o.get(k, 0) for k in good) / shots
        p_q = sum(counts_q.get(k, 0) for k in good) / shots
        lines.append(f"| {n} | {best['oc']:.2f} s | {best['qc']:.2f} s "
                     f"({best['qc'] / best['oc']:.1f}x) | {best['ow']:.2f} s | "
                     f"{best['qw']:.2f} s ({best['qw'] / best['ow']:.1f}x) | "
                     f"{p_o:.3f} / {p_q:.3f} |")
        print(f"  ghz {n}: {best}", file=sys.stderr)
    lines.append("")
    lines.append("Ratios are Qiskit's time over qfoundry's (above 1: qfoundry is faster).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("transpile", "ghz", "all"), default="all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 12, 20],
                        help="GHZ sizes of part ghz")
    parser.add_argument("--unpinned", action="store_true",
                        help="do not pin Qiskit, Aer and BLAS to one thread")
    args = parser.parse_args()
    import qiskit
    import qiskit_aer
    import qiskit_ibm_runtime

    print(f"python {platform.python_version()}, qiskit {qiskit.__version__}, qiskit-aer "
          f"{qiskit_aer.__version__}, qiskit-ibm-runtime {qiskit_ibm_runtime.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores; best of {args.repeat}; "
          f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')}\n")
    if args.part in ("transpile", "all"):
        print(part_transpile(args.repeat, args.seeds) + "\n")
    if args.part in ("ghz", "all"):
        print(part_ghz(args.repeat, tuple(args.sizes)))


if __name__ == "__main__":
    main()
