"""The contract an engine plugin implements.

An engine turns one experiment into its data (counts, memory, final state...). It
receives either the raw Qobj experiment (:meth:`Engine.run_experiment`, the default and
the original contract) or, if it defines :meth:`Engine.run_program`, the experiment
already lowered to a :class:`qfoundry.program.Program`: every instruction checked,
matrices built, measurements marked terminal or not. The core lowers each experiment
once, at submission, and hands the same program to the engine wherever it runs.

An engine holds no numerics the core depends on and keeps no per-run state on ``self``:
one instance serves every backend that uses it and every concurrent job, so everything a
run needs arrives as arguments.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .options import Options

if TYPE_CHECKING:
    from .device import Device
    from .program import Program
    from .qobj import QasmQobjExperiment

__all__ = ["Engine", "ExperimentOutput"]


@dataclass
class ExperimentOutput:
    """What an engine returns for one experiment.

    ``data`` follows the Qobj result spec: ``counts`` maps hex outcome strings
    (``"0x5"``, clbit 0 = bit 0) to ints; ``memory`` is the per-shot hex list;
    ``statevector``/``unitary``/``density_matrix`` are complex numpy arrays.
    ``metadata`` is free-form (the engine used, active qubits, ...); ``shots`` is
    the number of shots actually taken (1 for a statevector/unitary run).
    """

    data: dict[str, Any]
    shots: int
    metadata: dict[str, Any] = field(default_factory=dict)


class Engine(abc.ABC):
    """Base class of every engine. Subclass it, define :meth:`run_experiment` (raw Qobj
    experiments) or :meth:`run_program` (lowered programs), and register an instance.

    Class attributes an engine declares:

    * ``name``: the name users select it by (``get_backend(..., engine=name)``).
    * ``supported_instructions``: every Qobj instruction name it executes; the core
      refuses an experiment with any other instruction before the engine sees it.
    * ``models_noise``: True when it applies a device's noise (device backends built on
      an engine that does not model noise run ideally).
    """

    name: ClassVar[str]
    supported_instructions: ClassVar[frozenset[str]]
    models_noise: ClassVar[bool] = False
    description: ClassVar[str] = ""

    @classmethod
    def default_options(cls) -> Options:
        """Engine-specific run options, with validators, merged into the backend's options.

        The core already provides ``shots``, ``memory``, ``seed_simulator`` and
        ``executor``; override this to add more (``initial_statevector``, ...).
        """
        return Options()

    def max_qubits(self, options: Mapping[str, Any]) -> int | None:
        """The largest number of qubits this engine will simulate with these options.

        The core refuses larger experiments with SimulationTooLargeError before calling
        :meth:`run_experiment`. None means no limit the core needs to know about (the
        engine then checks itself, e.g. on active rather than declared qubits).
        """
        return None

    def shots_per_chunk(self, options: Mapping[str, Any]) -> int | None:
        """How many shots one task may take, for engines whose shots are independent samples.

        Returning a size lets the core split a large experiment into chunks that run in
        parallel (each with its own derived seed) and merges their counts and memory. The
        size must depend only on ``options``, so results do not depend on the executor.
        None (the default) keeps every experiment in one piece.
        """
        return None

    def validate_experiment(self, experiment: QasmQobjExperiment,
                            options: Mapping[str, Any], device: Device | None) -> None:
        """Engine-specific checks run at submission time, before the job is queued.

        Raise a QfoundryError subclass naming the experiment and instruction. The default
        does nothing: the core has already checked instruction names, indices and shots.
        For an engine that takes programs the core calls :meth:`validate_program` instead;
        called directly, the default then lowers the experiment and calls it.
        """
        if self.takes_program:
            from .program import lower

            self.validate_program(lower(experiment), options, device)

    def validate_program(self, program: Program, options: Mapping[str, Any],
                         device: Device | None) -> None:
        """:meth:`validate_experiment` for engines that take programs: called at submission
        with the lowered program the engine will run (and the experiment's own options:
        its shots and derived seed). The default does nothing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Engine:
        if (cls.run_experiment is Engine.run_experiment
                and cls.run_program is Engine.run_program):
            raise TypeError(f"Can't instantiate engine {cls.__name__}: it must define "
                            "run_experiment (Qobj experiments) or run_program (lowered "
                            "programs)")
        return super().__new__(cls)

    @property
    def takes_program(self) -> bool:
        """Whether this engine runs lowered programs (it defines :meth:`run_program`)."""
        return type(self).run_program is not Engine.run_program

    def run_experiment(self, experiment: QasmQobjExperiment, options: Mapping[str, Any],
                       device: Device | None = None) -> ExperimentOutput:
        """Execute one experiment and return its data.

        ``options`` is the job's resolved options: ``shots`` (int), ``memory`` (bool),
        ``seed_simulator`` (int, already derived for this experiment, so the same job
        seed gives the same result whatever order experiments run in), plus this engine's
        own options. ``device`` is the device of a device backend, else None.
        Called on an executor thread or process; must not mutate ``self``.

        An engine that defines :meth:`run_program` instead inherits this: it lowers the
        experiment and runs the program, so callers may use either.
        """
        from .program import lower  # numpy and the gate table: only for program engines

        return self.run_program(lower(experiment), options, device)

    def run_program(self, program: Program, options: Mapping[str, Any],
                    device: Device | None = None) -> ExperimentOutput:
        """Execute one lowered experiment (:mod:`qfoundry.program`) and return its data.

        Define this instead of :meth:`run_experiment` to receive programs: the core then
        lowers each experiment once, at submission, and passes the program here (on an
        executor thread or process). ``options`` and ``device`` are as for
        :meth:`run_experiment`.
        """
        raise NotImplementedError(f"engine {type(self).__name__} runs Qobj experiments "
                                  "(run_experiment), not programs")
