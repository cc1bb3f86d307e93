"""The statevector engine's ``accelerator`` option: which dense-block kernel a run uses.

The numpy path (:mod:`.chunked`, :mod:`.state`) is the default everywhere and always
available; the ``accel`` extra (numba) adds a compiled kernel
(:mod:`.._sim.accel`) that applies a dense block to a large state in one pass. This
module decides per run, importing numba only when the kernel will be used, so that
``import qfoundry`` and small runs never pay for it.
"""

from __future__ import annotations

import importlib.util
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
# ...for a run whose dense work (dense_work) is at least this: importing numba and
# loading the cached kernel costs about 1 s once per process, and the numpy path takes
# about 0.36 ns per amplitude-product (measured at 20-24 qubits), so from 1e10 (3.6 s)
# even a process's first run stays within 1.3x of a warm one.
_LOAD_PAYS = 10**10


def dense_kernel(choice: str, qubits: int, work: int | None = None
                 ) -> tuple[Callable | None, int]:
    """``(kernel, from)`` for ``SVState(accel=...)``: the compiled dense-block kernel of
    the ``accel`` extra and the fewest active qubits it is used from, or ``(None, 0)``
    for the numpy path. ``choice`` is the ``accelerator`` option, ``qubits`` the
    register's size, ``work`` the run's dense work (:func:`dense_work`; None: only
    check that the choice can be honoured).

    ``"auto"`` takes the kernel for a state of ``ACCEL_MIN_QUBITS`` or more whose run
    has at least ``_LOAD_PAYS`` of dense work, so that loading numba pays even on a
    process's first run. The choice depends on the job alone, never on what ran before
    in the process: the kernel leaves the state's qubits in another memory order than
    numpy does, and sampling reads the state in memory order, so the same seed gives
    the same counts on a given installation (with and without the extra they are
    different draws from the same distribution)."""
    if choice == "numpy" or (choice == "auto" and qubits < ACCEL_MIN_QUBITS):
        return None, 0
    if importlib.util.find_spec("numba") is None:
        if choice == "auto":
            return None, 0
        from qfoundry.errors import MissingExtraError
        raise MissingExtraError('accelerator="numba" needs numba: pip install '
                                '"qfoundry[accel]" (or use accelerator="auto" or "numpy")')
    if choice == "auto" and (work is None or work < _LOAD_PAYS):
        return None, 0
    from .._sim import accel
    return accel.apply_dense, (ACCEL_MIN_QUBITS if choice == "auto" else 0)


def dense_work(steps: Sequence, qubits: int) -> int:
    """Amplitude-products of a program's dense steps: ``2**k`` per amplitude of a
    ``qubits``-qubit state for each dense block on k qubits (what a product costs)."""
    return sum(1 << len(s.qubits) for s in steps
               if s.op == "gate" and s.gate.kind == "general") << qubits
