"""Symbolic circuit parameters: :class:`Parameter`, :class:`ParameterVector` and expressions.

An expression is a small immutable tree (numbers, parameters, ``+ - * / **``, unary minus
and OpenQASM 2's functions ``sin cos tan exp ln sqrt``). It is kept symbolic through
assembly and transpilation and evaluated only when values arrive, with numpy, so one
evaluation can produce the angle of every value set of a sweep at once
(:meth:`ParameterExpression.evaluate` takes arrays).

Parameters are identified by object, as in Qiskit (two ``Parameter("a")`` are different
parameters), and by name inside one circuit: a circuit refuses two different parameters
with the same name, because a Qobj refers to parameters by name. Qobjs carry an
expression as its text (:meth:`ParameterExpression.to_text`, parsed back by
:func:`parse_expression`).
"""

from __future__ import annotations

from .parameter_expr import (
    Parameter,
    ParameterExpression,
    ParameterValue,
    ParameterVector,
    ParameterVectorElement,
    is_symbolic,
    parameter_sort_key,
    sorted_parameters,
)
from .parameter_text import parse_expression

__all__ = ["Parameter", "ParameterVector", "ParameterVectorElement", "ParameterExpression",
           "ParameterValue", "parse_expression", "parameter_sort_key", "is_symbolic",
           "sorted_parameters"]
