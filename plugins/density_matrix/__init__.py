"""The ``density_matrix`` engine plugin and ``density_matrix_simulator`` (see :mod:`.engine`);
lowering to Pauli-basis transfer matrices in :mod:`.program`."""

from .engine import DensityMatrixEngine, max_active_qubits, register_backends, register_engines

__all__ = ["DensityMatrixEngine", "register_engines", "register_backends", "max_active_qubits"]
