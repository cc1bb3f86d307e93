"""Result containers of the primitives, shaped like Qiskit V2's.

``PrimitiveResult`` is a list of ``PubResult``; a PubResult's ``data`` is a ``DataBin``
whose fields are ``evs`` / ``stds`` arrays (Estimator) or one :class:`BitArray` per
classical register (Sampler).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import numpy as np

from ..errors import JobError, ResultError

__all__ = ["BitArray", "DataBin", "PubResult", "PrimitiveResult", "PrimitiveJob"]


class BitArray:
    """Shots of one classical register for every parameter set of a PUB.

    ``bits`` has shape ``shape + (num_shots,)`` of Python ints (bit k = register bit k),
    so a bit string is written with bit 0 rightmost, as Qiskit writes them.
    """

    def __init__(self, samples: np.ndarray, num_bits: int):
        self._samples = samples  # object array: shape + (num_shots,)
        self.num_bits = int(num_bits)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._samples.shape[:-1])

    @property
    def samples(self) -> np.ndarray:
        """Every shot as an integer (register bit k = bit k): shape + (num_shots,)."""
        return self._samples

    @property
    def num_shots(self) -> int:
        return int(self._samples.shape[-1])

    def _select(self, loc: int | tuple[int, ...] | None) -> np.ndarray:
        if loc is None:
            return self._samples.reshape(-1)
        index = loc if isinstance(loc, tuple) else (loc,)
        if len(index) > len(self.shape):
            # The last axis is the shots: ``loc`` may only index the parameter-set axes.
            raise ResultError(f"loc {loc!r} has {len(index)} indices; this BitArray's shape "
                              f"{self.shape} has {len(self.shape)}")
        try:
            return np.asarray(self._samples[loc]).reshape(-1)
        except IndexError:
            raise ResultError(f"loc {loc!r} is out of range for shape {self.shape}") from None

    def _text(self, value: int) -> str:
        return format(int(value), f"0{self.num_bits}b") if self.num_bits else ""

    def get_bitstrings(self, loc: int | tuple[int, ...] | None = None) -> list[str]:
        """Every shot's bit string at ``loc`` (all parameter sets, in order, for None)."""
        return [self._text(v) for v in self._select(loc)]

    def get_counts(self, loc: int | tuple[int, ...] | None = None) -> dict[str, int]:
        """Counts of bit strings at ``loc`` (summed over all parameter sets for None)."""
        return dict(Counter(self.get_bitstrings(loc)))

    def get_int_counts(self, loc: int | tuple[int, ...] | None = None) -> dict[int, int]:
        return dict(Counter(int(v) for v in self._select(loc)))

    def __repr__(self) -> str:
        return (f"BitArray(<shape={self.shape}, num_shots={self.num_shots}, "
                f"num_bits={self.num_bits}>)")


class DataBin:
    """Named result fields, read as attributes or items (``data.evs``, ``data["meas"]``)."""

    def __init__(self, shape: tuple[int, ...] = (), **fields: Any):
        self._shape = tuple(shape)
        self._fields = dict(fields)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(f"this DataBin has no field {name!r}; fields: {list(fields)}")

    def __getitem__(self, name: str) -> Any:
        if name not in self._fields:
            raise ResultError(f"this DataBin has no field {name!r}; fields: "
                              f"{list(self._fields)}")
        return self._fields[name]

    def keys(self) -> list[str]:
        return list(self._fields)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __repr__(self) -> str:
        return f"DataBin(<shape={self._shape}>, {', '.join(self._fields)})"


class PubResult:
    """The result of one PUB: ``data`` and ``metadata``."""

    def __init__(self, data: DataBin, metadata: dict[str, Any] | None = None):
        self.data = data
        self.metadata = dict(metadata or {})

    def join_data(self) -> Any:
        """The Sampler's registers as one BitArray (the only one, or all concatenated)."""
        names = self.data.keys()
        arrays = [self.data[n] for n in names if isinstance(self.data[n], BitArray)]
        if len(arrays) == 1:
            return arrays[0]
        samples = np.zeros(arrays[0]._samples.shape, dtype=object)
        shift = 0
        for arr in arrays:  # first-declared register in the low bits, as Qiskit's counts
            samples = samples + (arr._samples << shift)
            shift += arr.num_bits
        return BitArray(samples, shift)

    def __repr__(self) -> str:
        return f"PubResult(data={self.data!r}, metadata={self.metadata})"


class PrimitiveResult(list):
    """One PubResult per PUB, in order, plus job-wide ``metadata``."""

    def __init__(self, results: list[PubResult], metadata: dict[str, Any] | None = None):
        super().__init__(results)
        self.metadata = dict(metadata or {})


class PrimitiveJob:
    """A primitive's job: the work runs on a thread at once; ``result()`` waits for it."""

    _counter = 0
    _lock = threading.Lock()

    def __init__(self, work: Callable[[], PrimitiveResult]):
        with PrimitiveJob._lock:
            PrimitiveJob._counter += 1
            self._id = f"primitive-job-{PrimitiveJob._counter}"
        self._future: Future = Future()
        self._work = work
        thread = threading.Thread(target=self._run, name=self._id, daemon=True)
        thread.start()

    def _run(self) -> None:
        try:
            self._future.set_result(self._work())
        except BaseException as exc:  # reported by result()
            self._future.set_exception(exc)

    def job_id(self) -> str:
        return self._id

    def done(self) -> bool:
        return self._future.done()

    def status(self) -> str:
        return "DONE" if self._future.done() and not self._future.exception() else (
            "ERROR" if self._future.done() else "RUNNING")

    def result(self, timeout: float | None = None) -> PrimitiveResult:
        try:
            return self._future.result(timeout)
        except JobError:
            raise
        except Exception as exc:
            from ..errors import QfoundryError

            if isinstance(exc, QfoundryError):
                raise
            raise JobError(f"{self._id} failed: {type(exc).__name__}: {exc}") from exc
