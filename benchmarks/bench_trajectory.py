"""Noisy trajectories on fake Paris: qfoundry's trajectory engine against Aer's statevector
method with noise, one thread each.

Both run the same circuits, mapped onto Paris by ``qfoundry.transpile`` (fixed seed) and
handed to Aer through OpenQASM 2 (``to_qasm()``, ``qiskit.qasm2.loads`` with the legacy
custom instructions), with the noise model built from the same calibration: ours from
devices/paris.toml, Aer's with ``NoiseModel.from_backend_properties`` on props_paris.json
and ``AerSimulator(method="statevector", max_parallel_threads=1)``, which runs one
noisy simulation per shot. Times are end to end (``run(...).result()``).

Aer's cost is linear in the shots (every shot is simulated from scratch), so on circuits
with more than ``--aer-full`` active qubits it is timed on ``--aer-shots`` shots and
scaled to ``--shots``; the table marks such figures with ``~``. GHZ and random brickwork
circuits entangle all their qubits, so there the trajectory engine gets no help from
keeping unentangled qubits apart (column ``factor``: the largest factor any trajectory
reached). Usage::

    python benchmarks/bench_trajectory.py                   # QFT-20; GHZ/random 12, 16, 20
    python benchmarks/bench_trajectory.py --aer-shots 1000  # time Aer in full (hours)
    python benchmarks/bench_trajectory.py --processes 2     # also: chunks on 2 processes
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads BLAS: one thread, as Aer below

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROPS = ROOT / "devices" / "snapshots" / "paris" / "props_paris.json"  # shipped snapshot


def paris_trajectory_backend():
    """``get_backend("fake_paris", engine="trajectory")``, or the same pair built by hand."""
    import qfoundry

    try:
        return qfoundry.get_backend("fake_paris", engine="trajectory")
    except qfoundry.QfoundryError:
        from qfoundry.backend import DeviceBackend
        from qfoundry.device import DeviceSource, load_device
        from qfoundry.plugins.trajectory import TrajectoryEngine

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            device = load_device(ROOT / "devices" / "paris.toml")
        return DeviceBackend(DeviceSource.from_device(device), TrajectoryEngine())


def qft(n: int):
    """The textbook QFT on |0...0> (final swaps included), every qubit measured."""
    from qfoundry import Circuit

    c = Circuit(n, n, name=f"qft{n}")
    for j in range(n - 1, -1, -1):
        c.h(j)
        for k in range(j - 1, -1, -1):
            c.cp(math.pi / 2 ** (j - k), k, j)
    for j in range(n // 2):
        c.swap(j, n - 1 - j)
    c.measure(list(range(n)), list(range(n)))
    return c


def ghz(n: int):
    from qfoundry import Circuit

    c = Circuit(n, n, name=f"ghz{n}")
    c.h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


def brickwork(n: int, layers: int = 8, seed: int = 1):
    """Random 1-qubit rotations and CX bricks: entangles everything (no product state)."""
    from qfoundry import Circuit

    rng = np.random.default_rng(seed)
    c = Circuit(n, n, name=f"random{n}")
    for layer in range(layers):
        for q in range(n):
            c.u3(*rng.uniform(0, 2 * math.pi, 3), q)
        for q in range(layer % 2, n - 1, 2):
            c.cx(q, q + 1)
    c.measure(list(range(n)), list(range(n)))
    return c


def aer_simulator(device):
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoiseModel
    from qiskit_ibm_runtime.models import BackendProperties

    props = BackendProperties.from_dict(json.loads(PROPS.read_text()))
    return AerSimulator(method="statevector", max_parallel_threads=1,
                        max_parallel_experiments=1, max_parallel_shots=1,
                        noise_model=AerNoiseModel.from_backend_properties(props, dt=device.dt))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qft", type=int, default=20, help="QFT size (0: skip)")
    parser.add_argument("--dense", default="12,16,20", help="sizes of GHZ and random circuits")
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--aer-shots", type=int, default=4,
                        help="shots Aer runs on large circuits before scaling to --shots")
    parser.add_argument("--aer-full", type=int, default=16,
                        help="Aer runs every shot on circuits with at most this many active "
                             "qubits")
    parser.add_argument("--processes", type=int, default=0,
                        help="also run the QFT as shot chunks on this many processes")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    import qiskit.qasm2
    import qiskit_aer

    import qfoundry

    backend = paris_trajectory_backend()
    device = backend.device
    aer = aer_simulator(device)
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, qiskit-aer {qiskit_aer.__version__}; {args.shots} shots, "
          "1 thread")
    print(f"{'circuit':<9} {'active':>6} {'cx':>5} {'qfoundry s':>10} {'branches':>8} "
          f"{'passes':>7} {'factor':>6} {'Aer s':>9} {'Aer/qfoundry':>12}")
    work = ([qft(args.qft)] if args.qft else []) + [
        f(int(n)) for n in args.dense.split(",") if n for f in (ghz, brickwork)]
    rows = []
    for circuit in work:
        mapped = qfoundry.transpile(circuit, backend, seed=1)
        qc = qiskit.qasm2.loads(mapped.to_qasm(),
                                custom_instructions=qiskit.qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        start = time.perf_counter()
        result = backend.run(mapped, shots=args.shots, seed_simulator=1,
                             transpile=False).result()
        ours = time.perf_counter() - start
        meta = result.results[0].metadata
        aer_shots = args.shots if meta["num_qubits"] <= args.aer_full else args.aer_shots
        start = time.perf_counter()
        aer.run(qc, shots=aer_shots, seed_simulator=1).result()
        aer_s = (time.perf_counter() - start) * args.shots / aer_shots
        scaled = "~" if aer_shots != args.shots else " "
        cx = mapped.count_ops().get("cx", 0)
        rows.append({"circuit": circuit.name, "active_qubits": meta["num_qubits"], "cx": cx,
                     "qfoundry_s": ours, "branches": meta["branches"],
                     "block_passes": meta["block_passes"],
                     "largest_factor": meta["largest_factor"], "aer_s": aer_s,
                     "aer_shots_timed": aer_shots})
        print(f"{circuit.name:<9} {meta['num_qubits']:>6} {cx:>5} {ours:>10.2f} "
              f"{meta['branches']:>8} {meta['block_passes']:>7} {meta['largest_factor']:>6} "
              f"{scaled}{aer_s:>8.1f} {aer_s / ours:>12.1f}", flush=True)
        if args.processes and circuit.name.startswith("qft"):
            chunk = math.ceil(args.shots / args.processes)
            with ProcessPoolExecutor(args.processes) as pool:
                start = time.perf_counter()
                backend.run(mapped, shots=args.shots, seed_simulator=1, transpile=False,
                            shots_per_chunk=chunk, executor=pool).result()
                spread = time.perf_counter() - start
            rows[-1]["processes"] = {"count": args.processes, "seconds": spread}
            print(f"  ... as {args.processes} chunks of {chunk} shots on {args.processes} "
                  f"processes: {spread:.2f} s (pool start-up included)", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
