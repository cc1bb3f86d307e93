"""The class-level attributes Qiskit's seed backends document, with qfoundry's values.

Code written against Qiskit's ``QasmSimulatorPy`` reads ``DEFAULT_CONFIGURATION``,
``DEFAULT_OPTIONS``, ``MAX_QUBITS_MEMORY`` and ``SHOW_FINAL_STATE``; code written against
``FakeParis`` (qiskit-ibm-runtime 0.20) reads ``conf_filename``, ``props_filename``,
``defs_filename``, ``dirname`` and calls ``defaults()``. The mixins below give
:class:`~qfoundry.backend.SimulatorBackend` and :class:`~qfoundry.backend.DeviceBackend`
those names, computed from the backend itself (no pulse defaults ship, so
``defs_filename`` is None and ``defaults()`` says so).
"""

from __future__ import annotations

import os
from importlib.resources import files
from typing import Any

from .errors import PulseDefaultsError

__all__ = ["SimulatorSurface", "DeviceSurface"]


class SimulatorSurface:
    """``QasmSimulatorPy``'s documented attributes, for a simulator backend."""

    @property
    def DEFAULT_CONFIGURATION(self) -> dict[str, Any]:  # noqa: N802 - Qiskit's name
        """The configuration as a dict (a copy: changing it changes nothing)."""
        return self.configuration().to_dict()

    @property
    def DEFAULT_OPTIONS(self) -> dict[str, Any]:  # noqa: N802
        """The options the backend was registered with (not its current ones)."""
        return dict(getattr(self, "_initial_options", None) or self._default_options())

    @property
    def MAX_QUBITS_MEMORY(self) -> int:  # noqa: N802
        """The most qubits the engine can simulate in this machine's memory."""
        limit = self.engine.max_qubits(dict(self.options))
        return int(limit if limit is not None else self.configuration().n_qubits)

    @property
    def SHOW_FINAL_STATE(self) -> bool:  # noqa: N802
        """Whether results carry the final state (statevector or unitary), as Qiskit's
        statevector simulator's do."""
        return self.options.get("method") in ("statevector", "unitary")


class DeviceSurface:
    """``FakeParis``'s documented attributes, for a fake device backend."""

    @property
    def dirname(self) -> str:
        """The folder of the device's calibration snapshot (``qfoundry/devices/snapshots/
        <name>`` for shipped devices), else the folder of its TOML file."""
        snapshot = files("qfoundry.devices").joinpath("snapshots", self._source.name)
        if snapshot.is_dir():
            return str(snapshot)
        return os.path.dirname(os.path.abspath(str(self._source.origin)))

    def _snapshot_file(self, kind: str) -> str | None:
        name = f"{kind}_{self._source.name}.json"
        return name if os.path.isfile(os.path.join(self.dirname, name)) else None

    @property
    def conf_filename(self) -> str | None:
        """The IBM configuration snapshot in :attr:`dirname`, or None (a TOML-only device)."""
        return self._snapshot_file("conf")

    @property
    def props_filename(self) -> str | None:
        """The IBM properties snapshot in :attr:`dirname`, or None (a TOML-only device)."""
        return self._snapshot_file("props")

    defs_filename: str | None = None
    """Pulse defaults: None, since none ship (pulse is not modelled)."""

    def defaults(self) -> Any:
        """Qiskit's pulse defaults: not modelled here, so a PulseDefaultsError."""
        raise PulseDefaultsError(
            f"{self.name}: pulse defaults are not modelled (qfoundry simulates circuits, "
            "not pulse schedules), so defaults() has nothing to return")
