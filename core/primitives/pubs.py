"""PUB coercion for the primitives, with Qiskit V2's shapes and broadcasting rules.

Mirrors ``qiskit.primitives.containers`` (``BindingsArray``, ``ObservablesArray``,
``EstimatorPub``, ``SamplerPub``): parameter values are an array whose last axis runs
over the circuit's parameters (in :attr:`Circuit.parameters` order) or a mapping
``{parameter(s): values}``; its leading axes are the PUB's parameter shape. Observables
are one observable or a nested list of them; their array shape broadcasts against the
parameter shape with numpy's rules.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..circuit import Circuit
from ..errors import ObservableError, PrimitiveError
from ..observable import Observable
from ..parameters import Parameter, ParameterVector

__all__ = ["BindingValues", "EstimatorPub", "SamplerPub", "coerce_values",
           "coerce_observables", "to_circuit"]


@dataclass(frozen=True)
class BindingValues:
    """Values for every parameter of a circuit: ``values[name]`` has shape ``shape``."""

    shape: tuple[int, ...]
    values: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    def flat_binds(self) -> dict[str, list[float]]:
        """``parameter_binds`` entry: every value set, in C order of ``shape``."""
        return {n: v.reshape(-1).tolist() for n, v in self.values.items()}


def to_circuit(obj: Any, where: str) -> Circuit:
    if isinstance(obj, Circuit):
        return obj
    from ..assemble import to_circuits

    try:
        circuits = to_circuits(obj)
    except TypeError as exc:
        raise PrimitiveError(f"{where}: {exc}") from None
    if len(circuits) != 1:
        raise PrimitiveError(f"{where}: a PUB holds one circuit, got {len(circuits)}")
    return circuits[0]


def _keys(key: Any, where: str) -> list[str]:
    if isinstance(key, ParameterVector):
        return [p.name for p in key]
    if isinstance(key, tuple):
        return [n for k in key for n in _keys(k, where)]
    if isinstance(key, Parameter):
        return [key.name]
    if isinstance(key, str):
        return [key]
    raise PrimitiveError(f"{where}: parameter value key {key!r} is not a Parameter, a "
                         "ParameterVector, a name or a tuple of them")


def coerce_values(circuit: Circuit, values: Any, where: str) -> BindingValues:
    """Qiskit's ``BindingsArray.coerce`` for ``circuit`` (shape inference included)."""
    names = [p.name for p in circuit.parameters]
    if values is None:
        if names:
            raise PrimitiveError(f"{where}: the circuit has parameters {names} but the PUB "
                                 "gives no parameter values")
        return BindingValues((), {})
    groups = values.items() if isinstance(values, Mapping) else [(tuple(names), values)]
    arrays: list[tuple[list[str], np.ndarray]] = []
    for key, val in groups:
        keys = _keys(key, where) if isinstance(values, Mapping) else names
        try:
            arr = np.asarray(val, dtype=float)
        except (TypeError, ValueError):
            raise PrimitiveError(f"{where}: parameter values for {keys} are not "
                                 "numbers") from None
        arrays.append((keys, arr))
    shapes: set[tuple[int, ...]] | None = None
    for keys, arr in arrays:  # which leading shape each array allows (Qiskit's rule)
        if len(keys) != 1:
            options = {arr.shape[:-1]} if arr.ndim else set()
        elif arr.shape and arr.shape[-1] == 1:
            options = {arr.shape[:-1]}
        else:
            options = {arr.shape}
        shapes = options if shapes is None else shapes & options
    if not shapes:
        detail = ", ".join(f"{k}: {a.shape}" for k, a in arrays)
        raise PrimitiveError(f"{where}: parameter values have no consistent shape ({detail}); "
                             f"the last axis must run over the {len(names)} parameters")
    shape = next(iter(shapes))
    out: dict[str, np.ndarray] = {}
    for keys, arr in arrays:
        arr = arr.reshape(shape + (len(keys),)) if arr.shape == shape or (
            len(keys) == 1 and arr.shape == shape + (1,)) else arr
        if arr.shape != shape + (len(keys),):
            raise PrimitiveError(f"{where}: values for {keys} have shape {arr.shape}, expected "
                                 f"{shape + (len(keys),)}")
        for j, name in enumerate(keys):
            out[name] = arr[..., j]
    missing = [n for n in names if n not in out]
    extra = [n for n in out if n not in names]
    if missing or extra:
        raise PrimitiveError(f"{where}: the circuit has {len(names)} parameter(s) {names}; "
                             + "; ".join(x for x in (f"no values for {missing}" if missing else "",
                                                     f"values for unknown {extra}" if extra
                                                     else "") if x))
    return BindingValues(tuple(int(s) for s in shape), out)


def _is_leaf(obj: Any) -> bool:
    if isinstance(obj, (str, Mapping, Observable)) or type(obj).__name__ in (
            "SparsePauliOp", "Pauli", "SparseObservable"):
        return True
    # [(label, coeff), ...] is one observable, not a list of them
    return (isinstance(obj, (list, tuple)) and bool(obj)
            and all(isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], str)
                    and isinstance(t[1], numbers.Number) for t in obj))


def coerce_observables(obs: Any, where: str) -> np.ndarray:
    """An object array of :class:`Observable` (shape () for one observable)."""
    def convert(item: Any, path: tuple[int, ...]) -> Any:
        if _is_leaf(item):
            try:
                if type(item).__name__ == "Pauli":
                    item = str(item)
                return Observable.coerce(item)
            except ObservableError as exc:
                raise PrimitiveError(f"{where}, observable {path}: {exc}") from None
        if isinstance(item, (list, tuple, np.ndarray)):
            return [convert(x, path + (k,)) for k, x in enumerate(item)]
        raise PrimitiveError(f"{where}, observable {path}: cannot use a "
                             f"{type(item).__name__} as an observable")

    nested = convert(obs, ())
    out = np.empty(_nested_shape(nested, where), dtype=object)
    for index in np.ndindex(out.shape):
        item = nested
        for i in index:
            item = item[i]
        out[index] = item
    return out


def _nested_shape(nested: Any, where: str) -> tuple[int, ...]:
    if isinstance(nested, Observable):
        return ()
    shapes = {_nested_shape(x, where) for x in nested}
    if len(shapes) != 1:
        raise PrimitiveError(f"{where}: the observables form a ragged array "
                             f"(inner shapes {sorted(shapes)})")
    return (len(nested), *shapes.pop())


@dataclass(frozen=True)
class EstimatorPub:
    """``(circuit, observables, parameter_values, precision)`` after coercion."""

    circuit: Circuit
    observables: np.ndarray
    parameter_values: BindingValues
    precision: float | None
    shape: tuple[int, ...]

    @classmethod
    def coerce(cls, pub: Any, index: int, precision: float | None = None) -> EstimatorPub:
        where = f"PUB {index}"
        if isinstance(pub, EstimatorPub):
            return pub
        if isinstance(pub, Circuit) or not isinstance(pub, Sequence) or isinstance(pub, str):
            raise PrimitiveError(f"{where}: an Estimator PUB is a tuple (circuit, observables"
                                 "[, parameter_values[, precision]]); wrap a single PUB in a "
                                 "list: run([(circuit, observables)])")
        if len(pub) not in (2, 3, 4):
            raise PrimitiveError(f"{where}: an Estimator PUB has 2, 3 or 4 items, got "
                                 f"{len(pub)}")
        circuit = to_circuit(pub[0], where)
        observables = coerce_observables(pub[1], where)
        values = coerce_values(circuit, pub[2] if len(pub) > 2 else None, where)
        if len(pub) > 3 and pub[3] is not None:
            precision = pub[3]
        if precision is not None and (isinstance(precision, bool) or not isinstance(
                precision, numbers.Real) or precision < 0):
            raise PrimitiveError(f"{where}: precision must be a non-negative number, got "
                                 f"{precision!r}")
        for idx, ob in np.ndenumerate(observables):
            if ob.num_qubits != circuit.num_qubits:
                raise PrimitiveError(f"{where}: observable {idx} acts on {ob.num_qubits} "
                                     f"qubits but the circuit has {circuit.num_qubits}")
        try:
            shape = np.broadcast_shapes(observables.shape, values.shape)
        except ValueError:
            raise PrimitiveError(f"{where}: the observables shape {observables.shape} and the "
                                 f"parameter values shape {values.shape} are not "
                                 "broadcastable") from None
        return cls(circuit, observables, values, precision, tuple(shape))


@dataclass(frozen=True)
class SamplerPub:
    """``(circuit, parameter_values, shots)`` after coercion."""

    circuit: Circuit
    parameter_values: BindingValues
    shots: int | None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.parameter_values.shape

    @classmethod
    def coerce(cls, pub: Any, index: int, shots: int | None = None) -> SamplerPub:
        where = f"PUB {index}"
        if isinstance(pub, SamplerPub):
            return pub
        if isinstance(pub, Circuit) or (not isinstance(pub, Sequence) and not isinstance(
                pub, str)):
            pub = (pub,)
        elif isinstance(pub, str):
            pub = (pub,)
        if not 1 <= len(pub) <= 3:
            raise PrimitiveError(f"{where}: a Sampler PUB has 1, 2 or 3 items, got {len(pub)}")
        circuit = to_circuit(pub[0], where)
        values = coerce_values(circuit, pub[1] if len(pub) > 1 else None, where)
        if len(pub) > 2 and pub[2] is not None:
            shots = pub[2]
        if shots is not None and (isinstance(shots, bool) or not isinstance(
                shots, numbers.Integral) or shots < 1):
            raise PrimitiveError(f"{where}: shots must be a positive integer, got {shots!r}")
        if not circuit.cregs:
            raise PrimitiveError(f"{where}: circuit {circuit.name!r} has no classical "
                                 "registers, so a Sampler has nothing to return (add "
                                 "measurements, e.g. measure_all())")
        return cls(circuit, values, None if shots is None else int(shots))
