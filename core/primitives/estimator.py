"""``qfoundry.Estimator``: expectation values of observables, Qiskit V2 semantics.

Exact mode (``precision`` 0, the default, or None): each PUB is one backend run of its
circuit with a ``save_expval`` instruction per distinct observable, swept over every
parameter set through ``parameter_binds`` (one transpile, one validation). Exact engines
(statevector, density matrix, ``auto`` whenever the density matrix fits) give exact
values with ``stds`` 0; trajectories give their mean with its standard error.

Sampled mode (``precision`` > 0): ``ceil(1 / precision**2)`` shots per measured circuit,
as Qiskit's BackendEstimatorV2 chooses them. Each observable's terms are grouped into
qubit-wise commuting sets, each set is measured once in its rotated basis, and
readout error applies as on hardware; ``stds`` is the standard error of the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..circuit import Circuit, ClassicalRegister
from ..observable import Observable, qubitwise_groups
from .containers import DataBin, PrimitiveJob, PrimitiveResult, PubResult
from .pubs import EstimatorPub

__all__ = ["Estimator"]


class Estimator:
    """Expectation values on ``backend`` (any qfoundry backend)."""

    def __init__(self, backend: Any, *, default_precision: float = 0.0,
                 default_shots: int = 1024, seed: int | None = None,
                 run_options: dict[str, Any] | None = None):
        """
        :param default_precision: for PUBs and runs that give none; 0 means exact values.
        :param default_shots: trajectories of an exact-mode run on an engine that samples
            (the trajectory engine), when no precision says otherwise.
        :param seed: ``seed_simulator`` of every run, for reproducible estimates.
        :param run_options: further options for ``backend.run`` (``noise_model``...).
        """
        self.backend = backend
        self.default_precision = default_precision
        self.default_shots = int(default_shots)
        self.seed = seed
        self.run_options = dict(run_options or {})
        self._transpiled: dict[tuple, Circuit] = {}  # see _mapped

    def run(self, pubs: Iterable[Any], *, precision: float | None = None) -> PrimitiveJob:
        """Start estimating; PUBs are checked (and runs submitted) before this returns."""
        if precision is None:
            precision = self.default_precision
        coerced = [EstimatorPub.coerce(p, k, precision) for k, p in enumerate(_listify(pubs))]
        plans = [self._submit(pub, k) for k, pub in enumerate(coerced)]
        return PrimitiveJob(lambda: PrimitiveResult(
            [plan() for plan in plans], {"version": 2}))

    # -- one PUB -----------------------------------------------------------------------------
    def _run(self, circuit: Circuit, pub: EstimatorPub, shots: int) -> Any:
        binds = [pub.parameter_values.flat_binds()] if circuit.parameters else None
        circuit, extra = self._mapped(circuit)
        return self.backend.run(circuit, parameter_binds=binds, shots=shots,
                                seed_simulator=self.seed, **{**self.run_options, **extra})

    def _mapped(self, circuit: Circuit) -> tuple[Circuit, dict[str, Any]]:
        """On a device backend, the circuit transpiled once per distinct (symbolic)
        circuit, as ``run()`` would transpile it: an optimiser loop calls ``run`` with the
        same circuit every iteration, and only the values change."""
        opts = {**dict(getattr(self.backend, "options", {}) or {}), **self.run_options}
        if getattr(self.backend, "device", None) is None or not opts.get("transpile", True):
            return circuit, {}
        key = (_fingerprint(circuit), opts.get("seed_transpiler"),
               opts.get("optimization_level", 1), repr(opts.get("initial_layout")))
        mapped = self._transpiled.get(key)
        if mapped is None:
            from ..transpiler import transpile

            mapped = transpile(circuit, self.backend, seed=opts.get("seed_transpiler"),
                               optimization_level=opts.get("optimization_level", 1),
                               initial_layout=opts.get("initial_layout"))
            if len(self._transpiled) >= 32:
                self._transpiled.pop(next(iter(self._transpiled)))
            self._transpiled[key] = mapped
        return mapped, {"transpile": False}

    def _submit(self, pub: EstimatorPub, index: int):
        obs = list(pub.observables.reshape(-1))
        coeffs = [o.real_coeffs(where=f"PUB {index}, observable {k}")
                  for k, o in enumerate(obs)]
        p_idx = np.broadcast_to(np.arange(pub.parameter_values.size).reshape(
            pub.parameter_values.shape), pub.shape)
        o_idx = np.broadcast_to(np.arange(len(obs)).reshape(pub.observables.shape), pub.shape)
        precision = pub.precision or 0.0
        if precision > 0:
            shots = math.ceil(1.0 / precision ** 2)
            fetch = self._sampled(pub, obs, coeffs, shots)
        else:
            shots = self.default_shots
            fetch = self._exact(pub, obs, coeffs, shots)

        def finish() -> PubResult:
            evs, variances = fetch()  # each (n_param_sets, n_observables)
            ev = evs[p_idx, o_idx]
            std = np.sqrt(variances[p_idx, o_idx])
            return PubResult(DataBin(pub.shape, evs=ev, stds=std),
                             {"target_precision": precision, "shots": shots,
                              "circuit_metadata": dict(pub.circuit.metadata)})
        return finish

    def _exact(self, pub: EstimatorPub, obs: list[Observable], coeffs: list[np.ndarray],
               shots: int):
        circuit = pub.circuit.copy()
        qubits = list(range(circuit.num_qubits))
        for k, ob in enumerate(obs):
            real = Observable(list(zip(ob.paulis, coeffs[k])), ob.num_qubits)
            circuit.save_expectation_value(real, qubits, label=f"ev{k}")
        job = self._run(circuit, pub, shots)

        def fetch() -> tuple[np.ndarray, np.ndarray]:
            results = job.result().results
            evs = np.array([[r.data[f"ev{k}"] for k in range(len(obs))] for r in results],
                           dtype=float)
            errs = np.array([[r.data.get("expval_stderr", {}).get(f"ev{k}", 0.0)
                              for k in range(len(obs))] for r in results], dtype=float)
            return evs.reshape(-1, len(obs)), (errs ** 2).reshape(-1, len(obs))
        return fetch

    def _sampled(self, pub: EstimatorPub, obs: list[Observable], coeffs: list[np.ndarray],
                 shots: int):
        runs = []  # (observable index, term indices, job) per measured basis
        for k, ob in enumerate(obs):
            for group in qubitwise_groups(ob.paulis):
                labels = [ob.paulis[t] for t in group]
                circuit = _measured_circuit(pub.circuit, labels)
                if circuit is None:  # identity terms only: no measurement needed
                    runs.append((k, group, None))
                else:
                    runs.append((k, group, self._run(circuit, pub, shots)))

        def fetch() -> tuple[np.ndarray, np.ndarray]:
            n_sets = pub.parameter_values.size
            evs = np.zeros((n_sets, len(obs)))
            var = np.zeros((n_sets, len(obs)))
            for k, group, job in runs:
                c = coeffs[k][group]
                if job is None:
                    evs[:, k] += c.sum()
                    continue
                labels = [obs[k].paulis[t] for t in group]
                for s, r in enumerate(job.result().results):
                    offset = r.header.metadata["qwc_offset"]
                    mean, variance = _group_estimate(r.data["counts"], labels, c, offset)
                    evs[s, k] += mean
                    var[s, k] += variance
            return evs, var
        return fetch


def _fingerprint(circuit: Circuit) -> tuple:
    """What the transpiler's output depends on: registers and instructions (angles as
    text, so a symbolic circuit is the same circuit whatever its values will be)."""
    return (tuple((r.name, r.size) for r in (*circuit.qregs, *circuit.cregs)),
            tuple((i.name, i.qubits, tuple(p.tobytes() if isinstance(p, np.ndarray) else str(p)
                                           for p in i.params), i.clbits, i.condition)
                  for i in circuit.data))


def _listify(pubs: Any) -> list[Any]:
    if isinstance(pubs, EstimatorPub) or (isinstance(pubs, tuple) and pubs and isinstance(
            pubs[0], Circuit)):
        from ..errors import PrimitiveError

        raise PrimitiveError("run() takes a list of PUBs: run([(circuit, observables)]), "
                             "not run((circuit, observables))")
    return list(pubs)


_ROTATIONS = {"X": ("h",), "Y": ("sdg", "h"), "Z": ()}


def _measured_circuit(circuit: Circuit, labels: list[str]) -> Circuit | None:
    """``circuit`` plus, on every qubit a label acts on, the rotation to its basis and a
    measurement into a new register ``qwc`` (bit j = j-th measured qubit)."""
    n = circuit.num_qubits
    basis: dict[int, str] = {}
    for label in labels:
        for q, letter in enumerate(reversed(label)):
            if letter != "I":
                basis[q] = letter
    if not basis:
        return None
    out = circuit.copy()
    names = {r.name for r in (*out.qregs, *out.cregs)}
    name = next(f"qwc{i}" if i else "qwc" for i in range(n + 2)
                if (f"qwc{i}" if i else "qwc") not in names)
    out.add_register(ClassicalRegister(name, len(basis)))
    offset = out.creg_offset(name)
    for j, (q, letter) in enumerate(sorted(basis.items())):
        for gate in _ROTATIONS[letter]:
            getattr(out, gate)(q)
        out.measure(q, offset + j)
    out.metadata = {**out.metadata, "qwc_qubits": sorted(basis), "qwc_offset": offset}
    return out


def _group_estimate(counts: dict[str, int], labels: list[str], coeffs: np.ndarray,
                    offset: int) -> tuple[float, float]:
    """(estimate of sum_t c_t <P_t>, its variance) from the hex counts of one measured
    basis; the register holding the outcomes starts at clbit ``offset``."""
    qubits = sorted({q for label in labels for q, x in enumerate(reversed(label)) if x != "I"})
    pos = {q: j for j, q in enumerate(qubits)}
    masks = [sum(1 << pos[q] for q, x in enumerate(reversed(label)) if x != "I")
             for label in labels]
    values, weights = [], []
    for key, n in counts.items():
        v = int(key, 16) >> offset
        values.append(sum(c * (1 - 2 * (bin(v & m).count("1") & 1))
                          for c, m in zip(coeffs, masks)))
        weights.append(n)
    f, w = np.array(values, dtype=float), np.array(weights, dtype=float)
    total = w.sum()
    mean = float(f @ w / total)
    # the sample variance of one shot's value, over the shots: the mean's variance
    variance = float(((f - mean) ** 2) @ w / max(total - 1, 1)) / total
    return mean, variance
