"""Memory and time facts the noisy engines share: what memory a run may use, how a
size reads in a message, and the device's dt."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

__all__ = ["available_bytes", "format_bytes", "device_dt"]


def device_dt(device: Any, nm: Any) -> float | None:
    """The sample time dt in seconds: the device's, else the noise model's, else None."""
    dt = getattr(device, "dt", None)
    return dt if dt is not None else getattr(nm, "dt", None)


def available_bytes(options: Mapping[str, Any]) -> int:
    """Bytes a run may use: ``max_memory_mb`` when set, else the memory available now."""
    limit = int(options.get("max_memory_mb") or 0)
    if limit > 0:
        return limit * 2 ** 20
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 8 * 2 ** 30


def format_bytes(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    return f"{nbytes:.3g} TiB"  # pragma: no cover
