"""Finding and loading plugins.

:func:`make_plugin_manager` builds a pluggy manager with qfoundry's hookspecs and every
entry point of the group ``qfoundry``, loading each entry point on its own: a plugin that
fails to import is reported with a warning naming it (and kept in :func:`failed_plugins`),
and the others keep working. pluggy's own ``load_setuptools_entrypoints`` stops at the
first failure, which is why it is not used. The default manager is built lazily, once.
"""

from __future__ import annotations

import importlib.metadata
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pluggy

from . import hookspecs

__all__ = [
    "PluginInfo",
    "PluginWarning",
    "make_plugin_manager",
    "get_plugin_manager",
    "reset_plugin_manager",
    "plugin_infos",
    "call_hook_safely",
    "call_impl_safely",
]

ENTRY_POINT_GROUP = "qfoundry"


class PluginWarning(UserWarning):
    """Warns that a plugin failed to load or raised in a hook; the others keep working."""


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as found through its entry point."""

    name: str
    value: str
    distribution: str | None
    version: str | None
    error: str | None = None  # why it failed to load, if it did

    @property
    def loaded(self) -> bool:
        return self.error is None


def _entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    return importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)


def make_plugin_manager(*, load_entry_points: bool = True,
                        plugins: Iterable[Any] = ()) -> pluggy.PluginManager:
    """A new manager with qfoundry's hookspecs, the installed plugins and ``plugins``."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    if load_entry_points:
        seen: set[str] = set()
        for ep in _entry_points():
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else None
            version = dist.version if dist is not None else None
            key = f"{ep.name}={ep.value}"
            if key in seen:  # the same distribution seen twice on sys.path
                continue
            seen.add(key)
            try:
                module = ep.load()
                pm.register(module, name=ep.name)
            except Exception as exc:  # noqa: BLE001 - any failure is the plugin's
                reason = f"{type(exc).__name__}: {exc}"
                warnings.warn(
                    f"Error importing plugin {ep.name!r} (entry point {ep.value!r}): {reason}",
                    PluginWarning, stacklevel=2)
                infos.append(PluginInfo(ep.name, ep.value, dist_name, version, reason))
                continue
            infos.append(PluginInfo(ep.name, ep.value, dist_name, version))
    for plugin in plugins:
        pm.register(plugin)
    pm.qfoundry_plugin_infos = infos  # type: ignore[attr-defined]
    return pm


_lock = threading.Lock()
_default_pm: pluggy.PluginManager | None = None


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use (nothing loads at import time)."""
    global _default_pm
    with _lock:
        if _default_pm is None:
            _default_pm = make_plugin_manager()
        return _default_pm


_on_reset: list[Callable[[], None]] = []


def on_reset(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever the process-wide manager is replaced: what was built from
    the old one (the registry, :mod:`qfoundry.registry` subscribes) is then stale. The
    registry subscribes rather than this module importing it, so the two stay acyclic."""
    _on_reset.append(callback)


def reset_plugin_manager(pm: pluggy.PluginManager | None = None) -> None:
    """Replace the process-wide manager (None: rebuild lazily); for tests and after installs."""
    global _default_pm
    with _lock:
        _default_pm = pm
    for callback in list(_on_reset):
        callback()


def plugin_infos(pm: pluggy.PluginManager | None = None) -> list[PluginInfo]:
    """Every entry-point plugin found, with its distribution, version and load error."""
    pm = pm or get_plugin_manager()
    return list(getattr(pm, "qfoundry_plugin_infos", []))


def call_hook_safely(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[Any]:
    """Call each implementation of a hook on its own, warning about (not raising) failures.

    Used for the registration and job hooks, where one broken plugin must not stop the
    others.
    """
    return [r for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls())
            for r in call_impl_safely(impl, hook_name, kwargs)]


def call_impl_safely(impl: Any, hook_name: str, kwargs: dict[str, Any]) -> list[Any]:
    """Call one hook implementation with the arguments it declares; warn if it raises.

    Returns ``[result]``, or ``[]`` when it raised.
    """
    try:
        return [impl.function(*[kwargs[name] for name in impl.argnames])]
    except Exception as exc:  # noqa: BLE001 - a plugin's failure must not spread
        warnings.warn(
            f"Plugin {impl.plugin_name!r} raised in {hook_name}: "
            f"{type(exc).__name__}: {exc}", PluginWarning, stacklevel=3)
        return []
