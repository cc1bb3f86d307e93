"""The OpenQASM 2.0 reader behind :mod:`qfoundry.qasm2`: statements and gate-definition
expansion, over the lexer (:mod:`._qasm2_syntax`) and the token cursor and expressions
(:mod:`._qasm2_expr`). It yields registers and instructions, not a Circuit, so that
``Circuit.from_qasm`` parses without a cycle; bad input raises QasmError at file:line:col."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from . import _qasm2_include as inc
from . import _qasm2_syntax as syn
from . import limits
from ._qasm2_expr import Cursor, describe
from ._qasm2_include import QELIB1, read_file
from .circuit_parts import ClassicalRegister, Instruction, QuantumRegister
from .errors import QasmError

__all__ = ["parse", "read_file", "qelib1_signatures", "QELIB1", "MAX_REGISTER_SIZE"]

MAX_REGISTER_SIZE = 1 << 16
"""Largest register a program may declare: far above any simulable size, low enough that a
typo such as ``qreg q[99999999];`` fails at once instead of exhausting memory."""
_MAX_INCLUDE_DEPTH = 32


@dataclass(eq=False)
class _Gate:
    name: str
    n_params: int
    n_qubits: int  # -1: any number (barrier)
    body: list | None  # [(gate, param exprs, qubit arg positions)]; None: a primitive
    builtin: bool  # declared by the built-in qelib1.inc
    where: str
    expanded: int = 1  # instructions one application expands to, when it is expanded


@dataclass(eq=False)
class _Reg:
    reg: QuantumRegister | ClassicalRegister
    offset: int
    where: str


_U = _Gate("U", 3, 1, None, False, "built in")
_CX = _Gate("CX", 0, 2, None, False, "built in")
_BARRIER = _Gate("barrier", 0, -1, None, False, "built in")




class _Parser(Cursor):
    """The statements of the language and the expansion of gate definitions, over the
    token cursor and expression grammar of :class:`._qasm2_expr.Cursor`."""

    def __init__(self, include_path: Sequence[str], flatten: bool,
                 native: frozenset[str] = frozenset(), confine: bool = True):
        self.confine = confine
        if isinstance(include_path, (str, os.PathLike)):  # one directory, not its letters
            include_path = [include_path]
        self.include_path = [os.fspath(p) for p in include_path]
        self.flatten = flatten
        self.native = native  # program-defined gates kept by name (see loads)
        self.symbols: dict[str, _Gate | _Reg] = {}
        self.qregs: list[QuantumRegister] = []
        self.cregs: list[ClassicalRegister] = []
        self.n_qubits = self.n_clbits = 0
        self.data: list[Instruction] = []
        self.stack: list[str] = []  # files being parsed, for recursive include detection
        self.has_qelib1 = False
        self.toks: list[syn.Tok] = []
        self.i = 0
        self.filename = "<string>"
        self.builtin = False


    def declare(self, tok: syn.Tok, symbol: _Gate | _Reg) -> None:
        old = self.symbols.get(tok.text)
        if old is not None:
            raise self.error(f"'{tok.text}' is already defined (at {old.where})", tok)
        self.symbols[tok.text] = symbol

    # -- files -----------------------------------------------------------------------------
    def parse(self, text: str, filename: str, builtin: bool = False) -> None:
        saved = (self.toks, self.i, self.filename, self.builtin)
        self.toks, self.i = syn.tokenize(text, filename), 0
        self.filename, self.builtin = filename, builtin
        if self.peek().text == "OPENQASM":
            self.next()
            tok = self.next()
            if tok.kind not in ("int", "real"):
                raise self.error(f"expected a version number, found {describe(tok)}", tok)
            if float(tok.text) != 2.0:
                raise self.error(f"unsupported OpenQASM version {tok.text}; only 2.0 is "
                                 "supported", tok)
            self.expect(";")
        while self.peek().kind != "eof":
            self.statement()
        self.toks, self.i, self.filename, self.builtin = saved

    def include(self, tok: syn.Tok) -> None:
        target = self.next()
        if target.kind != "string":
            raise self.error(f"expected a file name in quotes, found {describe(target)}",
                             target)
        self.expect(";")
        name = target.text[1:-1]
        if name == "qelib1.inc":  # built in; a repeated include adds nothing
            if not self.has_qelib1:
                self.has_qelib1 = True
                self.parse(QELIB1, "qelib1.inc", builtin=True)
            return
        bases = ([os.path.dirname(self.filename) or "."] if self.stack else []) \
            + self.include_path
        known = {k for k, v in self.symbols.items() if isinstance(v, _Gate)}
        path, text = inc.read_include(name, bases, self.confine, known, self.stack,
                                      _MAX_INCLUDE_DEPTH, lambda why: self.error(why, target))
        self.stack.append(os.path.realpath(path))
        self.parse(text, path)
        self.stack.pop()

    # -- statements ------------------------------------------------------------------------
    def statement(self) -> None:
        tok = self.next()
        word = tok.text if tok.kind == "id" else None
        if word == "include":
            self.include(tok)
        elif word in ("qreg", "creg"):
            self.register(word)
        elif word in ("gate", "opaque"):
            self.gate_definition(word == "opaque")
        elif word == "if":
            self.conditional()
        elif word == "OPENQASM":
            raise self.error("only the first statement may be a version declaration", tok)
        elif word is not None:
            self.operation(tok, None)
        else:
            raise self.error(f"expected a statement, found {describe(tok)}", tok)

    def register(self, kind: str) -> None:
        tok = self.name("a register name")
        self.expect("[", " after the register name")
        size_tok = self.peek()
        size = self.integer("a register size")
        if size > MAX_REGISTER_SIZE:
            raise self.error(f"register size {size} exceeds the limit of "
                             f"{MAX_REGISTER_SIZE}", size_tok)
        self.expect("]")
        self.expect(";")
        if kind == "qreg":
            reg: QuantumRegister | ClassicalRegister = QuantumRegister(tok.text, size)
            self.declare(tok, _Reg(reg, self.n_qubits, self.here(tok)))
            self.qregs.append(reg)
            self.n_qubits += size
        else:
            reg = ClassicalRegister(tok.text, size)
            self.declare(tok, _Reg(reg, self.n_clbits, self.here(tok)))
            self.cregs.append(reg)
            self.n_clbits += size

    def gate_definition(self, opaque: bool) -> None:
        kind = "opaque gate" if opaque else "gate"
        tok = self.name(f"a {kind} name")
        params: list[syn.Tok] = []
        if self.accept("(") and not self.accept(")"):
            params = self.id_list("a parameter name")
            self.expect(")", " after the parameters")
        qubits = self.id_list("a qubit argument name")
        both = {p.text for p in params} & {q.text for q in qubits}
        if both:
            raise self.error(f"'{both.pop()}' is both a parameter and a qubit argument", tok)
        body = None
        if opaque:
            self.expect(";")
        else:
            self.expect("{", f" to open the body of gate '{tok.text}'")
            pnames = [p.text for p in params]
            qnames = [q.text for q in qubits]
            body = []
            while not self.accept("}"):
                if self.peek().kind == "eof":
                    raise self.error(f"the body of gate '{tok.text}' is not closed by '}}'",
                                     tok)
                body.append(self.body_statement(pnames, qnames))
        expanded = sum(self.cost(sub) for sub, _, _ in body) if body is not None else 1
        builtin = self.builtin or tok.text in self.native
        self.declare(tok, _Gate(tok.text, len(params), len(qubits), body, builtin,
                                self.here(tok), expanded))

    def cost(self, gate: _Gate) -> int:
        """How many instructions applying ``gate`` emits (checked before expanding)."""
        atomic = gate.body is None or (gate.builtin and not self.flatten)
        return 1 if atomic else gate.expanded

    def body_statement(self, pnames: list[str], qnames: list[str]) -> tuple:
        tok = self.next()
        if tok.kind == "id" and tok.text == "barrier":
            gate, exprs = _BARRIER, []
        elif tok.kind == "id" and tok.text in syn.RESERVED - {"U", "CX"}:
            raise self.error(f"'{tok.text}' is not allowed in a gate body (only gate "
                             "applications and barrier)", tok)
        else:
            gate = self.lookup_gate(tok)
            exprs = self.param_list(pnames)
        args = []
        for arg in self.id_list("a qubit argument"):
            if arg.text not in qnames:
                raise self.error(f"'{arg.text}' is not a qubit argument of this gate "
                                 f"(arguments: {', '.join(qnames)})", arg)
            args.append(qnames.index(arg.text))
        if self.peek().text == "[":
            raise self.error("gate arguments are single qubits and cannot be indexed")
        self.expect(";")
        self.check_arity(gate, len(exprs), len(args), tok)
        return gate, exprs, args

    def lookup_gate(self, tok: syn.Tok) -> _Gate:
        if tok.kind != "id":
            raise self.error(f"expected a statement, found {describe(tok)}", tok)
        if tok.text == "U":
            return _U
        if tok.text == "CX":
            return _CX
        gate = self.symbols.get(tok.text)
        if isinstance(gate, _Gate):
            return gate
        if gate is not None:
            raise self.error(f"'{tok.text}' is a register, not a gate", tok)
        hint = ""
        if not self.has_qelib1 and tok.text in qelib1_signatures():
            hint = ' (it is in qelib1.inc: add include "qelib1.inc";)'
        raise self.error(f"undefined gate '{tok.text}'{hint}", tok)

    def check_arity(self, gate: _Gate, n_params: int, n_qubits: int, tok: syn.Tok) -> None:
        if n_params != gate.n_params:
            raise self.error(f"gate '{gate.name}' takes {gate.n_params} parameter(s), "
                             f"got {n_params}", tok)
        if gate.n_qubits >= 0 and n_qubits != gate.n_qubits:
            raise self.error(f"gate '{gate.name}' acts on {gate.n_qubits} qubit(s), "
                             f"got {n_qubits}", tok)

    # -- operations ------------------------------------------------------------------------
    def argument(self, quantum: bool) -> tuple[list[int], bool, syn.Tok]:
        """A register or one of its bits: (flat indices, is a whole register, token)."""
        what = "quantum" if quantum else "classical"
        tok = self.name(f"a {what} register")
        sym = self.symbols.get(tok.text)
        if sym is None:
            raise self.error(f"undefined register '{tok.text}'", tok)
        if not isinstance(sym, _Reg):
            raise self.error(f"'{tok.text}' is a gate, not a register", tok)
        if isinstance(sym.reg, QuantumRegister) != quantum:
            raise self.error(f"'{tok.text}' is not a {what} register", tok)
        if self.accept("["):
            index_tok = self.peek()
            index = self.integer("an index")
            self.expect("]")
            if index >= sym.reg.size:
                raise self.error(f"index {index} out of range for register '{tok.text}' of "
                                 f"size {sym.reg.size}", index_tok)
            return [sym.offset + index], False, tok
        return list(range(sym.offset, sym.offset + sym.reg.size)), True, tok

    def broadcast(self, args: list[tuple[list[int], bool, syn.Tok]], what: str,
                  tok: syn.Tok) -> list[tuple[int, ...]]:
        sizes = {len(bits) for bits, whole, _ in args if whole}
        if len(sizes) > 1:
            raise self.error(f"registers of different sizes {sorted(sizes)} in {what}", tok)
        count = sizes.pop() if sizes else 1
        out = []
        for k in range(count):
            bits = tuple(b[k] if whole else b[0] for b, whole, _ in args)
            if len(set(bits)) != len(bits):
                raise self.error(f"{what} uses the same qubit twice", tok)
            out.append(bits)
        return out

    def operation(self, tok: syn.Tok, condition: tuple[str, int] | None) -> None:
        word = tok.text if tok.kind == "id" else None
        if word == "measure":
            src = self.argument(True)
            self.expect("->", " in measure")
            dst = self.argument(False)
            self.expect(";")
            if src[1] != dst[1] or len(src[0]) != len(dst[0]):
                raise self.error("measure needs a qubit and a bit, or two registers of the "
                                 f"same size (got {len(src[0])} and {len(dst[0])} bits)", tok)
            for q, c in zip(src[0], dst[0]):
                self.emit(Instruction("measure", (q,), (), (c,), condition), tok)
        elif word == "reset":
            target = self.argument(True)
            self.expect(";")
            for q in target[0]:
                self.emit(Instruction("reset", (q,), (), (), condition), tok)
        elif word == "barrier" and condition is None:
            qubits = self.argument(True)[0]
            while self.accept(","):
                qubits += self.argument(True)[0]
            self.expect(";")
            if qubits:
                self.emit(Instruction("barrier", tuple(dict.fromkeys(qubits))), tok)
        else:
            if word in syn.RESERVED - {"U", "CX"} or tok.kind != "id":
                after = "after if(...)" if condition else "at the start of a statement"
                raise self.error(f"expected a gate, measure or reset {after}, found "
                                 f"{describe(tok)}", tok)
            gate = self.lookup_gate(tok)
            exprs = self.param_list([])
            args = [self.argument(True)]
            while self.accept(","):
                args.append(self.argument(True))
            self.expect(";")
            self.check_arity(gate, len(exprs), len(args), tok)
            values = tuple(e[1] for e in exprs)
            for bad in (v for v in values if not math.isfinite(v)):
                raise self.error(f"parameter evaluates to {bad}", tok)
            targets = self.broadcast(args, f"'{gate.name}'", tok)
            if len(self.data) + len(targets) * self.cost(gate) > limits.MAX_QASM_INSTRUCTIONS:
                raise self.error(inc.too_long(), tok)
            for qubits in targets:
                self.apply(gate, values, qubits, condition, tok)

    def conditional(self) -> None:
        self.expect("(", " after 'if'")
        tok = self.name("a classical register")
        sym = self.symbols.get(tok.text)
        if not isinstance(sym, _Reg) or not isinstance(sym.reg, ClassicalRegister):
            raise self.error(f"'{tok.text}' is not a classical register", tok)
        if self.peek().text == "[":
            raise self.error("OpenQASM 2.0 conditions test a whole register, not one bit")
        self.expect("==", " in the condition")
        value = self.integer("the value to compare with")
        self.expect(")", " to close the condition")
        self.operation(self.next(), (tok.text, value))

    def apply(self, gate: _Gate, values: tuple[float, ...], qubits: tuple[int, ...],
              condition: tuple[str, int] | None, tok: syn.Tok) -> None:
        """Emit ``gate``, expanding bodies of program-defined gates (and qelib1's if flat)."""
        if gate.body is None or (gate.builtin and not self.flatten):
            self.emit(Instruction(gate.name, qubits, values, (), condition), tok)
            return
        for sub, exprs, args in gate.body:
            mapped = tuple(qubits[a] for a in args)
            if sub is _BARRIER:
                self.emit(Instruction("barrier", mapped), tok)
                continue
            try:
                sub_values = tuple(syn.evaluate(e, values) for e in exprs)
            except syn.MathError as exc:
                raise self.error(f"in gate '{gate.name}' (defined at {gate.where}): {exc}",
                                 tok) from None
            for bad in (v for v in sub_values if not math.isfinite(v)):
                raise self.error(f"in gate '{gate.name}' (defined at {gate.where}): a "
                                 f"parameter of '{sub.name}' evaluates to {bad}", tok)
            self.apply(sub, sub_values, mapped, condition, tok)

    def emit(self, inst: Instruction, tok: syn.Tok) -> None:
        if len(self.data) >= limits.MAX_QASM_INSTRUCTIONS:
            raise self.error(inc.too_long(), tok)
        self.data.append(inst)


def parse(text: str | bytes, filename: str, include_path: Sequence[str], flatten: bool,
          in_file: bool, native: frozenset[str] = frozenset(), confine: bool = True
          ) -> tuple[list[QuantumRegister], list[ClassicalRegister], list[Instruction]]:
    """A program's registers and instructions (what :func:`qfoundry.qasm2.loads` and
    ``Circuit.from_qasm`` build a Circuit from); QasmError for any malformed input."""
    if isinstance(text, (bytes, bytearray)):
        text = inc.decode(bytes(text), filename)
    if not isinstance(text, str):
        raise TypeError(f"OpenQASM 2 source must be str or bytes, not {type(text).__name__}")
    where = inc.qasm3_header(text.removeprefix("\ufeff"))
    if where is not None:
        raise QasmError(inc.QASM3_MESSAGE, filename, *where)
    parser = _Parser(include_path, flatten, native, confine)
    if in_file:
        parser.stack.append(os.path.realpath(filename))
    try:
        parser.parse(text.removeprefix("\ufeff"), filename)
    except RecursionError:
        raise QasmError("the program nests too deeply to process", filename) from None
    except QasmError as exc:
        reason = inc.qasm3_reason(text, str(exc))
        if reason is None:
            raise
        raise QasmError(reason, filename, 1, 1) from None
    return parser.qregs, parser.cregs, parser.data


@functools.cache
def qelib1_signatures() -> dict[str, tuple[int, int]]:
    """(number of parameters, number of qubits) of every gate qelib1.inc declares."""
    parser = _Parser((), False)
    parser.parse(QELIB1, "qelib1.inc", builtin=True)
    return {name: (g.n_params, g.n_qubits) for name, g in parser.symbols.items()
            if isinstance(g, _Gate)}
