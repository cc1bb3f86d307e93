"""Sampler and Estimator primitives with the semantics of Qiskit's V2 primitives.

:class:`Estimator` returns expectation values (``data.evs``, ``data.stds``) and
:class:`Sampler` per-register shots (``data.<register>.get_counts()``); both take lists
of PUBs coerced and broadcast as Qiskit's ``EstimatorPub`` / ``SamplerPub`` (see
:mod:`.pubs`).
"""

from .containers import BitArray, DataBin, PrimitiveJob, PrimitiveResult, PubResult
from .estimator import Estimator
from .pubs import EstimatorPub, SamplerPub
from .sampler import Sampler

__all__ = ["Estimator", "Sampler", "EstimatorPub", "SamplerPub", "BitArray", "DataBin",
           "PubResult", "PrimitiveResult", "PrimitiveJob"]
