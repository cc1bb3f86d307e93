"""The plugin author's reference: every hook qfoundry calls, and the markers.

A plugin is a module (or object) with functions marked ``@qfoundry.hookimpl`` whose
names match the hooks below; it is found through an entry point in the group
``qfoundry``::

    [project.entry-points.qfoundry]
    my_plugin = "my_package.my_module"

A hook implementation may declare only the arguments it uses (pluggy passes arguments
by name). qfoundry's own engines and devices register through these same hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .circuit import Circuit
    from .device import Device
    from .job import Job
    from .result import Result

__all__ = ["hookspec", "hookimpl", "PROJECT_NAME"]

PROJECT_NAME = "qfoundry"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------------------
# Registration: called once per process, the first time a name is looked up.
# ---------------------------------------------------------------------------------------

@hookspec
def register_engines(register: Callable[[Any], None]) -> None:
    """Register the engines this plugin provides.

    :param register: call ``register(engine)`` once per engine, with an instance of a
        :class:`qfoundry.Engine` subclass. Its ``name`` is how users select it
        (``get_backend("fake_paris", engine=name)``); device backends use it too.

    Called once, lazily, on the thread that first looks up a backend, engine or device.
    If this hook raises, qfoundry warns naming the plugin and keeps the engines the
    plugin registered before the error; other plugins are unaffected. Registering a name
    another plugin already registered raises :class:`qfoundry.errors.DuplicateNameError`
    naming both plugins (reported as a warning, the first registration is kept).
    """


@hookspec
def register_devices(register: Callable[[Any], None]) -> None:
    """Register fake devices (TOML descriptions).

    :param register: call ``register(source)`` once per device, where ``source`` is a
        path or an ``importlib.resources`` Traversable of a device TOML file, or a
        :class:`qfoundry.devices.Device`. A device pack typically registers the files it
        ships with ``importlib.resources.files(__package__)``.

    Each device becomes the backend ``fake_<name>`` running on the device's default
    engine. Files are read lazily: registering is cheap, the calibration is parsed once,
    the first time the device is used. Errors are reported as for
    :func:`register_engines`.
    """


@hookspec
def register_backends(register: Callable[[Any], None]) -> None:
    """Register ready-made backends: ones that are not simply a device plus an engine.

    :param register: call ``register(backend)`` with a :class:`qfoundry.Backend` instance
        (for example :class:`qfoundry.backend.SimulatorBackend` wrapping an engine, a
        remote service or a wrapper around another backend).

    ``get_backend(name)`` hands out a copy with its own options, so users changing
    options on one copy do not affect another. Errors are reported as for
    :func:`register_engines`.
    """


# ---------------------------------------------------------------------------------------
# Jobs: called for every job of every backend.
# ---------------------------------------------------------------------------------------

@hookspec
def job_submitted(job: Job) -> None:
    """A job was validated and queued on its executor.

    :param job: the :class:`qfoundry.Job`; ``job.backend()``, ``job.job_id()`` and
        ``job.qobj`` are available.

    Called on the thread that called ``backend.run()``, before ``run()`` returns. An
    exception raised here is reported as a warning naming the plugin; the job runs.
    """


@hookspec
def job_finished(job: Job, result: Result | None) -> None:
    """A job reached a final state (DONE, ERROR or CANCELLED).

    :param job: the :class:`qfoundry.Job`.
    :param result: its :class:`qfoundry.Result`, or None when the job failed or was
        cancelled (``job.status()`` tells which).

    Called once per job, on the executor thread that ran it (or on the thread that
    cancelled it), before ``job.result()`` returns to waiting callers. An exception
    raised here is reported as a warning naming the plugin; the job's outcome is not
    changed.
    """


@hookspec
def job_progress(job: Job, done: int, total: int) -> None:
    """Part of a job finished: ``done`` of ``total`` experiments are complete.

    :param job: the running :class:`qfoundry.Job` (``job.progress()`` returns the same pair).
    :param done: experiments finished so far (0 < done <= total).
    :param total: experiments in the job.

    Called on the job's orchestrating thread after each experiment, in order of
    completion, and never after ``job_finished``. Keep it quick: the next experiment's
    result is collected after it returns. An exception raised here is reported as a
    warning naming the plugin; the job goes on.
    """


# ---------------------------------------------------------------------------------------
# Transpiling: called per circuit, before a job on a device backend is queued.
# ---------------------------------------------------------------------------------------

@hookspec(firstresult=True)
def transpile_experiment(circuit: Circuit, device: Device | None,
                         options: Mapping[str, Any]) -> Circuit | None:
    """Map one circuit onto a device, or return None to let the next plugin do it.

    :param circuit: the :class:`qfoundry.Circuit` to map; do not modify it.
    :param device: the target :class:`qfoundry.devices.Device`, or None when the backend is
        an ideal simulator (then ``options["backend"]`` describes it).
    :param options: ``seed`` (int or None), ``optimization_level`` (0-3),
        ``initial_layout`` (None, a list, or a dict virtual -> physical), ``layout_method``
        (None, "noise_aware", "sabre", "trivial") and ``backend`` (what transpile() was
        given).

    Return a new Circuit on the device's physical qubits (a register of
    ``device.n_qubits``) using only its basis gates (plus measure, barrier, delay),
    two-qubit gates on coupled pairs, the input's classical registers and clbits, and
    recording ``metadata["initial_layout"]`` and ``metadata["final_layout"]``; or None to
    decline.

    firstresult: the first non-None answer wins. Later-registered plugins are asked first;
    qfoundry's own pipeline (plugin ``transpiler``) is ``trylast``, so any plugin that
    answers replaces it. To extend rather than replace it, call
    :func:`qfoundry.transpiler.transpile_circuit` and post-process its result.

    Called once per circuit by :func:`qfoundry.transpile` and by device backends' ``run()``
    (option ``transpile``, default True), on the calling thread, before the job is queued.
    An exception propagates to the caller (it concerns the circuit, not a broken plugin):
    raise :class:`qfoundry.errors.TranspilerError` naming the instruction and qubits.
    """
