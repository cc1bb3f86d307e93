"""The token cursor and the expression grammar of the OpenQASM 2.0 reader.

:class:`Cursor` walks the token list of one file (peek, accept, expect, names and integer
literals, each failure a :class:`~qfoundry.errors.QasmError` at the offending token) and
parses parameter expressions into the small trees :func:`._qasm2_syntax.evaluate` reads,
folding constant subtrees as it goes. The statements built on it live in
:mod:`._qasm2_parser`; the expression grammar knows nothing of registers or gates.
"""

from __future__ import annotations

import math

from ._qasm2_syntax import FUNCS as _FUNCS
from ._qasm2_syntax import RESERVED as _RESERVED
from ._qasm2_syntax import MathError as _MathError
from ._qasm2_syntax import Tok as _Tok
from ._qasm2_syntax import evaluate as _evaluate
from .errors import QasmError

__all__ = ["Cursor", "describe"]

_MAX_NESTING = 100  # parentheses / unary operators in one expression


def describe(tok: _Tok) -> str:
    return "end of file" if tok.kind == "eof" else repr(tok.text)


class Cursor:
    """A position in the tokens of one file, with the primitives every statement uses."""

    toks: list[_Tok]
    i: int
    filename: str

    # -- token helpers ---------------------------------------------------------------------
    def error(self, reason: str, tok: _Tok | None = None) -> QasmError:
        tok = tok or self.toks[self.i]
        return QasmError(reason, self.filename, tok.line, tok.col)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def accept(self, sym: str) -> bool:
        tok = self.toks[self.i]
        if tok.kind == "sym" and tok.text == sym:
            self.i += 1
            return True
        return False

    def expect(self, sym: str, context: str = "") -> _Tok:
        tok = self.peek()
        if not self.accept(sym):
            prev = self.toks[self.i - 1]
            if sym == ";" and tok.kind != "eof" and tok.line > prev.line:
                end = prev._replace(col=prev.col + len(prev.text))
                raise self.error(f"missing ';' at the end of the statement (found "
                                 f"{describe(tok)} on the next line)", end)
            raise self.error(f"expected '{sym}'{context}, found {describe(tok)}")
        return tok

    def name(self, what: str) -> _Tok:
        tok = self.next()
        if tok.kind != "id":
            raise self.error(f"expected {what}, found {describe(tok)}", tok)
        if tok.text in _RESERVED:
            raise self.error(f"'{tok.text}' is a reserved word and cannot be {what}", tok)
        return tok

    def integer(self, what: str) -> int:
        tok = self.next()
        if tok.kind != "int":
            raise self.error(f"expected {what} (a non-negative integer), found "
                             f"{describe(tok)}", tok)
        if len(tok.text) > 1000:
            raise self.error(f"integer literal is too long ({len(tok.text)} digits)", tok)
        return int(tok.text)

    def here(self, tok: _Tok) -> str:
        return f"{self.filename}:{tok.line}:{tok.col}"

    def id_list(self, what: str) -> list[_Tok]:
        names = [self.name(what)]
        while self.accept(","):
            names.append(self.name(what))
        seen: set[str] = set()
        for tok in names:
            if tok.text in seen:
                raise self.error(f"'{tok.text}' appears twice", tok)
            seen.add(tok.text)
        return names

    def param_list(self, pnames: list[str]) -> list[tuple]:
        exprs: list[tuple] = []
        if self.accept("(") and not self.accept(")"):
            exprs.append(self.expr(pnames, 0))
            while self.accept(","):
                exprs.append(self.expr(pnames, 0))
            self.expect(")", " after the parameters")
        return exprs

    # -- expressions -----------------------------------------------------------------------
    def fold(self, node: tuple, tok: _Tok) -> tuple:
        children = node[1:] if node[0] == "neg" else node[2:]
        if all(c[0] == "num" for c in children):
            try:
                return ("num", _evaluate(node, ()))
            except _MathError as exc:
                raise self.error(str(exc), tok) from None
        return node

    def expr(self, pnames: list[str], depth: int, level: int = 0) -> tuple:
        """Left-associative binary operators: level 0 is ``+ -``, level 1 is ``* /``."""
        operand = (lambda: self.expr(pnames, depth, 1)) if level == 0 else \
            (lambda: self.unary(pnames, depth))
        ops = ("+", "-") if level == 0 else ("*", "/")
        node = operand()
        while self.peek().kind == "sym" and self.peek().text in ops:
            tok = self.next()
            node = self.fold(("bin", tok.text, node, operand()), tok)
        return node

    def unary(self, pnames: list[str], depth: int) -> tuple:
        if depth > _MAX_NESTING:
            raise self.error(f"expression nested more than {_MAX_NESTING} deep")
        tok = self.peek()
        if self.accept("-"):
            return self.fold(("neg", self.unary(pnames, depth + 1)), tok)
        if self.accept("+"):
            return self.unary(pnames, depth + 1)
        base = self.atom(pnames, depth)
        tok = self.peek()
        if self.accept("^"):  # right-associative, binds tighter than unary minus
            return self.fold(("bin", "^", base, self.unary(pnames, depth + 1)), tok)
        return base

    def atom(self, pnames: list[str], depth: int) -> tuple:
        tok = self.next()
        if tok.kind in ("int", "real"):
            value = float(tok.text)
            if not math.isfinite(value):
                raise self.error(f"number {tok.text} is too large", tok)
            return ("num", value)
        if tok.kind == "sym" and tok.text == "(":
            node = self.expr(pnames, depth + 1)
            self.expect(")", " to close the parenthesis")
            return node
        if tok.kind == "id":
            if tok.text == "pi":
                return ("num", math.pi)
            if tok.text in _FUNCS:
                self.expect("(", f" after '{tok.text}'")
                node = ("call", tok.text, self.expr(pnames, depth + 1))
                self.expect(")", f" to close '{tok.text}('")
                return self.fold(node, tok)
            if tok.text in pnames:
                return ("var", pnames.index(tok.text))
            raise self.error(f"undefined parameter '{tok.text}' (expressions may use numbers, "
                             "pi and the gate's own parameters)", tok)
        raise self.error(f"expected a number, a parameter or '(', found {describe(tok)}", tok)
