"""Parameter expressions themselves (re-exported by :mod:`qfoundry.parameters`): symbols,
vectors, expression trees, their evaluation and their text form; reading text back is
:mod:`qfoundry.parameter_text`."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .errors import ParameterError

__all__ = ["Parameter", "ParameterVector", "ParameterVectorElement", "ParameterExpression",
           "ParameterValue", "parameter_sort_key", "sorted_parameters", "is_symbolic",
           "node_text"]

_FUNCS = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "ln": np.log,
          "sqrt": np.sqrt}
_BINOPS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
           "**": np.power}


class ParameterExpression:
    """A real-valued expression of parameters; build it with operators on :class:`Parameter`.

    ``node`` is ``("num", value)``, ``("par", parameter)``, ``("neg", x)``,
    ``(op, x, y)`` for a binary operator or ``(function, x)``.
    """

    __slots__ = ("_node", "_params")

    def __init__(self, node: tuple):
        self._node = node
        self._params: frozenset[Parameter] | None = None

    # -- structure -------------------------------------------------------------------------
    @property
    def parameters(self) -> set[Parameter]:
        """The parameters this expression still depends on."""
        if self._params is None:
            found: set[Parameter] = set()
            _collect(self._node, found)
            self._params = frozenset(found)
        return set(self._params)

    def is_real_number(self) -> bool:
        """True when no parameter is left."""
        return not self.parameters

    def __float__(self) -> float:
        if self.parameters:
            raise ParameterError(f"expression {self} is not bound: it depends on "
                                 f"{sorted(p.name for p in self.parameters)}")
        return float(_eval(self._node, {}))

    def bind(self, values: Mapping[Parameter | str, Any], allow_unknown: bool = True
             ) -> ParameterExpression | float:
        """Substitute numbers for parameters; a float when none is left, else an expression.

        Keys are parameters or their names; unknown keys are ignored unless
        ``allow_unknown=False``.
        """
        lookup = _lookup(values)
        if not allow_unknown:
            names = {p.name for p in self.parameters}
            extra = [str(k) for k in lookup if k not in names]
            if extra:
                raise ParameterError(f"bind(): {extra} not in expression {self}")
        node = _substitute(self._node, lookup)
        if node[0] == "num":
            return float(node[1])
        return ParameterExpression(node)

    def evaluate(self, values: Mapping[Parameter | str, Any]) -> Any:
        """The value for ``values`` (numbers or same-shaped numpy arrays, one entry per
        value set); every parameter must have a value."""
        lookup = _lookup(values)
        missing = sorted(p.name for p in self.parameters if p.name not in lookup)
        if missing:
            raise ParameterError(f"no value for parameter(s) {missing} of expression {self}")
        return _eval(self._node, lookup)

    def to_text(self) -> str:
        """OpenQASM-2-style text (``2*theta[0] + pi``); :func:`parse_expression` inverts it."""
        return node_text(self._node)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"ParameterExpression({self.to_text()})"

    # -- arithmetic ------------------------------------------------------------------------
    def _bin(self, op: str, other: Any, swap: bool = False) -> ParameterExpression:
        o = _as_node(other)
        if o is None:
            return NotImplemented  # type: ignore[return-value]
        a, b = (o, self._node) if swap else (self._node, o)
        if a[0] == "num" and b[0] == "num":
            return ParameterExpression(("num", float(_BINOPS[op](a[1], b[1]))))
        return ParameterExpression((op, a, b))

    def __add__(self, other: Any) -> ParameterExpression:
        return self._bin("+", other)

    def __radd__(self, other: Any) -> ParameterExpression:
        return self._bin("+", other, True)

    def __sub__(self, other: Any) -> ParameterExpression:
        return self._bin("-", other)

    def __rsub__(self, other: Any) -> ParameterExpression:
        return self._bin("-", other, True)

    def __mul__(self, other: Any) -> ParameterExpression:
        return self._bin("*", other)

    def __rmul__(self, other: Any) -> ParameterExpression:
        return self._bin("*", other, True)

    def __truediv__(self, other: Any) -> ParameterExpression:
        return self._bin("/", other)

    def __rtruediv__(self, other: Any) -> ParameterExpression:
        return self._bin("/", other, True)

    def __pow__(self, other: Any) -> ParameterExpression:
        return self._bin("**", other)

    def __rpow__(self, other: Any) -> ParameterExpression:
        return self._bin("**", other, True)

    def __neg__(self) -> ParameterExpression:
        return ParameterExpression(("neg", self._node))

    def __pos__(self) -> ParameterExpression:
        return self

    def _func(self, name: str) -> ParameterExpression:
        return ParameterExpression((name, self._node))

    def sin(self) -> ParameterExpression:
        return self._func("sin")

    def cos(self) -> ParameterExpression:
        return self._func("cos")

    def tan(self) -> ParameterExpression:
        return self._func("tan")

    def exp(self) -> ParameterExpression:
        return self._func("exp")

    def log(self) -> ParameterExpression:
        """Natural logarithm (OpenQASM's ``ln``)."""
        return self._func("ln")

    def sqrt(self) -> ParameterExpression:
        return self._func("sqrt")

    def __eq__(self, other: object) -> bool:
        o = _as_node(other)
        return o is not None and o == self._node

    def __hash__(self) -> int:
        return hash(self._node)


class Parameter(ParameterExpression):
    """A named free angle, ``Parameter("theta")``; identity, not the name, tells two apart."""

    __slots__ = ("_name", "_uuid")

    def __init__(self, name: str):
        if not isinstance(name, str) or not name.isidentifier() or name in _RESERVED:
            raise ParameterError(f"invalid parameter name {name!r}: it must be an identifier "
                                 f"and not one of {sorted(_RESERVED)}")
        self._name = name
        self._uuid = uuid.uuid4()
        super().__init__(("par", self))
        self._params = frozenset((self,))

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Parameter({self.name})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameter) and other._uuid == self._uuid

    def __hash__(self) -> int:
        return hash(self._uuid)

    def __lt__(self, other: Parameter) -> bool:
        return parameter_sort_key(self) < parameter_sort_key(other)

    def __reduce__(self):  # keep identity across pickling (process pools)
        return (_rebuild_parameter, (type(self), self._name, self._uuid, self._extra()))

    def _extra(self) -> tuple:
        return ()


class ParameterVectorElement(Parameter):
    """Element ``i`` of a :class:`ParameterVector`, named ``"name[i]"``."""

    __slots__ = ("_vector", "_index")

    def __init__(self, vector: ParameterVector, index: int):
        self._vector = vector
        self._index = index
        self._name = f"{vector.name}[{index}]"
        self._uuid = uuid.uuid4()
        ParameterExpression.__init__(self, ("par", self))
        self._params = frozenset((self,))

    @property
    def vector(self) -> ParameterVector:
        return self._vector

    @property
    def index(self) -> int:
        return self._index

    def __repr__(self) -> str:
        return f"ParameterVectorElement({self.name})"

    def _extra(self) -> tuple:
        return (self._vector, self._index)


def _rebuild_parameter(cls: type, name: str, uid: uuid.UUID, extra: tuple) -> Parameter:
    p = object.__new__(cls)
    if extra:
        p._vector, p._index = extra
    p._name, p._uuid = name, uid
    ParameterExpression.__init__(p, ("par", p))
    p._params = frozenset((p,))
    return p


class ParameterVector(Sequence):
    """``length`` parameters named ``name[0]``, ``name[1]``...; index it like a list."""

    def __init__(self, name: str, length: int = 0):
        if not isinstance(name, str) or not name.isidentifier() or name in _RESERVED:
            raise ParameterError(f"invalid parameter vector name {name!r}")
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ParameterError(f"ParameterVector {name!r}: length must be a non-negative "
                                 f"integer, got {length!r}")
        self.name = name
        self._params = [ParameterVectorElement(self, i) for i in range(int(length))]

    @property
    def params(self) -> list[ParameterVectorElement]:
        return list(self._params)

    def __getitem__(self, key):  # type: ignore[override]
        return self._params[key]

    def __len__(self) -> int:
        return len(self._params)

    def __repr__(self) -> str:
        return f"ParameterVector({self.name!r}, length={len(self)})"


ParameterValue = float | ParameterExpression
_RESERVED = frozenset({"pi", *_FUNCS})


def is_symbolic(value: Any) -> bool:
    """True for an expression that still has parameters."""
    return isinstance(value, ParameterExpression) and bool(value.parameters)


def parameter_sort_key(p: Parameter) -> tuple:
    """Qiskit's order: by name, elements of one vector by index."""
    if isinstance(p, ParameterVectorElement):
        return (p.vector.name, p.index)
    return (p.name, -1)


# -- tree helpers ------------------------------------------------------------------------------

def _as_node(value: Any) -> tuple | None:
    if isinstance(value, ParameterExpression):
        return value._node
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("num", float(value))
    return None


def _lookup(values: Mapping[Parameter | str, Any]) -> dict[str, Any]:
    return {(k.name if isinstance(k, Parameter) else str(k)): v for k, v in values.items()}


def _collect(node: tuple, found: set) -> None:
    if node[0] == "par":
        found.add(node[1])
    elif node[0] != "num":
        for child in node[1:]:
            _collect(child, found)


def _substitute(node: tuple, lookup: Mapping[str, Any]) -> tuple:
    kind = node[0]
    if kind == "num":
        return node
    if kind == "par":
        name = node[1].name
        return ("num", float(lookup[name])) if name in lookup else node
    kids = [_substitute(c, lookup) for c in node[1:]]
    if all(k[0] == "num" for k in kids):
        with np.errstate(all="ignore"):  # a nan or inf angle is reported by the caller
            return ("num", float(_apply(kind, [k[1] for k in kids])))
    return (kind, *kids)


def _apply(kind: str, args: list) -> Any:
    if kind == "neg":
        return -args[0]
    if kind in _BINOPS:
        return _BINOPS[kind](args[0], args[1])
    return _FUNCS[kind](args[0])


def _eval(node: tuple, lookup: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "par":
        return lookup[node[1].name]
    return _apply(kind, [_eval(c, lookup) for c in node[1:]])


def sorted_parameters(params: Iterable[Parameter]) -> list[Parameter]:
    """``params`` in Qiskit's order (see :func:`parameter_sort_key`)."""
    return sorted(set(params), key=parameter_sort_key)


# -- the text form (read back by qfoundry.parameter_text.parse_expression) ---------------

def node_text(node: tuple) -> str:
    return _text(node, 0)


def _num_text(x: float) -> str:
    if x == math.pi:
        return "pi"
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _text(node: tuple, outer: int) -> str:
    """Binary operations are parenthesised inside others, so the text parses back exactly."""
    kind = node[0]
    if kind == "num":
        s = _num_text(node[1])
        return f"({s})" if node[1] < 0 and outer else s
    if kind == "par":
        return node[1].name
    if kind == "neg":
        s = "-" + _text(node[1], 1)
        return f"({s})" if outer else s
    if kind in _BINOPS:
        s = f"{_text(node[1], 1)}{kind}{_text(node[2], 1)}"
        return f"({s})" if outer else s
    return f"{kind}({_text(node[1], 0)})"
