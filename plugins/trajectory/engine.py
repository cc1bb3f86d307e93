"""The ``trajectory`` engine: noisy statevector simulation, one Kraus draw per shot.

Each noise channel is sampled per shot: a Kraus operator K_i is drawn with its Born
probability ||K_i psi||^2 and the state continues as K_i psi, renormalised. Averaged over
shots this is the channel itself, so amplitude damping and thermal relaxation are exact
in distribution (not Pauli-twirled). The noise model, the active qubits, the terminal
measurements and the readout errors are the density-matrix engine's
(:func:`~qfoundry.noise.noise_model_for`), so both engines sample the same
distribution; this one needs memory for a statevector, not a density matrix.

What makes it fast (details in docs/engines.md, figures in docs/performance.md):

* **Shots that draw alike share work** (:mod:`.run`): all shots start as one
  branch; a block of gates costs one pass for the whole branch, and only shots that
  draw a non-dominant Kraus operator split off, sampled exactly from the block's reduced
  density matrix. Mid-circuit measurements branch the same way.
* **Unentangled qubits are kept apart** (:mod:`.state`): a branch is a product of
  small statevectors, merged when a gate entangles them and split again when a qubit is
  left in a product state, so a shot of a weakly entangling 20-qubit circuit costs
  kilobytes, not a 2^20 statevector.
* **Fusion** (:mod:`.program`): runs of instructions with their noise are fused
  into blocks of up to ``fusion_max_qubits`` qubits, one product each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from qfoundry.engine import Engine, ExperimentOutput
from qfoundry.errors import SimulationTooLargeError
from qfoundry.gates import GATES
from qfoundry.hookspecs import hookimpl
from qfoundry.noise import NoiseModel, noise_model_for
from qfoundry.options import Options
from qfoundry.program import Program as Lowered

from .._sim.memory import available_bytes, device_dt, format_bytes
from .program import Program, compile_program
from .run import mean_and_stderr, run_program

__all__ = ["TrajectoryEngine", "register_engines", "register_backends", "max_active_qubits"]

_BYTES = 16        # one complex amplitude
_WORKSPACE = 3     # the state, its spare buffer and one copy while a branch splits


class TrajectoryEngine(Engine):
    """Noisy statevector trajectories with the device's noise (see the module docstring)."""

    name = "trajectory"
    models_noise = True
    description = ("Noisy statevector trajectories: Kraus operators sampled per shot, "
                   "shared by shots that draw alike")
    supported_instructions = frozenset(GATES) | frozenset(
        {"unitary", "measure", "reset", "barrier", "bfunc", "delay", "initialize",
         "save_expval"})

    @classmethod
    def default_options(cls) -> Options:
        """``noise_model``, ``noise_scale``, ``temperature`` and ``max_memory_mb`` as the
        density-matrix engine's; ``fusion_max_qubits`` (0 to 4) bounds fused blocks;
        ``shots_per_chunk`` (0: never split) lets the core run an experiment's shots as
        independent chunks on an executor (each chunk loses the work its shots would
        have shared: see docs/engines.md)."""
        opts = Options(noise_model="device", noise_scale=1.0, temperature=0.0,
                       max_memory_mb=0, fusion_max_qubits=3, shots_per_chunk=0)
        opts.set_validator("noise_scale", (0.0, math.inf))
        opts.set_validator("temperature", (-math.inf, math.inf))
        opts.set_validator("max_memory_mb", (0, 2 ** 40))
        opts.set_validator("fusion_max_qubits", [0, 1, 2, 3, 4])
        opts.set_validator("shots_per_chunk", (0, 10 ** 9))
        return opts

    def noise_model(self, device: Any, options: Mapping[str, Any]) -> NoiseModel | None:
        """The noise model runs with these options apply (``backend.noise_model``)."""
        return noise_model_for(device, options)

    def shots_per_chunk(self, options: Mapping[str, Any]) -> int | None:
        return int(options.get("shots_per_chunk") or 0) or None

    def validate_program(self, lowered: Lowered, options: Mapping[str, Any],
                         device: Any) -> None:
        nm = noise_model_for(device, options)
        program = compile_program(lowered, nm, device_dt(device, nm), fuse=0)
        _check_memory(lowered, program, options)

    def run_program(self, lowered: Lowered, options: Mapping[str, Any],
                    device: Any = None) -> ExperimentOutput:
        nm = noise_model_for(device, options)
        fuse = int(options.get("fusion_max_qubits", 3))
        program = compile_program(lowered, nm, device_dt(device, nm), fuse=fuse)
        state_bytes = _check_memory(lowered, program, options)
        shots = int(options.get("shots", 1024))
        rng = np.random.default_rng(options.get("seed_simulator"))
        held = max(0, available_bytes(options) // state_bytes - _WORKSPACE)
        outcomes, stats = run_program(program, shots, rng, held)
        data: dict[str, Any] = {"counts": outcomes.counts() if program.n_slots else {}}
        if options.get("memory"):
            data["memory"] = outcomes.memory(rng) if program.n_slots else []
        if program.saves:  # the mean over trajectories, with its standard error
            data["expval_stderr"] = {}
            # without noise draws or mid-circuit collapses every trajectory is the one pure
            # state: the value is exact
            exact = not program.mid_circuit and not any(
                getattr(st, "stochastic", False) for st in program.steps)
            for key, _ in program.saves:
                data[key], se = mean_and_stderr(stats.expvals[key])
                data["expval_stderr"][key] = 0.0 if exact else se
        metadata = {
            "method": "trajectory", "num_qubits": program.n,
            "active_input_qubits": list(program.active),
            "noise": "ideal" if nm is None else nm.description,
            "measure_sampling": not program.mid_circuit,
            "fusion": {"max_qubits": fuse, "instructions": program.n_instructions,
                       "blocks": program.n_blocks},
            "branches": stats.leaves, "block_passes": stats.block_passes,
            "largest_factor": stats.largest_factor, "most_held": stats.most_held,
        }
        return ExperimentOutput(data=data, shots=shots, metadata=metadata)


_ENGINE = TrajectoryEngine()


@hookimpl
def register_engines(register: Any) -> None:
    register(_ENGINE)


@hookimpl
def register_backends(register: Any) -> None:
    """``trajectory_simulator``: the engine without a device, for user noise models
    (``get_backend("trajectory_simulator", noise_model=nm)``), as Aer's
    ``AerSimulator(method="statevector", noise_model=nm)``."""
    from qfoundry.backend import SimulatorBackend

    register(SimulatorBackend(_ENGINE, name="trajectory_simulator", configuration={
        "n_qubits": max_active_qubits(), "description": TrajectoryEngine.description}))


def max_active_qubits(options: Mapping[str, Any] | None = None) -> int:
    """How many active qubits fit in memory as one dense statevector (the worst case)."""
    budget = available_bytes(options or {})
    return max(0, int(math.log2(max(1, budget // (_WORKSPACE * _BYTES)))))


def _check_memory(lowered: Lowered, program: Program, options: Mapping[str, Any]) -> int:
    """Refuse before allocating if a fully entangled state would not fit; returns the
    bytes of one statevector of the active qubits."""
    state = _BYTES << program.n
    budget = available_bytes(options)
    if _WORKSPACE * state > budget:
        raise SimulationTooLargeError(
            f"experiment {lowered.name!r} has {program.n} active "
            f"qubits (physical {list(program.active)}): a {program.n}-qubit statevector "
            f"needs {format_bytes(_WORKSPACE * state)} with workspace, but "
            f"{format_bytes(budget)} is available, which fits at most "
            f"{max_active_qubits(options)} active qubits")
    return state
