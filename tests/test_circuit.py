"""The Circuit builder: registers, validation, broadcasting, conditions, inspection, drawing."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from qfoundry import qasm2
from qfoundry.circuit import (
    Circuit,
    ClassicalRegister,
    Clbit,
    Instruction,
    QuantumRegister,
    Qubit,
)
from qfoundry.errors import CircuitError


def test_int_constructor_makes_q_and_c_registers():
    c = Circuit(3, 2)
    assert c.qregs == [QuantumRegister("q", 3)] and c.cregs == [ClassicalRegister("c", 2)]
    assert (c.num_qubits, c.num_clbits) == (3, 2)
    assert Circuit(2).cregs == [] and Circuit().num_qubits == 0
    assert Circuit(n_qubits=2, n_clbits=1).cregs == [ClassicalRegister("c", 1)]


def test_registers_give_flat_indices_in_declaration_order():
    a, b = QuantumRegister("a", 2), QuantumRegister("b", 3)
    m = ClassicalRegister("m", 2)
    c = Circuit(a, m, b)
    c.x(b[1]).cx(a[1], b[0]).measure(b[2], m[1])
    assert [(i.name, i.qubits, i.clbits) for i in c.data] == [
        ("x", (3,), ()), ("cx", (1, 2), ()), ("measure", (4,), (1,))]
    assert c.qubit_labels == [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("b", 2)]
    assert a[-1] == Qubit(a, 1) and m[0] == Clbit(m, 0) and a[0:2] == list(a)


def test_default_names_are_unique_and_name_is_kept():
    assert Circuit().name != Circuit().name
    assert Circuit().name.startswith("circuit-")
    assert Circuit(1, name="bell").name == "bell"


@pytest.mark.parametrize("make, phrase", [
    (lambda: QuantumRegister("Q", 1), "invalid register name"),
    (lambda: QuantumRegister("q", -1), "non-negative integer"),
    (lambda: Circuit(QuantumRegister("q", 1), ClassicalRegister("q", 1)), "already exists"),
    (lambda: Circuit(1).h(1), "qubit 1 out of range"),
    (lambda: Circuit(2).cx(0, 0), "a qubit appears twice"),
    (lambda: Circuit(1).rz(float("nan"), 0), "not finite"),
    (lambda: Circuit(1).rz(1j, 0), "not real"),
    (lambda: Circuit(1).rz("x", 0), "not a number"),
    (lambda: Circuit(2).append("cx", [0]), "acts on 2 qubit(s), got 1"),
    (lambda: Circuit(1).append("rz", [0]), "takes 1 parameter(s), got 0"),
    (lambda: Circuit(1, 1).append("h", [0], clbits=[0]), "takes 0 clbit(s)"),
    (lambda: Circuit(1, 1).append("measure", [0]), "takes 1 clbit(s), got 0"),
    (lambda: Circuit(1).append("", [0]), "non-empty string"),
    (lambda: Circuit(1).append("foo", []), "needs at least one qubit"),
    (lambda: Circuit(1).x(QuantumRegister("r", 1)[0]), "not in circuit"),
    (lambda: Circuit(1, 1).measure(0, QuantumRegister("q", 1)[0]), "is not a clbit"),
    (lambda: Circuit(3).cx([0, 1], [1, 2, 0]), "different sizes"),
    (lambda: Circuit(1).unitary(np.eye(4), [0]), "does not fit 1 qubit"),
    (lambda: Circuit(1).unitary([[1, 1], [0, 1]], [0]), "not unitary"),
    (lambda: Circuit(1).initialize([1, 1], [0]), "not normalised"),
    (lambda: Circuit(2).initialize([1, 0], [0, 1]), "needs 4 amplitudes"),
    (lambda: Circuit(1, 1).x(0).c_if("d", 1), "unknown classical register 'd'"),
    (lambda: Circuit(1, 1).x(0).c_if("c", -1), "non-negative integer"),
    (lambda: Circuit(1, 1).barrier().c_if("c", 1), "cannot be conditioned"),
    (lambda: Circuit(1, 1).c_if("c", 1), "needs a preceding instruction"),
    (lambda: Circuit(2, 1).measure_all(add_bits=False), "needs 2 clbits"),
    (lambda: Circuit(1, 2, 3), "not both"),
    (lambda: Circuit("q"), "expected a QuantumRegister or ClassicalRegister"),
])
def test_invalid_operations_raise_circuit_error(make, phrase):
    with pytest.raises(CircuitError, match=re.escape(phrase)):
        make()


def test_failed_append_leaves_circuit_unchanged():
    c = Circuit(2).h(0)
    with pytest.raises(CircuitError):
        c.cx([0, 1], [1, 1])  # second pair repeats a qubit
    assert c.data == [Instruction("h", (0,))]


def test_broadcast_register_and_lists():
    qr = QuantumRegister("q", 3)
    c = Circuit(qr, ClassicalRegister("c", 3)).h(qr).cx(0, [1, 2]).measure(qr, range(3))
    assert [(i.name, i.qubits, i.clbits) for i in c.data] == [
        ("h", (0,), ()), ("h", (1,), ()), ("h", (2,), ()), ("cx", (0, 1), ()),
        ("cx", (0, 2), ()), ("measure", (0,), (0,)), ("measure", (1,), (1,)),
        ("measure", (2,), (2,))]


def test_gate_methods_put_parameters_first_like_qiskit():
    c = Circuit(3)
    c.u3(0.1, 0.2, 0.3, 0).cu(0.1, 0.2, 0.3, 0.4, 1, 2).crz(0.5, 2, 0).rzz(0.6, 0, 1)
    c.U(1, 2, 3, 1).CX(0, 1).u0(1, 0).delay(1e-6, 2)
    assert [(i.name, i.qubits, i.params) for i in c.data] == [
        ("u3", (0,), (0.1, 0.2, 0.3)), ("cu", (1, 2), (0.1, 0.2, 0.3, 0.4)),
        ("crz", (2, 0), (0.5,)), ("rzz", (0, 1), (0.6,)), ("U", (1,), (1.0, 2.0, 3.0)),
        ("CX", (0, 1), ()), ("u0", (0,), (1.0,)), ("delay", (2,), (1e-6,))]


def test_every_qelib1_gate_has_a_builder_method():
    sig = qasm2.qelib1_signatures()
    for name, (n_params, n_qubits) in sig.items():
        c = Circuit(n_qubits)
        getattr(c, name)(*([0.5] * n_params), *range(n_qubits))
        assert c.data == [Instruction(name, tuple(range(n_qubits)), (0.5,) * n_params)]


def test_c_if_conditions_everything_the_last_call_added():
    cr = ClassicalRegister("flag", 2)
    c = Circuit(QuantumRegister("q", 2), cr).h(0).x([0, 1]).c_if(cr, 3)
    assert [i.condition for i in c.data] == [None, ("flag", 3), ("flag", 3)]
    c.measure(0, 0).c_if("flag", 1)
    assert c.data[-1].condition == ("flag", 1)


def test_measure_all_adds_register_and_barrier():
    c = Circuit(2, 1).h(0).measure_all()
    assert [r.name for r in c.cregs] == ["c", "meas"]
    assert [(i.name, i.qubits, i.clbits) for i in c.data[1:]] == [
        ("barrier", (0, 1), ()), ("measure", (0,), (1,)), ("measure", (1,), (2,))]
    c.measure_all(barrier=False)
    assert c.cregs[-1].name == "meas0" and c.num_clbits == 5


def test_unitary_and_initialize_store_arrays():
    x = np.array([[0, 1], [1, 0]])
    c = Circuit(2).unitary(x, [1], label="X").initialize([0, 1j], 0)
    assert c.data[0].params[0].dtype == complex and c.data[0].label == "X"
    assert c.data[1].params == (0j, 1j)
    assert c.data[0] == Instruction("unitary", (1,), (np.array(x, dtype=complex),))
    assert c.data[0] != Instruction("unitary", (1,), (np.eye(2),))


def test_depth_follows_qiskit_rules():
    assert Circuit(3).h(0).barrier().h(1).cx(0, 2).depth() == 2
    assert Circuit(2).h(0).barrier(0, 1).x(1).depth() == 2
    assert Circuit(2, 2).measure(0, 0).x(1).depth() == 1
    # a condition reads its register, so it waits for the measure that writes it
    assert Circuit(2, 1).measure(0, 0).x(1).c_if("c", 1).depth() == 2
    assert Circuit(1).depth() == 0


def test_count_ops_size_len_and_equality():
    c = Circuit(2).h(0).h(1).cx(0, 1).barrier()
    assert c.count_ops() == {"h": 2, "cx": 1, "barrier": 1}
    assert list(c.count_ops()) == ["h", "cx", "barrier"]
    assert (c.size(), len(c)) == (3, 4)
    d = c.copy(name="other")
    assert d == c and d.name == "other" and d.data is not c.data
    d.x(0)
    assert d != c and len(c) == 4
    assert c.copy_empty().data == [] and c.copy_empty().qregs == c.qregs
    e = c.copy()
    e.global_phase = 2 * math.pi
    assert e == c
    e.global_phase = 0.5
    assert e != c


def test_labels_do_not_affect_equality():
    assert Circuit(1).append("h", [0], label="a") == Circuit(1).h(0)


def test_repr_and_text_drawing():
    c = Circuit(2, 2, name="bell").h(0).cx(0, 1).measure([0, 1], [0, 1])
    assert repr(c) == "<Circuit 'bell' q[2], c[2], 4 instructions, depth 3>"
    assert c.draw() == "\n".join([
        "q_0: ─H──■──M─────",
        "         │  ║",
        "q_1: ────X──╫──M──",
        "            ║  ║",
        "c: 2/═══════0══1══",
    ])
    assert str(c) == c.draw()


def test_drawing_shows_conditions_and_multi_qubit_gates():
    c = Circuit(3, 1).rzz(0.25, 0, 2).x(1).c_if("c", 1)
    text = c.draw()
    assert "rzz(0.25)" in text and "rzz:1" in text and "=1" in text
    lines = text.splitlines()
    assert lines[2].index("┼") == lines[0].index("rzz") + 4  # the link crosses q_1


def test_from_qasm_and_to_qasm():
    c = Circuit.from_qasm('include "qelib1.inc"; qreg q[1]; h q[0];', name="x")
    assert c.name == "x" and c.to_qasm().endswith("qreg q[1];\nh q[0];\n")


# -- clbit conditions and delay units -----------------------------------------------------------

def test_clbit_conditions_are_flat_clbit_tuples():
    from qfoundry.circuit import ClassicalRegister, QuantumRegister

    a, b = ClassicalRegister("a", 1), ClassicalRegister("b", 2)
    c = Circuit(QuantumRegister("q", 1), a, b)
    c.append("x", [0], condition=(b[1], 1))
    c.append("x", [0], condition=([a[0], b[0]], 2))
    c.append("x", [0], condition=(b, 3))
    assert [i.condition for i in c.data] == [((2,), 1), ((0, 1), 2), ("b", 3)]
    assert c.condition_clbits(c.data[1].condition) == (0, 1)
    assert c.condition_clbits(c.data[2].condition) == (1, 2)
    with pytest.raises(CircuitError, match="does not fit in 2 clbit"):
        c.append("x", [0], condition=([0, 1], 4))
    with pytest.raises(CircuitError, match="distinct clbits"):
        c.append("x", [0], condition=([0, 0], 1))
    with pytest.raises(CircuitError, match="OpenQASM 2 conditions test a whole register"):
        c.to_qasm()


def test_delay_units():
    c = Circuit(1).delay(100, 0).delay(2.5, 0, unit="us")
    assert [i.params for i in c.data] == [(100.0,), (2.5, "us")]
    with pytest.raises(CircuitError, match="unit 'min' is not one of"):
        c.delay(1, 0, unit="min")
    with pytest.raises(CircuitError, match="negative"):
        c.delay(-1, 0)
    with pytest.raises(CircuitError, match="OpenQASM 2 delays are in units of dt"):
        c.to_qasm()
    assert "delay(100.0) q[0];" in Circuit(1).delay(100, 0).to_qasm()
