"""``plot_histogram``: counts as probabilities, several results side by side, an ideal
distribution to compare with, and the long tail folded into one "other" bar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..errors import DrawingError
from ._common import axes_for

__all__ = ["plot_histogram", "DEFAULT_KEEP"]

#: outcomes shown before the rest are folded into "other" (when ``number_to_keep`` is None)
DEFAULT_KEEP = 32
OTHER = "other"
_SORTS = ("asc", "desc", "value")


def _probabilities(data: Any, what: str) -> dict[str, float]:
    """A counts (or probabilities) mapping, checked and normalised to sum to 1."""
    if not isinstance(data, Mapping):
        raise DrawingError(f"{what}: expected a mapping of outcome -> count, got "
                           f"{type(data).__name__}")
    if not data:
        raise DrawingError(f"{what}: no outcomes to plot (were the qubits measured?)")
    values = {}
    for key, value in data.items():
        if not isinstance(value, Real) or isinstance(value, bool) or not value >= 0:
            raise DrawingError(f"{what}: outcome {key!r} has count {value!r}; counts must "
                               "be non-negative numbers")
        values[str(key)] = float(value)
    total = sum(values.values())
    if total <= 0:
        raise DrawingError(f"{what}: all counts are zero")
    return {k: v / total for k, v in values.items()}


def _as_list(data: Any) -> list[Any]:
    if hasattr(data, "get_counts"):  # a Result: one distribution per experiment
        counts = data.get_counts()
        return counts if isinstance(counts, list) else [counts]
    if isinstance(data, Mapping):
        return [data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return list(data)
    raise DrawingError(f"plot_histogram: expected counts, a list of counts or a Result, "
                       f"got {type(data).__name__}")


def plot_histogram(data: Any, *, legend: Sequence[str] | None = None, sort: str = "asc",
                   target: Mapping[str, float] | None = None,
                   number_to_keep: int | None = None, bar_labels: bool | None = None,
                   title: str | None = None, ax: Any = None,
                   figsize: tuple[float, float] = (7.0, 4.0)) -> Figure:
    """Bars of outcome probabilities.

    :param data: a counts dict (``result.get_counts()``), a list of them (drawn side by
        side, one colour each), or a :class:`~qfoundry.Result` (one per experiment).
    :param legend: one name per distribution.
    :param sort: ``"asc"`` (outcomes in bit-string order, the default), ``"desc"``, or
        ``"value"`` (most probable first, by the first distribution).
    :param target: the ideal distribution (probabilities or counts), drawn as outlined
        bars behind the others: what a noiseless run would give.
    :param number_to_keep: outcomes shown; the rest (the least probable over all the
        distributions) are summed into an ``"other"`` bar. None keeps 32 when there are
        more than 32; 0 keeps all.
    :param bar_labels: write each probability above its bar (default when at most 16
        bars are drawn).
    """
    dists = [_probabilities(d, f"plot_histogram: counts {k}")
             for k, d in enumerate(_as_list(data))]
    if not dists:
        raise DrawingError("plot_histogram: no counts given")
    if legend is not None and len(legend) != len(dists):
        raise DrawingError(f"plot_histogram: {len(legend)} legend entries for "
                           f"{len(dists)} distributions")
    if sort not in _SORTS:
        raise DrawingError(f"plot_histogram: unknown sort {sort!r} (known: {', '.join(_SORTS)})")
    ideal = _probabilities(target, "plot_histogram: target") if target is not None else None
    keys = sorted(set().union(*dists, *(ideal and [ideal] or [])))
    keep = DEFAULT_KEEP if number_to_keep is None else number_to_keep
    if keep < 0:
        raise DrawingError(f"plot_histogram: number_to_keep must be >= 0, got {keep}")
    if keep and len(keys) > keep:
        weight = {k: max(d.get(k, 0.0) for d in dists + ([ideal] if ideal else []))
                  for k in keys}
        kept = set(sorted(keys, key=lambda k: (-weight[k], k))[:keep])
        folded = [{k: v for k, v in d.items() if k in kept} for d in dists]
        for d, full in zip(folded, dists):
            d[OTHER] = sum(v for k, v in full.items() if k not in kept)
        if ideal:
            ideal = {**{k: v for k, v in ideal.items() if k in kept},
                     OTHER: sum(v for k, v in ideal.items() if k not in kept)}
        dists, keys = folded, sorted(kept)
    if sort == "desc":
        keys = keys[::-1]
    elif sort == "value":
        keys = sorted(keys, key=lambda k: (-dists[0].get(k, 0.0), k))
    if OTHER in dists[0]:
        keys.append(OTHER)

    fig, ax = axes_for(ax, figsize)
    x = np.arange(len(keys))
    width = 0.8 / len(dists)
    if ideal is not None:
        ax.bar(x, [ideal.get(k, 0.0) for k in keys], 0.9, fill=False, edgecolor="black",
               linestyle="--", linewidth=1.0, label="ideal", zorder=1)
    show_labels = bar_labels if bar_labels is not None else len(keys) * len(dists) <= 16
    for k, dist in enumerate(dists):
        offset = (k - (len(dists) - 1) / 2) * width
        bars = ax.bar(x + offset, [dist.get(key, 0.0) for key in keys], width * 0.95,
                      label=legend[k] if legend else None, zorder=2)
        if show_labels:
            ax.bar_label(bars, labels=[f"{b.get_height():.3f}" if b.get_height() > 0 else ""
                                       for b in bars], fontsize=8, padding=1)
    ax.set_xticks(x, keys, rotation=70 if len(keys) > 8 or len(keys[0]) > 6 else 0,
                  fontfamily="monospace")
    ax.set_ylabel("Probability")
    top = max(max(d.values()) for d in dists + ([ideal] if ideal else []))
    ax.set_ylim(0, top * 1.15)  # room for the bar labels
    ax.grid(axis="y", linestyle=":", alpha=0.6)
    ax.set_axisbelow(True)
    if legend or ideal is not None:
        ax.legend()
    if title:
        ax.set_title(title)
    return fig
