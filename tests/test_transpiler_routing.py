"""Layout and SWAP routing on plain coupling maps (no device files needed)."""

from __future__ import annotations

import random

import pytest

from qfoundry.circuit import Instruction
from qfoundry.errors import TranspilerError
from qfoundry.transpiler.layout import (
    CircuitStats,
    estimated_error,
    perfect_layouts,
    sabre_layouts,
    user_layout,
)
from qfoundry.transpiler.routing import RoutingProblem, route
from qfoundry.transpiler.target import Target

# IBM Paris (heavy hex, 27 qubits): the undirected edges of peer-semantics section 8.
PARIS_EDGES = [(0, 1), (1, 2), (1, 4), (2, 3), (3, 5), (4, 7), (5, 8), (6, 7), (7, 10), (8, 9),
               (8, 11), (10, 12), (11, 14), (12, 13), (12, 15), (13, 14), (14, 16), (15, 18),
               (16, 19), (17, 18), (18, 21), (19, 20), (19, 22), (21, 23), (22, 25), (23, 24),
               (24, 25), (25, 26)]
BASIS = frozenset({"rz", "sx", "x", "cx"})


def both_ways(edges):
    return frozenset(edges) | frozenset((b, a) for a, b in edges)


def line(n: int, **errors) -> Target:
    return Target(n, BASIS, both_ways([(i, i + 1) for i in range(n - 1)]), **errors)


PARIS = Target(27, BASIS, both_ways(PARIS_EDGES), name="paris")


def cx(a: int, b: int) -> Instruction:
    return Instruction("cx", (a, b))


def random_cx_circuit(n: int, n_gates: int, seed: int) -> list[Instruction]:
    rng = random.Random(seed)
    ops = []
    for _ in range(n_gates):
        a, b = rng.sample(range(n), 2)
        ops.append(cx(a, b))
        ops.append(Instruction("h", (rng.randrange(n),)))
    return ops


def simulate_classical(ops, n: int, bits: int, mapping) -> int:
    """Apply cx/swap gates to a basis state (the routed circuit's effect is a permutation
    of basis states, so following one input through it checks the whole routing)."""
    state = [(bits >> mapping[v]) & 1 if mapping else (bits >> v) & 1 for v in range(n)]
    for op in ops:
        if op.name == "cx":
            a, b = op.qubits
            state[b] ^= state[a]
        elif op.name == "swap":
            a, b = op.qubits
            state[a], state[b] = state[b], state[a]
    return sum(bit << k for k, bit in enumerate(state))


@pytest.mark.parametrize("seed", range(12))
def test_routed_circuit_only_uses_coupled_pairs_and_computes_the_same_function(seed):
    target = PARIS
    n_virtual = 6
    ops = [op for op in random_cx_circuit(n_virtual, 40, seed) if op.name == "cx"]
    layout = list(range(27))
    random.Random(seed).shuffle(layout)
    result = route(ops, target, layout, seed=seed)
    for op in result.ops:
        assert frozenset(op.qubits) in {frozenset(e) for e in PARIS_EDGES}
    assert [op.name for op in result.ops].count("cx") == len(ops)
    assert len(result.swaps) == [op.name for op in result.ops].count("swap")
    # Same function on every input, reading outputs through the final layout.
    for bits in range(0, 2 ** n_virtual, 7):
        logical = simulate_classical(ops, n_virtual, bits, None)
        physical_in = sum(((bits >> v) & 1) << layout[v] for v in range(n_virtual))
        physical_out = simulate_classical(result.ops, 27, physical_in, None)
        read = sum(((physical_out >> result.final_layout[v]) & 1) << v
                   for v in range(n_virtual))
        assert read == logical


def test_routing_is_reproducible_and_seed_dependent_only_in_ties():
    ops = random_cx_circuit(8, 60, 3)
    layout = list(range(27))
    a = route(ops, PARIS, layout, seed=5)
    b = route(ops, PARIS, layout, seed=5)
    assert a.ops == b.ops and a.final_layout == b.final_layout


def test_adjacent_gates_need_no_swap_and_keep_their_order():
    ops = [cx(0, 1), Instruction("h", (0,)), cx(1, 2), Instruction("measure", (2,), (), (0,))]
    result = route(ops, line(3), [0, 1, 2])
    assert result.swaps == []
    assert [op.name for op in result.ops] == ["cx", "h", "cx", "measure"]
    assert result.final_layout == [0, 1, 2]


def test_one_swap_on_a_line():
    result = route([cx(0, 2)], line(3), [0, 1, 2])
    assert len(result.swaps) == 1
    routed_cx = result.ops[-1]
    assert abs(routed_cx.qubits[0] - routed_cx.qubits[1]) == 1


def test_single_qubit_gates_stay_on_their_qubit_across_swaps():
    ops = [Instruction("x", (0,)), cx(0, 3), Instruction("h", (0,)), Instruction("s", (3,))]
    result = route(ops, line(4), [0, 1, 2, 3])
    where = [0, 1, 2, 3]  # follow virtual qubits through the swaps
    p2v = {p: v for v, p in enumerate(where)}
    for op in result.ops:
        if op.name == "swap":
            a, b = op.qubits
            p2v[a], p2v[b] = p2v[b], p2v[a]
        elif len(op.qubits) == 1:
            expected = {"x": 0, "h": 0, "s": 3}[op.name]
            assert p2v[op.qubits[0]] == expected


def test_conditioned_gates_wait_for_the_measurement_of_their_register():
    ops = [Instruction("measure", (0,), (), (0,)), cx(1, 3),
           Instruction("x", (2,), (), (), ("c", 1)), Instruction("measure", (2,), (), (1,))]
    problem = RoutingProblem(ops, {"c": [0, 1]})
    result = route(problem, line(4), [0, 1, 2, 3])
    order = [(op.name, op.clbits) for op in result.ops]
    # x reads register c: after the measurement writing c[0], before the one writing c[1].
    assert order.index(("measure", (0,))) < order.index(("x", ())) \
        < order.index(("measure", (1,)))


def test_disconnected_qubits_are_reported():
    target = Target(4, BASIS, both_ways([(0, 1), (2, 3)]))
    with pytest.raises(TranspilerError, match="not connected"):
        route([cx(0, 2)], target, [0, 1, 2, 3])


def test_all_to_all_targets_route_nothing():
    ops = random_cx_circuit(5, 10, 1)
    result = route(ops, Target(5, BASIS, None), [0, 1, 2, 3, 4])
    assert result.swaps == []
    for q in range(5):  # the same operations in the same order on every qubit
        assert [op for op in result.ops if q in op.qubits] == \
            [op for op in ops if q in op.qubits]


def test_perfect_layout_embeds_a_line_without_swaps_on_the_best_qubits():
    ops = [cx(i, i + 1) for i in range(4)] + [Instruction("measure", (i,), (), (i,))
                                               for i in range(5)]
    readout = [0.3] * 27
    for q in (19, 20, 22, 25, 26):  # a path 20-19-22-25-26 of good qubits
        readout[q] = 0.01
    target = Target(27, BASIS, PARIS.edges, tuple(readout), (0.0,) * 27, name="paris")
    layout = perfect_layouts(CircuitStats(ops, 5), target)
    assert layout is not None
    assert set(layout[:5]) == {19, 20, 22, 25, 26}
    assert route(ops, target, layout).swaps == []


def test_perfect_layout_is_none_when_the_graph_does_not_embed():
    triangle = [cx(0, 1), cx(1, 2), cx(2, 0)]  # heavy hex has no triangles
    assert perfect_layouts(CircuitStats(triangle, 3), PARIS) is None


def test_sabre_layouts_are_permutations_and_deterministic():
    ops = random_cx_circuit(7, 30, 2)
    stats = CircuitStats(ops, 7)
    a = sabre_layouts(stats, PARIS, seed=3, trials=3)
    assert a == sabre_layouts(stats, PARIS, seed=3, trials=3)
    for layout in a:
        assert sorted(layout) == list(range(27))


def test_noise_aware_candidate_sits_on_the_low_error_region():
    # Two halves of a 10-qubit line: qubits 0-4 are bad, 5-9 good.
    readout = tuple([0.2] * 5 + [0.01] * 5)
    edges = {(i, i + 1): (0.2 if i < 5 else 0.01) for i in range(9)}
    target = line(10, readout_error=readout, single_qubit_error=(0.0,) * 10,
                  two_qubit_error=edges)
    ops = [cx(0, 2), cx(2, 1), cx(1, 0)]  # a triangle: cannot embed, so SABRE runs
    first = sabre_layouts(CircuitStats(ops, 3), target, trials=1)[0]
    assert set(first[:3]) <= set(range(5, 10))


def test_estimated_error_counts_swaps_as_three_cx():
    target = line(3, readout_error=(0.1, 0.2, 0.3), single_qubit_error=(0.01,) * 3,
                  two_qubit_error={(0, 1): 0.05, (1, 2): 0.07})
    ops = [Instruction("swap", (1, 2)), cx(0, 1), Instruction("h", (0,)),
           Instruction("measure", (2,), (), (0,))]
    assert estimated_error(ops, target) == pytest.approx(3 * 0.07 + 0.05 + 0.01 + 0.3)


@pytest.mark.parametrize("seed", range(4))
def test_trial_error_is_the_estimated_error_of_the_routed_circuit(seed):
    # The pipeline ranks routing trials on RoutingTrial.error, computed from SABRE's
    # events without building the instructions: it must be the routed circuit's error.
    rng = random.Random(seed)
    target = Target(27, BASIS, PARIS.edges, tuple(rng.uniform(0.01, 0.1) for _ in range(27)),
                    tuple(rng.uniform(1e-4, 1e-3) for _ in range(27)),
                    {e: rng.uniform(0.005, 0.05) for e in PARIS.edges}, name="paris")
    ops = random_cx_circuit(8, 40, seed) + [Instruction("measure", (q,), (), (q,))
                                            for q in range(8)]
    layout = list(range(27))
    rng.shuffle(layout)
    problem = RoutingProblem(ops)
    trial = problem.trial(target, layout, seed=seed)
    routed = problem.build(trial)
    assert trial.n_swaps == len(routed.swaps) > 0
    assert trial.error == pytest.approx(estimated_error(routed.ops, target), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_scoring_closer_moves_first_picks_what_scoring_every_swap_picks(seed, monkeypatch):
    # sabre._best_swap scores only the SWAPs that bring a front gate closer unless none
    # beats the bound on all others; without the bound (margin inf) it scores every
    # candidate. The routed circuits, tie-breaks included, must be the same.
    from qfoundry.transpiler import sabre

    ops = [op for op in random_cx_circuit(12, 80, seed) if op.name == "cx"]
    layout = list(range(27))
    random.Random(seed).shuffle(layout)
    fast = route(ops, PARIS, layout, seed=seed)
    monkeypatch.setattr(sabre, "_MARGIN", float("inf"))
    full = route(ops, PARIS, layout, seed=seed)
    assert fast.swaps == full.swaps and fast.ops == full.ops


def test_user_layout_is_checked_and_completed():
    target = line(4)
    assert user_layout([2, 0], 2, target) == [2, 0, 1, 3]
    assert user_layout({0: 3, 1: 1}, 2, target) == [3, 1, 0, 2]
    with pytest.raises(TranspilerError, match="each of the circuit's 2 qubits"):
        user_layout([1], 2, target)
    with pytest.raises(TranspilerError, match="used twice"):
        user_layout([1, 1], 2, target)
    with pytest.raises(TranspilerError, match="not a qubit"):
        user_layout([0, 7], 2, target)


def test_disconnected_devices_place_interacting_qubits_together():
    from qfoundry.circuit import Circuit
    from qfoundry.transpiler import transpile_circuit

    # Two separate lines 0-1-2 and 3-4-5: a triangle of interactions fits in neither
    # without SWAPs, but always in one part.
    target = Target(6, BASIS, both_ways([(0, 1), (1, 2), (3, 4), (4, 5)]))
    c = Circuit(3).cx(0, 1).cx(1, 2).cx(2, 0)
    out = transpile_circuit(c, target, seed=4)
    used = {q for op in out.data for q in op.qubits}
    assert used <= {0, 1, 2} or used <= {3, 4, 5}
    with pytest.raises(TranspilerError, match="not connected"):
        transpile_circuit(Circuit(4).cx(0, 1).cx(1, 2).cx(2, 3), target)
