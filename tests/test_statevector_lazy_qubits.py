"""Qubits no gate has touched yet are kept out of the statevector engine's tensor and join
it late: results must be exactly those of the full register.

Final states are compared with hand-built products (numpy kron, Qiskit order: qubit q is
bit q of the index) or with Qiskit's ``Statevector`` (exactly, phase included: the
circuits are built twice from one gate list). Counts with one possible outcome are
compared exactly; distributions by chi-square / binomial tests at fixed seeds, where a
p-value under ``P_MIN`` fails. Sizes: 5-6 qubits, 15 (gate fusion is on from 14) and
19-20 (above the 2**18-amplitude chunk size, so measurement and sampling run chunked).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import assert_distribution
from scipy import stats

import qfoundry
from qfoundry.circuit import ClassicalRegister, QuantumRegister
from qfoundry.plugins.statevector import engine as sv

P_MIN = 1e-3
ATOL = 1e-12
QASM = qfoundry.get_backend("qasm_simulator")
SV = qfoundry.get_backend("statevector_simulator")
ZERO, ONE = np.array([1, 0], dtype=complex), np.array([0, 1], dtype=complex)


def kron_state(factors):
    """The product state with ``factors[q]`` on qubit q (qubit 0 the least significant)."""
    out = np.ones(1, dtype=complex)
    for f in factors:
        out = np.kron(f, out)
    return out


def ry_rz(theta, phi):
    """rz(phi) ry(theta) |0>."""
    return np.array([math.cos(theta / 2) * np.exp(-0.5j * phi),
                     math.sin(theta / 2) * np.exp(0.5j * phi)])


def statevector(circ, **options):
    return np.asarray(SV.run(circ, **options).result().get_statevector())


def counts(circ, shots, seed, **options):
    return QASM.run(circ, shots=shots, seed_simulator=seed, **options).result()


def build(gates, n, phase=0.0):
    """Our Circuit from a gate list of (name, qubits, params)."""
    circ = qfoundry.Circuit(n, global_phase=phase)
    for name, qubits, params in gates:
        circ.append(name, qubits, params)
    return circ


def qiskit_state(gates, n, phase=0.0, initial=None):
    """Qiskit's final state for the same gate list, built from Qiskit's own gate classes."""
    qiskit = pytest.importorskip("qiskit")
    from qiskit.circuit.library import get_standard_gate_name_mapping
    from qiskit.quantum_info import Statevector

    lib = get_standard_gate_name_mapping()
    qc = qiskit.QuantumCircuit(n, global_phase=phase)
    for name, qubits, params in gates:
        proto = lib[name]
        qc.append(type(proto)(*params) if params else proto, qubits)
    start = Statevector(initial) if initial is not None else Statevector.from_int(0, 1 << n)
    return start.evolve(qc).data


# -- final statevector ------------------------------------------------------------------------

@pytest.mark.parametrize("touched", [[1, 2, 3], [0, 4], [0, 1], [3, 4], [2]],
                         ids=["bottom-and-top-idle", "middle-idle", "top-idle",
                              "bottom-idle", "one-in-the-middle"])
def test_untouched_qubits_anywhere_stay_zero_with_every_phase_kept(touched):
    # Each touched qubit gets ry then rz; the last touched one only rz, which on |0> is a
    # pure phase e^{-i phi/2}: it must not be lost. Plus the header's global phase.
    n, gamma = 5, 0.7
    circ = qfoundry.Circuit(n, global_phase=gamma)
    factors = [ZERO] * n
    for k, q in enumerate(touched):
        theta, phi = 0.3 + 0.4 * k, 0.9 - 0.5 * k
        if k < len(touched) - 1:
            circ.ry(theta, q)
        else:
            theta = 0.0
        circ.rz(phi, q)
        factors[q] = ry_rz(theta, phi)
    expected = np.exp(1j * gamma) * kron_state(factors)
    np.testing.assert_allclose(statevector(circ), expected, atol=ATOL)


def test_ghz_chain_joining_from_the_top_with_an_idle_qubit_between():
    # q4 first, then the chain down to q0 skipping q2: (|0000 0> + |1101 1>)/sqrt2, x phase.
    circ = qfoundry.Circuit(5, global_phase=-0.4).h(4).cx(4, 3).cx(3, 1).cx(1, 0).rz(0.6, 0)
    expected = np.zeros(32, dtype=complex)
    expected[0] = np.exp(-0.3j)
    expected[0b11011] = np.exp(0.3j)
    np.testing.assert_allclose(statevector(circ), np.exp(-0.4j) * expected / math.sqrt(2),
                               atol=ATOL)


def _join_orders(n, rng):
    """Gate lists whose qubits join in different orders, leaving one qubit untouched."""
    idle = n // 2
    live = [q for q in range(n) if q != idle]
    top_down = [("h", [live[-1]], [])] + [("cx", [a, b], []) for a, b in
                                          zip(live[::-1], live[-2::-1])]
    high_first = [("ry", [q], [0.2 + 0.1 * q]) for q in live[::-1]] + \
        [("cz", [live[-1], live[0]], []), ("rzz", [live[1], live[-2]], [0.8]),
         ("rz", [live[0]], [1.3])]
    perm = [int(q) for q in rng.permutation(live)]
    shuffled = [("u", [perm[0]], [0.3, 0.2, 0.1])]
    for a, b in zip(perm, perm[1:]):
        shuffled += [("cx", [a, b], []), ("ry", [b], [float(rng.uniform(0, 3))]),
                     ("p", [a], [float(rng.uniform(0, 3))])]
    return {"top-down-ghz": top_down, "high-first": high_first, "shuffled": shuffled}


@pytest.mark.oracle
@pytest.mark.parametrize("n", [6, 15])
@pytest.mark.parametrize("order", ["top-down-ghz", "high-first", "shuffled"])
def test_late_joining_qubits_match_qiskit_exactly(n, order):
    gates = _join_orders(n, np.random.default_rng(n))[order]
    ours = statevector(build(gates, n, phase=0.25))
    np.testing.assert_allclose(ours, qiskit_state(gates, n, phase=0.25), atol=1e-10)


def test_ghz_on_19_of_20_qubits_above_the_chunk_size():
    # 19 active qubits (2**19 amplitudes), q10 never touched: exactly two amplitudes.
    n, idle = 20, 10
    live = [q for q in range(n) if q != idle]
    circ = qfoundry.Circuit(n).h(live[0])
    for a, b in zip(live, live[1:]):
        circ.cx(a, b)
    got = statevector(circ)
    assert np.count_nonzero(got) == 2
    assert got[0] == pytest.approx(1 / math.sqrt(2), abs=ATOL)
    assert got[sum(1 << q for q in live)] == pytest.approx(1 / math.sqrt(2), abs=ATOL)


# -- measuring untouched qubits ---------------------------------------------------------------

TWO_REGISTERS = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[6];
creg a[2];
creg b[4];
x q[4];
h q[1];
cx q[1], q[2];
x q[1];
x q[2];
measure q[0] -> b[3];
measure q[4] -> a[0];
measure q[5] -> b[0];
measure q[3] -> a[1];
measure q[2] -> b[2];
measure q[1] -> b[1];
"""


def test_untouched_qubits_measured_into_permuted_clbits_of_two_registers():
    # q1 q2 form a Bell pair flipped to (|11> + |00>)/sqrt2; q4 is 1; q0, q3, q5 untouched.
    # Keys: "b a" with b = (q0, q2, q1, q5) from b3 down, a = (q3, q4).
    result = counts(TWO_REGISTERS, 4000, 12, memory=True)
    got = result.get_counts()
    assert_distribution(got, {"0000 01": 0.5, "0110 01": 0.5}, 4000)
    memory = result.get_memory()
    assert len(memory) == 4000 and {k: memory.count(k) for k in set(memory)} == got


@pytest.mark.oracle
def test_count_keys_formatted_as_qiskit_aer_formats_them():
    pytest.importorskip("qiskit")
    aer = pytest.importorskip("qiskit_aer")
    import qiskit

    # Deterministic outcomes only, so the keys must be identical.
    text = TWO_REGISTERS.replace("h q[1];\ncx q[1], q[2];\n", "")
    theirs = aer.AerSimulator().run(qiskit.qasm2.loads(text), shots=50).result().get_counts()
    ours = counts(text, 50, 1, memory=True)
    assert ours.get_counts() == dict(theirs) == {"0110 01": 50}
    assert ours.get_memory() == ["0110 01"] * 50


def test_20_qubit_register_with_most_qubits_untouched_gives_exact_keys():
    # Only q19, q13 and q2 are ever touched; every qubit measured, into reversed clbits
    # of two registers (q k -> clbit 19 - k; a = clbits 0-7, b = clbits 8-19).
    circ = qfoundry.Circuit(QuantumRegister("q", 20), ClassicalRegister("a", 8),
                            ClassicalRegister("b", 12))
    circ.x(19).x(13).x(2)
    circ.measure(list(range(20)), [19 - k for k in range(20)])
    bits = ["0"] * 20  # bits[j] is clbit j
    for q in (19, 13, 2):
        bits[19 - q] = "1"
    key = "".join(bits[8:][::-1]) + " " + "".join(bits[:8][::-1])
    result = counts(circ, 100, 3, memory=True)
    assert result.get_counts() == {key: 100}
    assert result.get_memory() == [key] * 100


def test_mid_circuit_measurement_of_an_untouched_qubit_reads_zero_and_it_can_join_later():
    # q2 measured while untouched (reads 0, c0), then joins a Bell pair with q0.
    circ = qfoundry.Circuit(3, 3).measure(2, 0).h(0).cx(0, 2).measure(1, 1)
    s = 1 / math.sqrt(2)
    np.testing.assert_allclose(statevector(circ), [s, 0, 0, 0, 0, s, 0, 0], atol=ATOL)
    circ.measure(2, 2)
    result = counts(circ, 4000, 5, memory=True)
    assert_distribution(result.get_counts(), {"000": 0.5, "100": 0.5}, 4000)
    assert result.get_memory().count("100") == result.get_counts()["100"]


# -- reset, branching and classical control ---------------------------------------------------

def test_reset_of_untouched_and_active_qubits_across_branches():
    # q3 reset while untouched; q0 (|+>, entangled with q1) reset: q1 collapses, 50/50;
    # after the branches copy the state, q2 and q3 join through cx from q1.
    circ = qfoundry.Circuit(4, 4).reset(3).h(0).cx(0, 1).reset(0).reset(3)
    circ.cx(1, 2).cx(2, 3).h(0)
    circ.measure([0, 1, 2, 3], [0, 1, 2, 3])
    shots = 8000
    got = counts(circ, shots, 4).get_counts()
    # q0 is |+> again: 4 equally likely keys; q1 = q2 = q3.
    assert_distribution(got, {"0000": 0.25, "0001": 0.25, "1110": 0.25, "1111": 0.25}, shots)


def test_conditional_gates_activate_a_qubit_in_some_branches_only():
    # a = measure(ry(theta) q0); q2 gets ry(phi) only if a == 1 (so it is active in one
    # branch, untouched in the other); b = measure(q2); q2 is reset either way; q3 flips
    # if b == 1; q1 joins through cx(q0, q1) in every branch. out = (q3, q2, q1).
    theta, phi = 1.2, 2.0
    circ = qfoundry.Circuit(QuantumRegister("q", 4), ClassicalRegister("a", 1),
                            ClassicalRegister("b", 1), ClassicalRegister("out", 3))
    circ.ry(theta, 0).measure(0, 0)
    circ.ry(phi, 2).c_if("a", 1)
    circ.measure(2, 1).reset(2)
    circ.x(3).c_if("b", 1)
    circ.cx(0, 1)
    circ.measure([1, 2, 3], [2, 3, 4])
    s, t = math.sin(theta / 2) ** 2, math.sin(phi / 2) ** 2
    expected = {"000 0 0": 1 - s, "001 0 1": s * (1 - t), "101 1 1": s * t}
    shots = 8000
    result = counts(circ, shots, 8, memory=True)
    assert_distribution(result.get_counts(), expected, shots)
    memory = result.get_memory()
    assert {k: memory.count(k) for k in set(memory)} == result.get_counts()


def test_branches_finished_shot_by_shot_keep_untouched_qubits_zero(monkeypatch):
    # Memory for one waiting branch only: at the second split each shot runs from its own
    # copy of a state whose untouched qubits (q3 where c0 = 0, q2 unless c = 3) join
    # only in some shots.
    monkeypatch.setattr(sv, "physical_memory", lambda: 1024)
    circ = qfoundry.Circuit(4, 4).h(0).measure(0, 0)
    circ.x(3).c_if("c", 1)
    circ.h(1).measure(1, 1)
    circ.x(2).c_if("c", 3)
    circ.measure([2, 3], [2, 3])
    shots = 400
    result = counts(circ, shots, 6)
    assert_distribution(result.get_counts(),
                        {"0000": 0.25, "0010": 0.25, "1001": 0.25, "1111": 0.25}, shots)
    assert result.results[0].metadata["branches"] > 100  # shot by shot, not 4 branches


def test_branch_that_brings_in_19_more_qubits_above_the_chunk_size():
    # Branch c0 = 1 runs a GHZ chain over all 20 qubits (2**20 amplitudes, sampled in two
    # stages); branch c0 = 0 keeps 19 qubits untouched. Only two keys are possible.
    n = 20
    circ = qfoundry.Circuit(QuantumRegister("q", n), ClassicalRegister("m", 1),
                            ClassicalRegister("c", n))
    circ.h(0).measure(0, 0)
    for q in range(n - 1):
        circ.cx(q, q + 1).c_if("m", 1)
    circ.measure(list(range(n)), list(range(1, n + 1)))
    shots = 1000
    result = counts(circ, shots, 9, memory=True)
    got = result.get_counts()
    assert set(got) == {"0" * n + " 0", "1" * n + " 1"}
    assert stats.binomtest(got["1" * n + " 1"], shots, 0.5).pvalue > P_MIN
    memory = result.get_memory()
    assert {k: memory.count(k) for k in set(memory)} == got


def _pairs_state(n, idle, rng):
    """19 active qubits of 20 as independent pairs (ry a; cx a b; ry b) and one single
    ry qubit; returns the circuit and {qubits: exact joint distribution}."""
    live = [q for q in range(n) if q != idle]
    circ = qfoundry.Circuit(n, n)
    blocks = {}
    for k in range(0, len(live) - 1, 2):
        a, b = live[k], live[k + 1]
        ta, tb = rng.uniform(0.4, 2.7, 2)
        circ.ry(ta, a).cx(a, b).ry(tb, b)
        ry_b = np.array([[math.cos(tb / 2), -math.sin(tb / 2)],
                         [math.sin(tb / 2), math.cos(tb / 2)]])
        amp = np.zeros((2, 2))  # amp[bit_b, bit_a]
        amp[0, 0], amp[1, 1] = math.cos(ta / 2), math.sin(ta / 2)
        blocks[(a, b)] = (ry_b @ amp) ** 2
    last = live[-1]
    t = rng.uniform(0.4, 2.7)
    circ.ry(t, last)
    blocks[(last,)] = np.array([math.cos(t / 2) ** 2, math.sin(t / 2) ** 2])
    return circ, blocks


@pytest.mark.parametrize("shots,seed", [(2000, 13), (20000, 14)],
                         ids=["two-stage-sampling", "chunked-marginal"])
def test_20_qubit_state_with_an_untouched_qubit_measured_in_full(shots, seed):
    n, idle = 20, 7
    circ, blocks = _pairs_state(n, idle, np.random.default_rng(1))
    circ.measure(list(range(n)), list(range(n)))
    got = counts(circ, shots, seed).get_counts()
    values = np.array([int(k, 2) for k, c in got.items() for _ in range(c)])
    assert not ((values >> idle) & 1).any()
    for qubits, probs in blocks.items():
        if len(qubits) == 1:
            ones = int(((values >> qubits[0]) & 1).sum())
            assert stats.binomtest(ones, shots, probs[1]).pvalue > P_MIN
            continue
        a, b = qubits
        joint = ((values >> b) & 1) * 2 + ((values >> a) & 1)
        observed = np.bincount(joint, minlength=4)
        assert stats.chisquare(observed, probs.reshape(-1) * shots).pvalue > P_MIN, qubits


def test_20_qubit_state_marginal_over_active_and_untouched_qubits():
    n, idle = 20, 7
    circ, blocks = _pairs_state(n, idle, np.random.default_rng(2))
    a, b = 0, 1  # a pair (see _pairs_state); q19 is the single ry qubit
    circ.measure([19, idle, b, a], [0, 1, 2, 3])
    shots = 20000
    got = counts(circ, shots, 15).get_counts()
    assert all(key[:16] == "0" * 16 and key[-2] == "0" for key in got)  # idle -> clbit 1
    p19, pab = blocks[(19,)], blocks[(a, b)]  # pab[bit_b, bit_a]
    expected = {}
    for b19 in range(2):
        for bb in range(2):
            for ba in range(2):
                key = "0" * 16 + f"{ba}{bb}0{b19}"
                expected[key] = p19[b19] * pab[bb, ba]
    assert_distribution(got, expected, shots)


# -- swap and initialize ----------------------------------------------------------------------

def test_swap_between_an_active_and_an_untouched_qubit_then_gates_on_both():
    # q0 = ry(0.8)|0>, swapped onto untouched q3 (q0 now |0>); then rz on q0 (a phase only)
    # and cx from q3 into q0.
    circ = qfoundry.Circuit(4).ry(0.8, 0).swap(0, 3).rz(0.5, 0).cx(3, 0).swap(1, 2)
    c, s = math.cos(0.4), math.sin(0.4)
    expected = np.zeros(16, dtype=complex)
    expected[0b0000] = c * np.exp(-0.25j)
    expected[0b1001] = s * np.exp(-0.25j)
    np.testing.assert_allclose(statevector(circ), expected, atol=ATOL)


@pytest.mark.oracle
def test_swaps_with_untouched_qubits_at_15_qubits_match_qiskit():
    gates = [("h", [14], []), ("swap", [14, 3], []), ("swap", [5, 6], []),
             ("cx", [3, 9], []), ("swap", [9, 0], []), ("ry", [14], [0.7]),
             ("rz", [9], [0.4]), ("swap", [0, 14], []), ("cp", [0, 11], [1.1]),
             ("x", [11], [])]
    np.testing.assert_allclose(statevector(build(gates, 15)), qiskit_state(gates, 15),
                               atol=1e-10)


def test_initialize_on_untouched_qubits_and_on_a_subset_with_an_active_one():
    amps = np.array([0.6, 0, 0, 0.8j])  # qubits [3, 1]: 0.6|q1 q3 = 00> + 0.8j|11>
    circ = qfoundry.Circuit(4).initialize(amps, [3, 1])
    np.testing.assert_allclose(statevector(circ),
                               kron_state([ZERO, 0.6 * ZERO, ZERO, ZERO])
                               + kron_state([ZERO, 0.8j * ONE, ZERO, ONE]), atol=ATOL)
    # q0 active in |+> and q2 active in |1> (unentangled): initialize on [2, 3] resets
    # q2 (deterministically) and prepares q2 q3; q0 and untouched q1 are unaffected.
    circ = qfoundry.Circuit(4).h(0).x(2).initialize([0, 1, 0, 0], [2, 3])
    plus = np.array([1, 1]) / math.sqrt(2)
    for seed in (1, 2):
        np.testing.assert_allclose(statevector(circ, seed_simulator=seed),
                                   kron_state([plus, ZERO, ONE, ZERO]), atol=ATOL)


# -- the initial_statevector option, reproducibility ------------------------------------------

@pytest.mark.oracle
@pytest.mark.parametrize("n", [5, 15])
def test_initial_statevector_with_gates_on_some_qubits_matches_qiskit(n):
    rng = np.random.default_rng(n)
    v = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    init = v / np.linalg.norm(v)
    gates = [("h", [n - 1], []), ("cx", [n - 1, 1], []), ("rz", [2], [0.3]),
             ("swap", [1, 3], [])]
    ours = statevector(build(gates, n, phase=0.5), initial_statevector=init)
    np.testing.assert_allclose(ours, qiskit_state(gates, n, phase=0.5, initial=init),
                               atol=1e-10)


def test_initial_zero_statevector_gives_the_lazy_result():
    # All qubits active from the start vs joining one by one: the same state.
    n = 15
    gates = _join_orders(n, np.random.default_rng(3))["shuffled"]
    zero = np.zeros(1 << n, dtype=complex)
    zero[0] = 1
    np.testing.assert_allclose(statevector(build(gates, n), initial_statevector=zero),
                               statevector(build(gates, n)), atol=1e-12)


def test_same_seed_same_counts_and_memory_with_late_joining_qubits():
    circ = qfoundry.Circuit(5, 5).h(0).measure(0, 0).h(3).c_if("c", 1).reset(0)
    circ.cx(3, 4).h(1).measure([1, 2, 3, 4], [1, 2, 3, 4])
    a = counts(circ, 500, 21, memory=True)
    b = counts(circ, 500, 21, memory=True)
    c = counts(circ, 500, 22, memory=True)
    assert a.get_counts() == b.get_counts() and a.get_memory() == b.get_memory()
    assert a.get_memory() != c.get_memory()
