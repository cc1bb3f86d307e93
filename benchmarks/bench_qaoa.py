"""QAOA MaxCut (5 nodes, p = 2, 100 COBYLA evaluations), ideal and on fake Manila:
qfoundry's Estimator against Qiskit Aer's EstimatorV2 and PennyLane's ``default.mixed``.

Every side minimises the same cost, <sum_(i,j) Z_i Z_j> / 2 over the graph's edges, from
the same starting point with ``scipy.optimize.minimize(method="COBYLA",
options={"maxiter": 100})``, exact expectation values (no shots):

* qfoundry: ``Estimator(get_backend("qasm_simulator" | "fake_manila"))``; on Manila the
  parameterised circuit is transpiled once per run and the observable mapped through the
  layout automatically (density matrix with Manila's calibrated noise).
* Aer: ``EstimatorV2`` (statevector ideal; ``method="density_matrix"`` with
  ``NoiseModel.from_backend_properties`` of the same Manila snapshot), the circuit
  pre-transpiled once by Qiskit for ``FakeManilaV2`` and the observable mapped with
  ``apply_layout``.
* PennyLane: ``default.mixed``; ideal, and "noisy" with a depolarizing channel after every
  gate at Manila's median single- and two-qubit gate errors (PennyLane has no device
  noise model or routing, so its noisy figure is the same kind of simulation, not the
  same noise; its values are not compared).

Lines of code: the non-blank, non-comment lines of each ``qaoa_*`` function below (circuit,
observable, cost function and optimiser call). One BLAS thread; interleaved rounds; the
machine may be shared, so compare ratios. ``--blas-default`` leaves BLAS threading as the
environment has it.

    python benchmarks/bench_qaoa.py [--rounds 3] [--blas-default]
"""

from __future__ import annotations

import os
import sys

if "--blas-default" not in sys.argv:  # else: the environment as it is (no BLAS pinning)
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROPS = ROOT / "devices" / "snapshots" / "manila" / "props_manila.json"
EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)]
N, P = 5, 2
X0 = np.array([0.6, 0.3, 0.4, 0.8])  # beta_1, beta_2, gamma_1, gamma_2 (Qiskit's order)
OPTIONS = {"maxiter": 100, "tol": 1e-12}


def qaoa_qfoundry(backend):
    import qfoundry as qf

    g, b = qf.ParameterVector("g", P), qf.ParameterVector("b", P)
    circuit = qf.Circuit(N).h(range(N))
    for layer in range(P):
        for i, j in EDGES:
            circuit.rzz(2 * g[layer], i, j)
        circuit.rx(2 * b[layer], range(N))
    cost = qf.Observable.from_sparse_list([("ZZ", e, 0.5) for e in EDGES], num_qubits=N)
    estimator = qf.Estimator(backend)

    def energy(x):
        return float(estimator.run([(circuit, cost, x)]).result()[0].data.evs)

    return minimize(energy, X0, method="COBYLA", options=OPTIONS)


def qaoa_aer(estimator, device=None):
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit import ParameterVector
    from qiskit.quantum_info import SparsePauliOp

    g, b = ParameterVector("g", P), ParameterVector("b", P)
    circuit = QuantumCircuit(N)
    circuit.h(range(N))
    for layer in range(P):
        for i, j in EDGES:
            circuit.rzz(2 * g[layer], i, j)
        circuit.rx(2 * b[layer], range(N))
    cost = SparsePauliOp.from_sparse_list([("ZZ", e, 0.5) for e in EDGES], num_qubits=N)
    if device is not None:
        circuit = transpile(circuit, device, seed_transpiler=1)
        cost = cost.apply_layout(circuit.layout)

    def energy(x):
        return float(estimator.run([(circuit, cost, x)]).result()[0].data.evs)

    return minimize(energy, X0, method="COBYLA", options=OPTIONS)


def qaoa_pennylane(p1=0.0, p2=0.0):
    import pennylane as qml

    dev = qml.device("default.mixed", wires=N)
    cost = qml.Hamiltonian([0.5] * len(EDGES), [qml.Z(i) @ qml.Z(j) for i, j in EDGES])

    @qml.qnode(dev)
    def energy(x):
        for q in range(N):
            qml.Hadamard(q)
            qml.DepolarizingChannel(p1, wires=q)
        for layer in range(P):
            for i, j in EDGES:
                qml.IsingZZ(2 * x[P + layer], wires=[i, j])
                qml.DepolarizingChannel(p2, wires=i)
                qml.DepolarizingChannel(p2, wires=j)
            for q in range(N):
                qml.RX(2 * x[layer], wires=q)
                qml.DepolarizingChannel(p1, wires=q)
        return qml.expval(cost)

    return minimize(lambda x: float(energy(x)), X0, method="COBYLA", options=OPTIONS)


def lines_of(func) -> int:
    src = inspect.getsource(func).splitlines()[1:]  # without the def line
    return sum(1 for line in src if line.strip() and not line.strip().startswith("#"))


def _manila_errors() -> tuple[float, float]:
    props = json.loads(PROPS.read_text())
    one, two = [], []
    for gate in props["gates"]:
        err = next((p["value"] for p in gate["parameters"] if p["name"] == "gate_error"), None)
        if err is None:
            continue
        (one if gate["gate"] in ("sx", "x") else two if gate["gate"] == "cx" else []).append(err)
    return float(np.median(one)), float(np.median(two))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blas-default", action="store_true",
                        help="leave BLAS threading as the environment has it")
    args = parser.parse_args()

    import pennylane
    import qiskit
    import qiskit_aer
    from qiskit_aer.noise import NoiseModel
    from qiskit_aer.primitives import EstimatorV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    from qiskit_ibm_runtime.models import BackendProperties

    import qfoundry as qf

    manila = qf.get_backend("fake_manila")
    props = BackendProperties.from_dict(json.loads(PROPS.read_text()))
    aer_noise = NoiseModel.from_backend_properties(props, dt=manila.device.dt)
    p1, p2 = _manila_errors()
    runs = {
        ("ideal", "qfoundry"): lambda: qaoa_qfoundry(qf.get_backend("qasm_simulator")),
        ("ideal", "aer"): lambda: qaoa_aer(EstimatorV2(options={"backend_options": {
            "max_parallel_threads": 1}})),
        ("ideal", "pennylane"): lambda: qaoa_pennylane(),
        ("manila", "qfoundry"): lambda: qaoa_qfoundry(manila),
        ("manila", "aer"): lambda: qaoa_aer(EstimatorV2(options={"backend_options": {
            "method": "density_matrix", "noise_model": aer_noise,
            "max_parallel_threads": 1}}), FakeManilaV2()),
        ("manila", "pennylane"): lambda: qaoa_pennylane(p1, p2),
    }
    times: dict[tuple[str, str], list[float]] = {k: [] for k in runs}
    results = {}
    for _ in range(args.rounds):
        for key, run in runs.items():
            start = time.perf_counter()
            results[key] = run()
            times[key].append(time.perf_counter() - start)
    print(f"# {platform.python_version()}, numpy {np.__version__}, qiskit {qiskit.__version__}, "
          f"qiskit-aer {qiskit_aer.__version__}, pennylane {pennylane.__version__}; "
          f"{os.cpu_count()} cores (shared), OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; median of {args.rounds} "
          "interleaved rounds")
    loc = {"qfoundry": lines_of(qaoa_qfoundry), "aer": lines_of(qaoa_aer),
           "pennylane": lines_of(qaoa_pennylane)}
    print("| case | simulator | seconds | vs qfoundry | evaluations | final energy | lines |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (case, sim), ts in times.items():
        t = statistics.median(ts)
        ref = statistics.median(times[(case, "qfoundry")])
        r = results[(case, sim)]
        print(f"| {case} | {sim} | {t:.2f} | {t / ref:.2f}x | {r.nfev} | {r.fun:.6f} | "
              f"{loc[sim]} |")


if __name__ == "__main__":
    main()
