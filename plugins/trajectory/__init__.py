"""The ``trajectory`` engine plugin and ``trajectory_simulator`` (see :mod:`.engine`):
lowering in :mod:`.program`, Kraus unravelling in :mod:`.unravel`, the branch walk in
:mod:`.run`, product states in :mod:`.state`."""

from .engine import TrajectoryEngine, max_active_qubits, register_backends, register_engines

__all__ = ["TrajectoryEngine", "register_engines", "register_backends", "max_active_qubits"]
