"""OpenQASM 2.0 front end: read a program into a :class:`~qfoundry.Circuit`, write one out.

The parser is a hand-written lexer (tracking line and column) and a recursive-descent
parser over the whole OpenQASM 2.0 language. Every malformed input raises
:class:`~qfoundry.errors.QasmError` naming the file, line and column; no Python exception
escapes from inside the parser, whatever the input bytes.

``include "qelib1.inc";`` is built in (Qiskit's extended qelib1, 42 gates). Gates from it
keep their names (``h`` stays ``h``) because every engine executes them natively, so
expanding them would only slow simulation down; ``flatten=True`` expands them to ``U``
and ``CX`` instead. Gates a program defines itself are always expanded into their bodies,
so a circuit only ever holds instructions an engine knows. ``opaque`` gates are kept by
name: an engine that does not know the name refuses the experiment before it runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ._qasm2_export import dumps
from ._qasm2_parser import (
    MAX_INSTRUCTIONS,
    MAX_REGISTER_SIZE,
    QELIB1,
    parse,
    qelib1_signatures,
    read_file,
)
from .circuit import Circuit
from .errors import QasmError

__all__ = ["loads", "load", "dumps", "dump", "qelib1_signatures", "QELIB1", "QasmError",
           "MAX_REGISTER_SIZE", "MAX_INSTRUCTIONS"]


def loads(text: str | bytes, *, name: str | None = None, include_path: Sequence[str] = (".",),
          flatten: bool = False, filename: str = "<string>",
          native: Sequence[str] = ()) -> Circuit:
    """Parse an OpenQASM 2.0 program into a Circuit.

    :param text: the program (``bytes`` are decoded as UTF-8).
    :param name: the circuit's name (default: a unique ``circuit-<n>``).
    :param include_path: directories searched for ``include`` files other than qelib1.inc.
    :param flatten: expand qelib1's gates too, down to ``U`` and ``CX``.
    :param filename: the name error messages give the source.
    :param native: gates the program defines that are kept by name, as qelib1's are,
        instead of expanded: Qiskit's export defines its standard gates missing from
        qelib1 (``ecr``, ``iswap``...), which devices and engines know natively.
    :raises QasmError: for any malformed program, with file, line and column.
    """
    qregs, cregs, data = parse(text, filename, include_path, flatten, False, frozenset(native))
    return Circuit._from_parts(qregs, cregs, data, name)


def load(path: str | os.PathLike, *, name: str | None = None,
         include_path: Sequence[str] = (), flatten: bool = False) -> Circuit:
    """Parse an OpenQASM 2.0 file; includes resolve next to it, then on ``include_path``.

    The circuit is named after the file (``bell.qasm`` -> ``"bell"``) unless ``name`` is given.
    """
    path = os.fspath(path)
    text = read_file(path, QasmError("cannot read the program", path))
    if name is None:
        name = os.path.splitext(os.path.basename(path))[0]
    qregs, cregs, data = parse(text, path, include_path, flatten, True)
    return Circuit._from_parts(qregs, cregs, data, name)


def dump(circuit: Circuit, path: str | os.PathLike) -> None:
    """Write ``circuit`` to ``path`` as OpenQASM 2 (see :func:`dumps`)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(circuit))
