"""The lowered program (qfoundry.program): what lower() builds, what it refuses, and that a
job lowers each experiment exactly once, shared by validation and the run."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from engine_helpers import experiment, g, measure

import qfoundry
from qfoundry import program as program_module
from qfoundry import program_plain
from qfoundry.errors import EngineError, UnsupportedInstructionError
from qfoundry.gates import gate_matrix
from qfoundry.noise import NoiseModel, depolarizing, thermal_relaxation
from qfoundry.program import Bfunc, Delay, Gate, Initialize, Measure, Reset, Save, lower


def test_every_instruction_kind_becomes_its_operation():
    exp = experiment([
        g("h", 0), g("barrier", 0, 1), g("rz", 1, params=[0.5]),
        g("unitary", 0, params=[np.eye(2).tolist()]), measure(0, 0),
        g("reset", 1), g("initialize", 1, params=["+"]),
        {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 3},
        g("delay", 1, params=[20], unit="ns"), g("save_density_matrix", 0, 1, label="rho"),
    ], n_qubits=2)
    prog = lower(exp)
    assert [type(op) for op in prog.ops] == [Gate, Gate, Gate, Measure, Reset, Initialize,
                                             Bfunc, Delay, Save]  # the barrier is dropped
    assert [op.index for op in prog.ops] == [0, 2, 3, 4, 5, 6, 7, 8, 9]
    h, rz = prog.ops[0], prog.ops[1]
    np.testing.assert_array_equal(h.matrix, gate_matrix("h"))
    np.testing.assert_allclose(rz.matrix, gate_matrix("rz", [0.5]))
    assert rz.params == (0.5,) and prog.ops[2].name == "unitary"
    np.testing.assert_allclose(prog.ops[5].amplitudes, [2 ** -0.5, 2 ** -0.5])
    bfunc = prog.ops[6]
    assert (bfunc.mask, bfunc.value, bfunc.register, bfunc.memory) == (1, 1, 3, None)
    assert bfunc.test(0) and not bfunc.test(1)
    assert prog.ops[7].seconds(None) == pytest.approx(20e-9)
    assert (prog.ops[8].kind, prog.ops[8].label) == ("density_matrix", "rho")
    assert (prog.name, prog.num_qubits, prog.num_clbits) == ("test", 2, 1)


@pytest.mark.parametrize("name, qubits, form", [
    ("rz", (0,), "diagonal"), ("cz", (0, 1), "diagonal"), ("cx", (0, 1), "permutation"),
    ("ccx", (0, 1, 2), "permutation"), ("y", (0,), "monomial"), ("iswap", (0, 1), "monomial"),
    ("ch", (0, 1), "controlled"), ("h", (0,), "dense"), ("rxx", (0, 1), "dense"),
])
def test_gate_forms(name, qubits, form):
    params = [0.3] if name in ("rz", "rxx") else None
    gate = lower(experiment([g(name, *qubits, params=params)], n_qubits=3)).ops[0]
    assert gate.form == form
    if form == "controlled":
        assert gate.controls == (0,)  # ch: qubit 0 controls the Hadamard on qubit 1
    if form in ("permutation", "monomial"):
        perm = gate.permutation()
        m = gate.matrix
        assert all(abs(m[perm[j], j]) == pytest.approx(1) for j in range(len(perm)))


def test_terminal_measurements():
    prog = lower(experiment([
        g("h", 0), measure(0, 0), g("x", 0), measure(0, 1),     # 0 is used again: not terminal
        measure(1, 2, register=[0]),                            # its register bit is read later
        g("x", 2, conditional=0), measure(2, 3),
    ], n_qubits=3))
    assert [m.terminal for m in prog.measures] == [False, True, False, True]
    assert not prog.all_terminal
    assert lower(experiment([g("h", 0), measure(0, 0)])).all_terminal


def test_both_condition_forms():
    exp = experiment([g("x", 0, conditional=2),
                      g("x", 1, conditional={"mask": "0x6", "val": "0x1"})], n_qubits=2)
    bit, mem = (op.condition for op in lower(exp).ops)
    assert bit == ("bit", 2) and mem == ("mem", 6, 1)
    assert program_module.condition_holds(bit, memory=0, register=0b100)
    assert program_module.condition_holds(mem, memory=0b010, register=0)
    assert not program_module.condition_holds(mem, memory=0b100, register=0)


@pytest.mark.parametrize("inst, message", [
    (g("rz", 0), "instruction 0 ('rz'): takes 1 parameter(s), got 0"),
    (g("cx", 0), "instruction 0 ('cx'): acts on 2 qubit(s)"),
    (g("cx", 1, 1), "repeats a qubit"),
    (g("unitary", 0, params=[[[1, 1], [0, 1]]]), "is not unitary"),
    (g("initialize", 0, params=[1, 1]), "is not normalized"),
    (g("delay", 0, params=[5], unit="fortnight"), "unknown delay unit 'fortnight'"),
    ({"name": "bfunc", "mask": "0x1", "relation": "~", "val": "0x1", "register": 0},
     "relation '~' is not one of"),
])
def test_bad_instructions_are_refused_naming_experiment_and_instruction(inst, message):
    with pytest.raises(EngineError, match="experiment 'test', ") as info:
        lower(experiment([inst]))
    assert message in str(info.value)


def test_an_instruction_without_a_lowered_form_is_refused():
    with pytest.raises(UnsupportedInstructionError, match="'snapshot' has no lowered form"):
        lower(experiment([{"name": "snapshot", "qubits": [0]}]))


def test_a_program_pickles_as_it_is():
    prog = lower(experiment([g("h", 0), g("cx", 0, 1), measure(0, 0), measure(1, 1),
                             {"name": "bfunc", "mask": "0x3", "relation": ">=",
                              "val": "0x1", "register": 0}]))
    back = pickle.loads(pickle.dumps(prog))
    assert back.name == prog.name and len(back.ops) == len(prog.ops)
    for a, b in zip(back.ops, prog.ops):
        assert type(a) is type(b) and a.qubits == b.qubits
    np.testing.assert_array_equal(back.ops[1].matrix, prog.ops[1].matrix)
    assert back.ops[-1].test(1) and not back.ops[-1].test(-1)


def test_active_qubits_follow_the_noise_model():
    exp = experiment([g("h", 0), g("id", 1), g("delay", 2, params=[100], unit="ns"),
                      measure(3, 0)], n_qubits=4)
    prog = lower(exp)
    assert prog.active_qubits() == [0]
    nm = NoiseModel()
    nm.add_quantum_error(depolarizing(0.1), "id", [1])
    nm.add_quantum_error(depolarizing(0.1), "measure", [3])
    assert prog.active_qubits(nm) == [0, 1, 3]
    hot = NoiseModel()
    hot.add_quantum_error(thermal_relaxation(50e-6, 70e-6, 1e-6, 0.1), "x", [0])
    assert prog.active_qubits(hot) == [0]  # a relaxation error on x says nothing of idling


@pytest.mark.parametrize("backend_name", ["qasm_simulator", "density_matrix_simulator",
                                          "trajectory_simulator"])
def test_a_job_lowers_each_experiment_once(backend_name, monkeypatch):
    calls = []
    real = program_module.lower
    monkeypatch.setattr(program_module, "lower", lambda exp: calls.append(exp) or real(exp))
    circuits = []
    for k in (1, 2, 3):
        c = qfoundry.Circuit(k, k)
        c.h(0)
        c.measure(list(range(k)), list(range(k)))
        circuits.append(c)
    result = qfoundry.get_backend(backend_name).run(circuits, shots=50,
                                                    seed_simulator=3).result()
    assert len(calls) == 3  # validation and the run share one program per experiment
    assert sum(result.get_counts(0).values()) == 50


def test_the_engine_refuses_at_run_not_in_the_job():
    c = qfoundry.Circuit(1)
    c.h(0)
    c.measure_all()
    with pytest.raises(UnsupportedInstructionError, match="unitary simulator cannot run"):
        qfoundry.get_backend("unitary_simulator").run(c)


def _same_ops(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert type(x) is type(y)
        for fx, fy in zip(x, y):
            if isinstance(fx, np.ndarray):
                np.testing.assert_array_equal(fx, fy)
            else:
                assert fx == fy and type(fx) is type(fy)


def test_plain_gates_and_measures_lower_as_the_general_path():
    """Ints and floats (every Qobj from JSON or assemble) take the short path; numpy
    scalars take the general one: the same program, gate for gate, for every gate."""
    from qfoundry.gates import GATES
    rng = np.random.default_rng(5)
    insts = []
    for name, spec in sorted(GATES.items()):
        if spec.num_qubits is None:
            continue
        qubits = [int(q) for q in rng.permutation(5)[:spec.num_qubits]]
        insts.append(g(name, *qubits, params=[float(p) for p in rng.uniform(-7, 7,
                                                                             spec.num_params)]))
    insts += [measure(q, (q + 1) % 5, register=[q]) for q in range(5)]
    insts += [g("x", 0), {"name": "measure", "qubits": [2, 3], "memory": [0, 4]}]
    plain = experiment(insts, n_qubits=5)
    numpy_form = experiment(insts, n_qubits=5)
    for inst in numpy_form.instructions:
        inst.qubits = [np.int64(q) for q in inst.qubits]
        if getattr(inst, "params", None):
            inst.params = [np.float64(p) for p in inst.params]
    fast, general = lower(plain), lower(numpy_form)
    _same_ops(fast.ops, general.ops)
    terminal = [op.terminal for op in fast.ops if isinstance(op, Measure)]
    assert terminal[0] is False and terminal[-1] is True  # the x on 0 follows measure 0
    n, slots = 5, 5
    short = [program_plain.plain_gate(i, GATES[i.name], n, k) if i.name in GATES
             else program_plain.plain_measure(i, n, slots, k)
             for k, i in enumerate(plain.instructions) if i.qubits]
    assert all(op is not None for op in short)  # the short path (global_phase: general)
    assert not any(program_plain.plain_gate(i, GATES[i.name], n, 0)
                   for i in numpy_form.instructions if i.name in GATES)


@pytest.mark.parametrize("inst, message", [
    (g("cx", 0, 0), "repeats a qubit"),
    (g("h", 7), "qubit 7 is out of range"),
    (g("rz", 0), "takes 1 parameter"),
    (g("rz", 0, params=["x"]), "parameters must be real numbers"),
    ({"name": "measure", "qubits": [0], "memory": [9]}, "memory slot 9 is out of range"),
    ({"name": "measure", "qubits": [0, 1], "memory": [0]}, "one memory slot per qubit"),
])
def test_malformed_plain_instructions_still_get_the_general_message(inst, message):
    exp = experiment([g("h", 0), inst], n_qubits=2, memory_slots=2)
    with pytest.raises(EngineError, match=message) as info:
        lower(exp)
    assert "instruction 1" in str(info.value)
