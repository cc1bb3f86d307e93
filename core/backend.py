"""Backends: what users select by name and run circuits on.

:class:`Backend` is the abstract surface (Qiskit's BackendV1 where it has one).
:class:`EngineBackend` runs jobs through an :class:`~qfoundry.Engine`: it turns any run
input into a Qobj, resolves and validates options, checks every experiment against the
backend before queueing it, derives per-experiment seeds and builds the Result.
:class:`SimulatorBackend` is an engine alone (``qasm_simulator``); :class:`DeviceBackend`
is a device plus an engine (``fake_paris``).
"""

from __future__ import annotations

import abc
import copy
import os
import time
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import Engine
from .errors import (
    OptionsError,
    QobjValidationError,
    SimulationTooLargeError,
    UnsupportedInstructionError,
)
from .execution import (  # the names docs/scaling.md documents from qfoundry.backend
    PARALLEL_WORK_THRESHOLD,
    derive_seed,
    execute,
    random_seed,
    resolve_executor,
    run_batch_task,
    run_experiment_task,
)
from .job import Job
from .options import Options
from .qobj import (
    QasmQobj,
    QasmQobjExperiment,
    QasmQobjExperimentConfig,
    QobjExperimentHeader,
    QobjHeader,
    experiment_size,
)
from .result import ExperimentResult, Result
from .sweep import bind_program, expand_qobj, lower_template

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["Backend", "BackendConfiguration", "BackendStatus", "EngineBackend",
           "SimulatorBackend", "DeviceBackend", "derive_seed", "experiment_size",
           "run_batch_task", "run_experiment_task", "PARALLEL_WORK_THRESHOLD"]

# Instructions every engine-backed backend accepts whatever its engine declares.
_ALWAYS_OK = frozenset({"barrier"})
# Options the core owns; they never reach the engine.
_CORE_ONLY = ("executor", "max_parallel_experiments", "parameter_binds",
              # device backends' mapping options: used before the job is queued
              "transpile", "seed_transpiler", "optimization_level", "initial_layout")


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
        if self._provider is None:
            from .registry import provider
            return provider()
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
        """Update the backend's default options, validating them (unknown name: AttributeError)."""
        for field in fields:
            if field not in self._options:
                raise AttributeError(
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


def _core_options() -> Options:
    opts = Options(shots=1024, memory=False, seed_simulator=None, executor=None,
                   max_parallel_experiments=os.cpu_count() or 1, parameter_binds=None)
    opts.set_validator("shots", (1, 10**9))
    opts.set_validator("memory", bool)
    opts.set_validator("max_parallel_experiments", (1, 4096))
    return opts


def _with_engine_options(opts: Options, engine: Engine) -> Options:
    """``opts`` plus the engine's own options and their validators."""
    engine_opts = type(engine).default_options()
    opts.update_options(**engine_opts)
    opts.validator.update(engine_opts.validator)
    return opts


class EngineBackend(Backend):
    """A backend whose jobs run on an engine (optionally with a device)."""

    def __init__(self, engine: Engine, configuration: BackendConfiguration | Mapping[str, Any],
                 *, options: Mapping[str, Any] | None = None, provider: Any = None):
        self.engine = engine
        super().__init__(configuration, provider)
        if options:
            self._options.update_options(**options)

    def _default_options(self) -> Options:  # type: ignore[override]
        opts = _core_options()
        max_shots = getattr(self._configuration, "max_shots", 0) or 10**9
        opts.set_validator("shots", (1, max_shots))
        return _with_engine_options(opts, self.engine)

    @property
    def device(self) -> Any:
        """The device of a device backend; None here."""
        return None

    def set_options(self, **fields: Any) -> None:
        if "executor" in fields:
            resolve_executor(fields["executor"])  # refuse a bad executor now, not at run()
        super().set_options(**fields)

    # -- run ----------------------------------------------------------------------
    def run(self, run_input: Any, **options: Any) -> Job:
        """Run circuits, OpenQASM text or files, or a Qobj; per-call options apply to this job.

        Every experiment is validated before the job is queued, so bad input raises here,
        in the caller's thread, and never reaches an engine.
        """
        unknown = [k for k in options if k not in self._options]
        if unknown:
            raise OptionsError(
                f"unknown run option(s) {', '.join(map(repr, unknown))} for backend "
                f"{self.name}; valid options: {', '.join(self._options)}")
        is_qobj = isinstance(run_input, (QasmQobj, Mapping))
        opts = copy.copy(self._options)
        qobj = self._to_qobj(run_input, opts, options)
        if is_qobj:  # a Qobj's own config overrides the backend's defaults, not the call's
            cfg = qobj.config.to_dict()
            opts.update_options(**{k: cfg[k] for k in opts if k in cfg and k not in _CORE_ONLY})
        opts.update_options(**options)
        resolved = dict(opts)
        if resolved["seed_simulator"] is None:
            resolved["seed_simulator"] = random_seed()
        elif not isinstance(resolved["seed_simulator"], (int, np.integer)):
            raise OptionsError(
                f"seed_simulator={resolved['seed_simulator']!r} is invalid: must be an int")
        qobj = self._prepare(qobj, resolved)  # symbolic angles survive: transpiled once
        qobj, firsts = expand_qobj(qobj, resolved.pop("parameter_binds", None))
        # Value sets differ only in angles: one bound experiment per circuit stands for all.
        self._validate(qobj if len(firsts) == len(qobj.experiments) else QasmQobj(
            qobj_id=qobj.qobj_id, config=qobj.config, header=qobj.header,
            experiments=[qobj.experiments[i] for i in firsts]), resolved)
        runnable = self._runnable(qobj)
        exp_opts = [self._experiment_options(e, exp, resolved)
                    for e, exp in enumerate(runnable.experiments)]
        programs = self._lower(runnable, exp_opts)
        executor = resolve_executor(resolved.pop("executor", None))
        job = Job(self, qobj, lambda j: self._execute(j, runnable, programs, exp_opts,
                                                      resolved, executor))
        job.submit()
        return job

    def _to_qobj(self, run_input: Any, opts: Options, call_options: Mapping[str, Any]) -> QasmQobj:
        if isinstance(run_input, QasmQobj):
            return run_input
        if isinstance(run_input, Mapping):
            return QasmQobj.from_dict(run_input)
        from .assemble import to_qobj  # the circuit front end; lazy: it is not needed for Qobjs

        merged = {**dict(opts), **call_options}
        return to_qobj(run_input, backend=self, shots=merged["shots"], memory=merged["memory"],
                       seed_simulator=merged["seed_simulator"])

    def _prepare(self, qobj: QasmQobj, options: Mapping[str, Any]) -> QasmQobj:
        """Hook for subclasses that rewrite experiments before validation (transpiling)."""
        return qobj

    def _validate(self, qobj: QasmQobj, options: Mapping[str, Any]) -> None:
        config = self.configuration()
        n_backend = config.n_qubits
        supported = self.engine.supported_instructions | _ALWAYS_OK
        conditional = getattr(config, "conditional", True)
        limit = self.engine.max_qubits(options)
        for e, exp in enumerate(qobj.experiments):
            where = f"experiment {e} ({exp.name!r})"
            n_qubits, n_slots = experiment_size(exp)
            if n_qubits > n_backend:
                raise QobjValidationError(
                    f"{where} uses {n_qubits} qubits but backend {self.name} has {n_backend}",
                    f"experiments[{e}]")
            if limit is not None and n_qubits > limit:
                raise SimulationTooLargeError(
                    f"{where} needs {n_qubits} qubits; engine {self.engine.name!r} can "
                    f"simulate at most {limit} in this machine's memory")
            for i, inst in enumerate(exp.instructions):
                if inst.name not in supported:
                    raise UnsupportedInstructionError(
                        f"{where}, instruction {i}: {inst.name!r} is not supported by "
                        f"backend {self.name} (engine {self.engine.name!r})")
                if getattr(inst, "conditional", None) is not None and not conditional:
                    raise UnsupportedInstructionError(
                        f"{where}, instruction {i}: {inst.name!r} is conditional, but backend "
                        f"{self.name} does not support conditionals")
                for q in getattr(inst, "qubits", ()):
                    if q >= n_qubits:
                        raise QobjValidationError(
                            f"qubit {q} is out of range: {where} has {n_qubits} qubits",
                            f"experiments[{e}].instructions[{i}].qubits")
                if inst.name == "measure":
                    for m in inst.memory:
                        if m >= n_slots:
                            raise QobjValidationError(
                                f"memory slot {m} is out of range: {where} has {n_slots}",
                                f"experiments[{e}].instructions[{i}].memory")
            shots = getattr(exp.config, "shots", options["shots"])
            lo, hi = self._options.validator["shots"]
            if not lo <= shots <= hi:
                raise QobjValidationError(f"{where}: shots={shots} must be >= {lo} and <= {hi}",
                                          f"experiments[{e}].config.shots")
            if not getattr(self.engine, "takes_program", False):  # else: validate_program
                self.engine.validate_experiment(exp, options, self.device)

    def _runnable(self, qobj: QasmQobj) -> QasmQobj:
        """Hook for subclasses: the validated Qobj as the engine will run it."""
        return qobj

    def _lower(self, qobj: QasmQobj, exp_opts: list[dict[str, Any]]) -> list[Any]:
        """Each experiment's lowered program, checked by the engine, for engines that take
        programs (one lowering per experiment per job); Nones for engines that take Qobj."""
        if not getattr(self.engine, "takes_program", False):
            return [None] * len(qobj.experiments)
        from .program import lower

        programs = []
        templates: dict[int, Any] = {}  # a sweep's template, lowered once (qfoundry.sweep)
        for exp, opts in zip(qobj.experiments, exp_opts):
            template = getattr(exp, "template", None)
            if template is None:
                program = lower(exp)
            else:
                first = id(template) not in templates
                if first:
                    templates[id(template)] = lower_template(template)
                program = bind_program(templates[id(template)], exp.sweep_index,
                                       matrices=not getattr(self.engine,
                                                            "compiles_templates", False))
                if not first:  # value sets differ only in angles: checked once
                    programs.append(program)
                    continue
            self.engine.validate_program(program, opts, self.device)
            programs.append(program)
        return programs

    def _execute(self, job: Job, qobj: QasmQobj, programs: list[Any],
                 exp_opts: list[dict[str, Any]], options: dict[str, Any],
                 executor: Executor | str | None) -> Result:
        start = time.perf_counter()
        exps = qobj.experiments
        # What each task runs: the lowered program when the engine takes one, else the Qobj.
        work = [exp if prog is None else prog for exp, prog in zip(exps, programs)]
        parts = execute(self.engine, self.device, exps, work, exp_opts, options, executor,
                        progress=job.set_progress)
        results = []
        for e, exp in enumerate(exps):
            out, elapsed = parts[e]
            results.append(ExperimentResult(
                shots=out.shots, success=True, data=out.data, header=exp.header,
                seed_simulator=exp_opts[e]["seed_simulator"], time_taken=elapsed,
                metadata=out.metadata))
        return Result(
            backend_name=str(self.name), backend_version=self.backend_version,
            job_id=job.job_id(), results=results, qobj_id=qobj.qobj_id,
            header=QobjHeader.from_dict(qobj.header.to_dict()),
            time_taken=time.perf_counter() - start)

    @staticmethod
    def _experiment_options(index: int, exp: QasmQobjExperiment,
                            options: Mapping[str, Any]) -> dict[str, Any]:
        opts = {k: v for k, v in options.items() if k not in _CORE_ONLY}
        cfg = exp.config
        opts["shots"] = int(getattr(cfg, "shots", opts["shots"]))
        own_seed = getattr(cfg, "seed_simulator", None)
        opts["seed_simulator"] = (int(own_seed) if own_seed is not None
                                  else derive_seed(opts["seed_simulator"], index))
        return opts


class SimulatorBackend(EngineBackend):
    """An ideal simulator: an engine alone, under a name (``qasm_simulator``...)."""

    def __init__(self, engine: Engine, *, name: str, configuration: Mapping[str, Any],
                 options: Mapping[str, Any] | None = None, provider: Any = None):
        config = {
            "backend_name": name, "backend_version": "0.1.0", "n_qubits": 24,
            "basis_gates": sorted(engine.supported_instructions - {"measure", "reset",
                                                                    "barrier", "bfunc"}),
            "gates": [], "local": True, "simulator": True, "conditional": True,
            "open_pulse": False, "memory": True, "max_shots": 0, "coupling_map": None,
            "description": engine.description, "engine": engine.name,
        }
        config.update(configuration)
        config["backend_name"] = name
        super().__init__(engine, config, options=options, provider=provider)


class DeviceBackend(EngineBackend):
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

        super()._validate(qobj, options)
        device = self._device_for(options)
        strict = not options.get("transpile", True)
        for e, exp in enumerate(qobj.experiments):
            try:
                check_native(exp.instructions, device, dynamic=strict)
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
                max_shots=0, description=d.description, source=d.source,
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
