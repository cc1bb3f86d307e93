"""``qfoundry.Sampler``: shots of a circuit's classical registers, Qiskit V2 semantics.

One backend run per PUB, swept over its parameter sets with ``parameter_binds``, with
per-shot memory; each classical register becomes a :class:`BitArray` of shape
``pub.shape`` with ``shots`` samples per parameter set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..circuit import Circuit
from ..errors import PrimitiveError
from .containers import BitArray, DataBin, PrimitiveJob, PrimitiveResult, PubResult
from .pubs import SamplerPub

__all__ = ["Sampler"]


class Sampler:
    """Samples from ``backend`` (any qfoundry backend)."""

    def __init__(self, backend: Any, *, default_shots: int = 1024, seed: int | None = None,
                 run_options: dict[str, Any] | None = None):
        """
        :param default_shots: for PUBs and runs that give none.
        :param seed: ``seed_simulator`` of every run.
        :param run_options: further options for ``backend.run``.
        """
        self.backend = backend
        self.default_shots = int(default_shots)
        self.seed = seed
        self.run_options = dict(run_options or {})

    def run(self, pubs: Iterable[Any], *, shots: int | None = None) -> PrimitiveJob:
        """Start sampling; PUBs are checked (and runs submitted) before this returns."""
        if isinstance(pubs, (Circuit, SamplerPub)) or (isinstance(pubs, tuple) and pubs
                                                       and isinstance(pubs[0], Circuit)):
            raise PrimitiveError("run() takes a list of PUBs: run([circuit]) or "
                                 "run([(circuit, values)])")
        if shots is None:
            shots = self.default_shots
        coerced = [SamplerPub.coerce(p, k, shots) for k, p in enumerate(pubs)]
        jobs = []
        for pub in coerced:
            binds = [pub.parameter_values.flat_binds()] if pub.circuit.parameters else None
            jobs.append(self.backend.run(pub.circuit, parameter_binds=binds, shots=pub.shots,
                                         memory=True, seed_simulator=self.seed,
                                         **self.run_options))

        def work() -> PrimitiveResult:
            return PrimitiveResult([_pub_result(pub, job.result())
                                    for pub, job in zip(coerced, jobs)], {"version": 2})
        return PrimitiveJob(work)


def _pub_result(pub: SamplerPub, result: Any) -> PubResult:
    circuit = pub.circuit
    shots = int(pub.shots or 0)
    outcomes = np.empty((len(result.results), shots), dtype=object)
    for e, exp in enumerate(result.results):
        outcomes[e] = [int(m, 16) for m in exp.data["memory"]]
    fields = {}
    for reg in circuit.cregs:
        offset, mask = circuit.creg_offset(reg.name), (1 << reg.size) - 1
        bits = (outcomes >> offset) & mask
        fields[reg.name] = BitArray(bits.reshape(pub.shape + (shots,)), reg.size)
    return PubResult(DataBin(pub.shape, **fields),
                     {"shots": shots, "circuit_metadata": dict(circuit.metadata)})
