"""Noisy Paris circuits: qfoundry's density_matrix engine against Qiskit Aer, one thread each.

Both simulate the same circuits, transpiled to Paris by Qiskit (FakeParisV2, fixed seed),
with the noise model built from the same calibration: ours from devices/paris.toml,
Aer's with ``NoiseModel.from_backend_properties`` on props_paris.json and
``AerSimulator(method="density_matrix")``. Times are end to end (``backend.run(...)
.result()``), best of ``--repeat`` runs, ours and Aer's interleaved so machine load hits
both alike. Usage::

    python benchmarks/bench_density_matrix.py             # GHZ, QFT, random; 5..12 qubits
    python benchmarks/bench_density_matrix.py --sizes 5,8 --repeat 5
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy loads BLAS: one thread, as Aer below

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROPS = ROOT / "devices" / "snapshots" / "paris" / "props_paris.json"  # shipped snapshot
SHOTS = 4096


def paris_backend():
    """``get_backend("fake_paris")``, or the same device + engine pair built by hand."""
    import qfoundry

    try:
        return qfoundry.get_backend("fake_paris")
    except qfoundry.QfoundryError:
        from qfoundry.backend import DeviceBackend
        from qfoundry.device import DeviceSource, load_device
        from qfoundry.plugins.density_matrix import DensityMatrixEngine

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            device = load_device(ROOT / "devices" / "paris.toml")
        return DeviceBackend(DeviceSource.from_device(device), DensityMatrixEngine())


def circuits(sizes: list[int]) -> list:
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit.library import QFTGate
    from qiskit.circuit.random import random_circuit
    from qiskit_ibm_runtime.fake_provider import FakeParisV2

    out = []
    for n in sizes:
        ghz = QuantumCircuit(n, name=f"ghz{n}")
        ghz.h(0)
        for q in range(n - 1):
            ghz.cx(q, q + 1)
        qft = QuantumCircuit(n, name=f"qft{n}")
        qft.append(QFTGate(n), range(n))
        rnd = random_circuit(n, 10, max_operands=2, seed=n)
        rnd.name = f"random{n}"
        for qc in (ghz, qft, rnd):
            qc.measure_all()
            out.append(transpile(qc, FakeParisV2(), seed_transpiler=1, optimization_level=1))
    return out


def active(qc) -> int:
    return len({qc.find_bit(q).index for ci in qc.data for q in ci.qubits
                if ci.operation.name not in ("barrier", "measure")})


def compact(qc):
    """Measure only the active qubits (Aer simulates every measured qubit)."""
    from qiskit import ClassicalRegister, QuantumCircuit

    used = sorted({qc.find_bit(q).index for ci in qc.data for q in ci.qubits
                   if ci.operation.name not in ("barrier", "measure")})
    out = QuantumCircuit(*qc.qregs, ClassicalRegister(len(used), "meas"), name=qc.name)
    for ci in qc.data:
        if ci.operation.name not in ("barrier", "measure"):
            out.append(ci.operation, ci.qubits)
    out.measure(used, range(len(used)))
    return out


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,8,10,12")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (2 above 10 qubits)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    import qiskit_aer
    from _qiskit_convert import circuit_to_qobj
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoiseModel
    from qiskit_ibm_runtime.models import BackendProperties

    from qfoundry.noise import NoiseModel

    backend = paris_backend()
    device = backend.device
    build_ours = best(lambda: NoiseModel.from_device(device), 20)
    props = BackendProperties.from_dict(json.loads(PROPS.read_text()))
    build_aer = best(lambda: AerNoiseModel.from_backend_properties(props, dt=device.dt), 3)
    aer = AerSimulator(method="density_matrix",
                       noise_model=AerNoiseModel.from_backend_properties(props, dt=device.dt),
                       max_parallel_threads=1, max_parallel_experiments=1,
                       max_parallel_shots=1)
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, qiskit-aer {qiskit_aer.__version__}; {SHOTS} shots, "
          "1 thread; best-of times")
    print(f"noise model build for Paris: qfoundry {build_ours * 1e3:.1f} ms, "
          f"Aer {build_aer * 1e3:.1f} ms")
    print(f"{'circuit':<10} {'active':>6} {'cx':>4} {'qfoundry s':>11} {'Aer s':>9} "
          f"{'Aer/qfoundry':>12}")
    rows = []
    for qc in circuits(sizes):
        qc = compact(qc)
        n = active(qc)
        qobj = circuit_to_qobj(qc, shots=SHOTS, seed=1)
        repeat = args.repeat if n <= 10 else 2
        ours = aer_s = float("inf")
        for _ in range(repeat):  # interleaved: both see the same machine load
            start = time.perf_counter()
            backend.run(qobj, transpile=False).result()  # already mapped by Qiskit
            ours = min(ours, time.perf_counter() - start)
            start = time.perf_counter()
            aer.run(qc, shots=SHOTS, seed_simulator=1).result()
            aer_s = min(aer_s, time.perf_counter() - start)
        cx = qc.count_ops().get("cx", 0)
        rows.append({"circuit": qc.name, "active_qubits": n, "cx": cx, "qfoundry_s": ours,
                     "aer_s": aer_s, "ratio": aer_s / ours})
        print(f"{qc.name:<10} {n:>6} {cx:>4} {ours:>11.4f} {aer_s:>9.4f} "
              f"{aer_s / ours:>12.2f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"build_ms": {"qfoundry": build_ours * 1e3, "aer": build_aer * 1e3},
             "rows": rows}, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
