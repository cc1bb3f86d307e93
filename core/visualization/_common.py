"""Shared by the plots: new figure or the caller's axes, PNG bytes, basis-state labels."""

from __future__ import annotations

import io
from typing import Any

from matplotlib.figure import Figure

__all__ = ["axes_for", "png_bytes", "basis_labels"]


def axes_for(ax: Any, figsize: tuple[float, float], **subplot: Any) -> tuple[Figure, Any]:
    """``(figure, axes)``: the caller's ``ax`` and its figure, or a new figure of ``figsize``
    inches with one subplot (``subplot`` keywords go to ``add_subplot``)."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot(**subplot)


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (what Jupyter's ``_repr_png_`` returns)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def basis_labels(n_qubits: int) -> list[str]:
    """``|00>``, ``|01>``... with qubit 0 rightmost, as counts keys are written."""
    return [f"|{k:0{n_qubits}b}⟩" for k in range(2 ** n_qubits)]
