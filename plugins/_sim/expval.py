"""Exact Pauli expectation values for the engines' ``save_expval`` operations.

The lowered program (:mod:`qfoundry.program`) carries a ``save_expval`` as a ``Save`` of
kind ``"expval"`` whose ``terms`` are ``(((qubit, letter), ...), coeff)``; the functions
below evaluate them on the engines' state forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["Term", "expval_tensor", "pauli_code"]

# One term: ((qubit, letter), ...) without identities, and its real coefficient.
Term = tuple[tuple[tuple[int, str], ...], float]
_CODE = {"I": 0, "X": 1, "Y": 2, "Z": 3}


def pauli_code(letter: str) -> int:
    """The Pauli index I, X, Y, Z = 0, 1, 2, 3 (the density-matrix engine's basis)."""
    return _CODE[letter]


def expval_tensor(psi: np.ndarray, axis_of: Mapping[int, int], terms: Sequence[Term]
                  ) -> float:
    """sum_t c_t <psi|P_t|psi> / <psi|psi> for amplitudes ``psi`` of shape (2,)*k whose
    axis ``axis_of[q]`` holds qubit q; a qubit not in ``axis_of`` is in |0>."""
    norm = float(np.vdot(psi, psi).real)
    total = 0.0
    for paulis, coeff in terms:
        phi = psi
        zero = False
        for q, x in paulis:
            axis = axis_of.get(q)
            if axis is None:  # |0>: Z gives 1, X and Y give 0
                zero = zero or x != "Z"
                continue
            if x in "XY":
                phi = np.flip(phi, axis)
            if x != "X":
                shape = [1] * psi.ndim
                shape[axis] = 2
                phi = phi * (np.array([1, -1]) if x == "Z" else np.array([-1j, 1j])
                             ).reshape(shape)
        if not zero:
            total += coeff * float(np.vdot(psi, phi).real)
    return total / norm
