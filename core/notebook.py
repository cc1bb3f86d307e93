"""Jupyter pictures: ``_repr_png_`` of device backends (their error map) and results
(their counts histogram).

IPython asks an object for ``_repr_png_`` before falling back to its plain repr. These
return None (so the plain repr shows) when matplotlib is not installed or there is
nothing to draw; they never raise, so a notebook never loses the text repr.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from .errors import QfoundryError

__all__ = ["png_or_none", "result_png", "backend_png"]

MAX_EXPERIMENTS = 4  # a result's histogram shows its first few experiments side by side


def png_or_none(draw: Callable[[], Any]) -> bytes | None:
    """PNG bytes of the figure ``draw()`` makes, or None without matplotlib or on input
    the plots refuse."""
    if importlib.util.find_spec("matplotlib") is None:
        return None
    try:
        from .visualization._common import png_bytes

        return png_bytes(draw())
    except (QfoundryError, ImportError):
        return None


def result_png(result: Any) -> bytes | None:
    """The counts of a result's first experiments as one histogram."""
    exps = [(k, e) for k, e in enumerate(result.results) if "counts" in e.data]
    if not exps:
        return None
    exps = exps[:MAX_EXPERIMENTS]

    def draw() -> Any:
        from .visualization.histogram import plot_histogram

        counts = [result.get_counts(k) for k, _ in exps]
        names = [e.name or f"experiment {k}" for k, e in exps] if len(exps) > 1 else None
        return plot_histogram(counts, legend=names, title=result.backend_name)

    return png_or_none(draw)


def backend_png(backend: Any) -> bytes | None:
    """A device backend's coupling map coloured by its calibration."""
    def draw() -> Any:
        from .visualization.device import plot_device  # a backend: no name lookup

        return plot_device(backend)

    return png_or_none(draw)
