"""The abstract backend: what every backend, engine-backed or not, offers users
(Qiskit's BackendV1 surface: configuration, properties, options, status, run). The
engine-backed classes are in :mod:`qfoundry.backend`, which re-exports these."""

from __future__ import annotations

import abc
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UnknownOptionError
from .options import Options

if TYPE_CHECKING:
    from .job import Job

__all__ = ["Backend", "BackendConfiguration", "BackendStatus", "BackendName",
           "use_default_provider"]

# The registry's provider, installed by qfoundry.registry when it loads (it sits above the
# backends, which must not import it back).
_default_provider: Callable[[], Any] | None = None


def use_default_provider(factory: Callable[[], Any]) -> None:
    """What ``backend.provider`` returns for a backend built without one."""
    global _default_provider
    _default_provider = factory


class BackendName(str):
    """A backend's name: a str that can also be called, for Qiskit BackendV1 code
    written as ``backend.name()``."""

    def __call__(self) -> str:
        return str(self)


class BackendConfiguration:
    """The static description of a backend (Qiskit's QasmBackendConfiguration fields)."""

    def __init__(self, **fields: Any):
        self.__dict__.update(fields)

    @property
    def num_qubits(self) -> int:
        return self.n_qubits

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.__dict__)

    def __repr__(self) -> str:
        return (f"BackendConfiguration(backend_name={self.backend_name!r}, "
                f"n_qubits={self.n_qubits})")


@dataclass(frozen=True)
class BackendStatus:
    """Whether a backend takes jobs now (always, for local simulators)."""

    backend_name: str
    backend_version: str
    operational: bool = True
    pending_jobs: int = 0
    status_msg: str = "active"


class Backend(abc.ABC):
    """Abstract backend: configuration, properties, options, status and run()."""

    version = 1  # the interface version, as Qiskit's BackendV1

    def __init__(self, configuration: BackendConfiguration | Mapping[str, Any],
                 provider: Any = None, **fields: Any):
        if not isinstance(configuration, BackendConfiguration):
            configuration = BackendConfiguration(**configuration)
        self._configuration = configuration
        self._provider = provider
        self._options = self._default_options()
        if fields:
            self.set_options(**fields)

    @classmethod
    @abc.abstractmethod
    def _default_options(cls) -> Options:
        """The options (with validators) a new instance starts with."""

    @property
    def name(self) -> BackendName:
        return BackendName(self._configuration.backend_name)

    @property
    def backend_version(self) -> str:
        return self._configuration.backend_version

    @property
    def provider(self) -> Any:
        """The provider given at construction, else the registry's (Qiskit's shape)."""
        if self._provider is None and _default_provider is not None:
            return _default_provider()
        return self._provider

    @property
    def options(self) -> Options:
        return self._options

    def configuration(self) -> BackendConfiguration:
        return self._configuration

    def properties(self) -> Any:
        """Calibration data; None for ideal simulators."""
        return None

    def status(self) -> BackendStatus:
        return BackendStatus(self.name, self.backend_version)

    def set_options(self, **fields: Any) -> None:
        """Update the backend's default options, validating them (unknown name: UnknownOptionError,
        an AttributeError as in Qiskit)."""
        for field in fields:
            if field not in self._options:
                raise UnknownOptionError(
                    f"Options field {field} is not valid for this backend "
                    f"({self.name}); valid fields: {', '.join(self._options)}")
        self._options.update_options(**fields)

    def clone(self) -> Backend:
        """A copy with its own options, so changes to one do not leak into the other."""
        new = copy.copy(self)
        new._options = copy.copy(self._options)
        return new

    @abc.abstractmethod
    def run(self, run_input: Any, **options: Any) -> Job:
        """Start running ``run_input`` and return its Job at once."""

    def __str__(self) -> str:
        return str(self.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}('{self.name}')>"
