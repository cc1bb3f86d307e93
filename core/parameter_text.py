"""The text form of parameter expressions: what a Qobj carries and what is drawn.

``node_text`` writes an expression tree of :mod:`qfoundry.parameters` as OpenQASM-2-style
text (``(2*theta[0])+pi``), parenthesising every binary operation inside another so the
text parses back to the same tree; :func:`parse_expression` reads it back (through
Python's ``ast``, with only numbers, names, ``name[i]``, the operators and OpenQASM 2's
functions allowed).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping

from .errors import ParameterError
from .parameter_expr import (
    _FUNCS,
    Parameter,
    ParameterExpression,
    ParameterVector,
    ParameterVectorElement,
    _substitute,
    node_text,
)

__all__ = ["node_text", "parse_expression"]


# -- parsing the text form -----------------------------------------------------------------------

def parse_expression(text: str, parameters: Mapping[str, Parameter] | None = None
                     ) -> ParameterExpression | float:
    """The expression :meth:`ParameterExpression.to_text` wrote (a float when constant).

    Names resolve through ``parameters`` (name -> Parameter) so that an expression read
    back from a Qobj refers to the same parameter objects; unknown names get new ones.
    """
    params = dict(parameters or {})
    vectors: dict[str, ParameterVector] = {}
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval").body
    except SyntaxError as exc:
        raise ParameterError(f"cannot parse parameter expression {text!r}: {exc.msg}") from None

    def par(name: str) -> Parameter:
        if name not in params:
            params[name] = Parameter(name)
        return params[name]

    def elem(name: str, index: int) -> Parameter:
        full = f"{name}[{index}]"
        if full not in params:
            vec = vectors.get(name) or ParameterVector(name, 0)
            vectors[name] = vec
            element = ParameterVectorElement(vec, index)
            vec._params.append(element)
            params[full] = element
        return params[full]

    def build(n: ast.AST) -> tuple:
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) \
                and not isinstance(n.value, bool):
            return ("num", float(n.value))
        if isinstance(n, ast.Name):
            return ("num", math.pi) if n.id == "pi" else ("par", par(n.id))
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) \
                and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, int):
            return ("par", elem(n.value.id, n.slice.value))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            inner = build(n.operand)
            return ("neg", inner) if isinstance(n.op, ast.USub) else inner
        if isinstance(n, ast.BinOp):
            ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
            if type(n.op) in ops:
                return (ops[type(n.op)], build(n.left), build(n.right))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS \
                and len(n.args) == 1 and not n.keywords:
            return (n.func.id, build(n.args[0]))
        raise ParameterError(f"cannot parse parameter expression {text!r}: "
                             f"unsupported {ast.dump(n)[:60]}")

    node = _substitute(build(tree), {})
    return float(node[1]) if node[0] == "num" else ParameterExpression(node)
