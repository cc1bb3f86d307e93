"""Progress within one experiment, for jobs whose single experiment runs a long time.

``job.progress()`` and the ``job_progress`` hook count whole experiments (done, total),
so a job of one long experiment sits at (0, 1) until it ends. An engine may call
:func:`report_progress` with the fraction of the current experiment done; the core
listens while it runs the experiment in this process (serially or on its threads) and
folds it into :meth:`qfoundry.Job.fraction`, which the command line's bar shows. Where
nobody listens (worker processes, Dask, a plugin's own executor) the call costs one
context-variable lookup and does nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["report_progress", "listening"]

_listener: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar(
    "qfoundry_progress", default=None)


def report_progress(fraction: float) -> None:
    """Tell the core that ``fraction`` (0 to 1) of the running experiment is done."""
    listener = _listener.get()
    if listener is not None:
        listener(min(max(float(fraction), 0.0), 1.0))


@contextmanager
def listening(callback: Callable[[float], None]) -> Iterator[None]:
    """Route :func:`report_progress` calls made in this context to ``callback``."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)
