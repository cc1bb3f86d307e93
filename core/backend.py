"""Backends: what users select by name and run circuits on.

:class:`Backend` is the abstract surface (Qiskit's BackendV1 where it has one,
:mod:`qfoundry.backend_base`). :class:`EngineBackend` runs jobs through an
:class:`~qfoundry.Engine`: it turns any run input into a Qobj, resolves and validates
options, checks every experiment before queueing it, lowers it once and builds the
Result (:mod:`qfoundry.engine_backend`); :class:`SimulatorBackend` is an engine alone
(``qasm_simulator``); :class:`DeviceBackend` is a device plus an engine (``fake_paris``,
:mod:`qfoundry.device_backend`). How experiments are scheduled, seeded and merged is
:mod:`qfoundry.execution`. This module is the one to import: it gathers them all, with
the scheduling names docs/scaling.md documents from here.
"""

from __future__ import annotations

from .backend_base import (
    Backend,
    BackendConfiguration,
    BackendName,
    BackendStatus,
    use_default_provider,
)
from .device_backend import DeviceBackend, compact_qubits
from .engine_backend import EngineBackend, SimulatorBackend
from .execution import (
    PARALLEL_WORK_THRESHOLD,
    derive_seed,
    random_seed,
    run_batch_task,
    run_experiment_task,
)
from .qobj import experiment_size

__all__ = ["Backend", "BackendConfiguration", "BackendStatus", "BackendName", "EngineBackend",
           "SimulatorBackend", "DeviceBackend", "derive_seed", "random_seed",
           "experiment_size", "compact_qubits", "run_batch_task", "run_experiment_task",
           "PARALLEL_WORK_THRESHOLD", "use_default_provider"]
