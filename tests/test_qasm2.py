"""OpenQASM 2.0 parser conformance: every grammar feature, and every error class.

Each error test checks the QasmError's line and column and a phrase of its reason, since
"where and why" is what a user fixing a file needs.
"""

from __future__ import annotations

import math

import pytest

from qfoundry import qasm2
from qfoundry.circuit import Circuit, ClassicalRegister, Instruction, QuantumRegister
from qfoundry.errors import QasmError

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'


def ops(circuit: Circuit) -> list[tuple]:
    return [(i.name, i.qubits, i.params, i.clbits, i.condition) for i in circuit.data]


# -- grammar features -------------------------------------------------------------------------

def test_registers_flat_indices_and_header():
    c = qasm2.loads(HEADER + "qreg a[2]; creg m[1]; qreg b[3]; creg n[2]; x b[1]; x a[1];")
    assert c.qregs == [QuantumRegister("a", 2), QuantumRegister("b", 3)]
    assert c.cregs == [ClassicalRegister("m", 1), ClassicalRegister("n", 2)]
    assert (c.num_qubits, c.num_clbits) == (5, 3)
    assert ops(c) == [("x", (3,), (), (), None), ("x", (1,), (), (), None)]


def test_version_statement_optional_and_integer_version_accepted():
    assert qasm2.loads("qreg q[1]; U(0,0,0) q[0];").num_qubits == 1
    assert qasm2.loads("OPENQASM 2; qreg q[1];").num_qubits == 1


def test_qelib1_gates_keep_their_names_and_builtins_are_U_and_CX():
    c = qasm2.loads(HEADER + "qreg q[3]; h q[0]; u(1,2,3) q[1]; U(1,2,3) q[2]; CX q[0],q[1];"
                    "ccx q[0],q[1],q[2]; cu(1,2,3,4) q[2],q[0];")
    assert ops(c) == [("h", (0,), (), (), None), ("u", (1,), (1.0, 2.0, 3.0), (), None),
                      ("U", (2,), (1.0, 2.0, 3.0), (), None), ("CX", (0, 1), (), (), None),
                      ("ccx", (0, 1, 2), (), (), None),
                      ("cu", (2, 0), (1.0, 2.0, 3.0, 4.0), (), None)]


def test_qelib1_has_qiskits_42_gates():
    sig = qasm2.qelib1_signatures()
    assert len(sig) == 42
    assert sig["u3"] == (3, 1) and sig["cu"] == (4, 2) and sig["c4x"] == (0, 5)
    assert sig["rccx"] == (0, 3) and sig["c3sqrtx"] == (0, 4) and sig["sxdg"] == (0, 1)


def test_flatten_expands_qelib1_down_to_U_and_CX():
    c = qasm2.loads(HEADER + "qreg q[2]; h q[0]; cx q[0],q[1];", flatten=True)
    assert ops(c) == [("U", (0,), (math.pi / 2, 0.0, math.pi), (), None),
                      ("CX", (0, 1), (), (), None)]


def test_user_gates_expand_recursively_with_parameters_bound():
    c = qasm2.loads(HEADER + """
        gate inner(a, b) x { rz(a*b) x; U(a, -b, a/2) x; }
        gate outer(t) x, y { inner(t, 2) y; cx x, y; barrier x, y; inner(-t, t) x; }
        qreg q[2];
        outer(0.5) q[1], q[0];
    """)
    assert ops(c) == [("rz", (0,), (1.0,), (), None), ("U", (0,), (0.5, -2.0, 0.25), (), None),
                      ("cx", (1, 0), (), (), None), ("barrier", (1, 0), (), (), None),
                      ("rz", (1,), (-0.25,), (), None),
                      ("U", (1,), (-0.5, -0.5, -0.25), (), None)]


def test_user_gate_may_shadow_nothing_but_can_reuse_qelib1_names_without_include():
    # Without the include, `h` is the user's gate and is expanded, not taken as qelib1's h.
    c = qasm2.loads("qreg q[1]; gate h a { U(0,0,0) a; } h q[0];")
    assert ops(c) == [("U", (0,), (0.0, 0.0, 0.0), (), None)]


def test_empty_gate_body_and_gate_without_parentheses():
    c = qasm2.loads("gate nop() a { } gate nop2 a, b { } qreg q[2]; nop q[0]; nop2 q[0], q[1];")
    assert c.data == []


def test_opaque_declared_and_emitted_by_name():
    c = qasm2.loads("opaque magic(a, b) x, y; opaque tick q; qreg q[2]; magic(1, pi) q[1], q[0];"
                    " tick q;")
    assert ops(c) == [("magic", (1, 0), (1.0, math.pi), (), None),
                      ("tick", (0,), (), (), None), ("tick", (1,), (), (), None)]


def test_measure_reset_barrier_and_broadcasting():
    c = qasm2.loads(HEADER + "qreg q[2]; qreg r[1]; creg c[2];"
                    "h q; cx q, r[0]; reset q; measure q -> c; measure r[0] -> c[1];"
                    "barrier q, r; barrier q[1], q;")
    assert ops(c) == [
        ("h", (0,), (), (), None), ("h", (1,), (), (), None),
        ("cx", (0, 2), (), (), None), ("cx", (1, 2), (), (), None),
        ("reset", (0,), (), (), None), ("reset", (1,), (), (), None),
        ("measure", (0,), (), (0,), None), ("measure", (1,), (), (1,), None),
        ("measure", (2,), (), (1,), None),
        ("barrier", (0, 1, 2), (), (), None), ("barrier", (1, 0), (), (), None)]


def test_two_registers_broadcast_pairwise():
    c = qasm2.loads(HEADER + "qreg a[2]; qreg b[2]; cx a, b;")
    assert ops(c) == [("cx", (0, 2), (), (), None), ("cx", (1, 3), (), (), None)]


def test_conditions_on_gates_measure_reset_and_user_gates():
    c = qasm2.loads(HEADER + """qreg q[2]; creg c[2]; creg d[1];
        if(c==3) x q[0];
        if (d == 1) measure q[1] -> c[0];
        if(c==0) reset q;
        gate g a, b { h a; barrier a, b; cx a, b; }
        if(c==2) g q[0], q[1];""")
    assert ops(c) == [
        ("x", (0,), (), (), ("c", 3)), ("measure", (1,), (), (0,), ("d", 1)),
        ("reset", (0,), (), (), ("c", 0)), ("reset", (1,), (), (), ("c", 0)),
        ("h", (0,), (), (), ("c", 2)), ("barrier", (0, 1), (), (), None),
        ("cx", (0, 1), (), (), ("c", 2))]


@pytest.mark.parametrize("expr, value", [
    ("pi", math.pi), ("-pi/2", -math.pi / 2), ("1+2*3", 7.0), ("(1+2)*3", 9.0),
    ("2^3^2", 512.0), ("-2^2", -4.0), ("2^-1", 0.5), ("+3", 3.0), ("--1", 1.0),
    ("10/4/5", 0.5), ("8-2-1", 5.0), ("sin(pi/2)", 1.0), ("cos(0)", 1.0),
    ("tan(0)", 0.0), ("exp(1)", math.e), ("ln(exp(2))", 2.0), ("sqrt(16)", 4.0),
    ("1.5e2", 150.0), ("2E-1", 0.2), (".5", 0.5), ("5.", 5.0), ("3e2", 300.0),
    ("1.25E+1", 12.5), ("0", 0.0), ("2*(3-(4-5))", 8.0),
])
def test_parameter_expressions(expr, value):
    c = qasm2.loads(f"qreg q[1]; U({expr}, 0, 0) q[0];")
    assert c.data[0].params[0] == pytest.approx(value, rel=1e-15)


def test_expressions_inside_gate_bodies_use_parameters():
    c = qasm2.loads("gate g(a, b) q { U(sqrt(a)^2 + ln(b), -(a - b) * 2, sin(a)/cos(a)) q; }"
                    "qreg r[1]; g(2, 1) r[0];")
    assert c.data[0].params == pytest.approx((2.0, -2.0, math.tan(2.0)))


def test_comments_whitespace_and_crlf():
    text = "// leading comment\r\nOPENQASM 2.0; // version\r\n\tqreg   q [ 1 ] ;\r\n" \
           "U ( 0 , 0 , 0 )\n q[0]\n;// end"
    assert ops(qasm2.loads(text)) == [("U", (0,), (0.0, 0.0, 0.0), (), None)]


def test_bytes_input_and_bom():
    assert qasm2.loads(b"\xef\xbb\xbfqreg q[1];").num_qubits == 1


def test_zero_size_register_and_empty_program():
    c = qasm2.loads(HEADER + "qreg q[0]; h q;")
    assert c.num_qubits == 0 and c.data == []
    assert qasm2.loads("").num_qubits == 0


def test_repeated_qelib1_include_is_harmless():
    c = qasm2.loads(HEADER + 'include "qelib1.inc"; qreg q[1]; h q[0];')
    assert len(c.data) == 1


def test_load_names_circuit_after_file_and_resolves_includes(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "mine.inc").write_text('include "qelib1.inc";\ngate bell a, b { h a; cx a, b; }\n')
    (lib / "more.inc").write_text('include "mine.inc";\ngate twice a, b { bell a, b; }\n')
    (tmp_path / "prog.qasm").write_text('OPENQASM 2.0;\ninclude "lib/more.inc";\n'
                                        "qreg q[2];\ntwice q[0], q[1];\n")
    c = qasm2.load(tmp_path / "prog.qasm")
    assert c.name == "prog"
    assert ops(c) == [("h", (0,), (), (), None), ("cx", (0, 1), (), (), None)]


def test_include_path_is_searched(tmp_path):
    (tmp_path / "defs.inc").write_text("gate g a { U(0,0,0) a; }")
    c = qasm2.loads('include "defs.inc"; qreg q[1]; g q[0];', include_path=[tmp_path])
    assert len(c.data) == 1
    c = qasm2.loads('include "defs.inc"; qreg q[1]; g q[0];', include_path=str(tmp_path))
    assert len(c.data) == 1


def test_dump_and_load_roundtrip(tmp_path):
    c = Circuit(2, 2, name="x").h(0).cx(0, 1).measure([0, 1], [0, 1])
    qasm2.dump(c, tmp_path / "x.qasm")
    assert qasm2.load(tmp_path / "x.qasm") == c


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, col, phrase", [
    # undefined names
    ("qreg q[1];\nfoo q[0];", 2, 1, "undefined gate 'foo'"),
    ("qreg q[1];\nh q[0];", 2, 1, 'add include "qelib1.inc"'),
    (HEADER + "qreg q[1];\nh r[0];", 4, 3, "undefined register 'r'"),
    (HEADER + "qreg q[1]; creg c[1];\nmeasure q[0] -> d[0];", 4, 17, "undefined register 'd'"),
    (HEADER + "qreg q[1];\nif(c==1) x q[0];", 4, 4, "'c' is not a classical register"),
    ("gate g(a) x { U(b,0,0) x; }", 1, 17, "undefined parameter 'b'"),
    ("gate g x { U(0,0,0) y; }", 1, 21, "'y' is not a qubit argument"),
    ("gate g x { k x; }", 1, 12, "undefined gate 'k'"),
    ("qreg q[1]; U(x,0,0) q[0];", 1, 14, "undefined parameter 'x'"),
    # wrong kind of symbol
    (HEADER + "qreg q[1];\nq q[0];", 4, 1, "'q' is a register, not a gate"),
    (HEADER + "qreg q[1]; creg c[1];\nh c[0];", 4, 3, "'c' is not a quantum register"),
    (HEADER + "qreg q[1];\nh x;", 4, 3, "'x' is a gate, not a register"),
    (HEADER + "qreg q[1]; creg c[1];\nmeasure q[0] -> q[0];", 4, 17, "not a classical register"),
    # indices and sizes
    (HEADER + "qreg q[2];\nh q[2];", 4, 5, "index 2 out of range for register 'q' of size 2"),
    (HEADER + "qreg q[2]; qreg r[3];\ncx q, r;", 4, 1, "different sizes [2, 3]"),
    (HEADER + "qreg q[2]; creg c[3];\nmeasure q -> c;", 4, 1, "same size"),
    (HEADER + "qreg q[2]; creg c[2];\nmeasure q -> c[0];", 4, 1, "same size"),
    (HEADER + "qreg q[2];\ncx q[1], q[1];", 4, 1, "same qubit twice"),
    (HEADER + "qreg q[2];\ncx q, q;", 4, 1, "same qubit twice"),
    ("qreg q[99999999];", 1, 8, "exceeds the limit"),
    # arity
    (HEADER + "qreg q[2];\ncx q[0];", 4, 1, "'cx' acts on 2 qubit(s), got 1"),
    (HEADER + "qreg q[2];\nh q[0], q[1];", 4, 1, "'h' acts on 1 qubit(s), got 2"),
    (HEADER + "qreg q[1];\nrz q[0];", 4, 1, "'rz' takes 1 parameter(s), got 0"),
    (HEADER + "qreg q[1];\nh(0.1) q[0];", 4, 1, "'h' takes 0 parameter(s), got 1"),
    ("qreg q[1];\nU(1,2) q[0];", 2, 1, "'U' takes 3 parameter(s), got 2"),
    (HEADER + "gate g a { cx a; }", 3, 12, "'cx' acts on 2 qubit(s)"),
    ("opaque o(a) x; qreg q[1];\no q[0];", 2, 1, "'o' takes 1 parameter(s), got 0"),
    # duplicate declarations
    ("qreg q[1];\nqreg q[2];", 2, 6, "'q' is already defined (at <string>:1:6)"),
    ("qreg q[1];\ncreg q[2];", 2, 6, "'q' is already defined"),
    (HEADER + "qreg h[1];", 3, 6, "'h' is already defined (at qelib1.inc:"),
    ("gate g a { }\ngate g b { }", 2, 6, "'g' is already defined"),
    ("gate g a { }\nopaque g b;", 2, 8, "'g' is already defined"),
    ("gate g(a, a) x { }", 1, 11, "'a' appears twice"),
    ("gate g x, x { }", 1, 11, "'x' appears twice"),
    ("gate g(x) x { }", 1, 6, "both a parameter and a qubit argument"),
    # bad tokens
    ("qreg q[1];\nqreg Q[1];", 2, 6, "must start with a lowercase letter"),
    ("qreg _q[1];", 1, 6, "must start with a lowercase letter"),
    ("qreg q[01];", 1, 8, "leading zero"),
    ("qreg q[1]; U(0,0,0) q[0]; $", 1, 27, "unexpected character '$'"),
    ('include "qelib1.inc;\n', 1, 9, "unterminated string"),
    ("/* no */ qreg q[1];", 1, 1, "'/* */' comments are not OpenQASM 2"),
    ("qreg q[1.5];", 1, 8, "a register size"),
    ("qreg q[-1];", 1, 8, "a register size"),
    ("qreg gate[1];", 1, 6, "'gate' is a reserved word"),
    ("qreg pi[1];", 1, 6, "'pi' is a reserved word"),
    ("OPENQASM 3.0;", 1, 10, "OpenQASM 3 is not supported (yet)"),
    ("qreg q[1];\nOPENQASM 2.0;", 2, 1, "only the first statement"),
    ("qreg q[1]; U(1 2,0,0) q[0];", 1, 16, "expected ')'"),
    ("qreg q[1]; U(,0,0) q[0];", 1, 14, "expected a number"),
    ("qreg q[1]; U(1e999,0,0) q[0];", 1, 14, "too large"),
    ("qreg q[1]; U(1/0,0,0) q[0];", 1, 15, "division by zero"),
    ("qreg q[1]; U(ln(0),0,0) q[0];", 1, 14, "ln(0.0) is undefined"),
    ("qreg q[1]; U(sqrt(-1),0,0) q[0];", 1, 14, "sqrt(-1.0) is undefined"),
    ("qreg q[1]; U((-8)^(1/3),0,0) q[0];", 1, 18, "is not a real number"),
    ("qreg q[1]; U(exp(1000),0,0) q[0];", 1, 14, "too large"),
    ("qreg q[1]; U(1e300*1e300,0,0) q[0];", 1, 12, "evaluates to inf"),
    ("gate g(a) x { U(ln(a),0,0) x; }\nqreg q[1];\ng(-1) q[0];", 3, 1,
     "in gate 'g' (defined at <string>:1:6): ln(-1.0) is undefined"),
    # unterminated / misplaced statements
    ("qreg q[1]", 1, 10, "expected ';', found end of file"),
    ("qreg q[1]\nqreg r[1];", 1, 10, "missing ';' at the end of the statement"),
    (HEADER + "qreg q[1];\nh q[0]", 4, 7, "expected ';'"),
    ("gate g a { U(0,0,0) a;", 1, 6, "body of gate 'g' is not closed"),
    ("gate g a { measure a; }", 1, 12, "'measure' is not allowed in a gate body"),
    ("gate g a { U(0,0,0) a[0]; }", 1, 22, "cannot be indexed"),
    ("gate g a { include \"x\"; }", 1, 12, "not allowed in a gate body"),
    (HEADER + "qreg q[1]; creg c[1];\nif(c==1) barrier q;", 4, 10, "after if(...)"),
    (HEADER + "qreg q[1]; creg c[1];\nif(c[0]==1) x q;", 4, 5, "whole register, not one bit"),
    (HEADER + "qreg q[1]; creg c[1];\nif(c==-1) x q;", 4, 7, "non-negative integer"),
    ("qreg q[1]; creg c[1];\nmeasure q[0] c[0];", 2, 14, "expected '->'"),
    ("; qreg q[1];", 1, 1, "expected a statement, found ';'"),
    ("qreg q[1]; pi q[0];", 1, 12, "at the start of a statement"),
    ("gate g { }", 1, 8, "expected a qubit argument name"),
    ('include "missing.inc";', 1, 9, "cannot find include file 'missing.inc'"),
    ("include qelib1;", 1, 9, "a file name in quotes"),
])
def test_errors_name_line_column_and_reason(text, line, col, phrase):
    with pytest.raises(QasmError) as info:
        qasm2.loads(text)
    err = info.value
    assert phrase in err.reason, err.reason
    assert (err.line, err.column) == (line, col), str(err)
    assert str(err).startswith(f"<string>:{line}:{col}: ")
    assert "\n" not in str(err)


def test_error_in_included_file_names_that_file(tmp_path):
    (tmp_path / "bad.inc").write_text("gate g a {\n  U(0,0) a;\n}\n")
    (tmp_path / "main.qasm").write_text('include "bad.inc";\n')
    with pytest.raises(QasmError) as info:
        qasm2.load(tmp_path / "main.qasm")
    assert info.value.filename == str(tmp_path / "bad.inc")
    assert (info.value.line, info.value.column) == (2, 3)


@pytest.mark.parametrize("files", [
    {"main.qasm": 'include "main.qasm";'},
    {"main.qasm": 'include "a.inc";', "a.inc": 'include "b.inc";', "b.inc": 'include "a.inc";'},
])
def test_recursive_includes_are_an_error_not_a_hang(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(QasmError, match="recursive include"):
        qasm2.load(tmp_path / "main.qasm")


def test_missing_file_and_invalid_utf8(tmp_path):
    with pytest.raises(QasmError, match="cannot read the program"):
        qasm2.load(tmp_path / "nope.qasm")
    with pytest.raises(QasmError) as info:
        qasm2.loads(b"qreg q[1];\n// caf\xe9\n")
    assert (info.value.line, info.value.column) == (2, 7)
    assert "invalid UTF-8 byte 0xe9" in info.value.reason


def test_deep_nesting_is_an_error_not_a_recursion_crash():
    with pytest.raises(QasmError, match="nested more than"):
        qasm2.loads("qreg q[1]; U(" + "(" * 5000 + "1" + ")" * 5000 + ",0,0) q[0];")
    with pytest.raises(QasmError, match="nested more than"):
        qasm2.loads("qreg q[1]; U(" + "-" * 5000 + "1,0,0) q[0];")


def test_exponential_gate_expansion_is_refused():
    defs = "gate g0 a { U(0,0,0) a; U(0,0,0) a; }\n" + "".join(
        f"gate g{k} a {{ g{k - 1} a; g{k - 1} a; }}\n" for k in range(1, 40))
    with pytest.raises(QasmError, match="expands to more than"):
        qasm2.loads(defs + "qreg q[1]; g39 q[0];")


def test_executing_opaque_is_left_to_the_engine_with_its_name():
    c = qasm2.loads("opaque secret a; qreg q[1]; secret q[0];")
    assert c.data == [Instruction("secret", (0,))]


def test_load_errors_carry_the_real_file_name(tmp_path):
    path = tmp_path / "broken.qasm"
    path.write_text("OPENQASM 2.0;\nqreg q[1];\nx q[0];\n")
    with pytest.raises(QasmError) as info:
        qasm2.load(path)
    assert str(info.value).startswith(f"{path}:3:1: undefined gate 'x'")
