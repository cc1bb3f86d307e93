"""qfoundry inside Qiskit 2.x (extra ``qiskit``): the circuit converter, every backend as a
``BackendV2`` with a ``Target``, and a provider. Importing this module imports Qiskit;
``import qfoundry`` never does."""

from .convert import from_qiskit, to_qiskit

__all__ = ["from_qiskit", "to_qiskit"]
