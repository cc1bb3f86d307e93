"""Parameters of a :class:`~qfoundry.Circuit`: listing, name checks and binding.

Kept out of circuit.py as a mixin: a circuit's gate parameters may be
:class:`~qfoundry.parameters.ParameterExpression` objects, and everything that asks
"which parameters are there" or "give them values" lives here.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ParameterError
from .parameters import (
    Parameter,
    ParameterExpression,
    ParameterVector,
    is_symbolic,
    sorted_parameters,
)

if TYPE_CHECKING:
    from typing_extensions import Self

    from .circuit import Instruction

__all__ = ["ParameterMethods", "bind_instruction", "normalize_binding"]


class ParameterMethods:
    """Mixin: ``parameters``, ``num_parameters``, ``assign_parameters``."""

    data: list[Instruction]

    @property
    def parameters(self) -> list[Parameter]:
        """The free parameters, ordered as Qiskit orders them (by name, vector elements
        by index)."""
        found: set[Parameter] = set()
        for inst in self.data:
            for p in inst.params:
                if isinstance(p, ParameterExpression):
                    found |= p.parameters
        return sorted_parameters(found)

    @property
    def num_parameters(self) -> int:
        return len(self.parameters)

    def _check_parameter_names(self, params: tuple, where: str) -> None:
        """One parameter per name: a Qobj names parameters, so two ``Parameter("a")``
        in one circuit would be indistinguishable there."""
        new = {q for p in params if is_symbolic(p) for q in p.parameters}
        if not new:
            return
        known = {p.name: p for p in self.parameters}
        for p in new:
            other = known.get(p.name)
            if other is not None and other != p:
                raise ParameterError(f"{where}: a different parameter named {p.name!r} is "
                                     "already in the circuit (names must be unique)")

    def save_expectation_value(self, observable: Any, qubits: Any = None,
                               label: str = "expectation_value") -> Self:
        """Save <observable> of the state at this point under ``label`` in the result
        data (exact on the statevector and density-matrix engines, a mean with its
        standard error on trajectories). The observable's qubit k is ``qubits[k]``
        (default: the circuit's qubits in order); it must be Hermitian."""
        from .observable import Observable

        obs = Observable.coerce(observable)
        flat = (list(range(self.num_qubits)) if qubits is None  # type: ignore[attr-defined]
                else self._flat(qubits, "qubit"))  # type: ignore[attr-defined]
        obs.real_coeffs(where=f"save_expectation_value {label!r}")
        return self.append("save_expval", flat, obs.to_instruction_params(),  # type: ignore
                           label=label)

    def assign_parameters(self, values: Mapping[Any, Any] | Sequence[Any], inplace: bool = False,
                          *, strict: bool = True) -> Self | None:
        """Bind parameters to numbers.

        :param values: ``{parameter or name or ParameterVector: value(s)}`` (partial binding
            allowed), or a sequence with one value per parameter in :attr:`parameters` order.
        :param inplace: change this circuit and return None, instead of returning a copy.
        :param strict: a key that is not a parameter of the circuit is an error.
        """
        where = f"circuit {getattr(self, 'name', '')!r}"
        binding = normalize_binding(self.parameters, values, strict=strict, where=where)
        for name, value in binding.items():  # refused here, not as float()'s own error
            if not (isinstance(value, numbers.Real) or (isinstance(value, np.ndarray)
                                                        and value.shape == ()
                                                        and value.dtype.kind in "iuf")):
                raise ParameterError(f"{where}: the value for {name!r} must be a real number, "
                                     f"got {value!r}")
        target = self if inplace else self.copy()  # type: ignore[attr-defined]
        target.data = [bind_instruction(inst, binding) for inst in target.data]
        return None if inplace else target


def normalize_binding(params: list[Parameter], values: Mapping[Any, Any] | Sequence[Any],
                      *, strict: bool = True, where: str = "circuit") -> dict[str, Any]:
    """``values`` as {parameter name: value}, checked against ``params``."""
    by_name = {p.name: p for p in params}
    out: dict[str, Any] = {}
    if isinstance(values, Mapping):
        for key, value in values.items():
            if isinstance(key, ParameterVector):
                vals = list(value) if not isinstance(value, np.ndarray) else list(value)
                if len(vals) != len(key):
                    raise ParameterError(f"{where}: ParameterVector {key.name!r} has {len(key)} "
                                         f"elements but {len(vals)} values were given")
                pairs = list(zip(key, vals))
            else:
                pairs = [(key, value)]
            for k, v in pairs:
                name = k.name if isinstance(k, Parameter) else k
                if not isinstance(name, str):
                    raise ParameterError(f"{where}: cannot bind key {k!r}; use a Parameter, "
                                         "a ParameterVector or a parameter name")
                if name not in by_name:
                    if strict:
                        raise ParameterError(f"{where}: {name!r} is not a parameter of the "
                                             f"circuit (it has {sorted(by_name)})")
                    continue
                if isinstance(k, Parameter) and k != by_name[name]:
                    raise ParameterError(f"{where}: parameter {name!r} given is a different "
                                         "object from the circuit's parameter of that name")
                out[name] = v
        return out
    vals = list(values)
    if len(vals) != len(params):
        raise ParameterError(f"{where}: {len(vals)} value(s) given for {len(params)} "
                             f"parameter(s) {[p.name for p in params]}")
    return {p.name: v for p, v in zip(params, vals)}


def bind_instruction(inst: Instruction, binding: Mapping[str, Any]) -> Instruction:
    """``inst`` with its symbolic parameters bound (the same object when none is)."""
    if not any(is_symbolic(p) for p in inst.params):
        return inst
    new = []
    for p in inst.params:
        if is_symbolic(p):
            p = p.bind(binding)
            if isinstance(p, float) and not np.isfinite(p):
                raise ParameterError(f"{inst.name!r} on qubits {list(inst.qubits)}: the "
                                     f"bound angle is {p}")
        new.append(p)
    return type(inst)(inst.name, inst.qubits, tuple(new), inst.clbits, inst.condition,
                      inst.label)
