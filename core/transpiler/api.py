"""``qfoundry.transpile``: the user-facing entry point, dispatching to plugins."""

from __future__ import annotations

from typing import Any

from ..circuit import Circuit
from ..errors import TranspilerError
from .pipeline import transpile_circuit

__all__ = ["transpile", "transpile_one", "transpile_options", "transpile_qobj"]


def transpile_options(*, seed: int | None = None, optimization_level: int = 1,
                      initial_layout: Any = None, layout_method: str | None = None,
                      backend: Any = None) -> dict[str, Any]:
    """The ``options`` mapping the ``transpile_experiment`` hook receives."""
    return {"seed": seed, "optimization_level": optimization_level,
            "initial_layout": initial_layout, "layout_method": layout_method,
            "backend": backend}


def _device_of(backend: Any) -> Any:
    """The Device of a device backend, the device itself, or None (ideal simulators)."""
    device = getattr(backend, "device", None)
    if device is not None:
        return device
    if hasattr(backend, "coupling_map") and hasattr(backend, "basis_gates") \
            and hasattr(backend, "qubits"):
        return backend
    return None


def transpile_one(circuit: Circuit, backend: Any, options: dict[str, Any]) -> Circuit:
    """Transpile one circuit through the ``transpile_experiment`` hook (first answer wins),
    falling back on the built-in pipeline when no plugin answers."""
    device = _device_of(backend)
    from ..plugin_manager import get_plugin_manager

    hook = getattr(get_plugin_manager().hook, "transpile_experiment", None)
    if hook is not None:
        result = hook(circuit=circuit, device=device, options=options)
        if isinstance(result, list):  # the hookspec is not firstresult (or not declared)
            result = next((r for r in result if r is not None), None)
        if result is not None:
            if not isinstance(result, Circuit):
                raise TranspilerError(f"a transpile_experiment plugin returned "
                                      f"{type(result).__name__}, not a Circuit")
            return result
    return transpile_circuit(
        circuit, device if device is not None else backend, seed=options["seed"],
        optimization_level=options["optimization_level"],
        initial_layout=options["initial_layout"], layout_method=options["layout_method"])


def transpile(circuits: Any, backend: Any, *, seed: int | None = None,
              optimization_level: int = 1, initial_layout: Any = None,
              layout_method: str | None = None,
              seed_transpiler: int | None = None) -> Circuit | list[Circuit]:
    """Map circuits onto a device: its basis gates, on its coupled pairs.

    :param circuits: a :class:`~qfoundry.Circuit`, OpenQASM 2 text, a ``.qasm`` path, a
        Qiskit ``QuantumCircuit``, or a list of these.
    :param backend: a device backend (``get_backend("fake_paris")``), a
        :class:`~qfoundry.devices.Device`, or any backend (ideal simulators translate to
        their basis with all-to-all connectivity).
    :param seed: makes layout trials and SWAP tie-breaks reproducible. None uses a fixed
        seed, so the same input always gives the same output.
    :param seed_transpiler: the same as ``seed``, under the name Qiskit's ``transpile``
        and qfoundry's run option use (give one or the other).
    :param optimization_level: 0 (trivial layout, no merging), 1 (default: noise-aware
        layout, single-qubit merging, inverse-pair cancellation), 2 and 3 (more layout
        trials).
    :param initial_layout: ``[p0, p1, ...]`` or ``{virtual: physical}`` placing every
        circuit qubit; overrides the layout search.
    :param layout_method: ``"noise_aware"`` (default at level >= 1: fewest SWAPs, then
        the routed circuit moved to its lowest-error placement), ``"sabre"`` (fewest
        SWAPs, not moved) or ``"trivial"``.
    :returns: one circuit per input (a single one for a single input) on the device's
        qubits, with ``metadata["initial_layout"]`` and ``metadata["final_layout"]``
        (circuit qubit -> physical qubit). Measurements keep the input's classical bits.
        A circuit that is already native (basis gates on coupled pairs) is returned
        unchanged, with trivial layouts.
    """
    from ..assemble import to_circuits

    if seed_transpiler is not None:
        if seed is not None and seed != seed_transpiler:
            raise TranspilerError(f"seed={seed!r} and seed_transpiler={seed_transpiler!r} "
                                  "disagree: give one of them")
        seed = seed_transpiler
    single = not isinstance(circuits, (list, tuple))
    items = to_circuits(circuits)
    options = transpile_options(seed=seed, optimization_level=optimization_level,
                                initial_layout=initial_layout, layout_method=layout_method,
                                backend=backend)
    out = [transpile_one(c, backend, options) for c in items]
    return out[0] if single and len(out) == 1 else out


def transpile_qobj(qobj: Any, backend: Any, *, seed: int | None = None,
                   optimization_level: int = 1, initial_layout: Any = None,
                   layout_method: str | None = None) -> Any:
    """A new QasmQobj with every experiment mapped onto ``backend``'s device: what a device
    backend's ``run()`` does before validation when its ``transpile`` option is on.

    Native experiments keep their instructions untouched. Every experiment's header gets
    ``metadata["initial_layout"]`` / ``["final_layout"]`` (so each result carries them),
    its config keeps its own fields (shots, seed...), and measurements keep their memory
    slots, so counts are in the user's classical bits.
    """
    from ..assemble import assemble, circuit_from_experiment
    from ..qobj import (
        QasmQobj,
        QasmQobjConfig,
        QasmQobjExperiment,
        QasmQobjExperimentConfig,
        QobjExperimentHeader,
    )
    from .pipeline import Layout, is_native

    options = transpile_options(seed=seed, optimization_level=optimization_level,
                                initial_layout=initial_layout, layout_method=layout_method,
                                backend=backend)
    target = _device_of(backend) or backend
    experiments = []
    for exp in qobj.experiments:
        circuit = circuit_from_experiment(exp)
        if initial_layout is None and is_native(circuit, target):
            header = exp.header.to_dict()
            trivial = tuple(range(circuit.num_qubits))
            header["metadata"] = {**(header.get("metadata") or {}),
                                  **Layout(trivial, trivial).to_dict()}
            experiments.append(QasmQobjExperiment(exp.config, QobjExperimentHeader(**header),
                                                  exp.instructions))
            continue
        mapped = assemble(transpile_one(circuit, backend, options)).experiments[0]
        config = {**exp.config.to_dict(), "n_qubits": mapped.config.n_qubits,
                  "memory_slots": mapped.config.memory_slots}
        experiments.append(QasmQobjExperiment(QasmQobjExperimentConfig(**config),
                                              mapped.header, mapped.instructions))
    config = qobj.config.to_dict()
    config["n_qubits"] = max((e.config.n_qubits for e in experiments), default=0)
    return QasmQobj(qobj_id=qobj.qobj_id, config=QasmQobjConfig(**config),
                    experiments=experiments, header=qobj.header)
