"""Writing a Circuit as OpenQASM 2 (``qfoundry.qasm2.dumps``).

The output always includes qelib1.inc and names qelib1 gates directly, so
``qasm2.loads(dumps(c)) == c`` for circuits of qelib1 gates, measures, resets, barriers and
conditions, and Qiskit's ``qiskit.qasm2.loads`` reads it. Parameters are written with
``repr`` so floats survive the round trip bit for bit. Three things OpenQASM 2 cannot say
are translated: ``unitary``, ``initialize`` and the standard gates qelib1 lacks (``r``,
``ecr``, ``rzx``, ``iswap``, ... from Qiskit circuits) become gate definitions synthesised
from the matrix or amplitudes (equal up to global phase), so Qiskit and any other
OpenQASM 2 reader can simulate the file; any other instruction name (``delay``, an
engine-specific gate) is declared ``opaque`` and so reads back unchanged.
The circuit's global phase is not written: OpenQASM 2 has no syntax for it.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np

from .errors import CircuitError
from .parameters import is_symbolic

if TYPE_CHECKING:
    from .circuit import Circuit

__all__ = ["dumps"]

_IDENT = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
_NATIVE = frozenset({"U", "CX", "measure", "reset", "barrier", "unitary", "initialize"})


def _fmt(value: float) -> str:
    if is_symbolic(value):
        raise CircuitError(f"parameter {value} is not bound: OpenQASM 2 has no free "
                           "parameters (assign_parameters() first)")
    if not math.isfinite(value):
        raise CircuitError(f"parameter {value!r} cannot be written in OpenQASM 2")
    text = repr(float(value))
    if "e" in text and "." not in text:  # OpenQASM reals want a point: 1e-05 -> 1.0e-05
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def _call(name: str, params: tuple, args: list[str]) -> str:
    inner = f"({','.join(_fmt(p) for p in params)})" if params else ""
    return f"{name}{inner} {','.join(args)};"


def dumps(circuit: Circuit) -> str:
    """The circuit as an OpenQASM 2.0 program.

    :raises CircuitError: for an instruction name that is not a valid OpenQASM identifier
        or that is used with different parameter/qubit counts.
    """
    from ._qasm2_parser import qelib1_signatures
    from ._qasm2_syntax import RESERVED as _RESERVED
    from .gates import GATES
    from .synthesis import prepare_state, synthesize_unitary

    qelib1 = qelib1_signatures()
    taken = set(_RESERVED) | set(qelib1)
    opaque: dict[str, tuple[int, int]] = {}

    def defined_by_matrix(inst) -> bool:  # a standard gate qelib1 cannot name
        spec = GATES.get(inst.name)
        return (inst.name not in qelib1 and inst.name not in _NATIVE and spec is not None
                and len(inst.params) == spec.num_params
                and spec.num_qubits in (None, len(inst.qubits)))

    for k, inst in enumerate(circuit.data):
        cond = inst.condition
        if cond is not None and not isinstance(cond[0], str):
            raise CircuitError(f"instruction {k} ({inst.name!r}) is conditioned on clbits "
                               f"{list(cond[0])}; OpenQASM 2 conditions test a whole register")
        if inst.name == "delay" and len(inst.params) == 2:
            raise CircuitError(f"instruction {k}: a delay in {inst.params[1]!r}; OpenQASM 2 "
                               "delays are in units of dt")
        if inst.name in qelib1 or inst.name in _NATIVE or defined_by_matrix(inst):
            continue
        if not _IDENT.match(inst.name) or inst.name in _RESERVED:
            raise CircuitError(f"instruction '{inst.name}' cannot be written in OpenQASM 2: "
                               "its name is not a valid identifier")
        sig = (len(inst.params), len(inst.qubits))
        if opaque.setdefault(inst.name, sig) != sig:
            raise CircuitError(f"instruction '{inst.name}' is used with {sig[0]} parameter(s) "
                               f"on {sig[1]} qubit(s) and also with {opaque[inst.name][0]} on "
                               f"{opaque[inst.name][1]}: OpenQASM 2 needs one signature")
    taken |= set(opaque)
    reg_names = {r.name for r in (*circuit.qregs, *circuit.cregs)}

    def fresh(base: str) -> str:
        k = 0
        while f"{base}_{k}" in taken or f"{base}_{k}" in reg_names:
            k += 1
        taken.add(f"{base}_{k}")
        return f"{base}_{k}"

    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";']
    for name, (n_params, n_qubits) in opaque.items():
        params = f"({','.join(f'p{k}' for k in range(n_params))})" if n_params else ""
        lines.append(f"opaque {name}{params} {','.join(f'q{k}' for k in range(n_qubits))};")
    synthesised = {}
    for k, inst in enumerate(circuit.data):
        if inst.name in ("unitary", "initialize") or defined_by_matrix(inst):
            if inst.name in GATES and inst.name not in ("unitary", "initialize"):
                matrix = GATES[inst.name].matrix(inst.params, len(inst.qubits))
                gates, _ = synthesize_unitary(matrix)
            elif inst.name == "unitary":
                gates, _ = synthesize_unitary(np.asarray(inst.params[0]))
            else:
                gates, _ = prepare_state(np.asarray(inst.params, dtype=complex))
            synthesised[k] = gname = fresh(inst.name)
            args = [f"q{j}" for j in range(len(inst.qubits))]
            body = " ".join(_call(g, p, [args[j] for j in qs]) for g, p, qs in gates)
            lines.append(f"gate {gname} {','.join(args)} {{ {body} }}")
    rename = {}
    for reg in (*circuit.qregs, *circuit.cregs):  # avoid clashes with gates and keywords
        new, k = reg.name, 0
        while new in taken:
            new, k = f"{reg.name}_{k}", k + 1
        taken.add(new)
        rename[reg.name] = new
    lines += [f"qreg {rename[r.name]}[{r.size}];" for r in circuit.qregs]
    lines += [f"creg {rename[r.name]}[{r.size}];" for r in circuit.cregs]
    qubits = [f"{rename[r.name]}[{j}]" for r in circuit.qregs for j in range(r.size)]
    clbits = [f"{rename[r.name]}[{j}]" for r in circuit.cregs for j in range(r.size)]
    for k, inst in enumerate(circuit.data):
        cond = inst.condition
        prefix = f"if({rename[cond[0]]}=={cond[1]}) " if cond is not None else ""
        args = [qubits[q] for q in inst.qubits]
        if inst.name == "measure":
            lines.append(f"{prefix}measure {args[0]} -> {clbits[inst.clbits[0]]};")
        elif inst.name == "reset" or inst.name == "barrier":
            lines.append(f"{prefix}{inst.name} {','.join(args)};")
        elif k in synthesised:
            if inst.name == "initialize":
                lines += [f"{prefix}reset {a};" for a in args]
            lines.append(f"{prefix}{synthesised[k]} {','.join(args)};")
        else:
            lines.append(prefix + _call(inst.name, inst.params, args))
    return "\n".join(lines) + "\n"
