"""Parameter sweeps on the density-matrix engine: a symbolic template lowered once.

:mod:`qfoundry.sweep` gives every bound experiment of a sweep the same ``template`` (the
symbolic experiment, with every value set's angles in ``sweep_angles``) and its
``sweep_index``. The template is compiled once (its symbolic instructions become
:class:`~.program.Slot` steps, everything else is fused as usual); :func:`slot_stacks`
computes each symbolic gate's transfer matrix for all value sets in one batch, and
:func:`bind_slots` puts value set k's matrices into the shared program.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from qfoundry.gates import GATES
from qfoundry.noise.model import NoiseModel

from .program import Op, Program, Slot, _pauli_basis, _superops, compile_experiment, ptm

__all__ = ["lowered", "bind_slots", "slot_stacks"]


def lowered(experiment: Any, nm: NoiseModel | None, dt: float | None, device: Any,
             options: Mapping[str, Any]) -> Program:
    """The experiment's program. A bound experiment of a parameter sweep
    (:mod:`qfoundry.sweep`) names its symbolic template: that is compiled once, on the
    template, and each value set only binds its symbolic instructions (lowered once)."""
    fuse = int(options.get("fusion_max_qubits", 3))
    save_final = bool(options.get("save_density_matrix", False))
    template = getattr(experiment, "template", None)
    if template is None:
        return compile_experiment(experiment, nm, dt, fuse=fuse, save_final=save_final)
    key = (id(device), id(nm) if isinstance(options.get("noise_model"), NoiseModel) else
           repr(options.get("noise_model")), options.get("noise_scale"),
           options.get("temperature"), fuse, save_final)
    cached = getattr(template, "_dm_compiled", None)
    if cached is None or cached[0] != key:
        prog = compile_experiment(template, nm, dt, fuse=fuse, save_final=save_final)
        cached = (key, prog, slot_stacks(prog, template, nm))
        template._dm_compiled = cached  # one per job: sweep.py makes a template per run
    return bind_slots(cached[1], experiment, nm, dt, cached[2])


def bind_slots(template: Program, experiment: Any, nm: NoiseModel | None,
               dt: float | None, stacks: dict[int, np.ndarray] | None = None) -> Program:
    """``template`` (compiled from a sweep's symbolic experiment) for the bound
    ``experiment``: only its symbolic instructions become maps, taken from ``stacks``
    (one PTM per value set, see :func:`slot_stacks`) where there is one; everything
    else, fused, is shared by every value set."""
    local = {p: i for i, p in enumerate(template.active)}
    index = getattr(experiment, "sweep_index", None)
    steps = []
    for step in template.steps:
        if not isinstance(step, Slot):
            steps.append(step)
            continue
        inst = experiment.instructions[step.index]
        stack = None if stacks is None or index is None else stacks.get(step.index)
        if stack is not None:
            steps.append(Op(tuple(local[q] for q in inst.qubits), stack[index], step.cond))
            continue
        where = f"instruction {step.index} ({inst.name} on qubits {list(inst.qubits)})"
        for superop, phys in _superops(inst, nm, dt, where):
            if all(q in local for q in phys):
                steps.append(Op(tuple(local[q] for q in phys), ptm(superop, len(phys)),
                                step.cond))
    return replace(template, steps=steps)


def slot_stacks(template: Program, experiment: Any, nm: NoiseModel | None
                ) -> dict[int, np.ndarray]:
    """For each symbolic gate of a sweep template, its PTM for every value set at once
    (``experiment.sweep_angles[(instruction, parameter)]``: the angles), batched: the
    gate matrices, the superoperators, the noise and the change of basis are each one
    numpy operation over all value sets."""
    angles = getattr(experiment, "sweep_angles", None) or {}
    local = set(range(template.n))
    stacks: dict[int, np.ndarray] = {}
    for step in template.steps:
        if not isinstance(step, Slot):
            continue
        inst = experiment.instructions[step.index]
        spec, qubits = GATES.get(inst.name), tuple(inst.qubits)
        if spec is None or spec.num_qubits != len(qubits) or not qubits or \
                not all(q in template.active for q in qubits) or len(local) == 0:
            continue
        columns = [angles.get((step.index, k)) for k in range(len(inst.params))]
        count = max(len(c) for c in columns if c is not None)
        rows = np.column_stack([np.full(count, float(p)) if c is None else c
                                for p, c in zip(inst.params, columns)])
        u = np.stack([spec.matrix(list(row), len(qubits)) for row in rows])
        d = u.shape[1]
        sup = np.einsum("sij,skl->sikjl", u.conj(), u).reshape(count, d * d, d * d)
        error = nm.quantum_error(inst.name, qubits) if nm is not None else None
        if error is not None:
            sup = error.superop @ sup
        basis = _pauli_basis(len(qubits))
        r = basis.conj().T @ sup @ basis / d
        stacks[step.index] = np.ascontiguousarray(r.real)
    return stacks
