"""Where an OpenQASM 2 ``include`` may read from, and what it may read, for qfoundry.qasm2.

A program is often someone else's text (a file from the web, a job from a queue), and an
include reads a file: unchecked, ``include "/home/me/.ssh/id_rsa";`` would read any file
and echo its first word in the error (``undefined gate 'hunter2'``). So by default an
include resolves only inside the including file's own directory and the ``include_path``
directories (after following symbolic links and ``..``), is at most
``qfoundry.limits.MAX_INCLUDE_BYTES`` long, and must look like OpenQASM before a single
token of it appears in a message. ``confine_includes=False`` lifts the confinement (not
the size cap) for programs you trust. Qiskit's ``qasm2.load`` reads any path; see
docs/circuits.md, "Includes".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from importlib import resources

from . import limits
from .errors import QasmError

__all__ = ["QELIB1", "read_file", "decode", "find_include", "not_qasm_reason", "read_include",
           "too_long", "qasm3_header", "qasm3_reason", "QASM3_MESSAGE"]

QELIB1: str = resources.files(__package__).joinpath("qelib1.inc").read_text(encoding="utf-8")
"""The text of the built-in ``qelib1.inc`` (identical to Qiskit's)."""

# The first word of an OpenQASM 2 file: a statement keyword (or a gate name, checked by
# the caller against the gates defined so far).
_STATEMENT_WORDS = frozenset({"OPENQASM", "include", "gate", "opaque", "qreg", "creg",
                              "measure", "reset", "barrier", "if", "U", "CX"})
_LEAD = re.compile(r"(?:\s+|//[^\n]*)*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VERSION = re.compile(r"(?:\s+|//[^\n]*)*OPENQASM\s+([0-9]+)(?:\.([0-9]+))?")
_QASM3_SIGNS = re.compile(r"""include\s+"stdgates\.inc"|^\s*(?:qubit|bit)\s*[\[ ]""",
                          re.MULTILINE)


def _inside(path: str, base: str) -> bool:
    try:
        return os.path.commonpath([path, base]) == base
    except ValueError:  # different drives on Windows
        return False


def find_include(name: str, bases: list[str], confine: bool) -> tuple[str | None, str | None]:
    """``(path, None)`` of the first base holding ``name``, or ``(None, reason)``.

    Confined, a candidate counts only if its real path lies inside the real path of the
    base it was found from: absolute names, ``..`` and symbolic links that lead out of
    the directories are refused, with the reason naming the rule and the way out.
    """
    outside = None
    for base in bases:
        candidate = os.path.join(base, name)
        if not os.path.isfile(candidate):
            continue
        real = os.path.realpath(candidate)
        if not confine or _inside(real, os.path.realpath(base)):
            return candidate, None
        outside = outside or base
    if outside is not None:
        return None, (f"include file '{name}' lies outside the directories includes may "
                      f"read ({', '.join(bases)}): absolute paths, '..' and links that "
                      "leave them are refused; pass confine_includes=False for a trusted "
                      "program, or add its directory to include_path")
    return None, None


def read_include(name: str, bases: list[str], confine: bool, known_gates: set[str],
                 stack: list[str], max_depth: int, fail: Callable[[str], Exception]
                 ) -> tuple[str, str]:
    """``(path, text)`` of include file ``name``, or ``raise fail(reason)``: not found,
    outside the directories, recursive, nested too deep, unreadable, too large, not
    OpenQASM. Reads at most one byte past the size cap."""
    path, refused = find_include(name, bases, confine)
    if path is None:
        raise fail(refused or f"cannot find include file '{name}' (searched "
                   f"{', '.join(bases) or 'nowhere'})")
    if os.path.realpath(path) in stack:
        raise fail(f"recursive include of '{name}'")
    if len(stack) >= max_depth:
        raise fail(f"includes nested more than {max_depth} deep")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limits.MAX_INCLUDE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read include file '{name}': {exc.strerror}") from None
    reason = not_qasm_reason(raw, name, known_gates)
    if reason is not None:
        raise fail(reason)
    return path, raw.decode("utf-8").removeprefix("\ufeff")


def too_long() -> str:
    """The message of a program that expands past ``MAX_QASM_INSTRUCTIONS``."""
    return (f"the program expands to more than {limits.MAX_QASM_INSTRUCTIONS} instructions "
            "(qfoundry.limits.MAX_QASM_INSTRUCTIONS; raise it for a program this large)")


def not_qasm_reason(raw: bytes, name: str, known_gates: set[str]) -> str | None:
    """Why the bytes of include file ``name`` are not OpenQASM, without quoting them, or
    None. Checked before tokenizing, so no token of a non-OpenQASM file reaches a message."""
    if len(raw) > limits.MAX_INCLUDE_BYTES:
        return (f"include file '{name}' is {len(raw)} bytes, over the limit of "
                f"{limits.MAX_INCLUDE_BYTES} (qfoundry.limits.MAX_INCLUDE_BYTES)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"include file '{name}' is not OpenQASM (it is not UTF-8 text)"
    text = text.removeprefix("\ufeff")
    start = _LEAD.match(text).end()
    if start == len(text):
        return None  # empty, or only comments: harmless
    word = _WORD.match(text, start)
    if word is None or (word.group() not in _STATEMENT_WORDS
                        and word.group() not in known_gates):
        return (f"include file '{name}' is not OpenQASM (its first statement is not a "
                "declaration, a gate or an include)")
    return None


QASM3_MESSAGE = ("OpenQASM 3 is not supported (yet): qfoundry reads OpenQASM 2.0; load the "
                 "program with Qiskit's qiskit.qasm3.loads and pass the QuantumCircuit to run()")


def qasm3_header(text: str) -> tuple[int, int] | None:
    """(line, column) of the version of an ``OPENQASM 3`` header, found before tokenizing:
    the lexer would otherwise stop at the first character OpenQASM 2 lacks
    (``unexpected character '='``)."""
    version = _VERSION.match(text)
    if version is None or version.group(1) != "3":
        return None
    start = version.start(1)
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def qasm3_reason(text: str, error: str) -> str | None:
    """The message for a program without a version header that failed as OpenQASM 2 and
    shows OpenQASM 3's unmistakable signs (``stdgates.inc``, ``qubit``/``bit``
    declarations), or None. Looked for only after the failure, so a valid OpenQASM 2
    program that names a gate ``bit`` is never misread."""
    if _VERSION.match(text) is None and _QASM3_SIGNS.search(text):
        return f"{QASM3_MESSAGE} (it looks like OpenQASM 3; as OpenQASM 2: {error})"
    return None


def read_file(path: str, error: QasmError) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise QasmError(f"{error.reason}: {exc.strerror}", error.filename, error.line,
                        error.column) from None
    return decode(raw, path)


def decode(raw: bytes, filename: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise QasmError(f"invalid UTF-8 byte 0x{raw[exc.start]:02x}", filename, line,
                        col) from None
