"""Parameter sweeps on Qobjs: symbolic experiments bound to many value sets at once.

A parameterised circuit is assembled with its symbolic angles as expression text in the
instruction ``params`` (``"2*theta + pi"``, see :mod:`qfoundry.parameters`). A device
backend transpiles that experiment once (the transpiler keeps the expressions, see
:mod:`qfoundry.transpiler.symbolic`), the backend validates it once, and
:func:`bind_experiments` then turns it into one experiment per value set by evaluating
each expression for all value sets in one numpy call and copying only the instructions
that carry one. Nothing else about the experiment changes between value sets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import ParameterError
from .parameter_text import parse_expression
from .parameters import Parameter, ParameterExpression, ParameterVector
from .qobj import QasmQobj, QasmQobjExperiment, QobjExperimentHeader

__all__ = ["symbolic_slots", "experiment_parameters", "bind_experiments", "expand_qobj",
           "check_bound", "lower_template", "bind_program", "with_matrices"]

Slot = tuple[int, int, ParameterExpression]


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> ParameterExpression | float:
    """Expression text parsed once: a sweep needs names and values, not parameter identity."""
    return parse_expression(text)


def symbolic_slots(exp: QasmQobjExperiment) -> list[Slot]:
    """(instruction index, parameter index, expression) of every symbolic angle."""
    slots = []
    for i, inst in enumerate(exp.instructions):
        for k, p in enumerate(getattr(inst, "params", ()) or ()):
            if isinstance(p, str):
                expr = _parsed(p)
                if isinstance(expr, ParameterExpression):
                    slots.append((i, k, expr))
    return slots


def experiment_parameters(slots: list[Slot]) -> list[str]:
    """Names of the parameters the slots use, sorted as Qiskit sorts them."""
    from .parameters import sorted_parameters

    return [p.name for p in sorted_parameters({q for _, _, e in slots for q in e.parameters})]


def check_bound(qobj: QasmQobj) -> None:
    """Raise ParameterError naming the parameters of the first experiment left unbound."""
    for e, exp in enumerate(qobj.experiments):
        names = experiment_parameters(symbolic_slots(exp))
        if names:
            raise ParameterError(
                f"experiment {e} ({getattr(exp.header, 'name', None)!r}) has unbound "
                f"parameter(s) {names}: give values with parameter_binds=[{{param: [values]}}] "
                "or circuit.assign_parameters()")


def _values(bind: Mapping[Any, Any], names: list[str], where: str
            ) -> tuple[dict[str, np.ndarray], int]:
    if not isinstance(bind, Mapping):
        raise ParameterError(f"{where}: parameter_binds entries must be dicts "
                             f"{{parameter: [values]}}, got {type(bind).__name__}")
    flat: dict[str, Any] = {}
    for key, value in bind.items():
        if isinstance(key, ParameterVector):
            arr = np.asarray(value, dtype=float)
            if arr.shape[:1] != (len(key),):
                raise ParameterError(f"{where}: ParameterVector {key.name!r} has {len(key)} "
                                     f"elements, values have shape {arr.shape}")
            flat.update({p.name: arr[j] for j, p in enumerate(key)})
        else:
            flat[key.name if isinstance(key, Parameter) else str(key)] = value
    missing = [n for n in names if n not in flat]
    extra = [n for n in flat if n not in names]
    if missing or extra:
        raise ParameterError(f"{where}: parameter_binds " + "; ".join(
            x for x in (f"lacks {missing}" if missing else "",
                        f"names {extra}, which the circuit does not have" if extra else "") if x)
            + f" (circuit parameters: {names})")
    out: dict[str, np.ndarray] = {}
    for name in names:
        try:
            out[name] = np.atleast_1d(np.asarray(flat[name], dtype=float))
        except (TypeError, ValueError):
            raise ParameterError(f"{where}: values of {name!r} are not numbers") from None
        if out[name].ndim != 1:
            raise ParameterError(f"{where}: values of {name!r} must be a flat list, got shape "
                                 f"{out[name].shape}")
    sizes = {len(v) for v in out.values()}
    if len(sizes) > 1:
        raise ParameterError(f"{where}: every parameter needs the same number of values, got "
                             + ", ".join(f"{n}: {len(v)}" for n, v in out.items()))
    return out, (sizes.pop() if sizes else 1)


def bind_experiments(exp: QasmQobjExperiment, bind: Mapping[Any, Any], where: str
                     ) -> list[QasmQobjExperiment]:
    """One experiment per value set of ``bind`` ({parameter: [v0, v1, ...]})."""
    slots = symbolic_slots(exp)
    names = experiment_parameters(slots)
    values, count = _values(bind, names, where)
    angles = []
    for i, _k, expr in slots:
        with np.errstate(all="ignore"):
            a = np.broadcast_to(np.asarray(expr.evaluate(values), dtype=float), (count,))
        if not np.all(np.isfinite(a)):
            bad = int(np.flatnonzero(~np.isfinite(a))[0])
            raise ParameterError(f"{where}, instruction {i} ({exp.instructions[i].name!r}): "
                                 f"angle {expr} is {a[bad]} for value set {bad}")
        angles.append(a)
    base_header = exp.header.to_dict()
    # The template engines may lower once (see plugins/density_matrix): a fresh object per
    # run, carrying every value set's angles, so concurrent jobs never share one.
    template = QasmQobjExperiment(exp.config, exp.header, exp.instructions)
    template.sweep_angles = {(i, k): a for (i, k, _), a in zip(slots, angles)}
    out = []
    for s in range(count):
        insts = list(exp.instructions)
        for (i, k, _), a in zip(slots, angles):
            inst = insts[i]
            if inst is exp.instructions[i]:  # a shallow copy (copy.copy is 40x slower)
                inst = insts[i] = object.__new__(type(inst))
                inst.__dict__ = dict(exp.instructions[i].__dict__)
                inst.params = list(inst.params)
            inst.params[k] = float(a[s])
        header = dict(base_header)
        header["metadata"] = {**(base_header.get("metadata") or {}),
                              "parameter_values": {n: float(values[n][s]) for n in names}}
        bound = QasmQobjExperiment(exp.config, QobjExperimentHeader(**header), insts)
        bound.template, bound.sweep_index = template, s
        out.append(bound)
    return out


def expand_qobj(qobj: QasmQobj, parameter_binds: Sequence[Mapping[Any, Any]] | None
                ) -> tuple[QasmQobj, list[int]]:
    """The Qobj with each experiment bound to its value sets, and the index of the first
    bound experiment of each original one (what the backend validates)."""
    if parameter_binds is None or (not parameter_binds and not any(
            symbolic_slots(e) for e in qobj.experiments)):
        check_bound(qobj)
        return qobj, list(range(len(qobj.experiments)))
    binds = list(parameter_binds)
    if len(binds) != len(qobj.experiments):
        raise ParameterError(f"parameter_binds has {len(binds)} entries for "
                             f"{len(qobj.experiments)} circuit(s): give one dict per circuit")
    experiments: list[QasmQobjExperiment] = []
    firsts = []
    for e, (exp, bind) in enumerate(zip(qobj.experiments, binds)):
        firsts.append(len(experiments))
        experiments += bind_experiments(exp, bind, f"experiment {e} "
                                        f"({getattr(exp.header, 'name', None)!r})")
    return QasmQobj(qobj_id=qobj.qobj_id, config=qobj.config, experiments=experiments,
                    header=qobj.header), firsts


# -- lowered programs (qfoundry.program) ------------------------------------------------------

def lower_template(template: QasmQobjExperiment) -> Any:
    """A sweep's template lowered once: its symbolic gates keep their expression text
    (matrix None), and the program carries every value set's angles (``sweep_angles``)."""
    from dataclasses import replace

    from .program import lower

    return replace(lower(template, symbolic=True),
                   sweep_angles=getattr(template, "sweep_angles", None) or {})


def bind_program(template: Any, index: int, *, matrices: bool = True) -> Any:
    """Value set ``index`` of a lowered template: each symbolic gate gets its angles and,
    with ``matrices``, its matrix (nothing else is rebuilt); the program names its
    template, so an engine can reuse what it compiled from it (``template.cache``).
    ``matrices=False`` is for engines that take the matrices from their compiled template
    (``Engine.compiles_templates``); :func:`with_matrices` completes such a program."""
    from dataclasses import replace

    from .gates import GATES

    angles = template.sweep_angles
    slots = template.cache.get("slots")
    if slots is None:  # the symbolic gates' positions, found once per template
        slots = template.cache["slots"] = [
            pos for pos, op in enumerate(template.ops) if getattr(op, "matrix", 0) is None]
    ops = list(template.ops)
    for pos in slots:
        op = ops[pos]
        params = tuple(float(angles[(op.index, k)][index]) if isinstance(p, str) else p
                       for k, p in enumerate(op.params))
        ops[pos] = op._replace(params=params, matrix=GATES[op.name].matrix(
            params, len(op.qubits)) if matrices else None)
    return replace(template, ops=tuple(ops), template=template, sweep_index=index,
                   sweep_angles=None, cache={})


def with_matrices(program: Any) -> Any:
    """``program`` with every bound gate's matrix (the same program when it has them)."""
    from dataclasses import replace

    from .gates import GATES

    if program.template is None or not program.template.cache.get("slots"):
        return program
    ops = list(program.ops)
    changed = False
    for pos in program.template.cache["slots"]:
        op = ops[pos]
        if op.matrix is None:
            ops[pos] = op._replace(matrix=GATES[op.name].matrix(op.params, len(op.qubits)))
            changed = True
    return replace(program, ops=tuple(ops)) if changed else program
