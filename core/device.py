"""Fake devices: what a device is, how it is found, and what it accepts.

A device is a TOML file (schema in ``docs/devices.md``, parser in
:mod:`qfoundry.device_toml`) describing a real or imagined chip. This module is the one
to import: it re-exports the model (:class:`Device`, :class:`QubitProperties`,
:class:`GateProperties`, :class:`DeviceProperties`, from :mod:`qfoundry.device_model`)
and holds what finds and loads devices:

* :class:`DeviceSource` is what the registry holds: name, size and provenance read cheaply
  from the top of the file, the full calibration parsed once, on first use;
* :func:`load_device`, :func:`parse_device`, :func:`device_to_toml`.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import device_toml  # as a module: tests count parses through device_toml.parse
from .device_isa import DIRECTIVES, check_native, with_fractional_gates
from .device_model import (
    Device,
    DeviceProperties,
    DeviceSpecWarning,
    GateProperties,
    QubitProperties,
)
from .errors import DeviceSpecError
from .topology import coupling_shortcut

__all__ = [
    "QubitProperties",
    "GateProperties",
    "Device",
    "DeviceProperties",
    "DeviceSource",
    "DeviceSpecWarning",
    "DIRECTIVES",
    "check_native",
    "with_fractional_gates",
    "load_device",
    "parse_device",
    "device_to_toml",
    "coupling_shortcut",
]


class DeviceSource:
    """A registered device: its name, size and provenance now, the calibration on demand.

    The registry keeps one per device. The header keys (``name``, ``n_qubits``,
    ``source``, ``description``, ``default_engine``) are read from the top of the file
    without touching the calibration tables; :meth:`load` parses and validates the whole
    file the first time it is called (once per process, thread-safe) and caches the
    :class:`Device`.
    """

    def __init__(self, *, name: str, n_qubits: int, source: str = "", description: str = "",
                 default_engine: str = "auto", origin: str | None = None,
                 location: Any = None, device: Device | None = None,
                 processor_type: str | None = None, calibration_date: str | None = None,
                 basis_gates: Iterable[str] | None = None,
                 fractional_gates: Iterable[str] | None = None):
        self.name = name
        # Listing figures, from the header (validated only when the device is loaded).
        self.processor_type = processor_type
        self.calibration_date = calibration_date
        self.basis_gates = tuple(basis_gates or ())
        self.fractional_gates = tuple(fractional_gates or ())
        self.n_qubits = n_qubits
        self.source = source
        self.description = description
        self.default_engine = default_engine
        self.origin = origin
        self._location = location  # Path / Traversable to read in load()
        self._device = device
        self._lock = threading.Lock()
        self.quiet = False  # True: no DeviceSpecWarning on load (shipped, known files)

    def __repr__(self) -> str:
        return f"<DeviceSource {self.name!r} ({self.n_qubits} qubits) from {self.origin}>"

    @property
    def loaded(self) -> bool:
        """True once the full calibration has been parsed."""
        return self._device is not None

    @classmethod
    def from_device(cls, device: Device) -> DeviceSource:
        """A source for a device built in Python (already loaded)."""
        return cls(name=device.name, n_qubits=device.n_qubits, source=device.source,
                   description=device.description, default_engine=device.default_engine,
                   origin=device.path or "<python>", device=device,
                   processor_type=device.processor_type,
                   calibration_date=device.calibration_date, basis_gates=device.basis_gates,
                   fractional_gates=device.fractional_gates)

    @classmethod
    def from_path(cls, path: str | os.PathLike | Any, *, quiet: bool = False) -> DeviceSource:
        """A source for a TOML file (a path or an ``importlib.resources`` Traversable).

        Reads only the header; raises :class:`DeviceSpecError` if that is invalid.
        Sources of filesystem paths are cached per process while the file is unchanged,
        so ``get_backend("x.toml")`` twice parses the file once.
        """
        location = Path(path) if isinstance(path, (str, os.PathLike)) else path
        origin = str(location)
        key = None
        if isinstance(location, Path):
            try:
                st = location.stat()
            except OSError as exc:
                raise DeviceSpecError(f"cannot read device file: {exc.strerror or exc}",
                                      origin) from None
            key = (str(location.resolve()), st.st_mtime_ns, st.st_size)
            with _cache_lock:
                cached = _path_cache.get(key)
            if cached is not None:
                return cached
        # The header sits in the first lines: a 64-qubit pack lists 68 devices without
        # reading their megabytes of calibration.
        start = _read_start(location, origin)
        head = (start is not None and device_toml.read_header(start, origin, partial=True)) \
            or device_toml.read_header(_read_text(location, origin), origin)
        src = cls(location=location, origin=origin, **head)
        src.quiet = quiet
        if key is not None:
            with _cache_lock:
                src = _path_cache.setdefault(key, src)
        return src

    @classmethod
    def from_any(cls, obj: Any) -> DeviceSource:
        """A source for whatever ``register_devices`` may pass: path, Traversable, Device."""
        if isinstance(obj, DeviceSource):
            return obj
        if isinstance(obj, Device):
            return cls.from_device(obj)
        if isinstance(obj, (str, os.PathLike)) or hasattr(obj, "read_text"):
            return cls.from_path(obj)
        raise DeviceSpecError(f"cannot make a device of {obj!r}: register a path or "
                              "Traversable of a TOML file, or a qfoundry.devices.Device")

    def load(self) -> Device:
        """The full, validated :class:`Device` (parsed on first call, then cached)."""
        if self._device is None:
            with self._lock:
                if self._device is None:
                    self._device = self._parse()
        return self._device

    def _parse(self) -> Device:
        with warnings.catch_warnings():
            if self.quiet:  # shipped devices: their documented T2 > 2*T1 notes are known
                warnings.simplefilter("ignore", DeviceSpecWarning)
            device = device_toml.parse(_read_text(self._location, self.origin), self.origin)
        if device.name != self.name:  # the file changed on disk since it was registered
            raise DeviceSpecError(f"the device is now named {device.name!r}, but was "
                                  f"registered as {self.name!r}", self.origin, "name")
        return device


_cache_lock = threading.Lock()
_path_cache: dict[tuple[str, int, int], DeviceSource] = {}


def _read_text(location: Any, origin: str) -> str:
    try:
        return location.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeviceSpecError(f"cannot read device file: {exc}", origin) from None


def _read_start(location: Any, origin: str, size: int = 4096) -> str | None:
    """The first ``size`` bytes as text, or None when the file is shorter (read it whole)."""
    try:
        with location.open("rb") as fh:
            start = fh.read(size)
    except OSError as exc:
        raise DeviceSpecError(f"cannot read device file: {exc}", origin) from None
    # A multi-byte character cut at the end is dropped; the header ends well before it.
    return start.decode("utf-8", errors="ignore") if len(start) == size else None


def load_device(path: str | os.PathLike | Any) -> Device:
    """Load and validate one device TOML file (a path or a Traversable); cached per process."""
    return DeviceSource.from_path(path).load()


def parse_device(text_or_dict: str | Mapping[str, Any], file: str | None = None) -> Device:
    """Build a :class:`Device` from TOML text or an already-parsed TOML mapping.

    ``file`` names the origin in error messages and becomes ``Device.path``.
    """
    return device_toml.parse(text_or_dict, file)


def device_to_toml(device: Device, *, comment: str | None = None) -> str:
    """The TOML text of ``device``; parsing it gives back an equal device (floats exact).

    ``comment`` becomes the file's leading ``#`` lines.
    """
    return device_toml.write(device, comment=comment)
