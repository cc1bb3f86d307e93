"""Device backends: a fake device plus an engine (``fake_paris``), mapped onto the device
before validation, and for ideal engines compacted to the qubits a circuit uses."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .backend_base import BackendConfiguration, BackendName, BackendStatus
from .backend_surface import DeviceSurface
from .engine import Engine
from .engine_backend import EngineBackend, _core_options, _with_engine_options
from .errors import OptionsError, UnsupportedInstructionError
from .options import Options
from .qobj import (
    QasmQobj,
    QasmQobjExperiment,
    QasmQobjExperimentConfig,
    QobjExperimentHeader,
    experiment_size,
)

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["DeviceBackend", "compact_qubits"]


class DeviceBackend(DeviceSurface, EngineBackend):
    """A fake device: a device description run by an engine (``fake_paris``).

    The device file is read lazily: building the backend costs nothing until its
    configuration, properties or a run need the calibration.
    """

    def __init__(self, source: Any, engine: Engine, *, registry: Registry | None = None,
                 provider: Any = None):
        self._source = source
        self._registry = registry
        self.engine = engine
        self._provider = provider
        self._config_cache: BackendConfiguration | None = None
        self._options = self._default_options()

    def _default_options(self) -> Options:  # type: ignore[override]
        opts = _core_options()
        # transpile: map circuits onto the device in run(); False gives the hardware's
        # strictness (non-native input is refused).
        # use_fractional_gates: the device's fractional gates (rx, rzz on Heron) join its
        # basis, opt-in as in Qiskit.
        opts.update_options(transpile=True, seed_transpiler=None, optimization_level=1,
                            initial_layout=None, use_fractional_gates=False)
        opts.set_validator("transpile", bool)
        opts.set_validator("use_fractional_gates", bool)
        opts.set_validator("optimization_level", [0, 1, 2, 3])
        return _with_engine_options(opts, self.engine)

    @property
    def name(self) -> BackendName:
        return BackendName("fake_" + self._source.name)

    def _shots_rule(self) -> tuple[int, int]:
        """The device's ``max_shots`` applies (its ``max_experiments`` does not: parameter
        sweeps would hit it, and nothing on a simulated device needs it)."""
        lo, hi = self._options.validator["shots"]
        return lo, min(hi, self.device.max_shots or hi)

    def set_options(self, **fields: Any) -> None:
        if "shots" in fields:
            lo, hi = self._shots_rule()
            shots = fields["shots"]
            self._options.check("shots", shots)
            if shots > hi:
                raise OptionsError(f"shots={shots} is invalid: device {self._source.name} "
                                   f"takes at most max_shots = {hi}")
        super().set_options(**fields)

    def _prepare(self, qobj: QasmQobj, options: Mapping[str, Any]) -> QasmQobj:
        """Map experiments onto the device (option ``transpile``), then, for engines that
        do not model noise, drop the qubits an experiment never touches: an ideal run of a
        Bell pair on Paris costs 2 qubits, not 27."""
        if options.get("transpile", True):
            from .transpiler.api import transpile_qobj

            seed = options.get("seed_transpiler")
            qobj = transpile_qobj(qobj, self._device_for(options), seed=seed,
                                  optimization_level=options.get("optimization_level", 1),
                                  initial_layout=options.get("initial_layout"))
        return qobj

    def _validate(self, qobj: QasmQobj, options: Mapping[str, Any]) -> None:
        from .device_isa import check_native

        super()._validate(self._runnable(qobj), options)  # sized as it will run: compacted
        device = self._device_for(options)
        strict = not options.get("transpile", True)
        for e, exp in enumerate(qobj.experiments):
            try:
                check_native(exp.instructions, device, strict=strict)
            except UnsupportedInstructionError as exc:
                hint = ("" if options.get("transpile", True) else
                        " (run with transpile=True, the default, to map it onto the device)")
                raise UnsupportedInstructionError(
                    f"experiment {e} ({exp.name!r}) on {self.name}: {exc}{hint}") from None

    def _runnable(self, qobj: QasmQobj) -> QasmQobj:
        return qobj if self.engine.models_noise else compact_qubits(qobj)

    @property
    def device(self) -> Any:
        """The device as this backend offers it (with ``use_fractional_gates``, its
        fractional gates are part of ``basis_gates``)."""
        return self._device_for(self._options)

    def _device_for(self, options: Mapping[str, Any]) -> Any:
        from .device_isa import with_fractional_gates

        device = self._source.load()
        return with_fractional_gates(device) if options.get("use_fractional_gates") else device

    @property
    def backend_version(self) -> str:
        return str(self.device.version)

    def configuration(self) -> BackendConfiguration:
        d = self.device
        if self._config_cache is None or self._config_cache.basis_gates != list(d.basis_gates):
            self._config_cache = BackendConfiguration(
                backend_name=str(self.name), backend_version=str(d.version),
                n_qubits=d.n_qubits, basis_gates=list(d.basis_gates),
                gates=[{"name": g, "coupling_map": sorted(
                    [list(q) for (name, q) in d.gates if name == g])} for g in d.basis_gates],
                coupling_map=[list(e) for e in d.coupling_map], dt=d.dt,
                simulator=True, local=True, conditional=True, open_pulse=False, memory=True,
                max_shots=d.max_shots or 0, max_experiments=d.max_experiments or 0,
                description=d.description, source=d.source,
                engine=self.engine.name, device=d.name,
                supported_instructions=None if d.supported_instructions is None
                else list(d.supported_instructions),
                fractional_gates=list(self._source.load().fractional_gates))
        return self._config_cache

    def properties(self) -> Any:
        from .device import DeviceProperties
        return DeviceProperties(self.device)

    def status(self) -> BackendStatus:
        return BackendStatus(self.name, self.backend_version)

    def _repr_png_(self) -> bytes | None:
        """Jupyter: the device's error map (None without matplotlib)."""
        from .notebook import backend_png

        return backend_png(self)

    @property
    def noise_model(self) -> Any:
        """The noise model the engine applies for this device (None for ideal engines)."""
        build = getattr(self.engine, "noise_model", None)
        return build(self.device, dict(self._options)) if build else None


def compact_qubits(qobj: QasmQobj) -> QasmQobj:
    """The same Qobj with each experiment's qubits renumbered 0..k-1 over the k it uses.

    For ideal engines on device backends: the state then has k qubits, not the device's.
    Counts are unchanged (they are keyed by memory slots); the physical qubits are
    recorded as ``metadata["active_qubits"]`` in each experiment's header.
    """
    experiments = []
    for exp in qobj.experiments:
        used = sorted({q for inst in exp.instructions for q in getattr(inst, "qubits", ())})
        n_qubits, _ = experiment_size(exp)
        if used == list(range(n_qubits)):
            experiments.append(exp)
            continue
        index = {q: i for i, q in enumerate(used)}
        insts = []
        for inst in exp.instructions:
            if getattr(inst, "qubits", None):
                inst = copy.copy(inst)
                inst.qubits = [index[q] for q in inst.qubits]
            insts.append(inst)
        header = exp.header.to_dict()
        header["metadata"] = {**(header.get("metadata") or {}), "active_qubits": used}
        header["n_qubits"] = len(used)
        config = {**exp.config.to_dict(), "n_qubits": len(used)}
        experiments.append(QasmQobjExperiment(QasmQobjExperimentConfig(**config),
                                              QobjExperimentHeader(**header), insts))
    return QasmQobj(qobj_id=qobj.qobj_id, config=qobj.config, experiments=experiments,
                    header=qobj.header)
