"""Tokens and parameter expressions of OpenQASM 2.0, for :mod:`qfoundry.qasm2`.

The lexer tracks line and column for every token, so each parser error can point at
the exact spot. Parameter expressions are small tuples rather than classes, because
they are built once per gate definition and evaluated once per gate application:
``("num", v)``, ``("var", i)`` (the i-th gate parameter), ``("neg", e)``,
``("bin", op, a, b)`` and ``("call", fn, e)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from .errors import QasmError

__all__ = ["RESERVED", "FUNCS", "Tok", "tokenize", "evaluate", "MathError"]

_TOKEN = re.compile(r"""
    (?P<skip>(?:[ \t\r\f\v\n]+|//[^\n]*)+)
  | (?P<real>(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)
  | (?P<int>[0-9]+)
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"[^"\n]*")
  | (?P<block>/\*)
  | (?P<sym>->|==|[\[\](){};,+\-*/^])
  | (?P<bad>.)
""", re.VERBOSE | re.DOTALL)
FUNCS = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp,
         "ln": math.log, "sqrt": math.sqrt}
RESERVED = frozenset({"OPENQASM", "include", "qreg", "creg", "gate", "opaque", "measure",
                      "reset", "barrier", "if", "pi", "U", "CX", *FUNCS})
"""Words that cannot name a register, gate, parameter or argument."""


class Tok(NamedTuple):
    """One token and where it starts (1-based line and column)."""

    kind: str  # "id", "int", "real", "string", "sym" or "eof"
    text: str
    line: int
    col: int


def tokenize(text: str, filename: str) -> list[Tok]:
    """Split ``text`` into tokens, each knowing its 1-based line and column."""
    toks: list[Tok] = []
    line, line_start = 1, 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "skip":
            start, end = m.span()
            newlines = text.count("\n", start, end)
            if newlines:
                line, line_start = line + newlines, text.rfind("\n", start, end) + 1
            continue
        word = m.group()
        col = m.start() - line_start + 1
        if kind == "id":
            if not ("a" <= word[0] <= "z" or word in ("U", "CX", "OPENQASM")):
                raise QasmError(f"identifier {word!r} must start with a lowercase letter "
                                "(only the built-ins U, CX and OPENQASM are capitalised)",
                                filename, line, col)
        elif kind == "int":
            if len(word) > 1 and word[0] == "0":
                raise QasmError(f"integer {word!r} has a leading zero", filename, line, col)
        elif kind == "block":
            raise QasmError("'/* */' comments are not OpenQASM 2; use '//'", filename, line, col)
        elif kind == "bad":
            reason = ("unterminated string (strings end on the same line)" if word == '"'
                      else f"unexpected character {word!r}")
            raise QasmError(reason, filename, line, col)
        toks.append(Tok(kind, word, line, col))
    toks.append(Tok("eof", "", line, len(text) - line_start + 1))
    return toks


class MathError(Exception):
    """An expression has no real value (ln(0), 1/0...); the parser adds the position."""


def evaluate(node: tuple, env: Sequence[float]) -> float:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        return env[node[1]]
    try:
        if kind == "neg":
            return -evaluate(node[1], env)
        if kind == "call":
            arg = evaluate(node[2], env)
            try:
                return FUNCS[node[1]](arg)
            except ValueError:
                raise MathError(f"{node[1]}({arg!r}) is undefined") from None
        a, b = evaluate(node[2], env), evaluate(node[3], env)
        op = node[1]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise MathError("division by zero")
            return a / b
        try:
            return math.pow(a, b)
        except ValueError:
            raise MathError(f"{a!r}^{b!r} is not a real number") from None
    except OverflowError:
        raise MathError("a value in the expression is too large") from None
