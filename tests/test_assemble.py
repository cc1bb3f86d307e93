"""assemble(), circuit_from_experiment() and the normalisation of every run() input form."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import qfoundry
from qfoundry.assemble import assemble, circuit_from_experiment, to_circuits, to_qobj
from qfoundry.circuit import Circuit, ClassicalRegister, QuantumRegister
from qfoundry.errors import (
    CircuitError,
    QasmError,
    QfoundryError,
    QobjValidationError,
    RunInputError,
)
from qfoundry.qobj import QasmQobj, QasmQobjExperiment, QobjEncoder

BELL_QASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q[0] -> c[0];
measure q[1] -> c[1];
"""


def bell(name: str = "bell") -> Circuit:
    return Circuit(2, 2, name=name).h(0).cx(0, 1).barrier().measure([0, 1], [0, 1])


def test_bell_matches_the_qobj_spec_example_exactly():
    """The hand-written Bell Qobj of peer-semantics section 2, field for field."""
    qobj = assemble(bell(), shots=1000, memory=True, seed_simulator=42, qobj_id="bell-demo-1")
    expected = {
        "qobj_id": "bell-demo-1", "schema_version": "1.3.0", "type": "QASM", "header": {},
        "config": {"shots": 1000, "memory": True, "seed_simulator": 42, "parameter_binds": [],
                   "init_qubits": True, "memory_slots": 2, "n_qubits": 2},
        "experiments": [{
            "header": {"name": "bell", "n_qubits": 2, "qreg_sizes": [["q", 2]],
                       "qubit_labels": [["q", 0], ["q", 1]], "memory_slots": 2,
                       "creg_sizes": [["c", 2]], "clbit_labels": [["c", 0], ["c", 1]],
                       "global_phase": 0.0, "metadata": {}},
            "config": {"n_qubits": 2, "memory_slots": 2},
            "instructions": [
                {"name": "h", "qubits": [0]},
                {"name": "cx", "qubits": [0, 1]},
                {"name": "barrier", "qubits": [0, 1]},
                {"name": "measure", "qubits": [0], "memory": [0]},
                {"name": "measure", "qubits": [1], "memory": [1]}]}]}
    assert qobj.to_dict() == expected
    assert json.loads(qobj.to_json()) == expected


def test_c_if_lowers_to_bfunc_and_conditional_as_qiskit_does():
    q = QuantumRegister("q", 2)
    a, b = ClassicalRegister("a", 1), ClassicalRegister("b", 2)
    c = Circuit(q, a, b).measure(0, a[0]).x(1).c_if(b, 2).h(0).c_if(a, 1)
    insts = [i.to_dict() for i in assemble(c).experiments[0].instructions]
    assert insts == [
        {"name": "measure", "qubits": [0], "register": [0], "memory": [0]},
        {"name": "bfunc", "register": 3, "mask": "0x6", "relation": "==", "val": "0x4"},
        {"name": "x", "qubits": [1], "conditional": 3},
        {"name": "bfunc", "register": 4, "mask": "0x1", "relation": "==", "val": "0x1"},
        {"name": "h", "qubits": [0], "conditional": 4},
    ]


def test_out_of_range_condition_value_is_never_true_not_masked():
    # Qiskit masks val with the register (3 & 0b1 == 1 would fire on c == 1); ours keeps
    # every bit so the bfunc compares against a value the register can never hold.
    inst = assemble(Circuit(1, 1).x(0).c_if("c", 3)).experiments[0].instructions[0]
    assert (inst.mask, inst.val) == ("0x1", "0x3")


def test_params_labels_unitary_and_initialize():
    x = np.array([[0, 1], [1, 0]])
    c = Circuit(2).rz(0.5, 1).unitary(x, [0], label="X").initialize([0, 1j], [1])
    insts = assemble(c).experiments[0].instructions
    assert insts[0].to_dict() == {"name": "rz", "params": [0.5], "qubits": [1]}
    assert insts[1].label == "X" and np.array_equal(insts[1].params[0], x)
    assert insts[1].params[0].dtype == complex
    assert insts[2].params == [0j, 1j]


def test_qobj_config_takes_max_sizes_extra_options_and_backend_header():
    class FakeBackend:
        name = "fake_backend"
        backend_version = "9.9"
        options = {"shots": 77, "memory": True, "seed_simulator": None}

    qobj = assemble([Circuit(1, 3), Circuit(4, 1)], backend=FakeBackend(),
                    initial_statevector=None, chop_threshold=1e-10)
    assert qobj.header.to_dict() == {"backend_name": "fake_backend", "backend_version": "9.9"}
    config = qobj.config.to_dict()
    assert config == {"shots": 77, "memory": True, "parameter_binds": [], "init_qubits": True,
                      "memory_slots": 3, "n_qubits": 4, "chop_threshold": 1e-10}
    assert assemble(Circuit(1), FakeBackend(), shots=5).config.shots == 5


def test_shots_must_be_a_positive_integer():
    with pytest.raises(QobjValidationError, match="config.shots"):
        assemble(Circuit(1), shots=0)
    with pytest.raises(TypeError, match="item 1 is a str"):
        assemble([Circuit(1), "x"])


def rich_circuit() -> Circuit:
    q, r = QuantumRegister("q", 2), QuantumRegister("r", 1)
    a, b = ClassicalRegister("a", 2), ClassicalRegister("b", 1)
    c = Circuit(q, r, a, b, name="rich", global_phase=0.25, metadata={"k": 1})
    c.h(q).cx(q[0], r[0]).u3(0.1, 0.2, 0.3, r).measure(q, a).x(r).c_if(a, 2)
    c.unitary(np.array([[0, 1j], [1j, 0]]), [r[0]], label="iX").reset(q[1]).barrier()
    c.measure(r[0], b[0]).c_if(b, 0).initialize([0.6, 0.8j], q[0]).delay(1e-7, q[1])
    return c


def test_experiment_converts_back_to_the_same_circuit():
    c = rich_circuit()
    back = circuit_from_experiment(assemble(c).experiments[0])
    assert back == c
    assert (back.name, back.global_phase, back.metadata) == ("rich", 0.25, {"k": 1})
    assert back.data[7].label == "iX"


def test_round_trip_through_json():
    c = rich_circuit()
    wire = json.loads(json.dumps(assemble(c).to_dict(), cls=QobjEncoder))
    qobj = QasmQobj.from_dict(wire)
    assert circuit_from_experiment(qobj.experiments[0]) == c
    assert circuit_from_experiment(wire["experiments"][0]) == c  # a plain dict works too


def test_experiment_without_register_header_gets_q_and_c():
    exp = QasmQobjExperiment.from_dict({
        "config": {"n_qubits": 2, "memory_slots": 1},
        "instructions": [{"name": "h", "qubits": [0]},
                         {"name": "measure", "qubits": [0, 1], "memory": [0, 0]}]})
    c = circuit_from_experiment(exp)
    assert (c.qregs, c.cregs) == ([QuantumRegister("q", 2)], [ClassicalRegister("c", 1)])
    assert [(i.name, i.qubits, i.clbits) for i in c.data] == [
        ("h", (0,), ()), ("measure", (0,), (0,)), ("measure", (1,), (0,))]


def test_global_phase_instruction_becomes_the_circuit_phase():
    exp = {"header": {"global_phase": 0.5}, "config": {"n_qubits": 1, "memory_slots": 0},
           "instructions": [{"name": "global_phase", "params": [0.25]},
                            {"name": "x", "qubits": [0]}]}
    c = circuit_from_experiment(exp)
    assert c.global_phase == 0.75 and [i.name for i in c.data] == ["x"]


@pytest.mark.parametrize("instructions, phrase", [
    ([{"name": "bfunc", "mask": "0x1", "relation": "!=", "val": "0x1", "register": 2}],
     "no condition form"),
    ([{"name": "bfunc", "mask": "0x4", "relation": "==", "val": "0x4", "register": 3}],
     "no condition form"),
    ([{"name": "x", "qubits": [0], "conditional": 5}], "which no earlier bfunc sets"),
])
def test_experiments_a_circuit_cannot_express_are_refused(instructions, phrase):
    exp = {"header": {"creg_sizes": [["c", 1], ["d", 1]]},
           "config": {"n_qubits": 1, "memory_slots": 2}, "instructions": instructions}
    with pytest.raises(CircuitError, match=phrase):
        circuit_from_experiment(exp)


def test_bfunc_on_bits_of_two_registers_becomes_a_clbit_condition():
    exp = {"header": {"creg_sizes": [["c", 1], ["d", 1]]},
           "config": {"n_qubits": 1, "memory_slots": 2},
           "instructions": [{"name": "bfunc", "mask": "0x3", "relation": "==", "val": "0x1",
                             "register": 2}, {"name": "x", "qubits": [0], "conditional": 2}]}
    circ = circuit_from_experiment(exp)
    assert circ.data[0].condition == ((0, 1), 1)
    assert assemble(circ).experiments[0].instructions[0].to_dict() == exp["instructions"][0]


# -- run() input forms -------------------------------------------------------------------------

def test_to_qobj_accepts_every_circuit_form(tmp_path):
    path = tmp_path / "bell.qasm"
    path.write_text(BELL_QASM)
    expected = [("h", [0]), ("cx", [0, 1]), ("measure", [0]), ("measure", [1])]
    for form in (Circuit.from_qasm(BELL_QASM), BELL_QASM, BELL_QASM.encode(), str(path), path):
        qobj = to_qobj(form, shots=10)
        assert [(i.name, i.qubits) for i in qobj.experiments[0].instructions] == expected
        assert qobj.config.shots == 10
    qobj = to_qobj([bell("a"), BELL_QASM, path])
    assert [e.name for e in qobj.experiments][::2] == ["a", "bell"]
    assert to_qobj("").experiments[0].config.n_qubits == 0  # the empty program


def test_to_qobj_passes_qobjs_through_and_applies_overrides():
    qobj = assemble(bell(), shots=5)
    assert to_qobj(qobj) is qobj
    assert to_qobj(qobj.to_dict()) == qobj
    changed = to_qobj(qobj, shots=9, seed_simulator=None)
    assert (changed.config.shots, qobj.config.shots) == (9, 5)
    assert changed.experiments == qobj.experiments


@pytest.mark.parametrize("bad, error, phrase", [
    (42, RunInputError, "cannot run a builtins.int"),
    ({1, 2}, RunInputError, "run() accepts a qfoundry.Circuit"),
    ([], RunInputError, "empty list"),
    ([[bell()]], RunInputError, "list item 0 is a list"),
    ("no_such_file.qasm", QasmError, "no such file"),
    ("OPENQASM 2.0; qreg q[1]; h q[0];", QasmError, "undefined gate 'h'"),
])
def test_unsupported_input_gets_a_clear_error(bad, error, phrase):
    with pytest.raises(error) as info:
        to_qobj(bad)
    assert phrase in str(info.value)
    assert isinstance(info.value, QfoundryError)
    if error is RunInputError:  # still the TypeError that code written for Qiskit catches
        assert isinstance(info.value, TypeError)


def test_a_seed_or_shots_given_as_text_is_a_qobj_error_naming_the_field():
    from qfoundry.qobj import QasmQobjConfig

    for field in ("seed_simulator", "shots"):
        with pytest.raises(QobjValidationError, match=f"config.{field}: {field}='x'"):
            QasmQobjConfig(**{field: "x"})
    with pytest.raises(QobjValidationError, match="config.seed_simulator"):
        to_qobj(bell(), seed_simulator="x")
    with pytest.raises(QfoundryError, match="seed_simulator='x'"):
        qfoundry.get_backend("qasm_simulator").run(bell(), seed_simulator="x")


def test_error_lists_all_accepted_forms():
    with pytest.raises(TypeError) as info:
        to_circuits(object())
    for form in ("Circuit", "OpenQASM 2 text", ".qasm", "QasmQobj", "Qobj dict",
                 "qiskit.QuantumCircuit"):
        assert form in str(info.value)


def test_qfoundry_assemble_is_the_function_even_after_its_module_is_imported():
    # backend.run() imports the module qfoundry.assemble, which Python then binds as the
    # package attribute `assemble` unless the package imported the function eagerly.
    import importlib
    import sys

    import qfoundry

    importlib.import_module("qfoundry.assemble")
    module = sys.modules["qfoundry.assemble"]
    assert module.assemble is assemble
    assert qfoundry.assemble is assemble


def test_qiskit_is_never_imported_for_our_own_inputs():
    code = ("import sys, qfoundry\n"
            "from qfoundry.assemble import to_qobj\n"
            "from qfoundry.circuit import Circuit\n"
            "to_qobj(Circuit(1, 1).h(0).measure(0, 0))\n"
            "to_qobj('include \"qelib1.inc\"; qreg q[1]; h q[0];')\n"
            "assert not any(m.split('.')[0] == 'qiskit' for m in sys.modules), 'qiskit loaded'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=pathlib.Path(__file__).parent)


def test_qiskit_circuits_convert_directly():
    qiskit = pytest.importorskip("qiskit")
    qc = qiskit.QuantumCircuit(2, 2, name="from_qiskit", global_phase=0.5,
                               metadata={"who": "qiskit"})
    qc.h(0)
    # Not in qelib1: these are Qiskit's standard gates,
    # which qfoundry knows, so they stay one instruction (a circuit Qiskit transpiled for
    # an Eagle device keeps its ecr gates and runs with transpile=False).
    qc.rzx(0.3, 0, 1)
    qc.ecr(1, 0)
    qc.measure([0, 1], [0, 1])
    [c] = to_circuits(qc)
    assert (c.name, c.global_phase, c.metadata) == ("from_qiskit", 0.5, {"who": "qiskit"})
    assert [(op.name, op.qubits) for op in c.data] == [
        ("h", (0,)), ("rzx", (0, 1)), ("ecr", (1, 0)), ("measure", (0,)), ("measure", (1,))]
    assert c.data[1].params == (0.3,)
    qobj = to_qobj([qc, qc.copy(name="second")])
    assert [e.name for e in qobj.experiments] == ["from_qiskit", "second"]


def test_qiskit_circuit_with_unbound_parameters_stays_symbolic():
    """OpenQASM 2 cannot carry free parameters: the circuit is read instruction by
    instruction, and running it without values names the parameter."""
    qiskit = pytest.importorskip("qiskit")
    import qfoundry
    from qfoundry.errors import ParameterError

    qc = qiskit.QuantumCircuit(1, 1)
    qc.rx(2 * qiskit.circuit.Parameter("theta"), 0)
    qc.measure(0, 0)
    assert to_qobj(qc).experiments[0].instructions[0].params == ["2*theta"]
    backend = qfoundry.get_backend("qasm_simulator")
    with pytest.raises(ParameterError, match=r"\['theta'\]"):
        backend.run(qc)
    counts = backend.run(qc, parameter_binds=[{"theta": [np.pi / 2]}], shots=10).result()
    assert counts.get_counts() == {"1": 10}
