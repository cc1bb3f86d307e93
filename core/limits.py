"""Size limits: tiny inputs whose cost would be huge are refused before any work.

Each is a module attribute that a caller may raise (``qfoundry.limits.MAX_CLBITS = ...``)
when they mean it; every error that enforces one names it. They bound what a few bytes
of input can demand, not what the engines can do: an engine's own memory checks still
apply below them.
"""

from __future__ import annotations

__all__ = ["MAX_CLBITS", "MAX_QASM_INSTRUCTIONS", "MAX_INCLUDE_BYTES", "MAX_DEVICE_QUBITS",
           "MAX_NESTING"]

#: Classical bits of one experiment: memory slots, register bits a measure or bfunc
#: writes, clbits a circuit declares. A counts key is one character per bit.
MAX_CLBITS = 1 << 16

#: Instructions one OpenQASM 2 program may expand to (gate definitions inlined, checked
#: before expanding); a 640-byte program of nested gates once expanded to 2 million in
#: 9.8 s. At about 5 us an instruction, a program at the limit parses in about a second.
MAX_QASM_INSTRUCTIONS = 1 << 18

#: Bytes of one file read by an OpenQASM 2 ``include``.
MAX_INCLUDE_BYTES = 1 << 20

#: Qubits of one device file (IBM's largest devices have about a thousand): a two-line
#: file with ``n_qubits = 1000000`` once took 13.7 s and 700 MiB to load. Grid and
#: heavy-hex shortcuts must match ``n_qubits``, so they are bounded by it too.
MAX_DEVICE_QUBITS = 4096

#: Nesting depth of arrays and tables in a device file or a JSON file the command line
#: reads; far deeper input would exhaust the parser's recursion.
MAX_NESTING = 64
