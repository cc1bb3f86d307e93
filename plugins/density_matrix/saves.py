"""What the density-matrix engine's expectation-value saves read from its state.

rho is held by its real Pauli coefficients (``rho = sum_P r_P P / 2^n``, see
:mod:`.program`), so Tr(rho P) is r_P / r_I itself: one read per term and branch, with
no matrix ever built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["pauli_expval"]


def pauli_expval(branches: Sequence[Any], terms: list) -> float:
    """sum_t c_t Tr(rho P_t) over the branches (each a classical record), weighted by
    their probabilities; ``terms`` hold ((local qubit, Pauli code), ...) and coefficients."""
    total = sum(b.weight for b in branches)
    value = 0.0
    for b in branches:
        norm = float(b.state[(0,) * b.state.ndim])
        for paulis, coeff in terms:
            codes = dict(paulis)
            index = tuple((codes.get(label // 2, 0) >> (label % 2)) & 1 for label in b.labels)
            value += b.weight / total * coeff * float(b.state[index]) / norm
    return value
