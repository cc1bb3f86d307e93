"""qfoundry's transpiler vs ``qiskit.transpile(optimization_level=1)`` on IBM Paris.

    python benchmarks/bench_transpiler.py                  # the default suite, 3 seeds
    python benchmarks/bench_transpiler.py --seeds 5 --e2e  # + a 20-qubit QFT run end to end

Both transpile the same circuits (built with Qiskit, converted to qfoundry Circuits) for
the same device: qfoundry for ``devices/paris.toml``, Qiskit for ``FakeParisV2`` (same
calibration). For each circuit and seed the table reports the CX count and depth of each
output and the transpile time (best of ``--repeat``), then the ratios qfoundry / Qiskit
(so < 1 means fewer CX, shallower, or faster for qfoundry). Two qfoundry layouts are
measured: the default noise-aware one (fewest SWAPs, then the routed circuit moved to the
lowest-error place it fits, as Qiskit's VF2PostLayout) and ``layout_method="sabre"``
(fewest SWAPs, left where SABRE put it).
Needs the ``oracle`` extra (qiskit, qiskit-ibm-runtime).
"""

from __future__ import annotations

import os

# One thread each: Qiskit's Rust passes (SabreLayout's trials) use a rayon thread pool,
# numpy's BLAS its own; qfoundry's transpiler is single-threaded Python.
for _var in ("RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

warnings.filterwarnings("ignore")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _qiskit_convert import to_qfoundry  # noqa: E402

import qfoundry  # noqa: E402
from qfoundry.transpiler import transpile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def suite() -> list[tuple[str, Any]]:
    """(name, Qiskit circuit): textbook circuits, random circuits, quantum volume."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFT, quantum_volume
    from qiskit.circuit.random import random_circuit

    def ghz(n: int) -> QuantumCircuit:
        qc = QuantumCircuit(n, n)
        qc.h(0)
        for q in range(n - 1):
            qc.cx(q, q + 1)
        qc.measure(range(n), range(n))
        return qc

    def qft(n: int) -> QuantumCircuit:
        qc = QuantumCircuit(n, n)
        qc.append(QFT(n), range(n))
        qc.measure(range(n), range(n))
        return qc.decompose(reps=2)

    def toffoli_chain(n: int) -> QuantumCircuit:
        qc = QuantumCircuit(n, n)
        qc.h(range(n))
        for q in range(n - 2):
            qc.ccx(q, q + 1, q + 2)
            qc.cswap(q + 2, q, q + 1)
        qc.measure(range(n), range(n))
        return qc

    def qv(n: int, seed: int) -> QuantumCircuit:
        qc = quantum_volume(n, seed=seed)  # layers of random SU(4) blocks
        qc.measure_all()
        return qc

    circuits = [("ghz_20", ghz(20)), ("qft_5", qft(5)), ("qft_10", qft(10)),
                ("qft_20", qft(20)), ("toffoli_8", toffoli_chain(8)), ("qv_5", qv(5, 1)),
                ("qv_8", qv(8, 2))]
    for n, depth, seed in ((5, 10, 0), (8, 20, 1), (12, 20, 2), (16, 20, 3), (20, 30, 4)):
        qc = random_circuit(n, depth, max_operands=3, measure=True, seed=seed)
        circuits.append((f"random_{n}x{depth}", qc))
    return circuits


def _best_time(fn, repeat: int) -> tuple[Any, float]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def measure(circuits, seeds: int, repeat: int) -> list[dict[str, Any]]:
    from qiskit import transpile as qiskit_transpile
    from qiskit_ibm_runtime.fake_provider import FakeParisV2

    qiskit_backend = FakeParisV2()
    paris = qfoundry.load_device(ROOT / "devices" / "paris.toml")
    rows = []
    for name, qc in circuits:
        ours_in = to_qfoundry(qc)
        for seed in range(seeds):
            row: dict[str, Any] = {"circuit": name, "seed": seed}
            theirs, row["t_qiskit"] = _best_time(
                lambda qc=qc, seed=seed: qiskit_transpile(
                    qc, qiskit_backend, optimization_level=1, seed_transpiler=seed), repeat)
            row["cx_qiskit"] = theirs.count_ops().get("cx", 0)
            row["depth_qiskit"] = theirs.depth()
            for label, method in (("ours", None), ("sabre", "sabre")):
                out, row[f"t_{label}"] = _best_time(
                    lambda c=ours_in, seed=seed, method=method: transpile(
                        c, paris, seed=seed, layout_method=method), repeat)
                row[f"cx_{label}"] = out.count_ops().get("cx", 0)
                row[f"depth_{label}"] = out.depth()
            rows.append(row)
            print(f"  {name:14s} seed {seed}: cx {row['cx_ours']:5d} / {row['cx_sabre']:5d} "
                  f"/ qiskit {row['cx_qiskit']:5d}   time {row['t_ours'] * 1e3:7.1f} ms / "
                  f"qiskit {row['t_qiskit'] * 1e3:6.1f} ms", file=sys.stderr, flush=True)
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    def ratio(key: str, label: str, r: dict[str, Any]) -> float:
        theirs = r[f"{key}_qiskit"]
        return r[f"{key}_{label}"] / (theirs if key == "t" else max(theirs, 1))

    lines = ["| circuit | CX qiskit | CX ours (ratio) | CX sabre (ratio) | depth qiskit | "
             "depth ours (ratio) | time qiskit | time ours (ratio) |",
             "|---|---|---|---|---|---|---|---|"]
    names = list(dict.fromkeys(r["circuit"] for r in rows))
    for name in names:
        rs = [r for r in rows if r["circuit"] == name]

        def mean(key: str, rs: list[dict[str, Any]] = rs) -> float:
            return statistics.fmean(r[key] for r in rs)

        lines.append(
            f"| {name} | {mean('cx_qiskit'):.0f} | {mean('cx_ours'):.0f} "
            f"({statistics.fmean(ratio('cx', 'ours', r) for r in rs):.2f}) | "
            f"{mean('cx_sabre'):.0f} ({statistics.fmean(ratio('cx', 'sabre', r) for r in rs):.2f})"
            f" | {mean('depth_qiskit'):.0f} | {mean('depth_ours'):.0f} "
            f"({statistics.fmean(ratio('depth', 'ours', r) for r in rs):.2f}) | "
            f"{mean('t_qiskit') * 1e3:.1f} ms | {mean('t_ours') * 1e3:.1f} ms "
            f"({statistics.fmean(ratio('t', 'ours', r) for r in rs):.1f}x) |")
    routed = [r for r in rows if r["cx_qiskit"] > 0]
    lines.append("")
    lines.append(
        f"Mean CX ratio (qfoundry / Qiskit), {len(routed)} runs: noise-aware "
        f"{statistics.fmean(ratio('cx', 'ours', r) for r in routed):.3f}, sabre "
        f"{statistics.fmean(ratio('cx', 'sabre', r) for r in routed):.3f}; mean depth ratio "
        f"{statistics.fmean(ratio('depth', 'ours', r) for r in routed):.3f}; geometric mean "
        f"time ratio {statistics.geometric_mean(ratio('t', 'ours', r) for r in routed):.1f}x.")
    return "\n".join(lines)


def end_to_end(n: int = 20) -> str:
    """Transpile a QFT and its inverse for fake Paris and run it on the statevector engine
    (on the physical qubits the mapped circuit touches); the counts must be the input."""
    from qfoundry import Circuit, ClassicalRegister, QuantumRegister

    paris = qfoundry.load_device(ROOT / "devices" / "paris.toml")
    x = int("10" * (n // 2), 2)
    c = Circuit(n, n)
    for q in range(n):
        if (x >> q) & 1:
            c.x(q)
    body = Circuit(n)
    for j in reversed(range(n)):
        body.h(j)
        for k in reversed(range(j)):
            body.cp(math.pi / 2 ** (j - k), k, j)
    c.data += body.data
    c.data += [op if op.name != "cp" else type(op)("cp", op.qubits, (-op.params[0],))
               for op in reversed(body.data)]
    c.measure(range(n), range(n))
    start = time.perf_counter()
    out = transpile(c, paris, seed=1)
    t_transpile = time.perf_counter() - start
    active = sorted({q for op in out.data for q in op.qubits})
    small = Circuit(QuantumRegister("p", len(active)), ClassicalRegister("c", n))
    for op in out.data:
        small.append(op.name, [active.index(q) for q in op.qubits], op.params, op.clbits)
    start = time.perf_counter()
    counts = qfoundry.get_backend("qasm_simulator").run(small, shots=100, seed_simulator=1)
    counts = counts.result().get_counts()
    t_run = time.perf_counter() - start
    ok = counts == {format(x, f"0{n}b"): 100}
    return (f"QFT-{n} + inverse on fake Paris: {out.count_ops().get('cx', 0)} CX, depth "
            f"{out.depth()}, {len(active)} physical qubits; transpile {t_transpile:.2f} s, "
            f"statevector run (100 shots) {t_run:.1f} s; counts == input: {ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--e2e", action="store_true", help="also run a QFT-20 end to end")
    args = parser.parse_args()
    import qiskit

    print(f"python {platform.python_version()}, qiskit {qiskit.__version__}, "
          f"{platform.machine()}; seeds {args.seeds}, best of {args.repeat}\n")
    print(report(measure(suite(), args.seeds, args.repeat)))
    if args.e2e:
        print("\n" + end_to_end())


if __name__ == "__main__":
    main()
