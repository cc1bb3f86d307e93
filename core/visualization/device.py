"""``plot_device``: a device's coupling map coloured by its calibration.

Qubits sit where the text drawing puts them (:mod:`qfoundry.device_layout`: heavy-hex
chips as IBM draws them, rows with bridge qubits between; lines, rings and square
lattices on their grid; other graphs on a circle or a spring layout). Qubits are coloured
by readout error, T1 or T2, couplings by two-qubit gate error, each with a colour bar;
grey marks a figure the device does not give. ``layout=`` rings the qubits a job used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from ..device import Device
from ..device_layout import device_positions
from ..errors import DrawingError
from ._common import axes_for

__all__ = ["plot_device", "QUBIT_FIGURES", "device_of", "used_qubits"]

#: qubit_color= choices: (label, QubitProperties field, scale, higher-is-better)
QUBIT_FIGURES = {"readout_error": ("readout error", "readout_error", 1.0, False),
                 "t1": ("T1 (µs)", "t1", 1e6, True),
                 "t2": ("T2 (µs)", "t2", 1e6, True)}
MISSING = (0.75, 0.75, 0.75, 1.0)  # grey: no calibration figure


def device_of(obj: Any) -> Device:
    """The :class:`Device` behind a device or a device backend (a device *name* is resolved
    by :func:`qfoundry.visualization.plot_device`, which may use the registry: this module
    may not, as backends draw themselves through it)."""
    if isinstance(obj, Device):
        return obj
    if isinstance(getattr(obj, "device", None), Device):
        return obj.device
    raise DrawingError(f"plot_device: expected a device, a device backend or a device name, "
                       f"got {type(obj).__name__} (ideal simulators have no device to draw)")


def used_qubits(layout: Any, n_qubits: int) -> dict[int, int]:
    """physical -> virtual qubit from a Result (its first experiment), an experiment
    result, a transpiled Circuit, a ``[physical per virtual]`` list or a
    ``{virtual: physical}`` dict."""
    if hasattr(layout, "results"):  # Result
        if not layout.results:
            raise DrawingError("plot_device: layout= result has no experiments")
        layout = layout.results[0]
    meta = getattr(getattr(layout, "header", None), "metadata", None)
    if meta is None:
        meta = getattr(layout, "metadata", None)
    if isinstance(meta, Mapping):
        if "initial_layout" not in meta:
            raise DrawingError("plot_device: layout= has no initial_layout (was it run on "
                               "a device backend, or transpiled?)")
        layout = meta["initial_layout"]
    try:
        if isinstance(layout, Mapping):
            pairs = [(int(v), int(p)) for v, p in layout.items()]
        elif isinstance(layout, (Sequence, np.ndarray)) and not isinstance(layout, str):
            pairs = list(enumerate(int(p) for p in layout))
        else:
            raise TypeError(type(layout).__name__)
    except (TypeError, ValueError) as exc:
        raise DrawingError(f"plot_device: cannot read a layout (qubit numbers) from "
                           f"{layout!r:.60}") from exc
    out: dict[int, int] = {}
    for v, p in pairs:
        if not 0 <= p < n_qubits:
            raise DrawingError(f"plot_device: layout puts virtual qubit {v} on physical qubit "
                               f"{p}, but the device has qubits 0..{n_qubits - 1}")
        if p in out:
            raise DrawingError(f"plot_device: layout puts virtual qubits {out[p]} and {v} "
                               f"both on physical qubit {p}")
        out[p] = v
    return out


def _edge_errors(device: Device) -> dict[tuple[int, int], float | None]:
    """Worst calibrated two-qubit basis-gate error on each undirected coupling (gates
    outside the basis, such as fractional ``rzz``, are not what circuits are mapped to)."""
    out: dict[tuple[int, int], float | None] = {
        (min(a, b), max(a, b)): None for a, b in device.coupling_map if a != b}
    two = {g for g, q in device.gates if len(q) == 2}
    basis = two & set(device.basis_gates) or two
    for (gate, qubits), props in device.gates.items():
        if gate in basis and len(qubits) == 2 and props.error is not None:
            key = (min(qubits), max(qubits))
            if key in out:
                out[key] = max(props.error, out[key] or 0.0)
    return out


def _norm(values: list[float | None], log: bool = False) -> Normalize:
    """Linear from the smallest to the largest figure; for error rates spanning more than
    a decade, logarithmic, so one broken coupling (IBM reports error 1) does not paint
    every other one the same green."""
    known = [v for v in values if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    if log and lo > 0 and hi / lo >= 10:
        return LogNorm(lo, hi)
    return Normalize(lo, hi if hi > lo else lo + (abs(lo) or 1.0) * 1e-3)


def plot_device(device: Any, *, errors: bool = True, qubit_color: str = "readout_error",
                layout: Any = None, labels: bool = True, colorbar: bool = True,
                title: str | None = None, ax: Any = None,
                figsize: tuple[float, float] | None = None) -> Figure:
    """The coupling map of ``device`` (a Device, a device backend or a name).

    :param errors: colour qubits by ``qubit_color`` (``"readout_error"``, ``"t1"``,
        ``"t2"``) and couplings by two-qubit gate error (red is worse; error rates that
        span more than a decade on a log scale); False draws the topology alone.
    :param layout: mark the qubits a job used: a Result or transpiled Circuit (its
        ``initial_layout``), a list of physical qubits per circuit qubit, or a dict.
        Each used qubit is ringed and labelled with the circuit qubit it holds.
    :param labels: write qubit numbers on the nodes.
    """
    dev = device_of(device)
    if qubit_color not in QUBIT_FIGURES:
        raise DrawingError(f"plot_device: unknown qubit_color {qubit_color!r} "
                           f"(known: {', '.join(QUBIT_FIGURES)})")
    n = dev.n_qubits
    edges = _edge_errors(dev)
    pos = device_positions(n, list(edges))
    xy = np.array([pos[q] for q in range(n)], dtype=float)
    span = xy.max(0) - xy.min(0) if n else np.zeros(2)
    if figsize is None:
        figsize = (min(16.0, 1.2 + 0.5 * (span[0] + 1)) + (1.6 if errors and colorbar else 0),
                   min(12.0, 1.0 + 0.5 * (span[1] + 1)))
    fig, ax = axes_for(ax, figsize)
    used = used_qubits(layout, n) if layout is not None else {}

    label, field, scale, higher_better = QUBIT_FIGURES[qubit_color]
    qvals = [getattr(p, field) for p in dev.qubits] if dev.qubits else [None] * n
    qvals = [None if v is None else v * scale for v in qvals]
    evals = list(edges.values())
    qcmap = colormaps["RdYlGn" if higher_better else "RdYlGn_r"]
    ecmap = colormaps["RdYlGn_r"]
    qnorm, enorm = _norm(qvals, log=not higher_better), _norm(evals, log=True)
    if errors:
        node_rgba = [MISSING if v is None else qcmap(qnorm(v)) for v in qvals]
        edge_rgba = [MISSING if v is None else ecmap(enorm(v)) for v in evals]
    else:
        node_rgba, edge_rgba = [(0.35, 0.55, 0.85, 1.0)] * n, [(0.5, 0.5, 0.5, 1.0)] * len(evals)
    segments = [[pos[a], pos[b]] for a, b in edges]
    size = 520 if n <= 30 else 330 if n <= 80 else 200
    width = (4 if n <= 80 else 3) * min(1.0, 2 * n / max(len(segments), 1))  # thin if dense
    ax.add_collection(LineCollection(segments, colors=edge_rgba, linewidths=max(width, 0.4),
                                     zorder=1, gid="couplings"))
    ax.scatter(xy[:, 0], xy[:, 1], s=size, c=node_rgba, zorder=2, gid="qubits",
               edgecolors=["black" if q in used else "none" for q in range(n)],
               linewidths=[2.5 if q in used else 0 for q in range(n)])
    if labels:
        font = 8 if n <= 30 else 6 if n <= 80 else 5
        for q in range(n):
            r, g, b, _ = node_rgba[q]
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(*pos[q], str(q), ha="center", va="center", fontsize=font, zorder=3,
                    color="white" if dark else "black")
    for p, v in sorted(used.items()):
        ax.annotate(f"q{v}", pos[p], xytext=(0, 11 if n <= 30 else 8), ha="center",
                    textcoords="offset points", fontsize=7, color="navy", fontweight="bold",
                    zorder=4, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                                    "alpha": 0.8})
    pad = 0.7
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].max() + pad, xy[:, 1].min() - pad)  # row 0 at the top, as in text
    ax.set_aspect("equal")
    ax.set_axis_off()
    if errors and colorbar:
        if any(v is not None for v in qvals):
            fig.colorbar(ScalarMappable(qnorm, qcmap), ax=ax, label=f"qubit {label}",
                         shrink=0.8, fraction=0.05, pad=0.02)
        if any(v is not None for v in evals):
            fig.colorbar(ScalarMappable(enorm, ecmap), ax=ax, label="two-qubit gate error",
                         shrink=0.8, fraction=0.05, pad=0.02)
    ax.set_title(title if title is not None else
                 f"{dev.backend_name}: {n} qubits" + (f", {len(used)} used" if used else ""))
    return fig
