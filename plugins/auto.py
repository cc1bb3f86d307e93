"""The ``auto`` engine: density matrix or trajectories, chosen per experiment like Aer.

Qiskit Aer's automatic method runs a noisy circuit as a density matrix when that is
cheaper than one statevector simulation per shot, which it estimates as ``shots > 2^n``
for n active qubits (a density-matrix step costs about 2^n statevector steps), and
only when the measurements can be sampled from the final state. :class:`AutoEngine`
applies the same rule, in this order (docs/engines.md, "The automatic choice"):

1. an instruction only one engine runs decides (``save_density_matrix``: density matrix);
   ``save_expval`` (an expectation value) wants an exact engine whatever the shot count:
   trajectories when there is no quantum noise and no mid-circuit measurement (one pure
   state, exact), else the density matrix within its cap, else trajectories (a mean with
   its standard error);
2. no quantum error on any instruction of the experiment (ideal or readout-only noise):
   ``trajectory``, whose trajectories then never branch on noise;
3. more active qubits than a density matrix can hold in the memory budget
   (:func:`density_matrix_cap`: ``max_memory_mb``, else the machine's physical memory;
   15 qubits on 24 GiB; Aer's cap is 30 qubits, whatever the memory): ``trajectory``;
4. a measurement that something later depends on (not all terminal): ``trajectory``;
5. ``shots > 2^n`` (strictly): ``density_matrix``, unless the density matrix does not
   fit in the memory available at that moment (it would be refused); otherwise
   ``trajectory``.

Each experiment's result metadata records ``engine`` (the engine that ran it) and
``engine_reason``. Both engines sample the same distribution, so the choice changes only
the run time, never the statistics.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from qfoundry.engine import Engine, ExperimentOutput
from qfoundry.hookspecs import hookimpl
from qfoundry.noise import NoiseModel, noise_model_for
from qfoundry.options import Options
from qfoundry.program import Delay, Measure, Program, Reset, lower

from .density_matrix.engine import DensityMatrixEngine, max_active_qubits
from .trajectory.engine import TrajectoryEngine

__all__ = ["AutoEngine", "choose_engine", "density_matrix_cap", "has_quantum_noise",
           "register_engines"]

_DENSITY = DensityMatrixEngine()
_TRAJECTORY = TrajectoryEngine()


def choose_engine(experiment: Any, options: Mapping[str, Any],
                  device: Any = None) -> tuple[Engine, str]:
    """(engine, reason) for running ``experiment`` (a Qobj experiment or its lowered
    :class:`~qfoundry.program.Program`) with ``options`` (see the module doc)."""
    if isinstance(experiment, Program):
        program, shots = experiment, int(options.get("shots", 1024))
    else:
        program = lower(experiment)
        shots = int(getattr(experiment.config, "shots", None) or options.get("shots", 1024))
    names = program.instruction_names
    only_density = sorted(names - _TRAJECTORY.supported_instructions)
    if only_density:
        return _DENSITY, f"{', '.join(only_density)} needs the density matrix"
    only_trajectory = sorted(names - _DENSITY.supported_instructions)
    if only_trajectory:
        return _TRAJECTORY, f"{', '.join(only_trajectory)} needs trajectories"
    nm = noise_model_for(device, options)
    n = len(program.active_qubits(nm))
    cap = density_matrix_cap(options)
    if "save_expval" in names:  # exact whenever an engine can hold the state
        if not has_quantum_noise(program, nm) and program.all_terminal \
                and not names & {"reset", "initialize"}:
            return _TRAJECTORY, "expectation value, no quantum noise: one pure state, exact"
        if n <= cap and n <= max_active_qubits(options):
            return _DENSITY, f"expectation value: exact on the {n}-qubit density matrix"
        return _TRAJECTORY, (f"expectation value on {n} active qubits: more than a density "
                             "matrix can hold; mean over trajectories with its standard error")
    if not has_quantum_noise(program, nm):
        return _TRAJECTORY, "no quantum noise"
    if n > cap:
        return _TRAJECTORY, (f"{n} active qubits: more than the {cap} a density matrix can "
                             "hold in the memory budget")
    if not program.all_terminal:
        return _TRAJECTORY, "a measurement is not terminal"
    if shots <= 2 ** n:
        return _TRAJECTORY, f"shots {shots} <= 2^{n} for {n} active qubits"
    if n > max_active_qubits(options):  # fits the machine, not the memory free right now
        return _TRAJECTORY, (f"shots {shots} > 2^{n}, but a {n}-qubit density matrix does not "
                             "fit in the memory available now")
    return _DENSITY, f"shots {shots} > 2^{n} for {n} active qubits"


def has_quantum_noise(program: Program, nm: NoiseModel | None) -> bool:
    """Whether any operation of ``program`` is followed by a quantum error under ``nm``
    (a ``delay`` only on an active qubit: an idle qubit's delay leaves it in |0>)."""
    if nm is None:
        return False
    active = set(program.active_qubits(nm))
    for op in program.ops:
        if isinstance(op, Delay):
            if op.duration and any(nm.relaxation(q) is not None
                                   for q in op.qubits if q in active):
                return True
        elif isinstance(op, (Measure, Reset)):  # errors per qubit
            if any(nm.quantum_error(op.name, (q,)) is not None for q in op.qubits):
                return True
        elif nm.quantum_error(op.name, op.qubits) is not None:
            return True
    return False


def density_matrix_cap(options: Mapping[str, Any]) -> int:
    """The most active qubits ``auto`` gives the density-matrix engine: what fits in
    ``max_memory_mb``, or else in the machine's physical memory. Not the memory available
    at the moment, so the choice (and with it the random stream a seed drives) does not
    change from run to run."""
    if int(options.get("max_memory_mb") or 0) > 0:
        return max_active_qubits(options)
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        physical = 8 << 30
    return max_active_qubits({"max_memory_mb": max(1, physical >> 20)})


class AutoEngine(Engine):
    """Runs each experiment on ``density_matrix`` or ``trajectory`` (module docstring)."""

    name = "auto"
    models_noise = True
    description = ("Noisy simulation choosing density matrix or trajectories per experiment "
                   "(Aer's automatic method)")
    supported_instructions = (DensityMatrixEngine.supported_instructions
                              | TrajectoryEngine.supported_instructions)

    @classmethod
    def default_options(cls) -> Options:
        """Every option of both engines (shared ones mean the same to both)."""
        opts = Options()
        for engine in (DensityMatrixEngine, TrajectoryEngine):
            own = engine.default_options()
            opts.update_options(**own)
            opts.validator.update(own.validator)
        return opts

    def noise_model(self, device: Any, options: Mapping[str, Any]) -> NoiseModel | None:
        """The noise model runs with these options apply (``backend.noise_model``)."""
        return noise_model_for(device, options)

    def validate_program(self, program: Program, options: Mapping[str, Any],
                         device: Any) -> None:
        engine, _ = choose_engine(program, options, device)
        engine.validate_program(program, options, device)

    def run_program(self, program: Program, options: Mapping[str, Any],
                    device: Any = None) -> ExperimentOutput:
        engine, reason = choose_engine(program, options, device)
        out = engine.run_program(program, options, device)
        out.metadata = {**out.metadata, "engine": engine.name, "engine_reason": reason}
        return out


_ENGINE = AutoEngine()


@hookimpl
def register_engines(register: Any) -> None:
    register(_ENGINE)
