"""``Circuit.draw("mpl")``: the circuit as a matplotlib figure, for small and medium circuits.

It draws what the text drawing shows, placed by the same function
(:func:`qfoundry.drawing.place`): one wire per drawn qubit, a double wire per classical
register, a column per layer; controls as dots, CX targets as ⊕, measurements as meters
linked to their classical bit. Idle wires of transpiled circuits are hidden the same way,
and wide circuits fold every ``fold`` columns (25 by default) into bands one under another.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Arc, Circle, FancyBboxPatch, Rectangle

from ..drawing import CONTROLLED, place
from ..errors import DrawingError

__all__ = ["draw_circuit", "DEFAULT_FOLD", "MAX_ROWS", "MAX_ITEMS"]

DEFAULT_FOLD = 25              # columns per band
MAX_ROWS, MAX_ITEMS = 64, 3000  # beyond this a picture is unreadable: use the text drawing
GATE, MEASURE, EDGE = "#9cc3f5", "#d9d9d9", "#1d3f72"


def draw_circuit(circuit: Any, *, idle_wires: bool | None = None, fold: int | None = None,
                 scale: float = 1.0, ax: Any = None, **unknown: Any) -> Figure:
    """The circuit drawn with matplotlib (``Circuit.draw("mpl", ...)``).

    :param idle_wires: draw wires no instruction uses (hidden by default on transpiled
        circuits, as in the text drawing).
    :param fold: columns per band before the drawing folds (default 25; 0 or less never).
    :param scale: size of the figure relative to the default.
    """
    if unknown:  # Circuit.draw("mpl", ...) passes its keywords on: name the wrong ones
        raise DrawingError(f"the mpl drawing takes fold=, idle_wires=, scale= and ax=, not "
                           f"{', '.join(sorted(unknown))}")
    layout = place(circuit, idle_wires)
    n_rows, n_q = len(layout.names), len(layout.qubits)
    if n_rows > MAX_ROWS or len(layout.items) > MAX_ITEMS:
        raise DrawingError(f"draw('mpl'): {n_rows} wires and {len(layout.items)} instructions "
                           f"is too large to read as a picture (at most {MAX_ROWS} wires and "
                           f"{MAX_ITEMS} instructions); use the text drawing")
    per_band = DEFAULT_FOLD if fold is None else (fold if fold > 0 else max(layout.n_columns, 1))
    width = [0.8] * max(layout.n_columns, 1)
    for col, _, cells in layout.items:
        width[col] = max(width[col], *(0.35 + 0.11 * len(t) for t in cells.values()))
    n_bands = max(1, -(-layout.n_columns // per_band))
    band_height = n_rows + 0.8
    x_of, band_of, band_len = {}, {}, [0.0] * n_bands
    for col in range(layout.n_columns):
        b = col // per_band
        x_of[col] = band_len[b] + width[col] / 2 + 0.15
        band_of[col] = b
        band_len[b] += width[col] + 0.15
    longest = max(band_len) + 0.4
    if ax is None:
        height = (n_bands - 1) * band_height + n_rows + 0.4
        fig = Figure(figsize=(scale * (1.2 + 0.6 * longest), scale * (0.3 + 0.6 * height)),
                     layout="constrained")
        ax = fig.add_subplot()
    fig = ax.figure

    def y(row: int, col: int) -> float:
        return band_of.get(col, 0) * band_height + row

    for b in range(n_bands):
        for r, name in enumerate(layout.names):
            yy = b * band_height + r
            if r < n_q:
                ax.plot([0, longest], [yy, yy], color="black", lw=1, zorder=0, gid="wire")
            else:
                for dy in (-0.04, 0.04):
                    ax.plot([0, longest], [yy + dy, yy + dy], color="black", lw=0.8, zorder=0,
                            gid="classical wire")
            ax.text(-0.15, yy, name.rstrip(": ").replace(" ", ""), ha="right", va="center",
                    fontsize=10)
    for col, inst, cells in layout.items:
        _draw_item(ax, x_of[col], {r: y(r, col) for r in cells}, inst, cells, n_q,
                   width[col])
    ax.set_xlim(-1.4, longest + 0.1)
    ax.set_ylim((n_bands - 1) * band_height + n_rows - 0.3, -0.7)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig


def _box(ax: Any, x: float, y: float, w: float, label: str, face: str = GATE) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - 0.32), w, 0.64, boxstyle="round,pad=0.02",
                                facecolor=face, edgecolor=EDGE, lw=1, zorder=3, gid="gate"))
    ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=4)


def _draw_item(ax: Any, x: float, ys: dict[int, float], inst: Any, cells: dict[int, str],
               n_q: int, w: float) -> None:
    qrows = sorted(r for r in cells if r < n_q)
    crows = sorted(r for r in cells if r >= n_q)
    if inst.name == "barrier":
        top, bottom = ys[qrows[0]] - 0.45, ys[qrows[-1]] + 0.45
        ax.add_patch(Rectangle((x - 0.12, top), 0.24, bottom - top, facecolor="#e8e8e8",
                               edgecolor="none", zorder=1, gid="barrier"))
        ax.plot([x, x], [top, bottom], color="gray", ls="--", lw=1, zorder=2)
        return
    if crows:  # a measurement's or a condition's link to the classical register
        ax.plot([x - 0.03, x - 0.03], [ys[qrows[-1]], ys[crows[-1]]], color="gray", lw=0.8,
                zorder=1)
        ax.plot([x + 0.03, x + 0.03], [ys[qrows[-1]], ys[crows[-1]]], color="gray", lw=0.8,
                zorder=1)
        for r in crows:
            ax.add_patch(Circle((x, ys[r]), 0.08, color="gray", zorder=3))
            ax.text(x + 0.14, ys[r] + 0.28, cells[r], fontsize=8, zorder=4)
    if inst.name == "measure":
        yy = ys[qrows[0]]
        ax.add_patch(Rectangle((x - 0.32, yy - 0.32), 0.64, 0.64, facecolor=MEASURE,
                               edgecolor="black", lw=1, zorder=3, gid="measure"))
        # the meter's dial: y points down, so the upper half is angles 180..360
        ax.add_patch(Arc((x, yy + 0.12), 0.44, 0.4, theta1=180, theta2=360, lw=1, zorder=4))
        ax.plot([x, x + 0.18], [yy + 0.12, yy - 0.2], color="black", lw=1, zorder=4)
        return
    if len(qrows) > 1:
        ax.plot([x, x], [ys[qrows[0]], ys[qrows[-1]]], color=EDGE, lw=1.5, zorder=2)
    controlled = inst.name in CONTROLLED
    for r in qrows:
        text = cells[r]
        if controlled and text == "■":
            ax.add_patch(Circle((x, ys[r]), 0.11, color=EDGE, zorder=3, gid="control"))
        elif controlled and text == "X":
            ax.add_patch(Circle((x, ys[r]), 0.22, facecolor=GATE, edgecolor=EDGE, lw=1.5,
                                zorder=3, gid="target"))
            ax.plot([x - 0.22, x + 0.22], [ys[r], ys[r]], color=EDGE, lw=1.5, zorder=4)
            ax.plot([x, x], [ys[r] - 0.22, ys[r] + 0.22], color=EDGE, lw=1.5, zorder=4)
        elif controlled and text == "x":
            for dx in (-1, 1):
                ax.plot([x - 0.15, x + 0.15], [ys[r] - 0.15 * dx, ys[r] + 0.15 * dx],
                        color=EDGE, lw=1.8, zorder=4, gid="swap")
        else:  # as wide as its own label, not the column's widest
            _box(ax, x, ys[r], max(0.55, min(w, 0.35 + 0.11 * len(text)) - 0.1), text)
