"""The post-routing passes: the noise-aware post-layout and the one-pass merge + cancel."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from qfoundry.circuit import Circuit, Instruction
from qfoundry.gates import gate_matrix
from qfoundry.transpiler import transpile_circuit
from qfoundry.transpiler.layout import CircuitStats, _perfect_cost, estimated_error, post_layout
from qfoundry.transpiler.optimize import cancel_inverse_pairs, consolidate_1q
from qfoundry.transpiler.target import Target

CZ_BASIS = frozenset({"rz", "sx", "x", "cz"})
CX_BASIS = frozenset({"rz", "sx", "x", "cx"})


def both_ways(edges):
    return frozenset(edges) | frozenset((b, a) for a, b in edges)


def dense(ops, n: int) -> np.ndarray:
    """The unitary of ``ops`` on ``n`` qubits (qubit k is bit k), by explicit np.kron."""
    u = np.eye(2 ** n, dtype=complex)
    swap = gate_matrix("swap")
    for op in ops:
        m = gate_matrix(op.name, op.params, len(op.qubits))
        if len(op.qubits) == 1:
            (q,) = op.qubits
            full = np.kron(np.kron(np.eye(2 ** (n - 1 - q)), m), np.eye(2 ** q))
        else:  # adjacent pairs only (the tests use lines): put (a, b) at bits (lo, lo+1)
            a, b = op.qubits
            lo = min(a, b)
            m = m if a < b else swap @ m @ swap
            full = np.kron(np.kron(np.eye(2 ** (n - 2 - lo)), m), np.eye(2 ** lo))
        u = full @ u
    return u


def equal_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
    k = np.unravel_index(np.argmax(np.abs(b)), b.shape)
    phase = a[k] / b[k]
    return abs(abs(phase) - 1) < atol and np.allclose(a, phase * b, atol=atol)


def fixed_point(ops, target):
    """What optimize did before the one-pass merge: alternate until nothing cancels."""
    for _ in range(50):
        ops = consolidate_1q(ops, target)
        ops, removed = cancel_inverse_pairs(ops)
        if not removed:
            return ops
    raise AssertionError("no fixed point")


def random_cancelling_ops(n: int, length: int, rng: random.Random):
    """Many CZ on few pairs with Clifford gates between: pairs meet and cancel often."""
    ops = []
    for _ in range(length):
        r = rng.random()
        if r < 0.4:
            a = rng.randrange(n - 1)
            ops.append(Instruction("cz", (a, a + 1) if rng.random() < 0.5 else (a + 1, a)))
        elif r < 0.8:
            ops.append(Instruction(rng.choice(["h", "x", "z", "s", "sdg", "sx"]),
                                   (rng.randrange(n),)))
        else:
            ops.append(Instruction("rz", (rng.randrange(n),),
                                   (rng.choice([0.0, math.pi / 2, math.pi, 0.3]),)))
    return ops


@pytest.mark.parametrize("seed", range(25))
def test_one_pass_merge_and_cancel_reaches_the_fixed_point(seed):
    rng = random.Random(seed)
    target = Target(3, CZ_BASIS, both_ways([(0, 1), (1, 2)]))
    ops = random_cancelling_ops(3, 40, rng)
    one = consolidate_1q(ops, target, cancel=True)
    ref = fixed_point(ops, target)
    assert sum(op.name == "cz" for op in one) == sum(op.name == "cz" for op in ref)
    assert len(one) <= len(ref)
    assert all(op.name in CZ_BASIS for op in one)
    assert equal_up_to_phase(dense(one, 3), dense(ops, 3))


def test_cancellation_chains_through_merged_runs():
    target = Target(2, CZ_BASIS, both_ways([(0, 1)]))
    h = [Instruction("h", (1,))]
    cz = [Instruction("cz", (0, 1))]
    # cz (h h) cz cz cz: the middle pair meets once h h merges away, then the outer two.
    assert consolidate_1q(cz + h + h + cz + cz + [Instruction("cz", (1, 0))], target,
                          cancel=True) == []
    # The runs either side of a cancelled pair merge into one rotation.
    ops = [Instruction("rz", (0,), (0.3,))] + cz + cz + [Instruction("rz", (0,), (0.4,))]
    out = consolidate_1q(ops, target, cancel=True)
    assert [(op.name, op.qubits) for op in out] == [("rz", (0,))]
    assert out[0].params[0] == pytest.approx(0.7)
    # A conditioned gate between them blocks the cancellation.
    cond = Instruction("x", (1,), (), (), ("c", 1))
    assert [op.name for op in consolidate_1q(cz + [cond] + cz, target, cancel=True)] \
        == ["cz", "x", "cz"]


def half_bad_line(n: int = 10) -> Target:
    """A line whose qubits 0..n/2-1 are bad (readout 0.2, pairs 0.1), the rest good."""
    half = n // 2
    readout = tuple([0.2] * half + [0.01] * (n - half))
    pairs = {}
    for i in range(n - 1):
        pairs[(i, i + 1)] = pairs[(i + 1, i)] = 0.1 if i < half else 0.005
    return Target(n, CX_BASIS, both_ways([(i, i + 1) for i in range(n - 1)]), readout,
                  (1e-4,) * n, pairs, name="half-bad")


def test_post_layout_moves_a_routed_circuit_onto_the_good_qubits():
    target = half_bad_line()
    routed = [Instruction("cx", (0, 1)), Instruction("swap", (1, 2)),
              Instruction("cx", (2, 3)), Instruction("h", (3,))] + [
        Instruction("measure", (q,), (), (k,)) for k, q in enumerate((0, 1, 2, 3))]
    moved = post_layout(routed, target)
    assert moved is not None and sorted(moved) == list(range(10))
    relabelled = [Instruction(op.name, tuple(moved[q] for q in op.qubits), op.params,
                              op.clbits) for op in routed]
    for op in relabelled:
        if len(op.qubits) == 2:
            assert op.qubits in target.edges  # still only coupled pairs: no new SWAP
        assert all(q >= 5 for q in op.qubits)
    assert estimated_error(relabelled, target) < estimated_error(routed, target)
    # Already on the best place: nothing to do.
    assert post_layout(relabelled, target) is None


def test_post_layout_cost_is_the_perfect_layout_cost_of_the_routed_graph():
    target = half_bad_line()
    routed = [Instruction("swap", (6, 7)), Instruction("cx", (7, 8))]
    stats = CircuitStats(routed, 3, {6: 0, 7: 1, 8: 2})
    assert stats.weights == {(0, 1): 3, (1, 2): 1}  # a SWAP weighs three CX
    assert _perfect_cost({0: 6, 1: 7, 2: 8}, stats, target) == pytest.approx(4 * 0.005)


@pytest.mark.parametrize("seed", range(4))
def test_noise_aware_layout_avoids_a_broken_pair_at_no_gate_cost(seed):
    # A 3x4 grid with one broken coupler (error 1, as in IBM snapshots): the default
    # picks the same routing as "sabre" (fewest SWAPs) and then moves it off the
    # broken pair, so it costs no extra two-qubit gate.
    n = 12
    edges = [(r * 4 + c, r * 4 + c + 1) for r in range(3) for c in range(3)]
    edges += [(r * 4 + c, (r + 1) * 4 + c) for r in range(2) for c in range(4)]
    rng = random.Random(seed)
    errors = {}
    for a, b in edges:
        errors[(a, b)] = errors[(b, a)] = rng.uniform(0.005, 0.02)
    errors[(5, 6)] = errors[(6, 5)] = 1.0
    target = Target(n, CX_BASIS, both_ways(edges), tuple(rng.uniform(0.01, 0.03)
                                                         for _ in range(n)),
                    (2e-4,) * n, errors, name="grid")
    c = Circuit(5, 5)
    for _ in range(25):
        a, b = rng.sample(range(5), 2)
        c.h(a).cx(a, b)
    c.measure(range(5), range(5))
    ours = transpile_circuit(c, target, seed=seed)
    sabre = transpile_circuit(c, target, seed=seed, layout_method="sabre")
    assert ours.count_ops().get("cx") == sabre.count_ops().get("cx")
    assert not any(set(op.qubits) == {5, 6} for op in ours.data)
    assert estimated_error(ours.data, target) <= estimated_error(sabre.data, target)


def grid(rows: int, cols: int) -> Target:
    edges = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    edges += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return Target(rows * cols, CX_BASIS, both_ways(edges), name="grid")


def cx_permutation(ops, n: int, bits: int) -> int:
    """A basis state through cx/swap gates (what a routed CX circuit does to it)."""
    state = [(bits >> q) & 1 for q in range(n)]
    for op in ops:
        a, b = op.qubits[0], op.qubits[-1]
        if op.name == "cx":
            state[b] ^= state[a]
        elif op.name == "swap":
            state[a], state[b] = state[b], state[a]
    return sum(bit << k for k, bit in enumerate(state))


@pytest.mark.parametrize("seed", range(6))
def test_recorded_layout_passes_are_valid_routings_of_the_circuit(seed):
    from qfoundry.transpiler.layout import sabre_layouts
    from qfoundry.transpiler.routing import RoutingProblem

    target = grid(3, 4)
    rng = random.Random(seed)
    ops = [Instruction("cx", tuple(rng.sample(range(6), 2))) for _ in range(40)]
    ops += [Instruction("measure", (q,), (), (q,)) for q in range(6)]  # final: held back
    problem = RoutingProblem(ops)
    assert problem.only_two_qubit_gates
    record: list = []
    sabre_layouts(CircuitStats(ops, 6), target, seed=seed, trials=2, record=record)
    assert len(record) == 2  # one per candidate: the forward pass of iteration 2
    for start, events, final, n_swaps in record:
        trial = problem.recorded(target, start, events, final, n_swaps)
        routed = problem.build(trial)
        assert routed.final_layout == final and len(routed.swaps) == n_swaps
        for op in routed.ops:
            if len(op.qubits) == 2:
                assert op.qubits in target.edges
        assert trial.error == pytest.approx(estimated_error(routed.ops, target))
        gates = [op for op in ops if op.name == "cx"]
        for bits in range(0, 64, 5):
            physical = sum(((bits >> v) & 1) << start[v] for v in range(6))
            out = cx_permutation(routed.ops, 12, physical)
            assert sum(((out >> final[v]) & 1) << v for v in range(6)) \
                == cx_permutation(gates, 6, bits)


@pytest.mark.parametrize("extra", [
    Instruction("barrier", (0, 1)),
    Instruction("measure", (0,), (), (0,)),  # mid-circuit: a CX follows on qubit 0
    Instruction("cx", (0, 1), (), (), ("c", 1)),
])
def test_only_two_qubit_gates_is_false_when_the_router_walks_more(extra):
    from qfoundry.transpiler.routing import RoutingProblem

    ops = [Instruction("cx", (0, 1)), extra, Instruction("cx", (0, 2))]
    assert not RoutingProblem(ops, {"c": range(1)}).only_two_qubit_gates
    # Single-qubit gates and resets ride along with the gate before them: still true.
    riders = [Instruction("cx", (0, 1)), Instruction("reset", (1,)), Instruction("h", (0,)),
              Instruction("cx", (0, 2))]
    assert RoutingProblem(riders).only_two_qubit_gates


TWO_QUBIT_TARGETS = {
    "cx": Target(2, CX_BASIS, both_ways([(0, 1)])),
    "cz": Target(2, CZ_BASIS, both_ways([(0, 1)])),
    "ecr one-way": Target(2, frozenset({"rz", "sx", "x", "ecr"}), frozenset({(1, 0)})),
}


@pytest.mark.parametrize("name", sorted(TWO_QUBIT_TARGETS))
@pytest.mark.parametrize("ops, entanglers", [
    ([Instruction("cx", (0, 1)), Instruction("swap", (0, 1))], 2),
    ([Instruction("cx", (1, 0)), Instruction("swap", (0, 1))], 2),
    ([Instruction("swap", (0, 1)), Instruction("cx", (0, 1))], 2),
    ([Instruction("swap", (1, 0)), Instruction("cx", (1, 0)), Instruction("h", (0,))], 2),
    ([Instruction("cp", (0, 1), (0.7,)), Instruction("swap", (0, 1))], 3),  # not 5
    ([Instruction("cx", (0, 1)), Instruction("h", (1,)), Instruction("swap", (0, 1))], 4),
    # Across gates that commute with the CX: diagonal on its control, X-type on its target.
    ([Instruction("cx", (0, 1)), Instruction("t", (0,)), Instruction("sx", (1,)),
      Instruction("swap", (0, 1))], 2),
    ([Instruction("cx", (0, 1)), Instruction("t", (1,)), Instruction("swap", (0, 1))], 4),
    ([Instruction("swap", (0, 1)), Instruction("x", (1,)), Instruction("rz", (0,), (0.2,)),
      Instruction("cx", (0, 1))], 2),
    ([Instruction("swap", (0, 1)), Instruction("x", (0,)), Instruction("cx", (0, 1))], 4),
])
def test_a_swap_next_to_a_cx_on_its_pair_cancels_one_on_every_device(name, ops, entanglers):
    from qfoundry.transpiler.basis import translate_2q

    target = TWO_QUBIT_TARGETS[name]
    out = consolidate_1q(translate_2q(ops, target), target, cancel=True)
    assert sum(len(op.qubits) == 2 for op in out) == entanglers
    assert all(op.qubits in target.edges for op in out if len(op.qubits) == 2)
    assert equal_up_to_phase(dense(out, 2), dense(ops, 2))


def test_the_cyclic_collector_is_back_as_it_was_after_transpiling():
    import gc

    from qfoundry.errors import TranspilerError

    target = Target(3, CX_BASIS, both_ways([(0, 1), (1, 2)]))
    c = Circuit(3).h(0).cx(0, 2)
    assert gc.isenabled()
    transpile_circuit(c, target)
    assert gc.isenabled()
    with pytest.raises(TranspilerError):
        transpile_circuit(Circuit(4).cx(0, 3), target)  # too many qubits
    assert gc.isenabled()
    gc.disable()
    try:
        transpile_circuit(c, target)
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
