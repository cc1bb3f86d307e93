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
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .backend_surface import DeviceSurface, SimulatorSurface
from .blas import single_blas_thread
from .checks import check_job
from .engine import Engine, ExperimentOutput
from .errors import (
    OptionsError,
    QobjValidationError,
    SimulationTooLargeError,
    UnsupportedInstructionError,
    WorkerDiedError,
)
from .job import Job
from .options import Options
from .progress import listening
from .qobj import (
    QasmQobj,
    QasmQobjExperiment,
    QasmQobjExperimentConfig,
    QobjExperimentHeader,
    QobjHeader,
)
from .result import ExperimentResult, Result

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["Backend", "BackendConfiguration", "BackendStatus", "EngineBackend",
           "SimulatorBackend", "DeviceBackend", "derive_seed"]

# Instructions every engine-backed backend accepts whatever its engine declares.
_ALWAYS_OK = frozenset({"barrier"})
# Options the core owns; they never reach the engine.
_CORE_ONLY = ("executor", "max_parallel_experiments",
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


def derive_seed(seed: int, *key: int) -> int:
    """The seed of experiment ``key[0]`` (and chunk ``key[1]``...) of a job seeded ``seed``.

    Experiment 0 of a single-chunk run keeps the job seed itself, so rerunning one
    experiment with the seed its result reports reproduces it; the others get independent
    streams from numpy's SeedSequence, so results never depend on execution order.
    """
    key = list(key)
    while key and key[-1] == 0:  # (i, 0) is experiment i's first chunk: the same seed as (i,)
        key.pop()
    if not key:
        return int(seed)
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(k) for k in key))
    return int(seq.generate_state(1, np.uint32)[0] & 0x7FFFFFFF)


def random_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1, np.uint32)[0] & 0x7FFFFFFF)


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
                   max_parallel_experiments=os.cpu_count() or 1)
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
        executor = resolve_executor(resolved.pop("executor", None))
        check_job(qobj, resolved, self._shots_rule())  # before the transpiler sees it
        if resolved["seed_simulator"] is None:
            resolved["seed_simulator"] = random_seed()
        qobj = self._prepare(qobj, resolved)
        self._validate(qobj, resolved)
        job = Job(self, qobj, lambda j: self._execute(j, qobj, resolved, executor))
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
            self.engine.validate_experiment(exp, options, self.device)

    def _execute(self, job: Job, qobj: QasmQobj, options: dict[str, Any],
                 executor: Executor | str | None) -> Result:
        start = time.perf_counter()
        exps = qobj.experiments
        exp_opts = [self._experiment_options(e, exp, options) for e, exp in enumerate(exps)]
        # Work units: (experiment, chunk index, options of one shot chunk). Chunking depends
        # only on the engine and the options, never on the executor, so results never do.
        units = [(e, c, chunk) for e, opts in enumerate(exp_opts)
                 for c, chunk in enumerate(split_shots(self.engine, opts, e))]
        outputs: dict[int, list] = {e: [] for e in range(len(exps))}
        for e, _c, _ in units:
            outputs[e].append(None)
        done_exps = done_units = 0

        def collect(unit: tuple, out: tuple[ExperimentOutput, float]) -> None:
            nonlocal done_exps, done_units
            e, c, _ = unit
            outputs[e][c] = out  # chunk order, whatever order they finish in
            done_units += 1
            job.set_fraction(done_units / len(units))
            if all(o is not None for o in outputs[e]):
                done_exps += 1
                job.set_progress(done_exps, len(exps))

        def partial(fraction: float) -> None:  # an engine's report on a running unit
            job.set_fraction((done_units + fraction) / len(units))

        with single_blas_thread():  # small products: BLAS threads only oversubscribe (blas.py)
            run_units(self.engine, self.device, exps, units, options, executor, collect,
                      partial)
        results = []
        for e, exp in enumerate(exps):
            out, elapsed = merge_chunks(outputs[e])
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


# -- running experiments: serial, on threads, on processes (on request), on any executor ----

#: The names ``executor=`` takes besides an Executor; None picks threads or serial per job.
EXECUTOR_NAMES = ("serial", "threads", "processes")

# A job runs on threads only when that is worth it: several experiments and at least this
# many amplitude updates in all (about 50 ms of work), where numpy's large-array operations
# release the GIL; below it, thread switches cost more than they give.
PARALLEL_WORK_THRESHOLD = 2**23


def resolve_executor(value: Any) -> Executor | str | None:
    """The ``executor`` option checked at run(): None, one of EXECUTOR_NAMES, an Executor
    or a Dask Client (its ``get_executor()``); anything else is an OptionsError."""
    if value is None or isinstance(value, Executor):
        return value
    if isinstance(value, str) and value in EXECUTOR_NAMES:
        return value
    get = getattr(value, "get_executor", None)
    if callable(get):
        return get()
    raise OptionsError(
        f"executor={value!r} is invalid: use None (the default: threads for large jobs, "
        f"else serial), {', '.join(map(repr, EXECUTOR_NAMES))}, a "
        "concurrent.futures.Executor or a Dask Client")


def worth_parallel(exps: list[QasmQobjExperiment]) -> bool:
    """Whether a job is large enough that running its experiments at once pays."""
    if len(exps) < 2:
        return False
    work = 0
    for exp in exps:  # the qubits an experiment touches, not those it declares
        active = len({q for inst in exp.instructions for q in getattr(inst, "qubits", ())})
        work += len(exp.instructions) * 2 ** min(active, 40)
        if work >= PARALLEL_WORK_THRESHOLD:
            return True
    return False


def run_units(engine: Engine, device: Any, exps: list[QasmQobjExperiment], units: list,
              options: Mapping[str, Any], executor: Executor | str | None, collect,
              partial=None) -> None:
    """Run every work unit ``(experiment, chunk, options)`` and ``collect(unit, output)``
    each as it finishes, in the job's thread (which is where progress is reported from).

    No default path starts a process: processes re-import the user's main module, which
    crashes a script without a main guard. They run only for ``executor="processes"``.
    """
    workers = options["max_parallel_experiments"]
    if executor is None:
        executor = "threads" if workers > 1 and worth_parallel(exps) else "serial"
    if executor == "threads" and (workers == 1 or len(units) == 1):
        executor = "serial"
    if executor == "serial":
        for unit in units:
            with listening(partial or (lambda f: None)):  # engines' report_progress
                out = run_experiment_task(engine, exps[unit[0]], unit[2], device)
            collect(unit, out)
        return
    if executor == "threads":
        with ThreadPoolExecutor(max_workers=min(workers, len(units)),
                                thread_name_prefix="qfoundry-experiment") as pool:
            _gather(engine, device, exps, [[u] for u in units], pool, collect)
        return
    if executor == "processes":
        pool = process_pool(workers)
        try:
            _gather(engine, device, exps, _batches(units, 4 * workers), pool, collect)
        except BrokenProcessPool as exc:
            _discard_pool(workers, pool)
            raise WorkerDiedError(
                "a worker process died while running this job (killed, out of memory or "
                "crashed); its pool is discarded and the next job starts a new one. If this "
                "is a script, keep the run under `if __name__ == \"__main__\":`: "
                "executor=\"processes\" re-imports your main module in every worker") from exc
        return
    _gather(engine, device, exps, [[u] for u in units], executor, collect)


def _gather(engine: Engine, device: Any, exps: list[QasmQobjExperiment],
            batches: list[list], executor: Executor, collect) -> None:
    """Submit each batch to ``executor`` and collect its outputs as batches finish (done
    callbacks feed a queue, so progress moves with the first finished task, whatever the
    submission order, and works for Dask futures too)."""
    finished: queue.SimpleQueue = queue.SimpleQueue()
    futures = []
    try:
        for batch in batches:
            fut = executor.submit(run_batch_task, engine, device,
                                  [(exps[e], o) for e, _, o in batch])
            futures.append(fut)
            fut.add_done_callback(lambda f, b=batch: finished.put((b, f)))
        for _ in batches:
            batch, fut = finished.get()
            for unit, out in zip(batch, fut.result()):
                collect(unit, out)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise


def _batches(units: list, n: int) -> list[list]:
    """Split ``units`` into at most ``n`` contiguous batches of near-equal size."""
    n = max(1, min(n, len(units)))
    size, extra = divmod(len(units), n)
    out, start = [], 0
    for k in range(n):
        end = start + size + (k < extra)
        out.append(units[start:end])
        start = end
    return out


_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """The persistent process pool of ``workers`` processes for ``executor="processes"``
    (forkserver where available, so no worker inherits the job threads' state); a pool
    that broke (a worker died) is replaced, never reused."""
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is not None and getattr(pool, "_broken", False):
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
        if pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              else "spawn")
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            _pools[workers] = pool
        return pool


def _discard_pool(workers: int, pool: ProcessPoolExecutor) -> None:
    with _pools_lock:
        if _pools.get(workers) is pool:
            del _pools[workers]
    pool.shutdown(wait=False, cancel_futures=True)


def split_shots(engine: Engine, opts: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """The shot chunks of one experiment: one, unless the engine samples shots
    independently (``Engine.shots_per_chunk``). Chunk c gets derive_seed(s, 0, c) from
    the experiment's seed s (chunk 0 keeps s), wherever and in whatever order it runs."""
    size = engine.shots_per_chunk(opts)
    shots = opts["shots"]
    if not size or shots <= size:
        return [opts]
    chunks = []
    for c, first in enumerate(range(0, shots, size)):
        chunk = dict(opts, shots=min(size, shots - first))
        chunk["seed_simulator"] = (opts["seed_simulator"] if c == 0
                                   else derive_seed(opts["seed_simulator"], 0, c))
        chunks.append(chunk)
    return chunks


def merge_chunks(parts: list[tuple[ExperimentOutput, float]]) -> tuple[ExperimentOutput, float]:
    """One experiment's output from its chunks' outputs (counts summed, memory in order)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0][0]
    data = dict(first.data)
    counts: dict[str, int] = {}
    for out, _ in parts:
        for key, value in out.data.get("counts", {}).items():
            counts[key] = counts.get(key, 0) + value
    data["counts"] = counts
    if "memory" in first.data:
        data["memory"] = [m for out, _ in parts for m in out.data["memory"]]
    metadata = dict(first.metadata, shot_chunks=len(parts))
    return (ExperimentOutput(data=data, shots=sum(o.shots for o, _ in parts), metadata=metadata),
            sum(t for _, t in parts))


def run_experiment_task(engine: Engine, experiment: QasmQobjExperiment,
                        options: Mapping[str, Any], device: Any) -> tuple[ExperimentOutput, float]:
    """Run one experiment; module-level so process pools and Dask can pickle it."""
    start = time.perf_counter()
    out = engine.run_experiment(experiment, options, device)
    return out, time.perf_counter() - start


def run_batch_task(engine: Engine, device: Any,
                   items: list[tuple[QasmQobjExperiment, Mapping[str, Any]]]
                   ) -> list[tuple[ExperimentOutput, float]]:
    """Run several experiments in one task (one pickling round trip for many small ones);
    BLAS on one thread wherever it runs, since the workers already share the cores."""
    with single_blas_thread():
        return [run_experiment_task(engine, exp, opts, device) for exp, opts in items]


def experiment_size(exp: QasmQobjExperiment) -> tuple[int, int]:
    """(qubits, memory slots) an experiment declares, or the smallest that fit its instructions."""
    n_qubits = getattr(exp.config, "n_qubits", getattr(exp.header, "n_qubits", None))
    n_slots = getattr(exp.config, "memory_slots", getattr(exp.header, "memory_slots", None))
    if n_qubits is None or n_slots is None:
        max_q, max_m = -1, -1
        for inst in exp.instructions:
            max_q = max([max_q, *getattr(inst, "qubits", ())])
            if inst.name == "measure":
                max_m = max([max_m, *inst.memory])
        n_qubits = max_q + 1 if n_qubits is None else n_qubits
        n_slots = max_m + 1 if n_slots is None else n_slots
    return int(n_qubits), int(n_slots)


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

    def _execute(self, job: Job, qobj: QasmQobj, options: dict[str, Any],
                 executor: Executor | None) -> Result:
        if not self.engine.models_noise:
            qobj = compact_qubits(qobj)
        return super()._execute(job, qobj, options, executor)

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
