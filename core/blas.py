"""BLAS thread control for the engines' many small matrix products.

numpy's and scipy's wheels each bundle OpenBLAS, which by default starts one thread per
core and spins them for every product. qfoundry's engines issue thousands of small
products (a 5-qubit density matrix is a 32x32 matrix), where those threads cost far more
than they save, and on a shared machine they oversubscribe the cores: a 5-qubit noisy
circuit took 308 ms instead of 11.5 ms. So while a job runs, :func:`single_blas_thread`
sets every loaded OpenBLAS (and MKL) to one thread, and restores the previous counts when
the last concurrent job leaves. Parallelism across experiments comes from qfoundry's own
workers instead (docs/scaling.md).

It is done here with ctypes, as threadpoolctl does, because the runtime dependencies are
fixed (numpy, scipy, pluggy): every install gets it, not only those with an extra. The
libraries are found in ``/proc/self/maps`` on Linux and in numpy's and scipy's bundled
library folders elsewhere; where none is found (Accelerate on macOS, which needs no
control) this is a no-op. Setting ``QFOUNDRY_BLAS_THREADS=keep`` leaves BLAS alone.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

__all__ = ["single_blas_thread", "blas_libraries"]


class _Library(NamedTuple):
    path: str
    get: ctypes._CFuncPtr  # type: ignore[name-defined]
    set: ctypes._CFuncPtr  # type: ignore[name-defined]


_OPENBLAS_NAMES = [(f"{p}openblas_get_num_threads{s}", f"{p}openblas_set_num_threads{s}")
                   for p in ("", "scipy_") for s in ("", "64_")]
_MKL_NAMES = [("MKL_Get_Max_Threads", "MKL_Set_Num_Threads")]


def _loaded_paths() -> list[str]:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/maps") as fh:
                paths = {line.split(maxsplit=5)[5].strip() for line in fh
                         if line.count(" ") >= 5 and "/" in line}
        except OSError:
            paths = set()
    else:  # the wheels' bundled folders; CDLL of a loaded library returns the same handle
        paths = set()
        for mod in ("numpy", "scipy"):
            m = sys.modules.get(mod)
            if m is not None and getattr(m, "__file__", None):
                base = os.path.dirname(os.path.dirname(m.__file__))
                for sub in (f"{mod}.libs", os.path.join(mod, ".dylibs")):
                    paths.update(glob.glob(os.path.join(base, sub, "*")))
    return sorted(p for p in paths
                  if "openblas" in os.path.basename(p).lower()
                  or os.path.basename(p).lower().startswith(("libmkl_rt", "mkl_rt")))


def _bind(path: str) -> _Library | None:
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for get_name, set_name in (_MKL_NAMES if "mkl" in os.path.basename(path).lower()
                               else _OPENBLAS_NAMES):
        getter, setter = getattr(lib, get_name, None), getattr(lib, set_name, None)
        if getter is not None and setter is not None:
            getter.restype, getter.argtypes = ctypes.c_int, []
            setter.restype, setter.argtypes = None, [ctypes.c_int]
            return _Library(path, getter, setter)
    return None


_lock = threading.Lock()
_cache: tuple[int, list[_Library]] = (-1, [])
_active = 0
_saved: list[tuple[_Library, int]] = []


def blas_libraries() -> list[_Library]:
    """The loaded BLAS libraries qfoundry can set the thread count of (cached until a
    module is imported, since an import may load another BLAS, such as scipy's)."""
    global _cache
    if _cache[0] != len(sys.modules):
        libs = [lib for lib in map(_bind, _loaded_paths()) if lib is not None]
        _cache = (len(sys.modules), libs)
    return _cache[1]


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the block with every loaded BLAS on one thread; nests and is thread-safe.

    The count is process-wide (OpenBLAS has no per-thread setting), so concurrent jobs
    share one reference count: the first sets one thread, the last restores the counts
    it found.
    """
    global _active
    if os.environ.get("QFOUNDRY_BLAS_THREADS", "").lower() == "keep":
        yield
        return
    with _lock:
        if _active == 0:
            _saved[:] = [(lib, lib.get()) for lib in blas_libraries()]
            for lib, count in _saved:
                if count != 1:
                    lib.set(1)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                for lib, count in _saved:
                    if count != 1:
                        lib.set(count)
                _saved.clear()
