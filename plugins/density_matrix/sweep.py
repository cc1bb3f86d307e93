"""Parameter sweeps on the density-matrix engine: a symbolic template compiled once.

:mod:`qfoundry.sweep` lowers a sweep's symbolic experiment once into a template program
(its symbolic gates have matrix None, ``sweep_angles`` holds every value set's angles)
and gives each value set a bound program naming that ``template`` and its
``sweep_index``. The template is compiled once (symbolic gates become
:class:`~.program.Slot` steps, everything else is fused as usual, kept in
``template.cache``); :func:`slot_stacks` computes each symbolic gate's transfer matrix
for all value sets in one batch, and :func:`bind_slots` puts value set k's matrices into
the shared steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from qfoundry.gates import GATES
from qfoundry.noise.model import NoiseModel
from qfoundry.program import Program as Lowered

from .program import (
    Op,
    Program,
    Rotation,
    Slot,
    _pauli_basis,
    _superops,
    compile_experiment,
    ptm,
)

__all__ = ["compiled", "bind_slots", "slot_stacks", "rotate"]


def compiled(lowered: Lowered, nm: NoiseModel | None, dt: float | None, device: Any,
             options: Mapping[str, Any]) -> Program:
    """The engine's program for ``lowered``: compiled, or for a value set of a sweep,
    the template's compiled program (compiled on the first value set) with this value
    set's symbolic gates bound."""
    fuse = int(options.get("fusion_max_qubits", 3))
    save_final = bool(options.get("save_density_matrix", False))
    template = lowered.template
    if template is None:
        return compile_experiment(lowered, nm, dt, fuse=fuse, save_final=save_final)
    key = ("density_matrix", id(device), id(nm) if isinstance(options.get("noise_model"),
                                                             NoiseModel)
           else repr(options.get("noise_model")), options.get("noise_scale"),
           options.get("temperature"), fuse, save_final)
    cached = template.cache.get(key)
    if cached is None:
        prog = compile_experiment(template, nm, dt, fuse=fuse, save_final=save_final)
        cached = template.cache[key] = (prog, slot_stacks(prog, template, nm))
    return bind_slots(cached[0], lowered, nm, dt, cached[1])


def bind_slots(template: Program, lowered: Lowered, nm: NoiseModel | None, dt: float | None,
               stacks: dict[int, tuple[np.ndarray, np.ndarray]] | None = None) -> Program:
    """The compiled ``template`` for the bound ``lowered``: its Slot steps become maps,
    from ``stacks`` where there is one (else from the bound gate itself)."""
    local = {p: i for i, p in enumerate(template.active)}
    index = lowered.sweep_index
    steps = []
    for step in template.steps:
        if not isinstance(step, Slot):
            steps.append(step)
            continue
        op = lowered.ops[step.pos]
        entry = None if stacks is None or index is None else stacks.get(step.pos)
        if entry is not None:
            stack, xy = entry
            matrix = stack[index]
            if xy[index]:
                steps.append(Rotation(local[op.qubits[0]], float(matrix[1, 1]),
                                      float(matrix[2, 1]), step.cond))
            else:
                steps.append(Op(tuple(local[q] for q in op.qubits), matrix, step.cond))
            continue
        where = f"instruction {op.index} ({op.name} on qubits {list(op.qubits)})"
        if op.matrix is None:  # bound without its matrix (compiles_templates)
            op = op._replace(matrix=GATES[op.name].matrix(op.params, len(op.qubits)))
        for superop, phys in _superops(op, nm, dt, where):
            if all(q in local for q in phys):
                steps.append(Op(tuple(local[q] for q in phys), ptm(superop, len(phys)),
                                step.cond))
    return replace(template, steps=steps)


def _xy_rotations(r: np.ndarray) -> np.ndarray:
    """For a stack of PTMs, which only rotate one qubit's X and Y coefficients (``rz``
    without noise): [[1, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, 1]] exactly."""
    if r.shape[1:] != (4, 4):
        return np.zeros(len(r), dtype=bool)
    rest = r.copy()
    rest[:, 1:3, 1:3] = 0.0
    rest[:, 0, 0] -= 1.0
    rest[:, 3, 3] -= 1.0
    return ((r[:, 1, 1] == r[:, 2, 2]) & (r[:, 1, 2] == -r[:, 2, 1])
            & ~rest.reshape(len(r), -1).any(axis=1))


def _gate_stack(spec: Any, rows: np.ndarray, n_qubits: int) -> np.ndarray:
    """The gate's matrices for every row of parameters; ``rz`` (what the transpiler turns
    every symbolic angle into) in one numpy operation, others one matrix at a time."""
    if spec.name == "rz":
        phase = np.exp(0.5j * rows[:, 0])
        u = np.zeros((len(rows), 2, 2), dtype=complex)
        u[:, 0, 0], u[:, 1, 1] = phase.conj(), phase
        return u
    return np.stack([spec.matrix(tuple(row), n_qubits) for row in rows])


def slot_stacks(prog: Program, template: Lowered, nm: NoiseModel | None
                ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each symbolic gate of the template, its PTM for every value set at once (the
    gate matrices, the superoperators, the noise and the change of basis are each one
    numpy operation over all value sets), and which of them are plain XY rotations."""
    angles = template.sweep_angles or {}
    stacks: dict[int, np.ndarray] = {}
    for step in prog.steps:
        if not isinstance(step, Slot):
            continue
        op = template.ops[step.pos]
        spec, qubits = GATES.get(op.name), tuple(op.qubits)
        if spec is None or not qubits or not all(q in prog.active for q in qubits):
            continue
        columns = [angles.get((op.index, k)) for k in range(len(op.params))]
        count = max(len(c) for c in columns if c is not None)
        rows = np.column_stack([np.full(count, float(p)) if c is None else c
                                for p, c in zip(op.params, columns)])
        u = _gate_stack(spec, rows, len(qubits))
        d = u.shape[1]
        sup = np.einsum("sij,skl->sikjl", u.conj(), u).reshape(count, d * d, d * d)
        error = nm.quantum_error(op.name, qubits) if nm is not None else None
        if error is not None:
            sup = error.superop @ sup
        basis = _pauli_basis(len(qubits))
        r = basis.conj().T @ sup @ basis / d
        real = np.ascontiguousarray(r.real)
        stacks[step.pos] = (real, _xy_rotations(real))
    return stacks


def rotate(branch: Any, step: Rotation) -> None:
    """(r_X, r_Y) of one qubit -> (c r_X - s r_Y, s r_X + c r_Y), in place: a sweep's
    noiseless ``rz`` without the transposes of a general product."""
    state, labels = branch.state, branch.labels
    lo, hi = labels.index(2 * step.qubit), labels.index(2 * step.qubit + 1)

    def at(high: int, low: int) -> tuple:  # slices, so even a 1-qubit state gives views
        index: list[Any] = [slice(None)] * state.ndim
        index[hi], index[lo] = slice(high, high + 1), slice(low, low + 1)
        return tuple(index)

    x, y = state[at(0, 1)], state[at(1, 0)]  # X = code 1, Y = code 2
    new_x = step.c * x - step.s * y
    y *= step.c
    y += step.s * x
    x[...] = new_x
