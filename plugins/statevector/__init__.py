"""The ``statevector`` engine plugin: ``qasm_simulator``, ``statevector_simulator`` and
``unitary_simulator`` (see :mod:`.engine`). Lowering in :mod:`.program`, the run in
:mod:`.run`, the lazily ordered state in :mod:`.state`."""

from .engine import StatevectorEngine, physical_memory, register_backends, register_engines

__all__ = ["StatevectorEngine", "register_engines", "register_backends", "physical_memory"]
