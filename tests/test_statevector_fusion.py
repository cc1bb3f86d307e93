"""Gate fusion and the cheap gate forms the statevector engine compiles gates into."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_statevector import embed

from qfoundry.gates import GATES, gate_matrix, permutation_of
from qfoundry.plugins._sim.fusion import GateOp, cheap_forms, compose, fuse

N = 5


def as_op(name, qubits, params=()):
    spec = GATES[name]
    if name == "swap":
        return GateOp("swap", tuple(qubits), None)
    if spec.kind == "permutation":
        return GateOp("permutation", tuple(qubits), permutation_of(name, len(qubits)))
    m = gate_matrix(name, params, len(qubits))
    if spec.kind == "diagonal":
        return GateOp("diagonal", tuple(qubits), np.diag(m).copy())
    return GateOp("general", tuple(qubits), m)


def full(ops, n=N):
    """The n-qubit unitary of a list of GateOps (swaps included), by dense embedding."""
    u = np.eye(1 << n, dtype=complex)
    for op in ops:
        if op.kind == "swap":
            m = gate_matrix("swap")
        elif op.kind == "diagonal":
            m = np.diag(op.data)
        elif op.kind == "permutation":
            m = np.zeros((len(op.data),) * 2)
            m[op.data, np.arange(len(op.data))] = 1
        else:
            m = op.data
        u = embed(m, op.qubits, n) @ u
    return u


def random_ops(rng, count):
    names = [g for g, s in GATES.items() if s.num_qubits and 0 < s.num_qubits <= 3]
    ops = []
    for _ in range(count):
        name = str(rng.choice(names))
        spec = GATES[name]
        qubits = [int(q) for q in rng.choice(N, spec.num_qubits, replace=False)]
        params = [float(p) for p in rng.uniform(-math.pi, math.pi, spec.num_params)]
        ops.append(as_op(name, qubits, params))
    return ops


@pytest.mark.parametrize("max_qubits", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(5))
def test_fusion_preserves_the_unitary(seed, max_qubits):
    ops = random_ops(np.random.default_rng(seed), 40)
    fused = fuse(ops, N, max_qubits, max_diagonal_qubits=4)
    np.testing.assert_allclose(full(fused), full(ops), atol=1e-12)
    assert len(fused) < len(ops)
    for op in fused:
        limit = 4 if op.kind == "diagonal" else max(max_qubits, 3)
        assert len(op.qubits) <= limit


def test_swaps_are_moved_to_the_end_and_later_gates_renamed():
    ops = [as_op("h", [0]), as_op("swap", [0, 1]), as_op("x", [0]), as_op("swap", [1, 2]),
           as_op("rz", [2], [0.3])]
    fused = fuse(ops, 3, 3)
    assert [op.kind for op in fused[-2:]] == ["swap", "swap"]
    assert all(op.kind != "swap" for op in fused[:-2])
    np.testing.assert_allclose(full(fused, 3), full(ops, 3), atol=1e-12)


def test_diagonals_merge_wide_and_do_not_grow_dense_blocks():
    ops = [as_op("cp", [q, q + 1], [0.1 * q]) for q in range(4)]
    fused = fuse(ops, N, 2, max_diagonal_qubits=5)
    assert len(fused) == 1 and fused[0].kind == "diagonal" and len(fused[0].qubits) == 5
    ops = [as_op("h", [0]), as_op("cz", [0, 1]), as_op("t", [0])]
    fused = fuse(ops, N, 3)
    kinds = sorted((op.kind, len(op.qubits)) for op in fused)
    assert kinds == [("diagonal", 2), ("general", 1)]  # cz would grow the block: kept apart
    np.testing.assert_allclose(full(fused), full(ops), atol=1e-12)


def test_permutations_stay_apart_but_join_blocks_they_fit():
    chain = [as_op("cx", [q, q + 1]) for q in range(4)]
    assert fuse(chain, N, 3) == chain
    ops = [as_op("h", [0]), as_op("h", [1]), as_op("cx", [0, 1])]
    fused = fuse(ops, N, 3)
    assert len(fused) == 1 and fused[0].kind == "general"


def test_compose_kinds():
    ops = [as_op("cx", [0, 1]), as_op("ccx", [1, 0, 2])]
    perm = compose(ops, [0, 1, 2], "permutation")
    p = np.zeros((8, 8))
    p[perm, np.arange(8)] = 1
    np.testing.assert_array_equal(embed(p, [0, 1, 2], 3), full(ops, 3))
    d = compose([as_op("rz", [1], [0.4]), as_op("cp", [0, 1], [1.0])], [1, 0], "diagonal")
    np.testing.assert_allclose(embed(np.diag(d), [1, 0], 2),
                               full([as_op("rz", [1], [0.4]), as_op("cp", [0, 1], [1.0])], 2))


def test_cheap_forms_split_monomials_and_multi_controlled_gates():
    y = cheap_forms(as_op("y", [2]))
    assert [op.kind for op in y] == ["permutation", "diagonal"]
    np.testing.assert_allclose(full(y), full([as_op("y", [2])]), atol=1e-15)
    rccx = cheap_forms(as_op("rccx", [0, 3, 1]))
    assert [op.kind for op in rccx] == ["permutation", "diagonal"]
    c3sx = as_op("c3sx", [4, 1, 0, 2])
    (ctl,) = cheap_forms(c3sx)
    targets, controls, reduced = ctl.extra
    assert ctl.kind == "controlled" and targets == (2,) and set(controls) == {4, 1, 0}
    np.testing.assert_allclose(reduced, gate_matrix("sx"))
    ch = as_op("ch", [0, 1])  # one control: stays dense (it fuses better that way)
    assert cheap_forms(ch) == [ch]
