"""Built-in plugin: the devices shipped with qfoundry and the user's own device files.

It registers through ``register_devices``, the same hook an external device pack
implements, so built-in and third-party devices are found, listed and loaded alike:

* every ``*.toml`` shipped in the package ``qfoundry.devices`` (Paris, Manila,
  Guadalupe, Brooklyn), read with :mod:`importlib.resources`;
* every ``*.toml`` in the directories listed in ``QFOUNDRY_DEVICE_PATH`` (separated by
  ``os.pathsep``, like ``PATH``), read when the registry is built.

Registering only hands over file locations: the registry reads each file's header and
the calibration is parsed on first use.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from qfoundry.errors import QfoundryError
from qfoundry.hookspecs import hookimpl

__all__ = ["register_devices", "shipped_device_files", "user_device_files",
           "DATA_PACKAGE", "DEVICE_PATH_VARIABLE", "DeviceFileWarning"]

#: The package holding the shipped TOML files (the repository's ``devices/`` folder).
DATA_PACKAGE = "qfoundry.devices"
DEVICE_PATH_VARIABLE = "QFOUNDRY_DEVICE_PATH"


class DeviceFileWarning(UserWarning):
    """Warns that a file in ``QFOUNDRY_DEVICE_PATH`` was skipped (the others still load)."""


def shipped_device_files() -> list[Any]:
    """The TOML files shipped with qfoundry (Traversables), sorted by name."""
    return sorted((f for f in files(DATA_PACKAGE).iterdir()
                   if f.name.endswith(".toml") and f.is_file()), key=lambda f: f.name)


def user_device_files(value: str | None = None) -> Iterator[Path]:
    """Every ``*.toml`` in the directories of ``QFOUNDRY_DEVICE_PATH`` (or ``value``).

    Empty entries are skipped; an entry that is not a directory is reported with a
    warning (a typo there would otherwise hide the user's devices without a word).
    """
    value = os.environ.get(DEVICE_PATH_VARIABLE, "") if value is None else value
    for entry in value.split(os.pathsep):
        if not entry.strip():
            continue
        directory = Path(entry).expanduser()
        if not directory.is_dir():
            warnings.warn_explicit(f"{DEVICE_PATH_VARIABLE} entry {entry!r} is not a "
                                   "directory; ignored", DeviceFileWarning,
                                   DEVICE_PATH_VARIABLE, 0)
            continue
        yield from sorted(p for p in directory.glob("*.toml") if p.is_file())


@hookimpl
def register_devices(register: Callable[[Any], None]) -> None:
    """Register the shipped devices, then those found through ``QFOUNDRY_DEVICE_PATH``."""
    from qfoundry.device import DeviceSource

    for resource in shipped_device_files():
        # Shipped files are known: their T2 > 2*T1 qubits are documented in docs/devices.md,
        # so loading them does not warn on every run of fake_paris.
        register(DeviceSource.from_path(resource, quiet=True))
    for path in user_device_files():
        # One broken or clashing user file must not hide the others: report it, naming
        # the file (as the warning's location too, so no Python source line is printed).
        try:
            register(path)
        except Exception as exc:  # noqa: BLE001 - any failure is this one file's
            reason = str(exc) if isinstance(exc, QfoundryError) else \
                f"{type(exc).__name__}: {exc}"
            warnings.warn_explicit(f"device file {path} skipped: {reason}", DeviceFileWarning,
                                   str(path), 0)
