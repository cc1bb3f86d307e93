"""The statevector engine's ``accelerator`` option: which dense-block kernel a run uses.

The numpy path (:mod:`.chunked`, :mod:`.state`) is the default everywhere and always
available; the ``accel`` extra (numba) adds a compiled kernel
(:mod:`.._sim.accel`) that applies a dense block to a large state in one pass. This
module decides per run, importing numba only when the kernel will be used, so that
``import qfoundry`` and small runs never pay for it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence

__all__ = ["ACCELERATORS", "ACCEL_MIN_QUBITS", "dense_kernel", "dense_work"]

#: Values of the engine's ``accelerator`` option: "auto" uses the compiled kernels of
#: the ``accel`` extra (numba) where they pay and where it is installed, "numpy" never,
#: "numba" on every state (an error where it is not installed).
ACCELERATORS = ["auto", "numpy", "numba"]
# "auto" applies dense blocks with the compiled kernel from this many active qubits
# (below, the whole state is in cache and the numpy path costs the same; measured in
# docs/performance.md).
ACCEL_MIN_QUBITS = 16
# ...and loads numba for a run whose dense work (dense_work) is at least this: at about
# 0.3 ns per amplitude-product on the numpy path and 10-25% saved, 2e10 of them save
# about the second that importing numba and loading the cached kernel costs.
_LOAD_PAYS = 2 * 10**10
_ACCEL_MODULE = "qfoundry.plugins._sim.accel"
def dense_kernel(choice: str, qubits: int, work: int | None = None
                 ) -> tuple[Callable | None, int]:
    """``(kernel, from)`` for ``SVState(accel=...)``: the compiled dense-block kernel of
    the ``accel`` extra and the fewest active qubits it is used from, or ``(None, 0)``
    for the numpy path. ``choice`` is the ``accelerator`` option, ``qubits`` the
    register's size, ``work`` the run's dense work (:func:`dense_work`; None: only
    check that the choice can be honoured).

    ``"auto"`` loads numba only when it pays: importing it and loading the cached kernel
    costs about 1 s once per process, and the kernel saves 10-25% of the dense products,
    so the first run of a process takes it only if its dense work is at least
    ``_LOAD_PAYS``; once loaded, every state from ``ACCEL_MIN_QUBITS`` uses it."""
    if choice == "numpy" or (choice == "auto" and qubits < ACCEL_MIN_QUBITS):
        return None, 0
    if importlib.util.find_spec("numba") is None:
        if choice == "auto":
            return None, 0
        from qfoundry.errors import MissingExtraError
        raise MissingExtraError('accelerator="numba" needs numba: pip install '
                                '"qfoundry[accel]" (or use accelerator="auto" or "numpy")')
    if choice == "auto" and _ACCEL_MODULE not in sys.modules and (
            work is None or work < _LOAD_PAYS):
        return None, 0
    from .._sim import accel
    return accel.apply_dense, (ACCEL_MIN_QUBITS if choice == "auto" else 0)


def dense_work(steps: Sequence, qubits: int) -> int:
    """Amplitude-products of a program's dense steps: ``2**k`` per amplitude of a
    ``qubits``-qubit state for each dense block on k qubits (what a product costs)."""
    return sum(1 << len(s.qubits) for s in steps
               if s.op == "gate" and s.gate.kind == "general") << qubits
