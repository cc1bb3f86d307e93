"""OpenQASM 2 input as an attacker writes it: includes that reach for other files, an
expansion bomb, OpenQASM 3 text (issue 12)."""

from __future__ import annotations

import os
import time

import pytest

import qfoundry
from qfoundry import QasmError, limits, qasm2

SECRET = "hunter2 is the password\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """tmp/lib/defs.inc (a gate), tmp/secret/pw.txt (not OpenQASM), a link out of lib."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "lib" / "defs.inc").write_text("gate g a { U(0,0,0) a; }\n")
    (tmp_path / "secret" / "pw.txt").write_text(SECRET)
    (tmp_path / "secret" / "gates.inc").write_text("gate s a { U(0,0,0) a; }\n")
    if hasattr(os, "symlink"):
        os.symlink(tmp_path / "secret" / "gates.inc", tmp_path / "lib" / "link.inc")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("target", ["ABS", "../secret/gates.inc", "link.inc",
                                    "sub/../../secret/gates.inc"])
def test_includes_that_leave_the_include_path_are_refused(tree, target):
    if target == "link.inc" and not (tree / "lib" / "link.inc").exists():
        pytest.skip("no symbolic links here")
    if target == "ABS":
        target = str(tree / "secret" / "gates.inc")
    (tree / "lib" / "sub").mkdir()
    with pytest.raises(QasmError, match="lies outside the directories.*confine_includes=False"):
        qasm2.loads(f'include "{target}"; qreg q[1];', include_path=[str(tree / "lib")])


def test_confine_includes_false_opts_in_for_a_trusted_program(tree):
    c = qasm2.loads('include "../secret/gates.inc"; qreg q[1]; s q[0];',
                    include_path=[str(tree / "lib")], confine_includes=False)
    assert [i.name for i in c.data] == ["U"]


def test_includes_inside_the_path_and_next_to_the_file_still_work(tree):
    assert len(qasm2.loads('include "defs.inc"; qreg q[1]; g q[0];',
                           include_path=[str(tree / "lib")]).data) == 1
    (tree / "lib" / "prog.qasm").write_text('include "defs.inc"; qreg q[1]; g q[0];')
    assert len(qasm2.load(tree / "lib" / "prog.qasm").data) == 1
    # the documented default include_path=(".",): the working directory
    assert len(qasm2.loads('include "lib/defs.inc"; qreg q[1]; g q[0];').data) == 1


@pytest.mark.parametrize("confine", [True, False])
def test_a_file_that_is_not_openqasm_is_refused_without_echoing_it(tree, confine):
    with pytest.raises(QasmError, match="is not OpenQASM") as err:
        qasm2.loads('include "secret/pw.txt"; qreg q[1];', confine_includes=confine)
    assert "hunter2" not in str(err.value) and "password" not in str(err.value)
    (tree / "secret" / "bin.inc").write_bytes(b"\xff\xfe\x00secret")
    with pytest.raises(QasmError, match="not UTF-8") as err:
        qasm2.loads('include "secret/bin.inc"; qreg q[1];')
    assert "0xff" not in str(err.value)


def test_an_include_over_the_size_cap_is_refused_before_it_is_read(tree, monkeypatch):
    monkeypatch.setattr(limits, "MAX_INCLUDE_BYTES", 100)
    (tree / "lib" / "big.inc").write_text("// pad\n" * 100)
    with pytest.raises(QasmError, match="over the limit of 100.*MAX_INCLUDE_BYTES"):
        qasm2.loads('include "lib/big.inc"; qreg q[1];')


def test_the_run_path_confines_includes_too(tree, monkeypatch):
    monkeypatch.chdir(tree / "lib")
    with pytest.raises(QasmError, match="lies outside"):
        qfoundry.get_backend("qasm_simulator").run(
            f'OPENQASM 2.0; include "{tree / "secret" / "gates.inc"}"; qreg q[1];')


def test_a_gate_expansion_bomb_is_refused_in_well_under_a_second():
    bomb = "gate g0 a { U(0,0,0) a; U(0,0,0) a; }\n" + "".join(
        f"gate g{k} a {{ g{k - 1} a; g{k - 1} a; }}\n" for k in range(1, 21)) + \
        "qreg q[1]; g20 q[0];"
    assert len(bomb) < 640
    start = time.perf_counter()
    with pytest.raises(QasmError, match=r"more than 262144 instructions.*MAX_QASM_INSTRUCTIONS"):
        qasm2.loads(bomb)
    assert time.perf_counter() - start < 0.5
    with pytest.raises(QasmError, match="MAX_QASM_INSTRUCTIONS"):  # also through run()
        qfoundry.get_backend("qasm_simulator").run(bomb)


def test_the_instruction_limit_can_be_raised(monkeypatch):
    prog = "gate g0 a { U(0,0,0) a; U(0,0,0) a; }\nqreg q[1]; g0 q[0]; g0 q[0];"
    monkeypatch.setattr(limits, "MAX_QASM_INSTRUCTIONS", 3)
    with pytest.raises(QasmError, match="more than 3"):
        qasm2.loads(prog)
    monkeypatch.setattr(limits, "MAX_QASM_INSTRUCTIONS", 4)
    assert len(qasm2.loads(prog).data) == 4


@pytest.mark.parametrize("text, where", [
    ("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\nc = measure q;",
     (1, 10)),
    ("// a comment\nOPENQASM 3;\nqubit q;", (2, 10)),
    ('include "stdgates.inc";\nqubit[2] q;\nh q[0];', (1, 1)),
])
def test_openqasm_3_gets_a_message_saying_so(text, where):
    with pytest.raises(QasmError, match=r"OpenQASM 3 is not supported \(yet\)") as err:
        qasm2.loads(text)
    assert (err.value.line, err.value.column) == where
    assert "unexpected character" not in str(err.value).split("as OpenQASM 2")[0]


def test_openqasm_2_that_names_a_gate_bit_is_not_mistaken_for_openqasm_3():
    c = qasm2.loads("qreg q[1];\ngate bit a { U(0,0,0) a; }\nbit q[0];")
    assert len(c.data) == 1
