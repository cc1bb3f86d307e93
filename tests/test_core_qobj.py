"""The QasmQobj data model: Qiskit's layout, round trips, JSON, and validation with paths."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from conftest import experiment, make_qobj

from qfoundry import (
    QasmQobj,
    QasmQobjConfig,
    QasmQobjExperiment,
    QasmQobjInstruction,
    QfoundryError,
    QobjValidationError,
)
from qfoundry.qobj import QobjEncoder, to_complex_array

# peer-semantics.md section 2, verbatim.
BELL = json.loads("""
{"qobj_id": "bell-demo-1", "schema_version": "1.3.0", "type": "QASM",
 "header": {"backend_name": "qasm_simulator", "backend_version": "2.1.0"},
 "config": {"shots": 1000, "memory": true, "seed_simulator": 42, "parameter_binds": [],
            "init_qubits": true, "memory_slots": 2, "n_qubits": 2},
 "experiments": [{
   "header": {"name": "bell", "n_qubits": 2, "qreg_sizes": [["q", 2]],
              "qubit_labels": [["q", 0], ["q", 1]], "memory_slots": 2, "creg_sizes": [["c", 2]],
              "clbit_labels": [["c", 0], ["c", 1]], "global_phase": 0.0, "metadata": {}},
   "config": {"n_qubits": 2, "memory_slots": 2},
   "instructions": [
     {"name": "h", "qubits": [0]},
     {"name": "cx", "qubits": [0, 1]},
     {"name": "barrier", "qubits": [0, 1]},
     {"name": "measure", "qubits": [0], "memory": [0]},
     {"name": "measure", "qubits": [1], "memory": [1]}]}]}
""")

X = [[0, 1], [1, 0]]
UNITARY_X = {"name": "unitary", "qubits": [0], "params": [[[[0, 0], [1, 0]], [[1, 0], [0, 0]]]],
             "label": "X"}


def test_bell_example_from_dict():
    qobj = QasmQobj.from_dict(BELL)
    assert qobj.qobj_id == "bell-demo-1"
    assert (qobj.type, qobj.schema_version) == ("QASM", "1.3.0")
    assert qobj.config.shots == 1000 and qobj.config.seed_simulator == 42
    assert qobj.config.memory is True and qobj.config.init_qubits is True
    assert qobj.header.backend_name == "qasm_simulator"
    (exp,) = qobj.experiments
    assert isinstance(exp, QasmQobjExperiment)
    assert exp.name == "bell"
    assert exp.header.creg_sizes == [["c", 2]] and exp.config.n_qubits == 2
    assert [i.name for i in exp.instructions] == ["h", "cx", "barrier", "measure", "measure"]
    assert exp.instructions[1].qubits == [0, 1]
    assert exp.instructions[4].memory == [1]


def test_round_trip_reproduces_the_dict_and_leaves_the_input_alone():
    before = copy.deepcopy(BELL)
    qobj = QasmQobj.from_dict(BELL)
    assert BELL == before  # Qiskit's from_dict pops keys from its input; ours does not
    assert qobj.to_dict() == BELL
    assert QasmQobj.from_dict(qobj.to_dict()) == qobj


def test_optional_fields_exist_only_when_set():
    h = QasmQobjInstruction("h", qubits=[0])
    assert not hasattr(h, "conditional") and not hasattr(h, "params")
    assert h.to_dict() == {"name": "h", "qubits": [0]}
    cfg = QasmQobjConfig(shots="10", memory=1, seed_simulator=None)
    assert cfg.shots == 10 and cfg.memory is True and not hasattr(cfg, "seed_simulator")
    assert cfg.to_dict() == {"shots": 10, "memory": True}


def test_instruction_fields_in_qiskit_order_and_extras_kept():
    inst = QasmQobjInstruction.from_dict({"name": "measure", "memory": [0], "qubits": [1],
                                          "register": [2]})
    assert list(inst.to_dict()) == ["name", "qubits", "register", "memory"]
    delay = QasmQobjInstruction.from_dict({"name": "delay", "qubits": [0], "duration": 100,
                                           "unit": "dt"})
    assert delay.duration == 100 and delay.to_dict()["unit"] == "dt"
    # A pre-assembly `condition` is kept privately and is not part of the wire form.
    cond = QasmQobjInstruction("x", qubits=[0], condition=("c", 1))
    assert cond._condition == ("c", 1) and "condition" not in cond.to_dict()


def test_conditional_and_bfunc_variant():
    exp = experiment([
        {"name": "measure", "qubits": [0], "memory": [0], "register": [0]},
        {"name": "bfunc", "mask": "0x3", "relation": "==", "val": "0x1", "register": 2},
        {"name": "x", "qubits": [1], "conditional": 2},
    ])
    qobj = QasmQobj.from_dict(make_qobj(exp))
    bfunc, x = qobj.experiments[0].instructions[1:]
    assert (bfunc.mask, bfunc.relation, bfunc.val, bfunc.register) == ("0x3", "==", "0x1", 2)
    assert x.conditional == 2
    assert qobj.to_dict()["experiments"][0] == exp


def test_equality():
    a, b = QasmQobj.from_dict(BELL), QasmQobj.from_dict(BELL)
    assert a == b and a is not b
    b.experiments[0].instructions[0].qubits = [1]
    assert a != b
    assert a.experiments[0] != b.experiments[0]
    assert a.experiments[0].instructions[1] == b.experiments[0].instructions[1]
    assert a.config == QasmQobjConfig.from_dict(BELL["config"])
    assert a != BELL  # no equality with plain dicts


def test_unitary_params_decode_to_a_complex_matrix():
    qobj = QasmQobj.from_dict(make_qobj(experiment([UNITARY_X], n_qubits=1)))
    (matrix,) = qobj.experiments[0].instructions[0].params
    assert isinstance(matrix, np.ndarray) and matrix.dtype == complex
    np.testing.assert_array_equal(matrix, np.array(X, dtype=complex))
    same = QasmQobj.from_dict(make_qobj(experiment(
        [dict(UNITARY_X, params=[np.array(X, dtype=complex)])], n_qubits=1)))
    assert qobj == same


def test_initialize_params_decode_pairs():
    inst = QasmQobjInstruction.from_dict(
        {"name": "initialize", "qubits": [0], "params": [[0.6, 0], [0, 0.8]]})
    np.testing.assert_array_equal(inst.params, [0.6, 0.8j])


def test_json_round_trip_with_complex_data():
    u = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)
    qobj = QasmQobj.from_dict(make_qobj(experiment(
        [{"name": "unitary", "qubits": [0], "params": [u]},
         {"name": "measure", "qubits": [0], "memory": [0]}], n_qubits=1), shots=5))
    text = qobj.to_json()
    wire = json.loads(text)
    assert wire["experiments"][0]["instructions"][0]["params"][0][0][1] == [0.0, u[0, 1].imag]
    back = QasmQobj.from_dict(wire)
    assert back == qobj
    np.testing.assert_array_equal(back.experiments[0].instructions[0].params[0], u)


def test_encoder_types():
    def enc(o):
        return json.loads(json.dumps(o, cls=QobjEncoder))

    assert enc(1 + 2j) == [1.0, 2.0]
    assert enc(np.array([1.5, 2.5])) == [1.5, 2.5]
    assert enc(np.array([1j, 2])) == [[0.0, 1.0], [2.0, 0.0]]
    assert enc(np.arange(4).reshape(2, 2)) == [[0, 1], [2, 3]]
    assert enc({"a": np.int64(3), "b": np.float32(0.5), "c": np.complex128(1j),
                "d": np.bool_(True)}) == {"a": 3, "b": 0.5, "c": [0.0, 1.0], "d": True}
    assert enc(QasmQobjInstruction("x", qubits=[0])) == {"name": "x", "qubits": [0]}
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, cls=QobjEncoder)


def test_to_complex_array_decodes_the_wire_forms():
    np.testing.assert_array_equal(to_complex_array([[1, 0], [0, 1]]), [1, 1j])
    np.testing.assert_array_equal(to_complex_array([[[0, 0], [1, 0]], [[1, 0], [0, 0]]]), X)
    already = np.array([1j, 0])
    np.testing.assert_array_equal(to_complex_array(already), already)


# -- validation: QobjValidationError names the path of the first bad field --------------------

def _bell_with(mutate):
    data = copy.deepcopy(BELL)
    mutate(data)
    return data


def _inst(k):
    return lambda d: d["experiments"][0]["instructions"][k]


CASES = [
    ("qubit out of range", lambda d: _inst(3)(d).update(qubits=[5]),
     "experiments[0].instructions[3].qubits[0]", "out of range"),
    ("negative qubit", lambda d: _inst(0)(d).update(qubits=[-1]),
     "experiments[0].instructions[0].qubits[0]", "non-negative"),
    ("qubit not an int", lambda d: _inst(0)(d).update(qubits=["0"]),
     "experiments[0].instructions[0].qubits[0]", "integer"),
    ("qubit is a bool", lambda d: _inst(0)(d).update(qubits=[True]),
     "experiments[0].instructions[0].qubits[0]", "integer"),
    ("qubits not a list", lambda d: _inst(0)(d).update(qubits=0),
     "experiments[0].instructions[0].qubits", "list"),
    ("repeated qubit", lambda d: _inst(1)(d).update(qubits=[1, 1]),
     "experiments[0].instructions[1].qubits", "repeats"),
    ("memory slot out of range", lambda d: _inst(4)(d).update(memory=[2]),
     "experiments[0].instructions[4].memory[0]", "out of range"),
    ("measure without memory", lambda d: _inst(3)(d).pop("memory"),
     "experiments[0].instructions[3]", "measure needs qubits and memory"),
    ("one slot per qubit", lambda d: _inst(3)(d).update(memory=[0, 1]),
     "experiments[0].instructions[3].memory", "one memory slot per measured qubit"),
    ("unknown field", lambda d: _inst(0)(d).update(qbits=[0]),
     "experiments[0].instructions[0]", "'qbits'"),
    ("missing name", lambda d: _inst(2)(d).pop("name"),
     "experiments[0].instructions[2].name", "required"),
    ("params not a list", lambda d: _inst(0)(d).update(params=0.5),
     "experiments[0].instructions[0].params", "list"),
    ("negative conditional", lambda d: _inst(0)(d).update(conditional=-1),
     "experiments[0].instructions[0].conditional", "register bit"),
    ("negative n_qubits", lambda d: d["experiments"][0]["config"].update(n_qubits=-2),
     "experiments[0].config.n_qubits", "non-negative"),
    ("bad creg_sizes", lambda d: d["experiments"][0]["header"].update(creg_sizes=[["c"]]),
     "experiments[0].header.creg_sizes", "[name, size]"),
    ("instructions missing", lambda d: d["experiments"][0].pop("instructions"),
     "experiments[0].instructions", "required"),
    ("experiment not a dict", lambda d: d["experiments"].append([]),
     "experiments[1]", "dict"),
    ("experiments missing", lambda d: d.pop("experiments"), "experiments", "required"),
    ("shots not an int", lambda d: d["config"].update(shots="1000"), "config.shots", "integer"),
    ("seed not an int", lambda d: d["config"].update(seed_simulator=4.2),
     "config.seed_simulator", "integer"),
    ("pulse qobj", lambda d: d.update(type="PULSE"), "type", "only QASM"),
    ("config not a dict", lambda d: d.update(config=[]), "config", "dict"),
]


@pytest.mark.parametrize(("mutate", "path", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_validation_error_names_the_path(mutate, path, words):
    with pytest.raises(QobjValidationError) as info:
        QasmQobj.from_dict(_bell_with(mutate))
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert words in str(info.value)


BFUNC = {"name": "bfunc", "mask": "0x3", "relation": "==", "val": "0x1", "register": 2}


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"mask": None}, "experiments[0].instructions[0]", "bfunc needs 'mask'"),
    ({"mask": "3z"}, "experiments[0].instructions[0].mask", "hex string"),
    ({"val": 1}, "experiments[0].instructions[0].val", "hex string"),
    ({"relation": "=~"}, "experiments[0].instructions[0].relation", "must be one of"),
    ({"register": -1}, "experiments[0].instructions[0].register", "non-negative"),
])
def test_bfunc_validation(change, path, words):
    inst = {k: v for k, v in {**BFUNC, **change}.items() if v is not None}
    with pytest.raises(QobjValidationError) as info:
        QasmQobj.from_dict(make_qobj(experiment([inst])))
    assert info.value.path == path and words in str(info.value)


def test_not_a_dict_at_all():
    with pytest.raises(QobjValidationError) as info:
        QasmQobj.from_dict(["not", "a", "qobj"])
    assert info.value.path == "qobj"


def test_validation_error_types():
    err = QobjValidationError("bad", "experiments[0]")
    assert isinstance(err, QfoundryError) and isinstance(err, ValueError)
    assert not isinstance(err, KeyError)
    assert str(QobjValidationError("no path")) == "no path"


def test_experiment_counts_come_from_the_qobj_config_when_missing():
    # n_qubits only in the job config: qubit 2 of a 2-qubit job is still out of range.
    data = make_qobj({"instructions": [{"name": "x", "qubits": [2]}]}, n_qubits=2)
    with pytest.raises(QobjValidationError, match=r"experiments\[0\]\.instructions\[0\]"):
        QasmQobj.from_dict(data)
    data["config"]["n_qubits"] = 3
    assert QasmQobj.from_dict(data).experiments[0].instructions[0].qubits == [2]
