"""qfoundry inside Qiskit 2.x (extra ``qiskit``): the circuit converter, every backend as a
``BackendV2`` with a ``Target``, and a provider. Importing this module imports Qiskit;
``import qfoundry`` never does."""

from .backend import QfoundryBackend, QfoundryJob, QfoundryProvider
from .convert import from_qiskit
from .export import to_qiskit
from .primitives import EstimatorV2, SamplerV2
from .target import device_target, simulator_target

__all__ = ["EstimatorV2", "QfoundryBackend", "QfoundryJob", "QfoundryProvider", "SamplerV2",
           "device_target", "from_qiskit", "simulator_target", "to_qiskit"]
