"""Parameter sweeps on fake Manila: one call with ``parameter_binds`` against separate bound
runs and against Qiskit Aer's ``parameter_binds``.

The circuit: a 5-qubit, 3-layer hardware-efficient ansatz (``ry`` and ``rz`` on every
qubit, then a CX chain, per layer; 30 parameters), all qubits measured, 1024 shots per
value set, with Manila's noise.

* qfoundry, one call: ``backend.run(circuit, parameter_binds=[{theta: values}])``: one
  symbolic transpile, one validation, the density-matrix program lowered once.
* qfoundry, bound runs: ``backend.run(circuit.assign_parameters(v))`` per value set
  (transpile, validate and lower every time); timed on ``--bound`` value sets and scaled
  to ``--sets`` (marked ``~``).
* Aer: the circuit transpiled once by Qiskit for ``FakeManilaV2``, then
  ``AerSimulator(noise_model=NoiseModel.from_backend_properties(manila props),
  max_parallel_threads=1).run(t, parameter_binds=[...], shots=1024)`` (Aer's automatic
  method picks the density matrix here, as ours does).

One BLAS thread for every side (set before numpy loads), or the default environment with
``--blas-default``. Rounds are interleaved and the
median of each is reported; the machine may be shared, so compare ratios.

    python benchmarks/bench_sweeps.py               # 1000 value sets, 3 rounds
    python benchmarks/bench_sweeps.py --sets 200 --rounds 1
    python benchmarks/bench_sweeps.py --blas-default  # BLAS threads as the environment has them
"""

from __future__ import annotations

import os
import sys

if "--blas-default" not in sys.argv:  # else: the environment as it is (no BLAS pinning)
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROPS = ROOT / "devices" / "snapshots" / "manila" / "props_manila.json"
N, LAYERS, SHOTS = 5, 3, 1024


def ansatz(lib, theta, n: int = N, layers: int = LAYERS):
    """The same ansatz in qfoundry (``lib.Circuit``) and Qiskit (``lib.QuantumCircuit``)."""
    c = lib.Circuit(n, n) if hasattr(lib, "Circuit") else lib.QuantumCircuit(n, n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            c.ry(theta[k], q)
            c.rz(theta[k + 1], q)
            k += 2
        for q in range(n - 1):
            c.cx(q, q + 1)
    c.measure(range(n), range(n))
    return c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=1000)
    parser.add_argument("--bound", type=int, default=100,
                        help="value sets timed as separate runs (scaled to --sets)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blas-default", action="store_true",
                        help="leave BLAS threading as the environment has it")
    args = parser.parse_args()

    import qiskit
    import qiskit_aer
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    from qiskit_ibm_runtime.models import BackendProperties

    import qfoundry as qf

    backend = qf.get_backend("fake_manila")
    theta = qf.ParameterVector("theta", 2 * N * LAYERS)
    circuit = ansatz(qf, theta)
    values = np.random.default_rng(1).uniform(-np.pi, np.pi, (args.sets, len(theta)))

    qtheta = qiskit.circuit.ParameterVector("theta", 2 * N * LAYERS)
    qc = ansatz(qiskit, qtheta)
    transpiled = qiskit.transpile(qc, FakeManilaV2(), seed_transpiler=1, optimization_level=1)
    props = BackendProperties.from_dict(json.loads(PROPS.read_text()))
    aer = AerSimulator(noise_model=NoiseModel.from_backend_properties(
        props, dt=backend.device.dt), max_parallel_threads=1)
    aer_binds = [{p: values[:, k].tolist() for k, p in enumerate(qtheta)}]

    def ours_sweep() -> float:
        start = time.perf_counter()
        r = backend.run(circuit, parameter_binds=[{theta: values.T}], shots=SHOTS,
                        seed_simulator=1).result()
        assert len(r.results) == args.sets
        return time.perf_counter() - start

    def ours_bound() -> float:
        start = time.perf_counter()
        for row in values[:args.bound]:
            backend.run(circuit.assign_parameters(row), shots=SHOTS, seed_simulator=1).result()
        return (time.perf_counter() - start) * args.sets / args.bound

    def aer_sweep() -> float:
        start = time.perf_counter()
        r = aer.run(transpiled, parameter_binds=aer_binds, shots=SHOTS, seed_simulator=1)
        assert len(r.result().results) == args.sets
        return time.perf_counter() - start

    times: dict[str, list[float]] = {"sweep": [], "bound": [], "aer": []}
    ours_sweep()  # warm-up: plugin loading, device file, first transpile
    for _ in range(args.rounds):
        times["sweep"].append(ours_sweep())
        times["aer"].append(aer_sweep())
        times["bound"].append(ours_bound())
    med = {k: statistics.median(v) for k, v in times.items()}
    method = aer.run(transpiled.assign_parameters(values[0]), shots=8).result() \
        .results[0].metadata.get("method")
    print(f"# {platform.python_version()}, numpy {np.__version__}, qiskit {qiskit.__version__}, "
          f"qiskit-aer {qiskit_aer.__version__}; {os.cpu_count()} cores (shared), "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"# {N}-qubit {LAYERS}-layer HEA on fake_manila, {args.sets} value sets x "
          f"{SHOTS} shots, median of {args.rounds} interleaved rounds; Aer method: {method}")
    print("| run | seconds | per value set (ms) | vs one call |")
    print("|---|---:|---:|---:|")
    labels = {"sweep": "qfoundry, one call (parameter_binds)",
              "bound": f"qfoundry, separate bound runs (~ from {args.bound})",
              "aer": "Aer, parameter_binds (pre-transpiled)"}
    for key in ("sweep", "bound", "aer"):
        print(f"| {labels[key]} | {med[key]:.2f} | {1000 * med[key] / args.sets:.2f} | "
              f"{med[key] / med['sweep']:.2f}x |")


if __name__ == "__main__":
    main()
