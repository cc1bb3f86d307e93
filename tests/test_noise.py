"""Noise channels, NoiseModel and the device noise model (docs/noise.md).

Channel tests apply each channel to a density matrix whose image is known by hand; the
device model is checked against the worked Paris numbers of Aer's basic device model
(peer-semantics 5.5) and its defining property, 1 - F_avg(channel) = reported error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qfoundry.device import Device, GateProperties, QubitProperties
from qfoundry.errors import NoiseError
from qfoundry.noise import (
    NoiseModel,
    QuantumChannel,
    ReadoutError,
    amplitude_damping,
    check_cptp,
    depolarizing,
    kraus,
    noise_model_for,
    pauli,
    phase_damping,
    thermal_relaxation,
)

BELL = np.full((4, 4), 0.0)
BELL[0, 0] = BELL[0, 3] = BELL[3, 0] = BELL[3, 3] = 0.5
PLUS = np.full((2, 2), 0.5)
ONE = np.diag([0.0, 1.0])




def toy_device(**qubit: float) -> Device:
    q = QubitProperties(**qubit)
    return Device(name="toy", n_qubits=2, basis_gates=("sx", "rz", "cx"),
                  coupling_map=((0, 1),), qubits=(q, q), dt=1e-9,
                  gates={("sx", (0,)): GateProperties(error=1e-3, length=50e-9),
                         ("cx", (0, 1)): GateProperties(error=2e-2, length=300e-9),
                         ("rz", (0,)): GateProperties(error=0.0, length=0.0)})


# -- channels on hand-checkable states ----------------------------------------------------
def test_amplitude_damping_of_one_decays_to_zero_with_probability_gamma():
    out = amplitude_damping(0.3).apply(ONE)
    np.testing.assert_allclose(out, np.diag([0.3, 0.7]), atol=1e-15)


def test_phase_damping_shrinks_coherence_by_sqrt_one_minus_gamma():
    out = phase_damping(0.36).apply(PLUS)
    np.testing.assert_allclose(out, [[0.5, 0.4], [0.4, 0.5]], atol=1e-15)


def test_depolarizing_of_a_bell_pair_mixes_in_the_identity():
    out = depolarizing(0.2, 2).apply(BELL)
    np.testing.assert_allclose(out, 0.8 * BELL + 0.2 * np.eye(4) / 4, atol=1e-15)
    # Complete depolarization at the physical maximum leaves I/4 ... and F_avg = 1/d.
    full = depolarizing(1.0, 2)
    np.testing.assert_allclose(full.apply(BELL), np.eye(4) / 4, atol=1e-15)
    assert full.average_gate_fidelity() == pytest.approx(1 / 4, abs=1e-15)


def test_depolarizing_average_fidelity_is_one_minus_half_lambda_for_one_qubit():
    assert 1 - depolarizing(0.01).average_gate_fidelity() == pytest.approx(0.005, rel=1e-12)


def test_thermal_relaxation_matches_the_closed_form():
    t1, t2, tau = 50e-6, 70e-6, 1e-6
    pr, c = 1 - math.exp(-tau / t1), math.exp(-tau / t2)
    rho = np.array([[0.3, 0.2 - 0.1j], [0.2 + 0.1j, 0.7]])
    out = thermal_relaxation(t1, t2, tau).apply(rho)
    want = np.array([[0.3 + pr * 0.7, c * rho[0, 1]], [c * rho[1, 0], 0.7 * (1 - pr)]])
    np.testing.assert_allclose(out, want, atol=1e-15)
    # At T2 = 2*T1 it is pure amplitude damping with gamma = 1 - exp(-tau/T1).
    np.testing.assert_allclose(thermal_relaxation(t1, 2 * t1, tau).superop,
                               amplitude_damping(pr).superop, atol=1e-15)


def test_thermal_relaxation_with_excited_population_relaxes_to_the_thermal_state():
    out = thermal_relaxation(1.0, 1.0, 1e6, excited_population=0.1).apply(ONE)
    np.testing.assert_allclose(out, np.diag([0.9, 0.1]), atol=1e-12)


def test_thermal_relaxation_refuses_t2_above_twice_t1():
    with pytest.raises(NoiseError, match="greater than 2"):
        thermal_relaxation(10e-6, 25e-6, 1e-7)


def test_pauli_labels_are_big_endian_as_in_qiskit():
    flip = pauli({"X": 0.1, "I": 0.9})
    np.testing.assert_allclose(flip.apply(np.diag([1.0, 0])), np.diag([0.9, 0.1]), atol=1e-15)
    high = pauli([("XI", 1.0)])  # X on qubit 1 maps |00> to |10> (index 2)
    assert high.apply(np.diag([1.0, 0, 0, 0]))[2, 2] == pytest.approx(1.0)
    with pytest.raises(NoiseError, match="sum to 1"):
        pauli({"X": 0.5})
    with pytest.raises(NoiseError, match="label"):
        pauli({"XQ": 1.0})


# -- CPTP checks ---------------------------------------------------------------------------
def test_kraus_accepts_a_valid_channel_and_keeps_its_operators():
    g = 0.25
    ops = [np.array([[1, 0], [0, math.sqrt(1 - g)]]), np.array([[0, math.sqrt(g)], [0, 0]])]
    ch = kraus(ops)
    np.testing.assert_allclose(ch.superop, amplitude_damping(g).superop, atol=1e-15)
    assert len(ch.kraus) == 2


def test_kraus_refuses_a_map_that_is_not_trace_preserving():
    with pytest.raises(NoiseError, match="not trace preserving"):
        kraus([np.diag([1.0, 0.9])])
    with pytest.raises(NoiseError, match="2\\^n"):
        kraus([np.eye(3)])


def test_a_positive_but_not_completely_positive_map_is_refused():
    transpose = np.eye(4)[[0, 2, 1, 3]]  # rho -> rho^T: positive, not CP
    with pytest.raises(NoiseError, match="not completely positive"):
        QuantumChannel.from_superop(transpose)


def test_canonical_kraus_operators_reproduce_the_channel():
    ch = depolarizing(0.1).compose(thermal_relaxation(40e-6, 60e-6, 1e-6))
    rebuilt = sum(np.kron(k.conj(), k) for k in ch.kraus)
    np.testing.assert_allclose(rebuilt, ch.superop, atol=1e-14)
    check_cptp(ch.superop)


def test_tensor_puts_the_first_factor_on_the_high_qubit():
    x, h = np.array([[0, 1], [1, 0]]), np.array([[1, 1], [1, -1]]) / math.sqrt(2)
    both = QuantumChannel.from_unitary(x).tensor(QuantumChannel.from_unitary(h))
    np.testing.assert_allclose(both.superop, QuantumChannel.from_unitary(np.kron(x, h)).superop,
                               atol=1e-15)
    rd = amplitude_damping(0.2).tensor(phase_damping(0.5))
    np.testing.assert_allclose(rd.apply(np.kron(ONE, PLUS)),
                               np.kron(amplitude_damping(0.2).apply(ONE),
                                       phase_damping(0.5).apply(PLUS)), atol=1e-15)


def test_compose_applies_self_first():
    x = QuantumChannel.from_unitary(np.array([[0, 1], [1, 0]]))
    out = x.compose(amplitude_damping(1.0)).apply(np.diag([1.0, 0]))  # X then decay: |0>
    np.testing.assert_allclose(out, np.diag([1.0, 0]), atol=1e-15)


# -- NoiseModel ---------------------------------------------------------------------------
def test_local_errors_override_all_qubit_errors_and_repeat_additions_compose():
    nm = NoiseModel()
    everywhere, here = depolarizing(0.1), amplitude_damping(0.2)
    nm.add_all_qubit_quantum_error(everywhere, ["x", "sx"])
    nm.add_quantum_error(here, "x", [3])
    assert nm.quantum_error("x", [3]) is here
    assert nm.quantum_error("x", [0]) is everywhere
    assert nm.quantum_error("cx", [0, 1]) is None
    nm.add_quantum_error(here, "x", [3])
    np.testing.assert_allclose(nm.quantum_error("x", [3]).superop,
                               here.superop @ here.superop, atol=1e-15)
    with pytest.raises(NoiseError, match="cannot be attached"):
        nm.add_quantum_error(depolarizing(0.1, 2), "cx", [0])



def test_an_error_as_wide_as_the_standard_gate_is_required_when_it_is_added():
    """Aer refuses a 2-qubit error on 'x' at add time; a later job must not be the first to say."""
    nm = NoiseModel()
    with pytest.raises(NoiseError, match="2-qubit error cannot follow 'x', which acts on 1"):
        nm.add_all_qubit_quantum_error(depolarizing(0.1, 2), ["x"])
    with pytest.raises(NoiseError, match="1-qubit error cannot follow 'cx', which acts on 2"):
        nm.add_quantum_error(depolarizing(0.1), "cx", [0])
    assert nm.quantum_error("x", [0]) is None and nm.quantum_error("cx", [0]) is None
    nm.add_all_qubit_quantum_error(depolarizing(0.1, 2), ["my_gate", "cx"])  # custom: any width
    assert nm.quantum_error("my_gate", [0, 1]) is not None

def test_readout_errors_and_inspection():
    nm = NoiseModel()
    nm.add_readout_error([[0.9, 0.1], [0.2, 0.8]], 1)
    nm.add_all_qubit_readout_error(ReadoutError.asymmetric(0.01, 0.02))
    assert nm.readout_error(1).p1_given_0 == pytest.approx(0.1)
    assert nm.readout_error(5).p0_given_1 == pytest.approx(0.02)
    entries = list(nm)
    assert [(e.instruction, e.qubits) for e in entries] == [("measure", (1,)), ("measure", None)]
    assert nm.noise_instructions == {"measure"}
    with pytest.raises(NoiseError, match="summing to 1"):
        ReadoutError([[0.9, 0.2], [0.1, 0.9]])
    assert NoiseModel().is_ideal() and not nm.is_ideal()


# -- the device model --------------------------------------------------------------------
# peer-semantics 5.5: (gate, qubits, epsilon, r = 1 - F_R, lambda), five significant digits.
PARIS_TABLE = [
    ("sx", (0,), 4.4321e-4, 1.5698e-4, 5.7263e-4),
    ("sx", (12,), 8.1684e-4, 6.5877e-4, 3.1656e-4),
    ("x", (3,), 1.8308e-3, 2.8481e-4, 3.0937e-3),
    ("cx", (0, 1), 1.2580e-2, 5.3031e-3, 9.7721e-3),
    ("cx", (1, 0), 1.2580e-2, 5.8207e-3, 9.0834e-3),
    ("cx", (12, 13), 1.7119e-2, 1.2991e-2, 5.6008e-3),
]


@pytest.mark.parametrize("gate, qubits, eps, r, lam", PARIS_TABLE)
def test_paris_gate_channels_match_the_worked_numbers(paris, gate, qubits, eps, r, lam):
    error = NoiseModel.from_device(paris).quantum_error(gate, qubits)
    depol, relax = error.params["channels"]
    assert depol.kind == "depolarizing"
    assert depol.params["param"] == pytest.approx(lam, rel=1e-4)
    assert 1 - relax.average_gate_fidelity() == pytest.approx(r, rel=1e-4)
    assert 1 - error.average_gate_fidelity() == pytest.approx(eps, rel=1e-4)


def test_every_paris_gate_channel_has_exactly_the_reported_error_and_is_cptp(paris):
    nm = NoiseModel.from_device(paris)
    checked = 0
    for name, qubits, error in nm:
        if name == "measure":
            continue
        check_cptp(error.superop, atol=1e-12)
        props = paris.gates[(name, qubits)]
        if name != "reset":  # the reported error, unless relaxation alone exceeds it (q5)
            relax = error if error.kind != "composite" else error.params["channels"][1]
            want = max(props.error, 1 - relax.average_gate_fidelity())
            assert 1 - error.average_gate_fidelity() == pytest.approx(want, abs=1e-12)
        checked += 1
    assert checked == 27 * 4 + 56  # sx, x, id, reset per qubit, cx per directed pair


def test_paris_reset_is_relaxation_only_and_rz_is_noiseless(paris):
    nm = NoiseModel.from_device(paris)
    t1, t2 = paris.qubits[0].t1, paris.qubits[0].t2
    want = thermal_relaxation(t1, min(t2, 2 * t1), paris.gates[("reset", (0,))].length)
    np.testing.assert_allclose(nm.quantum_error("reset", [0]).superop, want.superop, atol=1e-15)
    assert nm.quantum_error("reset", [0]).kind == "thermal_relaxation"
    assert nm.quantum_error("rz", [0]) is None
    assert nm.quantum_error("measure", [0]) is None


def test_paris_t2_is_clipped_to_twice_t1(paris):
    nm = NoiseModel.from_device(paris)
    t1, t2, p1 = nm.relaxation(12)
    assert t2 == 2 * t1 == 2 * paris.qubits[12].t1 and p1 == 0
    assert nm.relaxation(0)[1] == paris.qubits[0].t2
    delay = nm.delay_error(12, 1e-6)
    assert delay.params["t2"] == 2 * t1


def test_paris_readout_is_asymmetric_from_prob_meas(paris):
    ro = NoiseModel.from_device(paris).readout_error(0)
    assert (ro.p1_given_0, ro.p0_given_1) == (pytest.approx(0.0136), pytest.approx(0.0362))


def test_symmetric_readout_when_only_readout_error_is_given():
    nm = NoiseModel.from_device(toy_device(t1=50e-6, t2=60e-6, readout_error=0.03))
    ro = nm.readout_error(1)
    assert ro.p1_given_0 == ro.p0_given_1 == pytest.approx(0.03)


def test_gate_error_below_the_relaxation_error_gets_no_depolarizing_part():
    nm = NoiseModel.from_device(toy_device(t1=1e-6, t2=1e-6))  # r(sx) ~ 1.2e-2 > 1e-3
    error = nm.quantum_error("sx", [0])
    assert error.kind == "thermal_relaxation"
    assert 1 - error.average_gate_fidelity() > 1e-3


def test_without_t1_t2_the_whole_error_is_depolarizing():
    nm = NoiseModel.from_device(toy_device())
    assert nm.quantum_error("cx", [0, 1]).params["param"] == pytest.approx(4 / 3 * 2e-2)
    assert nm.relaxation(0) is None


def test_noise_scale_multiplies_errors_and_relaxation_rates(paris):
    base, double = NoiseModel.from_device(paris), NoiseModel.from_device(paris, noise_scale=2)
    eps = paris.gates[("cx", (0, 1))].error
    assert 1 - double.quantum_error("cx", [0, 1]).average_gate_fidelity() == \
        pytest.approx(2 * eps, abs=1e-12)
    t1, t2, _ = base.relaxation(0)
    assert double.relaxation(0)[:2] == (pytest.approx(t1 / 2), pytest.approx(t2 / 2))
    assert double.readout_error(0).p1_given_0 == pytest.approx(2 * 0.0136)
    assert double.readout_error(5).p1_given_0 == 0.5  # 2 * 0.295, clipped to a coin toss
    huge = NoiseModel.from_device(paris, noise_scale=1e3)
    d = 4
    assert 1 - huge.quantum_error("cx", [0, 1]).average_gate_fidelity() <= d / (d + 1) + 1e-12
    for _, _, error in huge:
        if isinstance(error, QuantumChannel):
            check_cptp(error.superop, atol=1e-10)
    assert NoiseModel.from_device(paris, noise_scale=0).is_ideal()
    with pytest.raises(NoiseError, match="noise_scale"):
        NoiseModel.from_device(paris, noise_scale=-1)


def test_temperature_populates_the_excited_state(paris):
    nm = NoiseModel.from_device(paris, temperature=50.0)
    p1 = nm.relaxation(0)[2]
    want = 1 / (1 + math.exp(47.99243e-9 * paris.qubits[0].frequency / 50.0))
    assert p1 == pytest.approx(want, rel=1e-12) and 0 < p1 < 0.01
    check_cptp(nm.quantum_error("cx", [0, 1]).superop, atol=1e-12)


def test_device_models_are_cached_shared_and_read_only(paris):
    a = noise_model_for(paris, {"noise_model": "device", "noise_scale": 1.0})
    assert noise_model_for(paris, {}) is a
    assert noise_model_for(paris, {"noise_scale": 2.0}) is not a
    with pytest.raises(NoiseError, match="read-only"):
        a.add_readout_error([[1, 0], [0, 1]], 0)
    mine = a.copy()
    mine.add_readout_error([[1, 0], [0, 1]], 0)
    assert mine.readout_error(0).p1_given_0 == 0 and a.readout_error(0).p1_given_0 > 0


def test_noise_model_option_values(paris):
    custom = NoiseModel()
    assert noise_model_for(None, {}) is None  # ideal simulator: no device, no noise
    assert noise_model_for(paris, {"noise_model": None}) is None
    assert noise_model_for(paris, {"noise_model": custom}) is custom
    with pytest.raises(NoiseError, match="custom noise model"):
        noise_model_for(paris, {"noise_model": custom, "noise_scale": 2.0})
    with pytest.raises(NoiseError, match="noise_model="):
        noise_model_for(paris, {"noise_model": "paris"})
