"""Engine-backed backends: what users select by name and run circuits on.

:class:`Backend` is the abstract surface (Qiskit's BackendV1 where it has one).
:class:`EngineBackend` runs jobs through an :class:`~qfoundry.Engine`: it turns any run
input into a Qobj, resolves and validates options, checks every experiment against the
backend before queueing it, derives per-experiment seeds and builds the Result.
:class:`SimulatorBackend` is an engine alone (``qasm_simulator``); :class:`DeviceBackend`
is a device plus an engine (``fake_paris``).
"""

from __future__ import annotations

import copy
import difflib
import os
import time
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from .backend_base import (
    Backend,
    BackendConfiguration,
)
from .backend_surface import SimulatorSurface
from .checks import check_job
from .engine import Engine
from .errors import (
    OptionsError,
    QobjValidationError,
    SimulationTooLargeError,
    UnknownOptionError,
    UnsupportedInstructionError,
)
from .execution import (
    derive_seed,
    execute,
    random_seed,
    resolve_executor,
)
from .job import Job
from .options import Options
from .qobj import (
    QasmQobj,
    QasmQobjExperiment,
    QobjHeader,
    experiment_size,
)
from .result import ExperimentResult, Result
from .sweep import bind_program, expand_qobj, lower_template

if TYPE_CHECKING:
    pass

__all__ = ["EngineBackend", "SimulatorBackend"]

# Instructions every engine-backed backend accepts whatever its engine declares.
_ALWAYS_OK = frozenset({"barrier"})
# Options the core owns; they never reach the engine.
_CORE_ONLY = ("executor", "max_parallel_experiments", "parameter_binds",
              # device backends' mapping options: used before the job is queued
              "transpile", "seed_transpiler", "optimization_level", "initial_layout")


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
            close = [m for k in unknown for m in difflib.get_close_matches(k, self._options, 1)]
            hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
            raise UnknownOptionError(
                f"unknown run option(s) {', '.join(map(repr, unknown))} for backend "
                f"{self.name}; {hint}valid options: {', '.join(self._options)}")
        for key, value in options.items():
            self._options.check(key, value)  # before any front end reads them
        is_qobj = isinstance(run_input, (QasmQobj, Mapping))
        opts = copy.copy(self._options)
        qobj = self._to_qobj(run_input, opts, options)
        if is_qobj:  # a Qobj's own config overrides the backend's defaults, not the call's
            cfg = qobj.config.to_dict()
            for key in opts:
                if key in cfg and key not in _CORE_ONLY:
                    try:
                        opts.update_options(**{key: cfg[key]})
                    except OptionsError as exc:
                        raise QobjValidationError(str(exc), f"config.{key}") from None
        opts.update_options(**options)
        resolved = dict(opts)
        resolve_executor(resolved.get("executor"))  # a bad executor fails before any work
        check_job(qobj, resolved, self._shots_rule())  # before the transpiler sees it
        if resolved["seed_simulator"] is None:
            resolved["seed_simulator"] = random_seed()
        qobj = self._prepare(qobj, resolved)  # symbolic angles survive: transpiled once
        qobj, firsts = expand_qobj(qobj, resolved.pop("parameter_binds", None))
        # Value sets differ only in angles: one bound experiment per circuit stands for all.
        self._validate(qobj if len(firsts) == len(qobj.experiments) else QasmQobj(
            qobj_id=qobj.qobj_id, config=qobj.config, header=qobj.header,
            experiments=[qobj.experiments[i] for i in firsts]), resolved)
        runnable = self._runnable(qobj)
        shared = {k: v for k, v in resolved.items() if k not in _CORE_ONLY}  # once per job
        exp_opts = [self._experiment_options(e, exp, shared)
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

    def _shots_rule(self) -> tuple[int, int]:
        """The (min, max) shots of one experiment on this backend."""
        return self._options.validator["shots"]

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
                        progress=job.set_progress, fraction=job.set_fraction)
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
        opts = dict(options)  # the job's options without the core-only ones
        cfg = exp.config
        opts["shots"] = int(getattr(cfg, "shots", opts["shots"]))
        own_seed = getattr(cfg, "seed_simulator", None)
        opts["seed_simulator"] = (int(own_seed) if own_seed is not None
                                  else derive_seed(opts["seed_simulator"], index))
        return opts


class SimulatorBackend(SimulatorSurface, EngineBackend):
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
        self._initial_options = dict(self._options)  # DEFAULT_OPTIONS
