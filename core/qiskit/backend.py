"""qfoundry backends as Qiskit ``BackendV2``s, and a provider that lists them.

``QfoundryBackend.run`` hands the circuits to the qfoundry backend unchanged (the
converter of :mod:`qfoundry.qiskit.convert` turns each QuantumCircuit into a
``qfoundry.Circuit``) and wraps the result as a ``qiskit.result.Result``, so
``BackendSamplerV2``, ``BackendEstimatorV2`` and ``result.get_counts()`` read it as they
read Aer's. Device backends run with ``transpile=False`` by default: a Qiskit backend
receives circuits already transpiled for its Target (``qiskit.transpile(qc, backend=b)``),
so the counts equal ``qfoundry_backend.run(qc, transpile=False)`` for the same seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiskit.providers import BackendV2, JobStatus, JobV1
from qiskit.providers import Options as QiskitOptions
from qiskit.result import Result as QiskitResult

from ..errors import IntegrationError
from .target import device_target, simulator_target

__all__ = ["QfoundryBackend", "QfoundryJob", "QfoundryProvider"]

_STATUS = {"INITIALIZING": JobStatus.INITIALIZING, "QUEUED": JobStatus.QUEUED,
           "VALIDATING": JobStatus.VALIDATING, "RUNNING": JobStatus.RUNNING,
           "DONE": JobStatus.DONE, "CANCELLED": JobStatus.CANCELLED, "ERROR": JobStatus.ERROR}
#: Backends whose result is a state or a unitary, not samples.
STATE_BACKENDS = {"statevector_simulator": "statevector", "unitary_simulator": "unitary"}


class QfoundryJob(JobV1):
    """A qfoundry job seen through Qiskit's job interface."""

    def __init__(self, backend: QfoundryBackend, job: Any):
        super().__init__(backend, job.job_id)
        self._job = job

    def submit(self) -> None:
        """qfoundry jobs are queued by ``run()``: nothing to do."""

    def result(self, timeout: float | None = None) -> QiskitResult:
        """The result as a ``qiskit.result.Result`` (counts, memory, states, headers)."""
        return to_qiskit_result(self._job.result(timeout=timeout))

    def status(self) -> JobStatus:
        return _STATUS.get(self._job.status().name, JobStatus.ERROR)

    def cancel(self) -> bool:
        return self._job.cancel()

    @property
    def qfoundry_job(self) -> Any:
        """The underlying :class:`qfoundry.Job`."""
        return self._job


def to_qiskit_result(result: Any) -> QiskitResult:
    data = result.to_dict()
    for exp, ours in zip(data["results"], result.results):
        exp["data"] = dict(ours.data)  # arrays stay numpy arrays
    return QiskitResult.from_dict(data)


class QfoundryBackend(BackendV2):
    """A qfoundry backend as a Qiskit ``BackendV2``: ``target``, ``run``, options."""

    def __init__(self, backend: Any, provider: Any = None):
        self._qf = backend
        self._is_device = backend.device is not None
        super().__init__(provider=provider, name=str(backend.name),
                         description=backend.configuration().to_dict().get("description"),
                         backend_version=str(backend.backend_version))
        self._targets: dict[Any, Any] = {}
        self._options.update_options(**dict(backend.options))  # mirror qfoundry's options
        if self._is_device:
            self._options.update_options(transpile=False)

    @classmethod
    def _default_options(cls) -> QiskitOptions:
        return QiskitOptions()  # filled per instance from the qfoundry backend's options

    def set_options(self, **fields: Any) -> None:
        unknown = [k for k in fields if k not in self._qf.options]
        if unknown:
            raise IntegrationError(f"unknown option(s) {unknown} for backend {self.name}; "
                                   f"valid: {sorted(self._qf.options)}")
        self.options.update_options(**fields)
        self._qf.set_options(**{k: v for k, v in fields.items() if k == "use_fractional_gates"})

    @property
    def target(self) -> Any:
        """The Target; rebuilt when the device changes (``use_fractional_gates``)."""
        device = self._qf.device
        key = device.basis_gates if device is not None else None
        if key not in self._targets:
            self._targets[key] = (device_target(device) if device is not None
                                  else simulator_target(self._qf))
        return self._targets[key]

    @property
    def max_circuits(self) -> None:
        return None

    @property
    def qfoundry_backend(self) -> Any:
        """The qfoundry backend this adapter runs on."""
        return self._qf

    def run(self, run_input: Any, **options: Any) -> QfoundryJob:
        """Run QuantumCircuit(s) (or anything qfoundry's ``run()`` accepts).

        :param options: qfoundry run options (``shots``, ``memory``, ``seed_simulator``,
            ``transpile``, engine options); they override ``self.options``.
        :raises IntegrationError: samples asked of a state or unitary simulator.
        """
        merged = {**dict(self.options), **options}
        kind = STATE_BACKENDS.get(self.name)
        if kind is not None and (merged.get("memory") or (merged.get("shots") or 1) > 1):
            raise IntegrationError(
                f"{self.name} returns the final {kind}, not samples (asked for "
                f"shots={merged.get('shots')}, memory={merged.get('memory')}); use "
                "qasm_simulator or a fake device with counts-based tools such as "
                "BackendSamplerV2 and BackendEstimatorV2")
        if kind is not None:
            merged.pop("shots", None)
        circuits = list(run_input) if isinstance(run_input, Sequence) \
            and not isinstance(run_input, str) else run_input
        return QfoundryJob(self, self._qf.run(circuits, **merged))

    def __repr__(self) -> str:
        return f"<QfoundryBackend {self.name!r} on {self._qf!r}>"


class QfoundryProvider:
    """Every qfoundry backend as a :class:`QfoundryBackend`.

    ``QfoundryProvider().get_backend("fake_manila")``; keyword arguments go to
    :func:`qfoundry.get_backend` (``engine=``, ``noise_model=``, ...).
    """

    def backends(self, name: str | None = None, **filters: Any) -> list[QfoundryBackend]:
        """All backends, or the one called ``name``, filtered as
        :func:`qfoundry.backends` filters (``simulator=True``, ...)."""
        import qfoundry

        return [QfoundryBackend(b, provider=self) for b in qfoundry.backends(name, **filters)]

    def get_backend(self, name: str, **kwargs: Any) -> QfoundryBackend:
        """The backend called ``name``, configured with ``kwargs``."""
        import qfoundry

        return QfoundryBackend(qfoundry.get_backend(name, **kwargs), provider=self)

    def __repr__(self) -> str:
        return "QfoundryProvider()"
