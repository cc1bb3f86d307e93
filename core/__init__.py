"""qfoundry: quantum circuits on simulated backends chosen by name.

    >>> import qfoundry
    >>> backend = qfoundry.get_backend("qasm_simulator")
    >>> counts = backend.run(circuit, shots=1000, seed_simulator=7).result().get_counts()

Engines, devices and backends come from plugins found through the entry-point group
``qfoundry`` (see :mod:`qfoundry.hookspecs`); nothing is loaded until first use.
"""

from __future__ import annotations

from typing import Any

from .assemble import assemble
from .backend import Backend, BackendConfiguration, BackendStatus, DeviceBackend, SimulatorBackend
from .engine import Engine, ExperimentOutput
from .errors import *  # noqa: F403 - every error type is public API
from .errors import __all__ as _error_names
from .hookspecs import hookimpl
from .job import Job, JobStatus
from .options import Options
from .qobj import (
    QasmQobj,
    QasmQobjConfig,
    QasmQobjExperiment,
    QasmQobjExperimentConfig,
    QasmQobjInstruction,
    QobjExperimentHeader,
    QobjHeader,
)
from .registry import backends, devices, engines, get_backend, get_device, get_engine, load_device
from .result import ExperimentResult, Result

__version__ = "0.1.0"

_LAZY = {
    # The circuit front end and transpiler import only when used, keeping `import qfoundry` fast.
    "Circuit": ("circuit", "Circuit"),
    "QuantumRegister": ("circuit", "QuantumRegister"),
    "ClassicalRegister": ("circuit", "ClassicalRegister"),
    "qasm2": ("qasm2", None),
    "Parameter": ("parameters", "Parameter"),
    "ParameterVector": ("parameters", "ParameterVector"),
    "ParameterExpression": ("parameters", "ParameterExpression"),
    "Observable": ("observable", "Observable"),
    "Estimator": ("primitives", "Estimator"),
    "Sampler": ("primitives", "Sampler"),
    "transpile": ("transpiler", "transpile"),
    "NoiseModel": ("noise", "NoiseModel"),
    "ReadoutError": ("noise", "ReadoutError"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(f"{__name__}.{module_name}")
        return module if attr is None else getattr(module, attr)
    raise AttributeError(f"module 'qfoundry' has no attribute {name!r}")


__all__ = [
    "Backend", "BackendConfiguration", "BackendStatus", "DeviceBackend", "SimulatorBackend",
    "Engine", "ExperimentOutput", "hookimpl", "Job", "JobStatus", "Options",
    "QasmQobj", "QasmQobjConfig", "QasmQobjExperiment", "QasmQobjExperimentConfig",
    "QasmQobjInstruction", "QobjExperimentHeader", "QobjHeader",
    "backends", "devices", "engines", "get_backend", "get_device", "get_engine", "load_device",
    "ExperimentResult", "Result", "assemble", "__version__", *_LAZY, *_error_names,
]
