"""Exact Pauli expectation values for the engines' ``save_expval`` instruction.

The instruction (Aer's ``save_expval``) carries ``params = [[label, [re, im]], ...]``: a
Hermitian observable over the instruction's qubits, label character k from the right on
``qubits[k]``, and saves <observable> under its ``label``. :func:`parse_expval` checks it
once per experiment; the functions below evaluate it on each engine's state form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qfoundry.errors import EngineError

__all__ = ["parse_expval", "Term", "expval_tensor", "pauli_code", "IMAG_TOLERANCE"]

#: A coefficient's imaginary part beyond this makes the observable non-Hermitian.
IMAG_TOLERANCE = 1e-12
# One term: ((qubit, letter), ...) without identities, and its real coefficient.
Term = tuple[tuple[tuple[int, str], ...], float]
_CODE = {"I": 0, "X": 1, "Y": 2, "Z": 3}


def parse_expval(inst: Any, where: str) -> tuple[str, list[Term]]:
    """(label, terms on the instruction's qubits) of a ``save_expval`` instruction."""
    qubits = [int(q) for q in getattr(inst, "qubits", None) or ()]
    key = getattr(inst, "label", None) or "expectation_value"
    terms: list[Term] = []
    for k, item in enumerate(getattr(inst, "params", None) or ()):
        try:
            label, coeff = item
            coeff = complex(*coeff) if isinstance(coeff, (list, tuple)) else complex(coeff)
        except (TypeError, ValueError):
            raise EngineError(f"{where}: term {k} must be [label, [re, im]], got "
                              f"{item!r}") from None
        if not isinstance(label, str) or len(label) != len(qubits) or set(label) - set(_CODE):
            raise EngineError(f"{where}: term {k} label {label!r} must be {len(qubits)} "
                              "letters of I, X, Y, Z (one per qubit of the instruction)")
        if abs(coeff.imag) > IMAG_TOLERANCE:
            raise EngineError(f"{where}: term {k} ({label!r}) has coefficient {coeff}: the "
                              "observable must be Hermitian (real coefficients)")
        paulis = tuple((qubits[j], x) for j, x in enumerate(reversed(label)) if x != "I")
        terms.append((paulis, coeff.real))
    if not terms:
        raise EngineError(f"{where}: save_expval needs at least one term")
    return key, terms


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
