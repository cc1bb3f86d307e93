"""Parameters and expressions: arithmetic, binding, text round trips, circuit integration."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import qfoundry as qf
from qfoundry.errors import CircuitError, ParameterError
from qfoundry.parameters import Parameter, ParameterVector, parse_expression


def test_expression_arithmetic_and_functions_evaluate_like_numpy():
    a, b = Parameter("a"), Parameter("b")
    expr = (2 * a + b ** 2 - a / 3) * -b + a.sin() - b.cos() + (a + 1).exp() \
        - (b + 3).log() + (a * a + 1).sqrt() + (a / 4).tan() + 1 / (1 + a) - 2 ** a
    va, vb = 0.3, -1.7
    want = ((2 * va + vb ** 2 - va / 3) * -vb + math.sin(va) - math.cos(vb) + math.exp(va + 1)
            - math.log(vb + 3) + math.sqrt(va * va + 1) + math.tan(va / 4) + 1 / (1 + va)
            - 2 ** va)
    assert expr.parameters == {a, b}
    assert float(expr.bind({a: va, b: vb})) == pytest.approx(want, rel=1e-14)
    arrays = expr.evaluate({"a": np.array([va, 0.1]), "b": np.array([vb, 0.2])})
    assert arrays[0] == pytest.approx(want, rel=1e-14)
    assert arrays.shape == (2,)


def test_partial_bind_keeps_an_expression_and_full_bind_gives_a_float():
    a, b = Parameter("a"), Parameter("b")
    half = (a + b).bind({a: 1.0})
    assert half.parameters == {b}
    assert half.bind({"b": 2.0}) == 3.0
    with pytest.raises(ParameterError, match=r"\['b'\]"):
        float(half)
    with pytest.raises(ParameterError, match="not in expression"):
        half.bind({"zz": 1.0}, allow_unknown=False)


def test_text_form_parses_back_to_the_same_values():
    v = ParameterVector("th", 3)
    a = Parameter("alpha")
    exprs = [-a ** 2, -(a * 3), 2 * v[0] - v[2] / 5 + math.pi, (a + v[1]).sin() ** 2,
             a - (v[0] - v[1]), a / (v[0] / v[1]), (-a).exp()]
    values = {"alpha": 0.7, "th[0]": 1.3, "th[1]": -0.4, "th[2]": 2.2}
    for e in exprs:
        back = parse_expression(e.to_text(), {p.name: p for p in e.parameters})
        assert back.evaluate(values) == pytest.approx(e.evaluate(values), rel=1e-15), e
        assert back.parameters == e.parameters
    assert parse_expression("pi/2") == pytest.approx(math.pi / 2)


def test_parameter_identity_and_pickling():
    a1, a2 = Parameter("a"), Parameter("a")
    assert a1 != a2 and a1 == a1
    v = ParameterVector("x", 2)
    back = pickle.loads(pickle.dumps(v[1]))
    assert back == v[1] and back.index == 1 and back.name == "x[1]"
    with pytest.raises(ParameterError):
        Parameter("pi")
    with pytest.raises(ParameterError):
        Parameter("1abc")


def test_circuit_parameters_are_in_qiskits_order():
    qiskit = pytest.importorskip("qiskit")
    names = ["b", "angle_10", "a", "angle_2", "elephant", "angle_1"]
    ours = [Parameter(n) for n in names]
    vec = ParameterVector("x", 12)
    c = qf.Circuit(1)
    for p in [*ours, *reversed(list(vec))]:
        c.rz(p, 0)
    theirs = qiskit.QuantumCircuit(1)
    qvec = qiskit.circuit.ParameterVector("x", 12)
    for p in [*(qiskit.circuit.Parameter(n) for n in names), *reversed(list(qvec))]:
        theirs.rz(p, 0)
    assert [p.name for p in c.parameters] == [p.name for p in theirs.parameters]
    assert c.num_parameters == 18


def test_assign_parameters_dict_sequence_vector_and_partial():
    a = Parameter("a")
    v = ParameterVector("v", 2)
    c = qf.Circuit(2).rx(a, 0).ry(2 * v[0], 1).crz(v[1] + a, 0, 1)
    bound = c.assign_parameters({a: 0.5, v: [1.0, 2.0]})
    assert bound.parameters == [] and c.num_parameters == 3
    assert bound.data[1].params == (2.0,) and bound.data[2].params == (2.5,)
    same = c.assign_parameters([0.5, 1.0, 2.0])  # in c.parameters order: a, v[0], v[1]
    assert same == bound
    part = c.assign_parameters({"a": 0.5})
    assert [p.name for p in part.parameters] == ["v[0]", "v[1]"]
    assert c.assign_parameters({a: 1.0}, inplace=True) is None
    assert [p.name for p in c.parameters] == ["v[0]", "v[1]"]
    with pytest.raises(ParameterError, match="not a parameter"):
        c.assign_parameters({"zzz": 1.0})
    with pytest.raises(ParameterError, match="1 value"):
        c.assign_parameters([1.0])
    with pytest.raises(ParameterError, match="different object"):
        c.assign_parameters({ParameterVector("v", 1)[0]: 1.0})  # same name, other vector



@pytest.mark.parametrize("value", ["abc", None, 1j, [0.1], Parameter("other") * 2])
def test_assign_parameters_refuses_a_value_that_is_not_a_real_number(value):
    """float()'s own ValueError/TypeError, raised deep in the binder, named neither."""
    c = qf.Circuit(1, name="sweep").rx(Parameter("t"), 0)
    for values in ({"t": value}, [value]):
        with pytest.raises(ParameterError, match="circuit 'sweep': the value for 't' must be "
                                                 "a real number"):
            c.assign_parameters(values)
    assert c.num_parameters == 1  # the circuit is untouched
    for ok in (np.float32(0.5), np.int64(1), np.array(0.5), 2):
        assert c.assign_parameters([ok]).num_parameters == 0

def test_two_parameters_with_one_name_are_refused():
    c = qf.Circuit(1).rx(Parameter("t"), 0)
    with pytest.raises(ParameterError, match="already in the circuit"):
        c.ry(Parameter("t"), 0)


def test_draw_shows_names_and_qasm_refuses_unbound():
    t = Parameter("theta")
    c = qf.Circuit(2).rx(t, 0).rzz(2 * t, 0, 1)
    text = c.draw()
    assert "RX(theta)" in text and "2*theta" in text
    with pytest.raises(CircuitError, match="not bound"):
        c.to_qasm()
    assert "rx(0.5)" in c.assign_parameters([0.5]).to_qasm()


def test_constant_expression_becomes_a_float_and_nan_is_refused():
    t = Parameter("t")
    c = qf.Circuit(1).rx(parse_expression("pi/4") * 1, 0)
    assert c.data[0].params == (pytest.approx(math.pi / 4),)
    with pytest.raises(ParameterError, match="nan"):
        qf.Circuit(1).rx(t.sqrt(), 0).assign_parameters({t: -1.0})
