"""The direct QuantumCircuit <-> Circuit converter, against Qiskit's own Statevector.

Unitary circuits are checked by state fidelity with ``qiskit.quantum_info.Statevector``;
dynamic circuits (measure, if_else, switch, loops) by their exact outcome distribution,
sampled with a fixed seed and a chi-square test (p > 1e-3); delays by the exact
relaxation of the density-matrix engine.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import assert_distribution

import qfoundry
from qfoundry.errors import CircuitError
from qfoundry.plugins.noise import NoiseModel

qiskit = pytest.importorskip("qiskit")
pytestmark = pytest.mark.oracle

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister  # noqa: E402
from qiskit.circuit import Parameter  # noqa: E402
from qiskit.circuit.library import (  # noqa: E402
    CXGate,
    RYGate,
    StatePreparation,
    UnitaryGate,
    get_standard_gate_name_mapping,
)
from qiskit.quantum_info import (  # noqa: E402
    DensityMatrix,
    Operator,
    Statevector,
    partial_trace,
    random_unitary,
)

from qfoundry.qiskit import from_qiskit, to_qiskit  # noqa: E402

STANDARD = get_standard_gate_name_mapping()
GATE_NAMES = sorted(n for n, g in STANDARD.items()
                    if n not in ("measure", "reset", "delay", "global_phase"))


def statevector(circ) -> np.ndarray:
    return qfoundry.get_backend("statevector_simulator").run(circ).result().get_statevector()


def fidelity(a, b) -> float:
    return abs(np.vdot(np.asarray(a), np.asarray(b))) ** 2


def random_circuit(rng: np.random.Generator, n: int, count: int) -> QuantumCircuit:
    """Standard gates, plus the forms that go through a definition or a matrix."""
    qc = QuantumCircuit(n, global_phase=float(rng.uniform(-3, 3)))
    names = [g for g in GATE_NAMES if STANDARD[g].num_qubits <= n]
    for _ in range(count):
        kind = rng.random()
        if kind < 0.05:
            qs = [int(q) for q in rng.choice(n, min(n, 2), replace=False)]
            qc.append(UnitaryGate(random_unitary(1 << len(qs), seed=rng)), qs)
        elif kind < 0.08 and n >= 2:  # an open control: not a table gate, its definition
            qs = [int(q) for q in rng.choice(n, 2, replace=False)]
            qc.append(CXGate(ctrl_state=0), qs)
        elif kind < 0.11:  # a custom gate with its own phase
            sub = QuantumCircuit(1, global_phase=0.3)
            sub.ry(float(rng.uniform(-3, 3)), 0)
            sub.s(0)
            qc.append(sub.to_gate(label="mine"), [int(rng.integers(n))])
        else:
            name = str(rng.choice(names))
            proto = STANDARD[name]
            params = [float(p) for p in rng.uniform(-math.pi, math.pi, len(proto.params))]
            qs = [int(q) for q in rng.choice(n, proto.num_qubits, replace=False)]
            qc.append(type(proto)(*params), qs)
    return qc


def test_300_random_circuits_round_trip_at_fidelity_one():
    rng = np.random.default_rng(2026)
    circuits = [random_circuit(rng, int(rng.integers(1, 6)), int(rng.integers(1, 25)))
                for _ in range(300)]
    ours = [from_qiskit(qc) for qc in circuits]
    result = qfoundry.get_backend("statevector_simulator").run(ours).result()
    for k, (qc, circ) in enumerate(zip(circuits, ours)):
        expected = Statevector(qc).data
        got = result.get_statevector(k)
        assert np.vdot(expected, got) == pytest.approx(1, abs=1e-12), k  # phase included
        back = to_qiskit(circ)
        assert fidelity(Statevector(back).data, expected) > 1 - 1e-12, k
        assert Operator(back).equiv(Operator(qc)), k


@pytest.mark.parametrize("name", GATE_NAMES)
def test_every_standard_gate_keeps_its_name_and_matrix(name):
    proto = STANDARD[name]
    gate = type(proto)(*[0.1 * (i + 3) for i in range(len(proto.params))])
    qc = QuantumCircuit(proto.num_qubits)
    qc.append(gate, list(range(proto.num_qubits))[::-1])
    circ = from_qiskit(qc)
    assert [i.name for i in circ.data] == [name]
    got = qfoundry.get_backend("unitary_simulator").run(circ).result().get_unitary()
    np.testing.assert_allclose(got, Operator(qc).data, atol=1e-12)


def test_unitary_initialize_and_state_preparation():
    qc = QuantumCircuit(3)
    qc.h(2)
    u = random_unitary(4, seed=3)
    qc.append(UnitaryGate(u, label="U4"), [0, 2])
    qc.initialize([0, 1j], 1)  # mid-circuit: resets qubit 1 first
    qc.initialize("+", 0)
    qc.append(StatePreparation([0.6, 0.8]), [1])  # a gate: through its definition
    circ = from_qiskit(qc)
    assert [i.name for i in circ.data][:4] == ["h", "unitary", "initialize", "initialize"]
    assert circ.data[1].label == "U4"
    np.testing.assert_allclose(circ.data[3].params, [2 ** -0.5, 2 ** -0.5], atol=1e-12)
    # initialize resets its qubits, which Statevector cannot do: the expected state is
    # q2's reduced state (entangled with q0 before q0's reset) times the two prepared qubits
    rest = QuantumCircuit(3)
    rest.h(2)
    rest.append(UnitaryGate(u), [0, 2])
    q2 = partial_trace(DensityMatrix(rest), [0, 1])
    q1 = Statevector([0, 1j]).evolve(StatePreparation([0.6, 0.8]))
    expected = q2.tensor(DensityMatrix(q1)).tensor(DensityMatrix.from_label("+"))
    rho = qfoundry.get_backend("density_matrix_simulator").run(
        circ, save_density_matrix=True).result().get_density_matrix()
    np.testing.assert_allclose(rho, expected.data, atol=1e-12)


def test_global_phase_of_circuit_and_of_custom_gates():
    sub = QuantumCircuit(1, global_phase=0.7)
    sub.x(0)
    qc = QuantumCircuit(1, global_phase=0.2)
    qc.append(sub.to_gate(), [0])
    circ = from_qiskit(qc)
    assert circ.global_phase == pytest.approx(0.9)
    np.testing.assert_allclose(statevector(circ), [0, np.exp(0.9j)], atol=1e-12)


def test_registers_and_counts_keys_follow_qiskit():
    qr, a, b = QuantumRegister(2, "qr"), ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    qc = QuantumCircuit(qr, a, b)
    qc.x(1)
    qc.measure(1, b[1])
    circ = from_qiskit(qc)
    assert [(r.name, r.size) for r in circ.cregs] == [("a", 1), ("b", 2)]
    counts = qfoundry.get_backend("qasm_simulator").run(qc, shots=10).result().get_counts()
    assert counts == {"10 0": 10}


def test_loose_bits_get_one_register():
    from qiskit.circuit import Clbit, Qubit

    qc = QuantumCircuit([Qubit(), Qubit(), Clbit()])
    qc.x(0)
    qc.measure(0, 0)
    circ = from_qiskit(qc)
    assert [r.name for r in (*circ.qregs, *circ.cregs)] == ["q", "c"]


# -- delays ---------------------------------------------------------------------------------

T1, T2, DT = 80e-6, 50e-6, 2.2222e-10


def relaxed_plus(seconds: float) -> np.ndarray:
    """|+><+| after ``seconds`` of relaxation (zero temperature)."""
    p1 = 0.5 * math.exp(-seconds / T1)
    coh = 0.5 * math.exp(-seconds / T2)
    return np.array([[1 - p1, coh], [coh, p1]])


@pytest.mark.parametrize("duration, unit", [
    (90_000, "dt"), (20e-6, "s"), (0.02, "ms"), (20, "us"), (20_000, "ns"), (2e7, "ps")])
def test_delay_in_every_unit_relaxes_exactly(duration, unit):
    nm = NoiseModel(dt=DT)
    nm.set_relaxation(0, T1, T2)
    backend = qfoundry.get_backend("density_matrix_simulator", noise_model=nm)
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.delay(duration, 0, unit=unit)
    circ = from_qiskit(qc)
    assert circ.data[1].params == ((duration,) if unit == "dt" else (duration, unit))
    rho = backend.run(qc, save_density_matrix=True).result().get_density_matrix()
    seconds = duration * DT if unit == "dt" else \
        duration * {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}[unit]
    np.testing.assert_allclose(rho, relaxed_plus(seconds), atol=1e-12)


def test_two_delays_of_different_lengths_on_a_device():
    """Through OpenQASM 2 the second delay became an opaque gate and 50 us ran as 50 dt."""
    backend = qfoundry.get_backend("fake_manila", engine="density_matrix")
    t1 = backend.device.qubits[0].t1
    qc = QuantumCircuit(5)
    qc.x(0)
    qc.delay(30, 0, unit="us")
    qc.delay(20_000, 0, unit="ns")
    rho = backend.run(qc, transpile=False, save_density_matrix=True).result() \
        .get_density_matrix()
    p1 = float(np.real(rho[1, 1]))  # the state holds the qubits the circuit touches
    assert p1 == pytest.approx(math.exp(-50e-6 / t1), abs=2e-3)  # to within the X's error


# -- control flow ----------------------------------------------------------------------------

def counts_of(qc, shots=4000, seed=5):
    return qfoundry.get_backend("qasm_simulator").run(
        qc, shots=shots, seed_simulator=seed).result().get_counts()


def test_if_else_on_one_bit_with_an_else_body():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)) as else_:
        qc.x(1)
    with else_:
        qc.h(1)
    qc.measure(1, 1)
    circ = from_qiskit(qc)
    assert [i.condition for i in circ.data if i.name in ("x", "h")][1:] == \
        [((0,), 1), ((0,), 0)]
    assert_distribution(counts_of(qc), {"11": 0.5, "00": 0.25, "10": 0.25}, 4000)


def test_if_else_on_a_register_with_nested_blocks():
    qr, cr, out = QuantumRegister(3), ClassicalRegister(2, "m"), ClassicalRegister(1, "o")
    qc = QuantumCircuit(qr, cr, out)
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.if_test((cr, 3)) as else_:
        qc.x(2)
    with else_:  # values 0, 1, 2: x on q2 only when bit 0 is set (value 1)
        with qc.if_test((cr[0], 1)):
            qc.x(2)
    qc.measure(2, out[0])
    assert_distribution(counts_of(qc), {"1 11": 0.25, "1 01": 0.25, "0 10": 0.25,
                                        "0 00": 0.25}, 4000)


def test_switch_case_with_default():
    cr = ClassicalRegister(2, "m")
    qc = QuantumCircuit(QuantumRegister(3), cr, ClassicalRegister(1, "o"))
    qc.h([0, 1])
    qc.measure([0, 1], [0, 1])
    with qc.switch(cr) as case:
        with case(0, 3):
            qc.x(2)
        with case(case.DEFAULT):
            qc.h(2)
    qc.measure(2, 2)
    assert_distribution(counts_of(qc), {"1 00": 0.25, "1 11": 0.25, "0 01": 0.125,
                                        "1 01": 0.125, "0 10": 0.125, "1 10": 0.125}, 4000)


def test_for_loop_unrolls_with_its_parameter_bound():
    qc = QuantumCircuit(1)
    with qc.for_loop(range(4)) as i:
        qc.rx(0.25 * i, 0)
    flat = QuantumCircuit(1)
    for i in range(4):
        flat.rx(0.25 * i, 0)
    assert [i.params for i in from_qiskit(qc).data] == [(0.0,), (0.25,), (0.5,), (0.75,)]
    assert fidelity(statevector(qc), Statevector(flat).data) > 1 - 1e-12


def test_box_is_inlined():
    qc = QuantumCircuit(2)
    with qc.box():
        qc.h(0)
        qc.cx(0, 1)
    assert [i.name for i in from_qiskit(qc).data] == ["h", "cx"]


def test_while_loop_is_refused_naming_it():
    qc = QuantumCircuit(1, 1)
    with qc.while_loop((qc.clbits[0], 0)):
        qc.h(0)
        qc.measure(0, 0)
    with pytest.raises(CircuitError, match=r"instruction 0 \('while_loop'\).*repeats a block"):
        qfoundry.get_backend("qasm_simulator").run(qc)


def test_a_body_measuring_its_own_condition_bit_is_refused():
    qc = QuantumCircuit(1, 1)
    with qc.if_test((qc.clbits[0], 0)):
        qc.measure(0, 0)
        qc.x(0)
    with pytest.raises(CircuitError, match=r"writes clbit\(s\) \[0\].*condition reads"):
        from_qiskit(qc)


def test_unbound_parameters_stay_symbolic_under_their_names():
    from qiskit.circuit import ParameterVector
    from qiskit.circuit.library import efficient_su2

    theta, xs = Parameter("θ"), ParameterVector("x", 2)
    qc = efficient_su2(3, reps=1).decompose()
    qc.rzz(2 * theta + 1, 0, 2)
    qc.crx(xs[0] * xs[1] - theta.sin(), 1, 0)
    circ = from_qiskit(qc)
    assert [p.name for p in circ.parameters] == [p.name for p in qc.parameters]
    rng = np.random.default_rng(4)
    binds = [{p: float(v) for p, v in zip(qc.parameters, rng.uniform(-3, 3, qc.num_parameters))}
             for _ in range(3)]
    result = qfoundry.get_backend("statevector_simulator").run(
        circ, parameter_binds=[{p.name: [b[p] for b in binds] for p in qc.parameters}]).result()
    for k, values in enumerate(binds):
        expected = Statevector(qc.assign_parameters(values)).data
        assert fidelity(result.get_statevector(k), expected) > 1 - 1e-12
    back = to_qiskit(circ)
    assert [p.name for p in back.parameters] == [p.name for p in qc.parameters]
    by_name = {p.name: v for p, v in binds[0].items()}
    assert Operator(back.assign_parameters({p: by_name[p.name] for p in back.parameters})) \
        .equiv(Operator(qc.assign_parameters(binds[0])))


def test_a_parameter_name_qfoundry_cannot_read_is_named():
    qc = QuantumCircuit(1)
    qc.append(RYGate(Parameter("a b")), [0])
    with pytest.raises(CircuitError, match=r"instruction 0 \('ry'\).*'a b'"):
        from_qiskit(qc)


def test_to_qiskit_keeps_clbit_conditions():
    circ = qfoundry.Circuit(2, 2).h(0).measure(0, 0)
    circ.append("x", [1], condition=(0, 1))
    circ.append("measure", [1], clbits=[1])
    back = to_qiskit(circ)
    assert back.data[2].operation.name == "if_else"
    assert from_qiskit(back).data == circ.data
    assert_distribution(counts_of(back), {"11": 0.5, "00": 0.5}, 4000)


def test_register_names_qfoundry_refuses_are_made_valid_keeping_the_registers():
    qc = QuantumCircuit(QuantumRegister(1, "Q"), ClassicalRegister(1, "Meas"),
                        ClassicalRegister(1, "my-reg"), ClassicalRegister(1, "Q"))
    qc.x(0)
    qc.measure(0, 2)
    circ = from_qiskit(qc)
    assert [r.name for r in (*circ.qregs, *circ.cregs)] == ["q", "meas", "my_reg", "q_0"]
    # clbit 2 is register "Q": the last declared, so leftmost, one space between registers
    assert counts_of(qc, shots=5) == {"1 0 0": 5}
