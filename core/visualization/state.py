"""``plot_density_matrix`` (city or Hinton, real and imaginary parts) and ``plot_state``
(probabilities coloured by phase) for small states.

Basis states are labelled with qubit 0 rightmost, as counts keys are. Both refuse states
too large to read (and too slow to draw) before drawing anything.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..errors import DrawingError
from ._common import basis_labels

__all__ = ["plot_density_matrix", "plot_state", "MAX_CITY_QUBITS", "MAX_HINTON_QUBITS",
           "MAX_STATE_QUBITS"]

MAX_CITY_QUBITS, MAX_HINTON_QUBITS, MAX_STATE_QUBITS = 4, 6, 8
_ATOL = 1e-6  # what counts as Hermitian / unit trace / normalised


def _qubits_of(dim: int, what: str) -> int:
    n = dim.bit_length() - 1
    if dim < 2 or 2 ** n != dim:
        raise DrawingError(f"{what}: dimension {dim} is not a power of two >= 2")
    return n


def _density(rho: Any) -> np.ndarray:
    if hasattr(rho, "get_density_matrix"):  # a Result
        rho = rho.get_density_matrix()
    m = np.asarray(rho, dtype=complex)
    if m.ndim == 1:  # a statevector: its pure state
        m = np.outer(m, m.conj())
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise DrawingError(f"plot_density_matrix: expected a square matrix, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise DrawingError("plot_density_matrix: the matrix has NaN or infinite entries")
    if not np.allclose(m, m.conj().T, atol=_ATOL):
        raise DrawingError("plot_density_matrix: the matrix is not Hermitian "
                           f"(largest |rho - rho^dagger| = {np.abs(m - m.conj().T).max():.3g})")
    if abs(np.trace(m).real - 1) > _ATOL:
        raise DrawingError(f"plot_density_matrix: the trace is {np.trace(m).real:.6g}, not 1")
    return m


def plot_density_matrix(rho: Any, *, kind: str = "city", title: str | None = None,
                        ax: Any = None, figsize: tuple[float, float] | None = None) -> Figure:
    """Real and imaginary parts of a density matrix, side by side.

    :param rho: a ``2^n x 2^n`` density matrix (array, or a Result of the density-matrix
        simulator), or a statevector (drawn as its pure state).
    :param kind: ``"city"`` (3-D bars, up to 4 qubits) or ``"hinton"`` (squares sized by
        magnitude, light for positive and dark for negative, up to 6 qubits).
    :param ax: two axes ``(real, imaginary)``; 3-D axes (``projection="3d"``) for a city.
    """
    m = _density(rho)
    n = _qubits_of(m.shape[0], "plot_density_matrix")
    limit = {"city": MAX_CITY_QUBITS, "hinton": MAX_HINTON_QUBITS}.get(kind)
    if limit is None:
        raise DrawingError(f"plot_density_matrix: unknown kind {kind!r} (known: city, hinton)")
    if n > limit:
        raise DrawingError(f"plot_density_matrix: {n} qubits is too many to read as a "
                           f"{kind} plot (at most {limit})")
    if ax is None:
        fig = Figure(figsize=figsize or ((10, 4.8) if kind == "city" else (9, 4.5)),
                     layout="constrained")
        extra = {"projection": "3d"} if kind == "city" else {}
        axes = [fig.add_subplot(1, 2, k + 1, **extra) for k in range(2)]
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != 2:
            raise DrawingError("plot_density_matrix: ax= takes two axes (real, imaginary)")
        if kind == "city" and any(getattr(a, "name", "") != "3d" for a in axes):
            raise DrawingError('plot_density_matrix: a city needs 3-D axes '
                               '(fig.add_subplot(..., projection="3d"))')
        fig = axes[0].figure
    labels = basis_labels(n)
    bound = max(np.abs(m.real).max(), np.abs(m.imag).max(), 1e-12)
    negative = bool(min(m.real.min(), m.imag.min()) < -1e-12)
    for a, part, name in zip(axes, (m.real, m.imag), ("Re", "Im")):
        if kind == "city":
            _city(a, part, bound, labels, negative)  # one z scale for both parts
        else:
            _hinton(a, part, bound, labels)
        a.set_title(f"{name}[ρ]")
    if title:
        fig.suptitle(title)
    return fig


def _city(ax: Any, part: np.ndarray, bound: float, labels: list[str], negative: bool) -> None:
    dim = part.shape[0]
    xs, ys = np.meshgrid(np.arange(dim), np.arange(dim), indexing="ij")
    cmap, norm = colormaps["RdBu_r"], Normalize(-1.6 * bound, 1.6 * bound)  # no black bars
    values = part.ravel()
    ax.bar3d(ys.ravel() - 0.35, xs.ravel() - 0.35, np.minimum(values, 0), 0.7, 0.7,
             np.abs(values), color=cmap(norm(values)), shade=True, zsort="average")
    ax.set_zlim(-bound if negative else 0, bound)
    ax.set_xticks(range(dim), labels, fontsize=7, rotation=45)
    ax.set_yticks(range(dim), labels, fontsize=7, rotation=-20)
    ax.tick_params(axis="z", labelsize=7)


def _hinton(ax: Any, part: np.ndarray, bound: float, labels: list[str]) -> None:
    dim = part.shape[0]
    ax.set_facecolor("gray")
    for (i, j), value in np.ndenumerate(part):
        if abs(value) < 1e-12:
            continue
        side = np.sqrt(abs(value) / bound) * 0.95
        ax.add_patch(Rectangle((j - side / 2, i - side / 2), side, side,
                               facecolor="white" if value > 0 else "black", edgecolor="none"))
    ax.set_xlim(-0.5, dim - 0.5)
    ax.set_ylim(dim - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(dim), labels, fontsize=7, rotation=90)
    ax.set_yticks(range(dim), labels, fontsize=7)


def plot_state(state: Any, *, title: str | None = None, ax: Any = None,
               figsize: tuple[float, float] | None = None) -> Figure:
    """Bars of ``|amplitude|^2`` per basis state, coloured by the amplitude's phase
    (a cyclic colour map, with its colour bar), for statevectors of up to 8 qubits.

    :param state: a statevector (array, or a Result of the statevector simulator).
    """
    if hasattr(state, "get_statevector"):
        state = state.get_statevector()
    psi = np.asarray(state, dtype=complex)
    if psi.ndim != 1:
        raise DrawingError(f"plot_state: expected a statevector, got shape {psi.shape}")
    n = _qubits_of(psi.size, "plot_state")
    if n > MAX_STATE_QUBITS:
        raise DrawingError(f"plot_state: {n} qubits is too many to read (at most "
                           f"{MAX_STATE_QUBITS}); plot counts with plot_histogram instead")
    norm2 = float(np.vdot(psi, psi).real)
    if not np.isfinite(norm2) or abs(norm2 - 1) > _ATOL:
        raise DrawingError(f"plot_state: the state has norm^2 {norm2:.6g}, not 1")
    fig_size = figsize or (max(5.0, 0.35 * psi.size + 2), 3.8)
    if ax is None:
        fig = Figure(figsize=fig_size, layout="constrained")
        ax = fig.add_subplot()
    fig = ax.figure
    prob = np.abs(psi) ** 2
    phase = np.mod(np.angle(psi), 2 * np.pi)
    cmap, pnorm = colormaps["hsv"], Normalize(0, 2 * np.pi)
    ax.bar(np.arange(psi.size), prob, 0.8, color=cmap(pnorm(phase)), edgecolor="black",
           linewidth=0.4)
    ax.set_xticks(range(psi.size), basis_labels(n), rotation=90 if n > 3 else 0,
                  fontfamily="monospace", fontsize=8 if n > 4 else 10)
    ax.set_ylabel("Probability")
    ax.set_ylim(0, min(1.05, prob.max() * 1.15))
    bar = fig.colorbar(ScalarMappable(pnorm, cmap), ax=ax, label="phase")
    bar.set_ticks([0, np.pi / 2, np.pi, 3 * np.pi / 2, 2 * np.pi], labels=["0", "π/2", "π",
                                                                            "3π/2", "2π"])
    if title:
        ax.set_title(title)
    return fig
