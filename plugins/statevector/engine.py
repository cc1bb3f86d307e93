"""The ``statevector`` engine and its three backends, BasicAer's simulators made fast.

* ``qasm_simulator``: counts (and per-shot memory) of the measured circuit;
* ``statevector_simulator``: the final statevector (one shot, as BasicAer: measurements
  collapse the state);
* ``unitary_simulator``: the circuit's unitary (gates only).

The hidden option ``method`` ("automatic", "statevector", "unitary", as Aer's) is what
tells the three apart. Speed comes from four places, each documented where it lives:
gate fusion (:mod:`.._sim.fusion`), a lazily ordered tensor so a gate costs one or two passes
over memory (:mod:`.state`), sampling final measurements for all shots from one final
state, and branching on mid-circuit outcomes instead of simulating shot by shot
(:mod:`.run`). See docs/performance.md for the measured figures.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from qfoundry.backend import SimulatorBackend
from qfoundry.engine import Engine, ExperimentOutput
from qfoundry.errors import EngineError, SimulationTooLargeError
from qfoundry.gates import GATES
from qfoundry.hookspecs import hookimpl
from qfoundry.options import Options
from qfoundry.program import Measure, checked_amplitudes
from qfoundry.program import Program as Lowered

from .._sim import memory
from .._sim.expval import expval_tensor
from .._sim.fusion import relabel
from .accelerator import ACCEL_MIN_QUBITS, ACCELERATORS, dense_kernel, dense_work
from .chunked import cpu_count
from .program import NON_GATE_INSTRUCTIONS, check_method, check_saves, compile_experiment
from .run import apply_gate, run_program
from .small import eligible, run_small
from .state import SVState

__all__ = ["StatevectorEngine", "register_engines", "register_backends", "physical_memory"]

logger = logging.getLogger(__name__)

_BYTES_PER_AMPLITUDE = 16
# A run holds the state, a spare buffer for out-of-place products and the probabilities
# (half a state): 2.5 states; 4 leaves room for the interpreter and the waiting branches.
_STATES_PER_RUN = 4
# A unitary run peaks at 3.6 copies of the 4^n matrix (measured: ru_maxrss growth of 11-
# and 12-qubit runs, result read back included); 4 leaves a little room.
_UNITARY_COPIES = 4
_METHODS = ["automatic", "statevector", "unitary"]


_physical: list[int] = []  # asked once: a run asks several times, and it never changes


def physical_memory() -> int:
    """Bytes of RAM on this machine (8 GiB if the OS will not say)."""
    if not _physical:
        try:
            _physical.append(int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE")))
        except (AttributeError, ValueError, OSError):
            _physical.append(8 << 30)
    return _physical[0]


def state_threads(options: Mapping[str, Any]) -> int:
    """Threads one experiment's state may use: ``max_parallel_threads``, 0 meaning every
    core this process may run on (as Aer), and never more than those cores, so that the
    chunks of one large state never oversubscribe them (docs/scaling.md has the rule
    that combines it with ``max_parallel_experiments``)."""
    requested = int(options.get("max_parallel_threads", 0) or 0)
    cores = cpu_count()
    return cores if requested <= 0 else min(requested, cores)


def _max_statevector_qubits(memory: int) -> int:
    return int(math.log2(memory / (_BYTES_PER_AMPLITUDE * _STATES_PER_RUN)))


def _max_unitary_qubits(memory: int) -> int:
    # A unitary on n qubits is a statevector on 2n.
    return _max_statevector_qubits(memory) // 2


def _chop(a: np.ndarray, threshold: float) -> np.ndarray:
    """Zero real and imaginary parts smaller than ``threshold`` (as BasicAer)."""
    if threshold > 0:
        for part in (a.real, a.imag):
            part[np.abs(part) < threshold] = 0
    return a


class StatevectorEngine(Engine):
    """Ideal (noiseless) simulation on a dense statevector or unitary, in numpy."""

    name = "statevector"
    supported_instructions = frozenset(GATES) | NON_GATE_INSTRUCTIONS
    description = ("Ideal statevector simulator: gate fusion, sampled final measurements, "
                   "branching on mid-circuit measurements")

    @classmethod
    def default_options(cls) -> Options:
        opts = Options(method="automatic", initial_statevector=None, initial_unitary=None,
                       chop_threshold=1e-15, allow_sample_measuring=True, fusion_enable=True,
                       fusion_max_qubits=4, fusion_threshold=14, max_parallel_threads=0,
                       precision="double", accelerator="auto")
        opts.set_validator("method", list(_METHODS))
        opts.set_validator("chop_threshold", (0.0, 1.0))
        opts.set_validator("allow_sample_measuring", bool)
        opts.set_validator("fusion_enable", bool)
        opts.set_validator("fusion_max_qubits", (1, 6))
        opts.set_validator("fusion_threshold", (1, 1000))
        opts.set_validator("max_parallel_threads", (0, 1024))
        opts.set_validator("precision", ["double", "single"])
        opts.set_validator("accelerator", list(ACCELERATORS))
        return opts

    def max_qubits(self, options: Mapping[str, Any]) -> int:
        if options.get("method") == "unitary":
            return _max_unitary_qubits(physical_memory())
        return _max_statevector_qubits(physical_memory())

    def validate_program(self, program: Lowered, options: Mapping[str, Any],
                         device: Any = None) -> None:
        self._check_size(program, options)
        self._accel(program, options)  # accelerator="numba" without numba: refused now
        check_method(program, options.get("method", "automatic"))
        check_saves(program)
        self._initial(program, options)

    def _check_size(self, program: Lowered, options: Mapping[str, Any]) -> None:
        n = program.num_qubits
        if options.get("method") == "unitary":
            # What the job really allocates, against the memory free now: a 14-qubit
            # unitary passed the physical-memory limit and died of MemoryError after 15 s.
            copy = _BYTES_PER_AMPLITUDE << (2 * n)
            free = memory.available_bytes(options)
            if _UNITARY_COPIES * copy > free:
                raise SimulationTooLargeError(
                    f"experiment {program.name!r} has {n} qubits: its unitary takes "
                    f"{_UNITARY_COPIES} copies of {memory.format_bytes(copy)} (the matrix, a "
                    f"product buffer, the result), "
                    f"{memory.format_bytes(_UNITARY_COPIES * copy)}, but only "
                    f"{memory.format_bytes(free)} of memory is available now")
        limit = self.max_qubits(options)
        if n > limit:
            what = "unitary" if options.get("method") == "unitary" else "statevector"
            need = _BYTES_PER_AMPLITUDE << (2 * n if what == "unitary" else n)
            raise SimulationTooLargeError(
                f"experiment {program.name!r} has {n} qubits: its "
                f"{what} needs {need / 2**30:.3g} GiB per copy; at most {limit} qubits fit in "
                f"this machine's {physical_memory() / 2**30:.3g} GiB")

    @staticmethod
    def _accel(program: Lowered, options: Mapping[str, Any], steps: Any = None) -> tuple:
        """The ``accelerator`` option resolved for this experiment (``steps``: its
        compiled steps, whose dense work decides whether loading numba pays)."""
        n = program.num_qubits * (2 if options.get("method") == "unitary" else 1)
        work = None if steps is None or n < ACCEL_MIN_QUBITS else dense_work(steps, n)
        return dense_kernel(options.get("accelerator", "auto"), n, work)

    @staticmethod
    def _initial(program: Lowered, options: Mapping[str, Any]) -> np.ndarray | None:
        """The checked initial statevector/unitary option, or None."""
        name, n = program.name, program.num_qubits
        if options.get("method") == "unitary":
            init = options.get("initial_unitary")
            if init is None:
                return None
            u = np.asarray(init, dtype=complex)
            dim = 1 << n
            if u.shape != (dim, dim):
                raise EngineError(f"initial_unitary has shape {u.shape}; experiment {name!r} "
                                  f"has {n} qubits, so it must be ({dim}, {dim})")
            if not np.allclose(u @ u.conj().T, np.eye(dim), atol=1e-10):
                raise EngineError("initial_unitary is not unitary")
            return u
        init = options.get("initial_statevector")
        if init is None:
            return None
        return checked_amplitudes(init, n, f"initial_statevector (experiment {name!r})")

    # -- running -------------------------------------------------------------------------
    def run_program(self, program: Lowered, options: Mapping[str, Any],
                    device: Any = None) -> ExperimentOutput:
        n, slots = program.num_qubits, program.num_clbits
        self._check_size(program, options)  # before any allocation
        method = options.get("method", "automatic")
        fusion = bool(options.get("fusion_enable", True)) and n >= options.get(
            "fusion_threshold", 14)
        max_fused = int(options.get("fusion_max_qubits", 4))
        initial = self._initial(program, options)
        threads = state_threads(options)
        if method == "unitary":
            return self._run_unitary(program, options, initial, fusion, max_fused)

        shots = 1 if method == "statevector" else int(options["shots"])
        sample = shots > 1 and bool(options.get("allow_sample_measuring", True))
        # Single precision (complex64, as Aer's and qsim's option): half the memory and
        # traffic; amplitudes to about 1e-7, probabilities still summed in float64.
        dtype = np.complex64 if options.get("precision") == "single" else complex
        if eligible(program, options, sample):  # a few qubits, final measurements only
            return self._run_small(program, options, dtype, initial, fusion, threads)
        prog = compile_experiment(program, method=method, sample_final=sample, fusion=fusion,
                                  max_fused_qubits=max_fused)
        accel = self._accel(program, options, prog.steps)
        if initial is not None:
            state = SVState(initial.astype(dtype), n, threads=threads, accel=accel)
        else:
            state = SVState.zero(n, threads, dtype, accel)
        if prog.global_phase:
            state.data *= np.exp(1j * prog.global_phase)
        rng = np.random.default_rng(int(options["seed_simulator"]))
        finals: list[np.ndarray] = []
        keep = (lambda st: finals.append(st.to_array())) if (
            method == "statevector" or prog.saves) else None
        budget = max(1, physical_memory() // (4 * state.nbytes))
        outcomes, leaves = run_program(prog, state, shots, rng, budget, keep)

        data: dict[str, Any] = {}
        if slots:
            data["counts"] = outcomes.counts()
            if options.get("memory"):
                data["memory"] = outcomes.memory(rng)
        elif method != "statevector":  # as BasicAer: empty counts (and memory) and a warning
            data["counts"] = {}
            if options.get("memory"):
                data["memory"] = []
            if not prog.saves:  # an expectation-value run has nothing to count
                logger.warning("experiment %r has no classical bits: its counts are empty",
                               program.name)
        if method == "statevector":
            data["statevector"] = _chop(finals[0], float(options.get("chop_threshold", 0)))
        if prog.saves:  # one leaf: nothing before the saves branches (see program.py)
            psi = finals[0].reshape((2,) * n) if n else finals[0]
            axis_of = {q: n - 1 - q for q in range(n)}
            data.update({key: expval_tensor(psi, axis_of, terms) for key, terms in prog.saves})
        metadata = {
            "method": "statevector", "num_qubits": n, "fusion": fusion,
            "parallel_state_update": threads, "precision": options.get("precision", "double"),
            "accelerator": "numba" if accel[0] is not None else "numpy",
            "measure_sampling": bool(prog.final_measures) and sample,
            "branches": leaves, "dynamic": prog.dynamic,
        }
        return ExperimentOutput(data=data, shots=shots, metadata=metadata)

    @staticmethod
    def _run_small(program: Lowered, options: Mapping[str, Any], dtype: Any,
                   initial: np.ndarray | None, fusion: bool, threads: int) -> ExperimentOutput:
        """The small-state path (:mod:`.small`): the same data and metadata as below."""
        rng = np.random.default_rng(int(options["seed_simulator"]))
        counts, memory = run_small(program, options, rng, dtype, initial)
        data: dict[str, Any] = {"counts": counts if program.num_clbits else {}}
        if options.get("memory"):
            data["memory"] = memory if program.num_clbits else []
        if not program.num_clbits:
            logger.warning("experiment %r has no classical bits: its counts are empty",
                           program.name)
        measured = any(isinstance(op, Measure) for op in program.ops)
        metadata = {
            "method": "statevector", "num_qubits": program.num_qubits, "fusion": fusion,
            "parallel_state_update": threads, "precision": options.get("precision", "double"),
            "accelerator": "numpy",  # a few qubits: below any accelerator's size
            "measure_sampling": measured, "branches": 1, "dynamic": False,
        }
        return ExperimentOutput(data=data, shots=int(options["shots"]), metadata=metadata)

    def _run_unitary(self, program: Lowered, options: Mapping[str, Any],
                     initial: np.ndarray | None, fusion: bool, max_fused: int
                     ) -> ExperimentOutput:
        n = program.num_qubits
        prog = compile_experiment(program, method="unitary", sample_final=False,
                                  fusion=fusion, max_fused_qubits=max_fused)
        # U on n qubits is a 2n-qubit state: row bit q is state qubit n + q, column bit q
        # is state qubit q; a gate G acts on the rows (U -> G U).
        dim = 1 << n
        data = (np.eye(dim, dtype=complex) if initial is None else initial.copy()).reshape(-1)
        state = SVState(data, 2 * n, threads=state_threads(options),
                        accel=self._accel(program, options, prog.steps))
        if prog.global_phase:
            state.data *= np.exp(1j * prog.global_phase)
        for step in prog.steps:
            after = None if step.args is None else tuple(q + n for q in step.args)
            apply_gate(state, relabel(step.gate, lambda q: q + n), after)
        unitary = _chop(state.to_array().reshape(dim, dim),
                        float(options.get("chop_threshold", 0)))
        return ExperimentOutput(data={"unitary": unitary}, shots=1,
                                metadata={"method": "unitary", "num_qubits": n,
                                          "fusion": fusion})


# -- registration ---------------------------------------------------------------------------

ENGINE = StatevectorEngine()


@hookimpl
def register_engines(register: Any) -> None:
    register(ENGINE)


def _configuration(method: str, description: str) -> dict[str, Any]:
    memory = physical_memory()
    unitary = method == "unitary"
    return {
        "n_qubits": _max_unitary_qubits(memory) if unitary else _max_statevector_qubits(memory),
        "basis_gates": sorted(GATES) + ["unitary"],
        "conditional": not unitary, "memory": not unitary,
        "max_shots": 1_000_000 if method == "automatic" else 0,
        "description": description,
    }


@hookimpl
def register_backends(register: Any) -> None:
    for name, method, description in (
            ("qasm_simulator", "automatic",
             "Ideal simulator returning counts and memory (BasicAer's qasm_simulator)"),
            ("statevector_simulator", "statevector",
             "Ideal simulator returning the final statevector (one shot)"),
            ("unitary_simulator", "unitary",
             "Ideal simulator returning the circuit's unitary (gates only)")):
        options: dict[str, Any] = {"method": method}
        if method != "automatic":
            options["shots"] = 1
        register(SimulatorBackend(ENGINE, name=name,
                                  configuration=_configuration(method, description),
                                  options=options))
