"""Every error qfoundry raises, in one place.

All derive from :class:`QfoundryError`, so ``except qfoundry.QfoundryError`` catches
anything the framework reports about bad input or a failed run. None subclasses
``KeyError`` (its repr quotes the message, which makes errors unreadable).
"""

from __future__ import annotations

__all__ = [
    "QfoundryError",
    "IntegrationError",
    "OptionsError",
    "UnknownOptionError",
    "QobjValidationError",
    "RunInputError",
    "BackendNotFoundError",
    "PluginError",
    "DuplicateNameError",
    "EngineError",
    "UnsupportedInstructionError",
    "SimulationTooLargeError",
    "JobError",
    "JobTimeoutError",
    "WorkerDiedError",
    "QasmError",
    "CircuitError",
    "DeviceSpecError",
    "NoiseError",
    "TranspilerError",
    "ResultError",
    "ResultFormatError",
    "DevicePropertyError",
    "PulseDefaultsError",
    "ParameterError",
    "ObservableError",
    "PrimitiveError",
    "DrawingError",
    "MissingExtraError",
]


class QfoundryError(Exception):
    """Base class of every error qfoundry raises on purpose."""


class OptionsError(QfoundryError, ValueError):
    """Raised by run(), set_options() and Options validators for an unknown or invalid option."""


class UnknownOptionError(OptionsError, AttributeError):
    """Raised for an option name a backend or its Options lacks (as in Qiskit: AttributeError)."""


class RunInputError(QfoundryError, TypeError):
    """Raised by run() and assemble() for an input of a kind they cannot run (names the type)."""


class QobjValidationError(QfoundryError, ValueError):
    """Raised by QasmQobj.from_dict and the core's pre-run checks; names the bad field's path."""

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class BackendNotFoundError(QfoundryError, LookupError):
    """Raised by get_backend() and friends for an unknown name; lists the names that exist."""


class PluginError(QfoundryError):
    """Raised when a plugin registers something malformed."""


class DuplicateNameError(PluginError):
    """Raised when two plugins register the same engine, device or backend name."""


class EngineError(QfoundryError):
    """Raised by an engine for an experiment it cannot execute."""


class UnsupportedInstructionError(EngineError):
    """Raised when an experiment uses an instruction the backend's engine or device lacks."""


class SimulationTooLargeError(EngineError):
    """Raised before allocation when a simulation would not fit in memory."""


class JobError(QfoundryError):
    """Raised by Job.result() when the job failed; the engine's exception is chained."""


class JobTimeoutError(JobError, TimeoutError):
    """Raised by Job.result(timeout=...) when the job is not finished in time."""


class WorkerDiedError(JobError):
    """Raised in a job run on worker processes when a worker died (killed, out of memory)."""


class QasmError(QfoundryError):
    """Raised by the OpenQASM 2 parser; carries file name, line and column."""

    def __init__(self, message: str, filename: str | None = None, line: int | None = None,
                 column: int | None = None):
        self.reason = message
        self.filename = filename
        self.line = line
        self.column = column
        where = filename or "<string>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class CircuitError(QfoundryError, ValueError):
    """Raised by the Circuit builder for an invalid operation (bad qubit, wrong arity...)."""


class DeviceSpecError(QfoundryError, ValueError):
    """Raised when a device TOML file is invalid; names the file, the key path and the reason."""

    def __init__(self, message: str, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.reason = message
        where = ": ".join(x for x in (file, key) if x)
        super().__init__(f"{where}: {message}" if where else message)


class NoiseError(QfoundryError, ValueError):
    """Raised for an invalid noise channel or noise model (not CPTP, bad probability...)."""


class TranspilerError(QfoundryError):
    """Raised when a circuit cannot be mapped onto a device."""


class ResultError(QfoundryError, LookupError):
    """Raised by Result accessors when an experiment or a kind of data is not in the result."""


class ResultFormatError(QfoundryError, ValueError):
    """Raised by Result.from_dict and get_counts() for malformed result data; names the field."""


class DevicePropertyError(QfoundryError, LookupError):
    """Raised by device/backend properties lookups for a qubit or gate the device lacks."""


class ParameterError(QfoundryError, ValueError):
    """Raised for an invalid parameter, expression or binding (unbound or unknown names)."""


class ObservableError(QfoundryError, ValueError):
    """Raised by Observable for a bad Pauli label, qubit index, width or coefficient."""


class PrimitiveError(QfoundryError, ValueError):
    """Raised by Sampler/Estimator for a PUB whose parts or shapes do not fit together."""


class DrawingError(QfoundryError, ValueError):
    """Raised by drawings and plots for input they cannot show (bad output, state, counts)."""


class MissingExtraError(QfoundryError, ImportError):
    """Raised when a feature needs an optional extra that is not installed; names the extra."""


class PulseDefaultsError(QfoundryError):
    """Raised by a fake device backend's defaults(): pulse defaults are not modelled."""


class IntegrationError(QfoundryError, ValueError):
    """Raised by the Qiskit and PennyLane adapters for what a backend cannot give them."""
