"""qfoundry inside Qiskit 2.x (extra ``qiskit``): the circuit converter, every backend as a
``BackendV2`` with a ``Target``, and a provider. Importing this module imports Qiskit;
``import qfoundry`` never does."""

from .backend import QfoundryBackend, QfoundryJob, QfoundryProvider
from .convert import from_qiskit, to_qiskit
from .target import device_target, simulator_target

__all__ = ["QfoundryBackend", "QfoundryJob", "QfoundryProvider", "device_target",
           "from_qiskit", "simulator_target", "to_qiskit"]
