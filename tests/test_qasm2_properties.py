"""Property-based tests: random circuits survive to_qasm -> loads; fuzzed input only ever
raises QasmError. Example counts are bounded so the file runs in a few seconds."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qfoundry import _qasm2_syntax as syntax
from qfoundry import qasm2
from qfoundry.circuit import Circuit, ClassicalRegister, QuantumRegister
from qfoundry.errors import QasmError

SIGNATURES = qasm2.qelib1_signatures()
RESERVED = set(syntax.RESERVED) | set(SIGNATURES)
FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

names = st.from_regex(r"[a-z][a-z0-9_]{0,4}", fullmatch=True).filter(lambda n: n not in RESERVED)
params = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.0, -0.0, math.pi, -math.pi / 2, 1e-300, 5e-324, 1.7976931348623157e308, 1e16])


@st.composite
def circuits(draw) -> Circuit:
    reg_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    n_q = draw(st.integers(1, min(3, len(reg_names))))
    qregs = [QuantumRegister(n, draw(st.integers(1, 3))) for n in reg_names[:n_q]]
    cregs = [ClassicalRegister(n, draw(st.integers(1, 3))) for n in reg_names[n_q:]]
    c = Circuit(*qregs, *cregs)
    gates = sorted(n for n, (_, k) in SIGNATURES.items() if k <= c.num_qubits)
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["gate", "gate", "gate", "measure", "reset", "barrier",
                                     "U", "CX", "opaque"]))
        qubits = draw(st.permutations(range(c.num_qubits)))
        before = len(c.data)
        if kind == "gate":
            name = draw(st.sampled_from(gates))
            n_params, n_qubits = SIGNATURES[name]
            c.append(name, qubits[:n_qubits], [draw(params) for _ in range(n_params)])
        elif kind == "U":
            c.append("U", qubits[:1], [draw(params) for _ in range(3)])
        elif kind == "CX" and c.num_qubits > 1:
            c.append("CX", qubits[:2])
        elif kind == "measure" and c.num_clbits:
            c.measure(qubits[0], draw(st.integers(0, c.num_clbits - 1)))
        elif kind == "reset":
            c.reset(qubits[0])
        elif kind == "barrier":
            c.barrier(*qubits[:draw(st.integers(1, c.num_qubits))])
        elif kind == "opaque":
            c.delay(abs(draw(params)), qubits[0])
        if cregs and kind != "barrier" and len(c.data) > before and draw(st.booleans()):
            creg = draw(st.sampled_from(cregs))
            c.c_if(creg, draw(st.integers(0, 2 ** creg.size + 1)))
    return c


@settings(FAST, max_examples=80)
@given(circuits())
def test_random_circuits_round_trip_exactly(circuit):
    text = circuit.to_qasm()
    assert qasm2.loads(text) == circuit
    assert qasm2.loads(text.encode()) == circuit


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(RESERVED - {"OPENQASM", "U", "CX"})), st.integers(1, 3))
def test_register_names_that_clash_with_gates_are_renamed(name, size):
    c = Circuit(QuantumRegister(name, size), ClassicalRegister("c", size)).measure(
        QuantumRegister(name, size), ClassicalRegister("c", size))
    back = qasm2.loads(c.to_qasm())
    assert back.qregs == [QuantumRegister(f"{name}_0", size)]
    assert back.data == c.data


# -- fuzzing: nothing but QasmError may come out of the parser ----------------------------------

CORPUS = [
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q;\ncx q[0],q[1];\n'
    "rz(-pi/4 + 2*sin(0.5)^2) q[2];\nbarrier q;\nmeasure q -> c;\nif(c==5) x q[1];\n",
    "OPENQASM 2.0;\ngate g(a,b) x,y { U(a,b,a*b) x; CX x,y; barrier x,y; }\n"
    "opaque o(t) x;\nqreg r[2];\ncreg m[2];\ng(1.5e-1,.5) r[0],r[1];\no(2) r;\nreset r[1];\n"
    "measure r[0] -> m[1];\n",
    'include "qelib1.inc"; qreg a[2]; qreg b[3]; cu(1,2,3,4) a,b[0]; c4x a[0],a[1],b[0],b[1],'
    "b[2]; // comment\n",
]
TOKENS = ["OPENQASM", "2.0", "include", '"qelib1.inc"', "qreg", "creg", "gate", "opaque",
          "measure", "reset", "barrier", "if", "U", "CX", "h", "cx", "rz", "q", "c", "x", "y",
          "a", "pi", "sin", "ln", "sqrt", "0", "1", "2", "3", "1.5", "1e3", ";", ",", "(", ")",
          "[", "]", "{", "}", "->", "==", "+", "-", "*", "/", "^", "//", "\n", '"', "/*",
          "Q", "_", "07", "1e999", "99999999999999999999999"]


def parse_or_qasm_error(text) -> None:
    try:
        result = qasm2.loads(text)
    except QasmError as exc:
        assert exc.line is None or exc.line >= 1
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Circuit)


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_qasm_error(data):
    parse_or_qasm_error(data)


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_token_soup_only_raises_qasm_error(tokens):
    parse_or_qasm_error(" ".join(tokens))


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 8)))
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "replace":
            text = text[:i] + draw(st.text(max_size=3)) + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@FAST
@given(mutated())
def test_mutated_valid_programs_only_raise_qasm_error(text):
    parse_or_qasm_error(text)


def test_corpus_is_valid():
    for text in CORPUS:
        assert isinstance(qasm2.loads(text), Circuit)
