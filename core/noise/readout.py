"""Readout (assignment) errors: the classical part of a noise model, applied to every
recorded measurement outcome."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qfoundry.errors import NoiseError

__all__ = ["ReadoutError"]


class ReadoutError:
    """Classical assignment error of one qubit's measurement.

    ``probabilities[i][j]`` is P(record j | the qubit was found in i); rows sum to 1.
    Applied to every recorded measurement outcome, independently per shot.
    """

    __slots__ = ("probabilities",)

    def __init__(self, probabilities: Sequence[Sequence[float]] | np.ndarray):
        m = np.array(probabilities, dtype=float)
        if m.shape != (2, 2):
            raise NoiseError(f"a readout error is a 2x2 matrix P(record j | true i), got shape "
                             f"{m.shape}")
        if np.any(m < -1e-12) or np.any(m > 1 + 1e-12) or not np.allclose(m.sum(1), 1, atol=1e-9):
            raise NoiseError(f"readout error rows must be probabilities summing to 1, got "
                             f"{m.tolist()}")
        m = np.clip(m, 0.0, 1.0)
        m.setflags(write=False)
        self.probabilities = m

    @classmethod
    def asymmetric(cls, p1_given_0: float, p0_given_1: float) -> ReadoutError:
        """The error recording 1 for |0> with probability ``p1_given_0`` and 0 for |1> with
        ``p0_given_1`` (IBM's prob_meas1_prep0 and prob_meas0_prep1)."""
        return cls([[1 - p1_given_0, p1_given_0], [p0_given_1, 1 - p0_given_1]])

    @property
    def p1_given_0(self) -> float:
        return float(self.probabilities[0, 1])

    @property
    def p0_given_1(self) -> float:
        return float(self.probabilities[1, 0])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReadoutError):
            return NotImplemented
        return bool(np.array_equal(self.probabilities, other.probabilities))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ReadoutError(P(1|0)={self.p1_given_0:.6g}, P(0|1)={self.p0_given_1:.6g})"
