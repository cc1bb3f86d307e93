"""Kernels (qfoundry.plugins._sim.kernels) against dense operators built with np.kron."""

from __future__ import annotations

import itertools
from functools import reduce

import numpy as np
import pytest

from qfoundry.plugins._sim.kernels import (
    apply_diagonal,
    apply_matrix,
    apply_permutation,
    marginal_probabilities,
    matmul_to_front,
    permute_operator_qubits,
)

N = 4
TOL = {np.complex64: 1e-5, np.complex128: 1e-12}
DTYPES = [np.complex64, np.complex128]


def _rand(rng, shape, dtype):
    return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)


def _embed(op: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """The n-qubit operator of ``op`` on ``qubits`` (qubits[0] = op's LSB), by np.kron.

    Put the op on the lowest k qubits with kron(I, op), then conjugate by the basis
    permutation that moves qubit j to qubits[j]."""
    k = len(qubits)
    full = np.kron(np.eye(1 << (n - k)), op)
    others = [q for q in range(n) if q not in qubits]
    where = list(qubits) + others  # bit j of the kron index is qubit where[j]
    perm = np.zeros((1 << n, 1 << n))
    for i in range(1 << n):
        j = sum(((i >> b) & 1) << where[b] for b in range(n))
        perm[j, i] = 1
    return perm @ full @ perm.T


def _targets():
    for k in (1, 2, 3):
        yield from itertools.permutations(range(N), k)


def _axes(qubits):
    return [N - 1 - q for q in qubits]


def test_embed_reference_is_sane():
    x = np.array([[0, 1], [1, 0]])
    np.testing.assert_array_equal(_embed(x, (0,), 2), np.kron(np.eye(2), x))
    np.testing.assert_array_equal(_embed(x, (1,), 2), np.kron(x, np.eye(2)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("qubits", list(_targets()))
def test_apply_matrix_matches_kron(dtype, qubits):
    rng = np.random.default_rng(len(qubits) * 100 + sum(qubits))
    k = len(qubits)
    m = _rand(rng, (1 << k, 1 << k), dtype)
    psi = _rand(rng, 1 << N, dtype)
    ref = _embed(m, qubits, N) @ psi
    got = apply_matrix(psi.reshape((2,) * N), m, _axes(qubits))
    np.testing.assert_allclose(got.reshape(-1), ref, rtol=TOL[dtype], atol=TOL[dtype] * 10)
    assert got.dtype == dtype
    # In place through out=state, and into a separate buffer.
    work = psi.copy().reshape((2,) * N)
    assert apply_matrix(work, m, _axes(qubits), out=work) is work
    np.testing.assert_allclose(work.reshape(-1), ref, rtol=TOL[dtype], atol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("qubits", list(_targets()))
def test_apply_diagonal_and_permutation_match_kron(dtype, qubits):
    rng = np.random.default_rng(sum(qubits) + 7)
    k = len(qubits)
    psi = _rand(rng, 1 << N, dtype)
    d = np.exp(1j * rng.uniform(0, 6, 1 << k)).astype(dtype)
    ref = _embed(np.diag(d), qubits, N) @ psi
    work = psi.copy().reshape((2,) * N)
    apply_diagonal(work, d, _axes(qubits), out=work)
    np.testing.assert_allclose(work.reshape(-1), ref, rtol=TOL[dtype])
    perm = rng.permutation(1 << k)
    p = np.zeros((1 << k, 1 << k))
    p[perm, np.arange(1 << k)] = 1
    ref = _embed(p, qubits, N) @ psi
    out_of_place = apply_permutation(psi.reshape((2,) * N), perm, _axes(qubits))
    np.testing.assert_array_equal(out_of_place.reshape(-1), ref.astype(dtype))
    work = psi.copy().reshape((2,) * N)
    apply_permutation(work, perm, _axes(qubits), out=work)
    np.testing.assert_array_equal(work.reshape(-1), ref.astype(dtype))


def test_density_matrix_use_u_on_rows_and_conj_u_on_columns():
    # rho as a (2,)*2n tensor: rows on axes 0..n-1, columns on axes n..2n-1.
    rng = np.random.default_rng(5)
    n = 3
    psi = _rand(rng, 1 << n, np.complex128)
    psi /= np.linalg.norm(psi)
    rho = np.outer(psi, psi.conj())
    u, _ = np.linalg.qr(_rand(rng, (4, 4), np.complex128))
    qubits = (2, 0)
    axes = [n - 1 - q for q in qubits]
    t = rho.reshape((2,) * (2 * n))
    t = apply_matrix(t, u, axes)
    t = apply_matrix(t, u.conj(), [a + n for a in axes])
    full = _embed(u, qubits, n)
    np.testing.assert_allclose(t.reshape(1 << n, 1 << n), full @ rho @ full.conj().T,
                               atol=1e-12)


def test_matmul_to_front_leaves_targets_leading():
    rng = np.random.default_rng(9)
    psi = _rand(rng, 1 << N, np.complex128).reshape((2,) * N)
    m = _rand(rng, (4, 4), np.complex128)
    axes = [3, 1]  # qubit 0 of m on axis 3, qubit 1 on axis 1
    res = matmul_to_front(psi, m, axes)
    # Result axis 0 = axes[-1] (1), axis 1 = axes[0] (3), then axes 0, 2 in order.
    back = res.transpose(np.argsort([1, 3, 0, 2]))
    np.testing.assert_allclose(back, apply_matrix(psi, m, axes), atol=1e-12)


def test_permute_operator_qubits_relabels():
    rng = np.random.default_rng(3)
    a, b = _rand(rng, (2, 2), np.complex128), _rand(rng, (2, 2), np.complex128)
    ab = np.kron(b, a)  # a on qubit 0, b on qubit 1
    np.testing.assert_allclose(permute_operator_qubits(ab, [1, 0]), np.kron(a, b))
    d = np.arange(8.0)
    three = reduce(np.kron, [np.eye(2)] * 3)
    np.testing.assert_array_equal(permute_operator_qubits(three, [2, 0, 1]), three)
    # diagonal: entry index bits (q2 q1 q0); relabelled qubit j = old qubit order[j]
    got = permute_operator_qubits(d, [2, 0, 1])
    for i in range(8):
        old = sum(((i >> j) & 1) << o for j, o in enumerate([2, 0, 1]))
        assert got[i] == d[old]


def test_marginal_probabilities():
    rng = np.random.default_rng(11)
    psi = _rand(rng, 1 << N, np.complex128)
    full = np.abs(psi) ** 2
    t = psi.reshape((2,) * N)
    np.testing.assert_allclose(marginal_probabilities(t), full)
    for qubits in [(0,), (3, 1), (2, 0, 3)]:
        ref = np.zeros(1 << len(qubits))
        for i in range(1 << N):
            ref[sum(((i >> q) & 1) << j for j, q in enumerate(qubits))] += full[i]
        np.testing.assert_allclose(marginal_probabilities(t, _axes(qubits)), ref)


def test_bad_axes_and_sizes_are_rejected():
    t = np.zeros((2,) * 3, dtype=complex)
    with pytest.raises(ValueError, match="dimension 8 does not act on 2"):
        apply_matrix(t, np.eye(8), [0, 1])
    with pytest.raises(ValueError, match="repeated"):
        apply_matrix(t, np.eye(4), [1, 1])
    with pytest.raises(ValueError, match="not a permutation"):
        apply_permutation(t, [0, 0], [0])


def test_in_place_permutation_with_scratch_buffer():
    rng = np.random.default_rng(2)
    psi = _rand(rng, 1 << N, np.complex128).reshape((2,) * N)
    perm = [0, 1, 2, 3, 4, 5, 7, 6]  # ccx
    ref = apply_permutation(psi, perm, [3, 0, 1])
    scratch = np.full(1 << N, np.nan, dtype=complex)
    work = psi.copy()
    apply_permutation(work, perm, [3, 0, 1], out=work, scratch=scratch)
    np.testing.assert_array_equal(work, ref)
