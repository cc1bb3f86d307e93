"""Qiskit's ``BaseSamplerV2`` / ``BaseEstimatorV2`` over qfoundry's own primitives.

Anything that takes a Qiskit primitive (qiskit-algorithms, qiskit-machine-learning, your
own loops) can run on qfoundry's backends: ``EstimatorV2(backend="fake_manila")`` gives
exact expectation values on the exact engines (``precision`` 0, the default: the state
vector or the noisy density matrix, with ``stds`` 0) or sampled ones (``precision`` > 0,
readout error included), through :class:`qfoundry.primitives.Estimator`; ``SamplerV2``
samples through :class:`qfoundry.primitives.Sampler`. PUBs are coerced by Qiskit's own
``EstimatorPub`` / ``SamplerPub`` (so shapes and broadcasting are Qiskit's), handed to
qfoundry with parameter values keyed by name, and the results come back as Qiskit's
``PrimitiveResult`` of ``PubResult`` / ``DataBin`` / ``BitArray``.

Device backends map each circuit onto the device with qfoundry's transpiler (once per
circuit, as the qfoundry Estimator does); a circuit Qiskit already transpiled for the
adapter's Target can be passed as it is with ``run_options={"transpile": False}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from qiskit.primitives import BaseEstimatorV2, BaseSamplerV2, PrimitiveJob
from qiskit.primitives.containers import (
    BitArray,
    DataBin,
    EstimatorPub,
    PrimitiveResult,
    PubResult,
    SamplerPub,
)

from ..errors import IntegrationError
from ..primitives import Estimator, Sampler

__all__ = ["EstimatorV2", "SamplerV2"]


def _backend(backend: Any) -> Any:
    """A qfoundry backend from a name, a qfoundry backend or a :class:`QfoundryBackend`."""
    if isinstance(backend, str):
        import qfoundry

        return qfoundry.get_backend(backend)
    return getattr(backend, "qfoundry_backend", backend)


def _values(pub: Any) -> dict[tuple[str, ...], np.ndarray] | None:
    """A BindingsArray as ``{(names...): array}``, the mapping qfoundry's PUBs take."""
    data = pub.parameter_values.data
    return {tuple(k): np.asarray(v, dtype=float) for k, v in data.items()} or None


class EstimatorV2(BaseEstimatorV2):
    """Qiskit's EstimatorV2 interface on a qfoundry backend (default ``qasm_simulator``).

    :param backend: a backend name, a qfoundry backend or a ``QfoundryBackend``.
    :param default_precision: 0 (the default) for exact values; > 0 samples
        ``ceil(1 / precision**2)`` shots per measured basis.
    :param seed: ``seed_simulator`` of every run.
    :param run_options: further qfoundry run options (``noise_scale``, ``transpile``...).
    """

    def __init__(self, backend: Any = "qasm_simulator", *, default_precision: float = 0.0,
                 seed: int | None = None, run_options: dict[str, Any] | None = None):
        self._estimator = Estimator(_backend(backend), default_precision=default_precision,
                                    seed=seed, run_options=run_options)

    @property
    def backend(self) -> Any:
        """The qfoundry backend the estimates come from."""
        return self._estimator.backend

    def run(self, pubs: Iterable[Any], *, precision: float | None = None) -> PrimitiveJob:
        if precision is None:
            precision = self._estimator.default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        ours = [(pub.circuit, pub.observables.tolist(),
                 _values(pub), pub.precision) for pub in coerced]
        job = self._estimator.run(ours)

        def result() -> PrimitiveResult:
            out = []
            for pub, res in zip(coerced, job.result()):
                data = DataBin(evs=np.asarray(res.data.evs), stds=np.asarray(res.data.stds),
                               shape=pub.shape)
                out.append(PubResult(data, metadata=dict(res.metadata)))
            return PrimitiveResult(out, metadata={"version": 2})

        primitive_job = PrimitiveJob(result)
        primitive_job._submit()
        return primitive_job


class SamplerV2(BaseSamplerV2):
    """Qiskit's SamplerV2 interface on a qfoundry backend (default ``qasm_simulator``):
    each classical register of a PUB's circuit becomes a ``BitArray`` under its name.

    :param default_shots: shots of PUBs and runs that give none.
    :param seed: ``seed_simulator`` of every run.
    """

    def __init__(self, backend: Any = "qasm_simulator", *, default_shots: int = 1024,
                 seed: int | None = None, run_options: dict[str, Any] | None = None):
        self._sampler = Sampler(_backend(backend), default_shots=default_shots, seed=seed,
                                run_options=run_options)

    @property
    def backend(self) -> Any:
        """The qfoundry backend the samples come from."""
        return self._sampler.backend

    def run(self, pubs: Iterable[Any], *, shots: int | None = None) -> PrimitiveJob:
        if shots is None:
            shots = self._sampler.default_shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        for k, pub in enumerate(coerced):
            if sum(r.size for r in pub.circuit.cregs) != pub.circuit.num_clbits:
                raise IntegrationError(f"PUB {k}: circuit {pub.circuit.name!r} has clbits "
                                       "outside its classical registers; SamplerV2 reports "
                                       "registers")
        ours = [(pub.circuit, _values(pub), pub.shots) for pub in coerced]
        job = self._sampler.run(ours)

        def result() -> PrimitiveResult:
            out = []
            for pub, res in zip(coerced, job.result()):
                fields = {}  # qfoundry's registers are Qiskit's, in order, maybe renamed
                for reg, name in zip(pub.circuit.cregs, res.data.keys()):
                    fields[reg.name] = _bit_array(getattr(res.data, name))
                out.append(PubResult(DataBin(**fields, shape=pub.shape),
                                     metadata=dict(res.metadata)))
            return PrimitiveResult(out, metadata={"version": 2})

        primitive_job = PrimitiveJob(result)
        primitive_job._submit()
        return primitive_job


def _bit_array(ours: Any) -> BitArray:
    """qfoundry's BitArray (one integer per shot) as Qiskit's (bytes, big-endian)."""
    n_bytes = max(1, -(-ours.num_bits // 8))
    values = np.asarray(ours.samples, dtype=object)
    packed = np.zeros(values.shape + (n_bytes,), dtype=np.uint8)
    for k in range(n_bytes):
        packed[..., n_bytes - 1 - k] = ((values >> (8 * k)) & 0xFF).astype(np.uint8)
    return BitArray(packed, ours.num_bits)
