"""Pictures: histograms of counts, device error maps, states and circuits (extra ``plot``).

Every function returns a :class:`matplotlib.figure.Figure` and takes ``ax=`` to draw into
axes of your own (the figure returned is then that of ``ax``). Figures are built with
matplotlib's object API, never through ``pyplot``, so nothing is kept in a global figure
list and no GUI backend is needed: ``fig.savefig("counts.png")`` works anywhere.

Importing this module needs matplotlib; without it the import raises
:class:`qfoundry.errors.MissingExtraError` naming the extra to install
(``pip install "qfoundry[plot]"``). ``import qfoundry`` never imports matplotlib.
"""

from __future__ import annotations

from ..errors import MissingExtraError

try:
    import matplotlib  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise MissingExtraError(
        'qfoundry.visualization needs matplotlib: pip install "qfoundry[plot]"') from exc

import functools
from typing import Any

from ..registry import resolve_device
from .circuit import draw_circuit
from .device import plot_device as _plot_device
from .histogram import plot_histogram
from .state import plot_density_matrix, plot_state

__all__ = ["plot_histogram", "plot_device", "plot_density_matrix", "plot_state",
           "draw_circuit"]


@functools.wraps(_plot_device)
def plot_device(device: Any, **options: Any) -> Any:
    if isinstance(device, str):  # a registered name or a TOML path
        device = resolve_device(device)
    return _plot_device(device, **options)
