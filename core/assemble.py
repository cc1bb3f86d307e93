"""Circuits to Qobj and back, and the normalisation of everything ``backend.run()`` accepts.

:func:`assemble` lays a Circuit out exactly as Qiskit's (terra 0.46) assembler does, so a
Qobj made here and one made by Qiskit are interchangeable: the same experiment header
fields, and conditions (``c_if`` on a register, or on clbits) lowered to a ``bfunc``
writing a scratch register bit that the conditioned instruction reads through
``conditional``.
:func:`circuit_from_experiment` is its inverse. :func:`to_qobj` is what ``Backend.run``
calls for anything that is not already a Qobj.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .circuit import Circuit, from_qobj_experiment
from .errors import QasmError, QobjValidationError, RunInputError
from .parameters import is_symbolic
from .qobj import (
    QasmQobj,
    QasmQobjConfig,
    QasmQobjExperiment,
    QasmQobjExperimentConfig,
    QasmQobjInstruction,
    QobjExperimentHeader,
    QobjHeader,
)

__all__ = ["assemble", "circuit_from_experiment", "to_qobj", "to_circuits"]

circuit_from_experiment = from_qobj_experiment
"""Rebuild the Circuit an experiment was assembled from (:mod:`qfoundry.circuit_qobj`)."""

ACCEPTED_FORMS = (
    "a qfoundry.Circuit or a list of them; OpenQASM 2 text; a path to a .qasm file (str or "
    "os.PathLike); a QasmQobj; a Qobj dict (QasmQobj.to_dict() or parsed JSON); a "
    "qiskit.QuantumCircuit or a list of them"
)


def assemble(circuits: Circuit | Sequence[Circuit], backend: Any = None,
             **run_options: Any) -> QasmQobj:
    """Assemble circuits into one QasmQobj, one experiment per circuit.

    :param circuits: a Circuit or a sequence of them.
    :param backend: if given, fills the Qobj header (backend_name, backend_version) and
        supplies defaults for ``shots``/``memory``/``seed_simulator`` from its options.
    :param run_options: ``shots`` (default 1024), ``memory`` (default False),
        ``seed_simulator``, ``qobj_id``, ``qobj_header`` (dict of extra header fields);
        anything else (e.g. ``initial_statevector``) is copied into the Qobj config.
    """
    circuits = [circuits] if isinstance(circuits, Circuit) else list(circuits)
    for k, circ in enumerate(circuits):
        if not isinstance(circ, Circuit):
            raise RunInputError(f"assemble() item {k} is a {type(circ).__name__}, not a Circuit")
    qobj_id = run_options.pop("qobj_id", None)
    header = dict(run_options.pop("qobj_header", None) or {})
    config: dict[str, Any] = {}
    defaults: dict[str, Any] | None = None  # the backend's, read only if an option is missing
    for key, fallback in (("shots", 1024), ("memory", False), ("seed_simulator", None)):
        value = run_options.pop(key, None)
        if value is None and defaults is None:
            defaults = dict(getattr(backend, "options", None) or {}) if backend is not None \
                else {}
        config[key] = defaults.get(key, fallback) if value is None else value
    shots = config["shots"]
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise QobjValidationError(f"must be a positive integer, got {shots!r}", "config.shots")
    if config["seed_simulator"] is None:
        del config["seed_simulator"]
    experiments = [_experiment(c) for c in circuits]
    config.update(parameter_binds=[], init_qubits=True,
                  memory_slots=max((e.config.memory_slots for e in experiments), default=0),
                  n_qubits=max((e.config.n_qubits for e in experiments), default=0))
    config.update({k: v for k, v in run_options.items() if v is not None})
    if backend is not None:
        name = backend.name() if callable(backend.name) else backend.name
        version = getattr(backend, "backend_version", None)
        if version is None and hasattr(backend, "configuration"):
            version = getattr(backend.configuration(), "backend_version", None)
        header = {"backend_name": str(name), "backend_version": version, **header}
    return QasmQobj(qobj_id=qobj_id, config=QasmQobjConfig(**config), experiments=experiments,
                    header=QobjHeader(**header))


def _experiment(circ: Circuit) -> QasmQobjExperiment:
    slots = circ.num_clbits
    conditional = any(inst.condition is not None for inst in circ.data)
    instructions = []
    n_bfuncs = 0
    for inst in circ.data:
        fields: dict[str, Any] = {"qubits": list(inst.qubits)}
        if inst.name == "unitary":
            fields["params"] = [np.asarray(inst.params[0], dtype=complex)]
        elif inst.name == "delay":  # the engines read dt unless the instruction says otherwise
            p = inst.params[0]
            fields["params"] = [p.to_text() if is_symbolic(p) else p]
            if len(inst.params) == 2:
                fields["unit"] = inst.params[1]
        elif inst.params:  # symbolic angles travel as expression text (qfoundry.sweep)
            fields["params"] = [p.to_text() if is_symbolic(p) else p for p in inst.params]
        if inst.name == "measure":
            fields["memory"] = list(inst.clbits)
            if conditional:  # the bfuncs read the register, so measures must write it
                fields["register"] = list(inst.clbits)
        if inst.label is not None:
            fields["label"] = inst.label
        if inst.condition is not None:
            value = inst.condition[1]
            cbits = circ.condition_clbits(inst.condition)
            mask = sum(1 << b for b in cbits)
            # a register's value keeps every bit, so one it cannot hold is never true
            val = (value << cbits[0] if isinstance(inst.condition[0], str)
                   else sum(((value >> i) & 1) << b for i, b in enumerate(cbits)))
            bit = slots + n_bfuncs
            n_bfuncs += 1
            instructions.append(QasmQobjInstruction(
                "bfunc", mask=f"0x{mask:X}", relation="==", val=f"0x{val:X}", register=bit))
            fields["conditional"] = bit
        instructions.append(QasmQobjInstruction(inst.name, **fields))
    header = QobjExperimentHeader(
        qubit_labels=[[r, j] for r, j in circ.qubit_labels], n_qubits=circ.num_qubits,
        qreg_sizes=[[r.name, r.size] for r in circ.qregs],
        clbit_labels=[[r, j] for r, j in circ.clbit_labels], memory_slots=slots,
        creg_sizes=[[r.name, r.size] for r in circ.cregs], name=circ.name,
        global_phase=float(circ.global_phase), metadata=dict(circ.metadata))
    config = QasmQobjExperimentConfig(n_qubits=circ.num_qubits, memory_slots=slots)
    return QasmQobjExperiment(config=config, header=header, instructions=instructions)


def _is_qiskit_circuit(obj: Any) -> bool:
    """True for a qiskit.QuantumCircuit, checked without importing Qiskit."""
    return any(cls.__name__ == "QuantumCircuit" and cls.__module__.startswith("qiskit")
               for cls in type(obj).__mro__)


def _from_qiskit(qc: Any) -> Circuit:
    from .qiskit.convert import from_qiskit  # imports Qiskit, which the caller already has

    return from_qiskit(qc)


def _looks_like_path(text: str) -> bool:
    return bool(text.strip()) and ";" not in text and "\n" not in text and len(text) < 4096


def to_circuits(run_input: Any) -> list[Circuit]:
    """Every accepted circuit form (not Qobjs) as a list of Circuits."""
    from .qasm2 import load, loads

    if isinstance(run_input, Circuit):
        return [run_input]
    if _is_qiskit_circuit(run_input):
        return [_from_qiskit(run_input)]
    if isinstance(run_input, os.PathLike) or (isinstance(run_input, str)
                                               and _looks_like_path(run_input)):
        path = os.fspath(run_input)
        if not os.path.isfile(path):
            raise QasmError("no such file (a string is read as OpenQASM 2 text when it "
                            "contains ';', otherwise as a path)", str(path))
        return [load(path)]
    if isinstance(run_input, (str, bytes)):
        return [loads(run_input)]
    if isinstance(run_input, Sequence) and not isinstance(run_input, (str, bytes)):
        if not run_input:
            raise RunInputError("run() got an empty list: nothing to run")
        out = []
        for k, item in enumerate(run_input):
            if isinstance(item, (Sequence, QasmQobj, Mapping)) and not isinstance(item, str):
                raise RunInputError(f"run() list item {k} is a {type(item).__name__}; a list may "
                                "hold Circuits, OpenQASM text, .qasm paths or Qiskit circuits")
            out += to_circuits(item)
        return out
    raise RunInputError(f"cannot run a {type(run_input).__module__}.{type(run_input).__name__}; "
                    f"run() accepts {ACCEPTED_FORMS}")


def to_qobj(run_input: Any, backend: Any = None, **run_options: Any) -> QasmQobj:
    """Normalise any accepted ``run()`` input to a QasmQobj.

    Circuits and circuit-like inputs are assembled with ``run_options`` (see
    :func:`assemble`). A QasmQobj or Qobj dict keeps its own experiments; options given
    here (not None) override the matching fields of its config, on a copy.
    """
    if isinstance(run_input, Mapping):
        run_input = QasmQobj.from_dict(run_input)
    if isinstance(run_input, QasmQobj):
        overrides = {k: v for k, v in run_options.items() if v is not None}
        if not overrides:
            return run_input
        qobj = QasmQobj.from_dict(run_input.to_dict())
        qobj.config = QasmQobjConfig(**{**qobj.config.to_dict(), **overrides})
        return qobj
    return assemble(to_circuits(run_input), backend=backend, **run_options)
