"""Names to things: the engines, devices and backends the plugins registered.

The registry is built once per plugin manager by calling the registration hooks with a
``register`` callback per kind. The callbacks are the one place where registrations are
checked: type, duplicate names (an error naming both plugins) and provenance.
Device backends (``fake_<device>``) are composed here from a device and an engine.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import backend as _backend
from .backend import Backend, DeviceBackend
from .device import DeviceSource
from .engine import Engine
from .errors import BackendNotFoundError, DuplicateNameError, PluginError
from .plugin_manager import call_impl_safely, get_plugin_manager, on_reset

__all__ = ["Registry", "get_registry", "reset_registry", "get_backend", "backends",
           "engines", "devices", "get_engine", "get_device", "load_device", "Provider", "provider"]

DEVICE_PREFIX = "fake_"


@dataclass
class Registry:
    """What the plugins of one manager registered, by name, with the plugin behind each."""

    engines: dict[str, Engine] = field(default_factory=dict)
    devices: dict[str, Any] = field(default_factory=dict)    # name -> DeviceSource
    backends: dict[str, Backend] = field(default_factory=dict)
    origin: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> plugin

    @classmethod
    def build(cls, pm: pluggy.PluginManager) -> Registry:
        reg = cls()
        reg.populate(pm)
        return reg

    def populate(self, pm: pluggy.PluginManager) -> None:
        """Call the registration hooks of ``pm``: engines, then devices, then backends."""
        for kind, check in (("engines", self._add_engine), ("devices", self._add_device),
                            ("backends", self._add_backend)):
            for impl in reversed(getattr(pm.hook, f"register_{kind}").get_hookimpls()):
                call_impl_safely(impl, f"register_{kind}",
                                 {"register": _callback(check, impl.plugin_name)})

    # -- the register callbacks -------------------------------------------------
    def _claim(self, kind: str, name: str, plugin: str) -> None:
        table = getattr(self, kind)
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin!r} registered {kind[:-1]} with no valid name")
        if name in table:
            first = self.origin[(kind, name)]
            raise DuplicateNameError(
                f"{kind[:-1]} {name!r} is registered twice: by plugin {first!r} and by "
                f"plugin {plugin!r}")
        self.origin[(kind, name)] = plugin

    def _add_engine(self, engine: Engine, plugin: str) -> None:
        if not isinstance(engine, Engine):
            raise PluginError(f"plugin {plugin!r} registered {engine!r}, which is not an "
                              "instance of qfoundry.Engine")
        self._claim("engines", engine.name, plugin)
        self.engines[engine.name] = engine

    def _add_device(self, source: Any, plugin: str) -> None:
        src = source if isinstance(source, DeviceSource) else DeviceSource.from_any(source)
        self._claim("devices", src.name, plugin)
        self.devices[src.name] = src

    def _add_backend(self, backend: Backend, plugin: str) -> None:
        if not isinstance(backend, Backend):
            raise PluginError(f"plugin {plugin!r} registered {backend!r}, which is not an "
                              "instance of qfoundry.Backend")
        self._claim("backends", backend.name, plugin)
        self.backends[backend.name] = backend

    # -- lookups ----------------------------------------------------------------
    def backend_names(self) -> list[str]:
        names = list(self.backends)
        names += [DEVICE_PREFIX + d for d in self.devices if DEVICE_PREFIX + d not in names]
        return names

    def get_engine(self, name: str) -> Engine:
        try:
            return self.engines[name]
        except KeyError:
            raise BackendNotFoundError(_unknown("engine", name, self.engines)) from None

    def get_device_source(self, name: str) -> Any:
        key = name[len(DEVICE_PREFIX):] if name.startswith(DEVICE_PREFIX) else name
        try:
            return self.devices[key]
        except KeyError:
            raise BackendNotFoundError(_unknown("device", name, self.devices)) from None

    def get_backend(self, name: str, *, engine: str | None = None, **options: Any) -> Backend:
        if name in self.backends:
            if engine is not None:
                raise BackendNotFoundError(
                    f"backend {name!r} has a fixed engine; engine={engine!r} applies to "
                    f"device backends ({', '.join(DEVICE_PREFIX + d for d in self.devices)})")
            backend = self.backends[name].clone()
        elif name.endswith(".toml") or os.sep in name or "/" in name:
            backend = self._device_backend(load_device_source(name), engine)
        elif name.startswith(DEVICE_PREFIX) and name[len(DEVICE_PREFIX):] in self.devices:
            backend = self._device_backend(self.devices[name[len(DEVICE_PREFIX):]], engine)
        else:
            raise BackendNotFoundError(_unknown("backend", name, self.backend_names()))
        if options:
            backend.set_options(**options)
        return backend

    def _device_backend(self, source: Any, engine: str | None) -> Backend:
        engine_name = engine or source.default_engine
        return DeviceBackend(source, self.get_engine(engine_name), registry=self)


def _callback(check: Callable[[Any, str], None], plugin: str) -> Callable[[Any], None]:
    def register(thing: Any) -> None:
        check(thing, plugin)
    register.__doc__ = "Register one thing for this plugin (see qfoundry.hookspecs)."
    return register


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    msg = f"no {kind} named {name!r}"
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.5)
    if close:
        msg += f"; did you mean {close[0]!r}?"
    return msg + (f" Available: {', '.join(known)}" if known else f" No {kind}s are installed.")


def load_device_source(path: str | os.PathLike) -> Any:
    return DeviceSource.from_any(path)


_lock = threading.RLock()
_registries: dict[int, tuple[pluggy.PluginManager, Registry]] = {}


def get_registry(pm: pluggy.PluginManager | None = None) -> Registry:
    """The registry of ``pm`` (default: the process-wide manager), built once."""
    pm = pm or get_plugin_manager()
    with _lock:
        entry = _registries.get(id(pm))
        if entry is None or entry[0] is not pm:
            # Stored before the hooks run, so a hook that looks something up on this thread
            # (register_backends asking for an engine) sees what is registered so far
            # instead of rebuilding the registry recursively. Other threads wait on the lock.
            entry = (pm, Registry())
            _registries[id(pm)] = entry
            try:
                entry[1].populate(pm)
            except BaseException:
                del _registries[id(pm)]
                raise
        return entry[1]


def reset_registry() -> None:
    """Forget every built registry (they are rebuilt on next use)."""
    with _lock:
        _registries.clear()


on_reset(reset_registry)  # a new plugin manager means new registrations


# -- the public lookup functions ------------------------------------------------------------

def get_backend(name: str, *, engine: str | None = None, **options: Any) -> Backend:
    """The backend called ``name``, with its own copy of the options.

    ``name`` is a registered backend (``qasm_simulator``), a device backend
    (``fake_paris``; ``engine=`` picks another engine than the device's default), or the
    path of a device TOML file. ``options`` are set on the returned backend.
    """
    return get_registry().get_backend(name, engine=engine, **options)


def backends(name: str | None = None, filters: Callable[[Backend], bool] | None = None,
             **kwargs: Any) -> list[Backend]:
    """All backends, optionally filtered like Qiskit's ``provider.backends()``.

    ``name`` keeps only that backend; each keyword must equal the attribute of the same
    name in the backend's configuration (or status); ``filters`` is a predicate.
    """
    reg = get_registry()
    names = [n for n in reg.backend_names() if name is None or n == name]
    out = []
    for n in names:
        backend = reg.get_backend(n)
        if kwargs:
            config, status = backend.configuration(), backend.status()
            if not all(getattr(config, k, getattr(status, k, _MISSING)) == v
                       for k, v in kwargs.items()):
                continue
        if filters is not None and not filters(backend):
            continue
        out.append(backend)
    return out


_MISSING = object()


def engines() -> list[str]:
    """The names of the registered engines."""
    return sorted(get_registry().engines)


def devices() -> list[str]:
    """The names of the registered devices (backend ``fake_<name>`` runs each)."""
    return sorted(get_registry().devices)


def get_engine(name: str) -> Engine:
    """The registered engine called ``name``."""
    return get_registry().get_engine(name)


def get_device(name: str) -> Any:
    """The registered device called ``name`` (or ``fake_<name>``), fully loaded."""
    return get_registry().get_device_source(name).load()


def load_device(path: str | os.PathLike) -> Any:
    """Load and validate one device TOML file."""
    return load_device_source(path).load()



def resolve_device(name: str) -> Any:
    """The device a user means by ``name``: a registered name (with or without the
    ``fake_`` prefix) or the path of a TOML file."""
    if name.endswith(".toml") or "/" in name or "\\" in name:
        return load_device(name)
    return get_registry().get_device_source(name).load()


class Provider:
    """Qiskit-style provider facade over the registry: ``provider.get_backend(name)``."""

    name = "qfoundry"

    def get_backend(self, name: str, *, engine: str | None = None, **options: Any) -> Backend:
        return get_backend(name, engine=engine, **options)

    def backends(self, name: str | None = None, filters: Callable[[Backend], bool] | None = None,
                 **kwargs: Any) -> list[Backend]:
        return backends(name, filters, **kwargs)

    def __repr__(self) -> str:
        return "<qfoundry Provider>"


_provider = Provider()


def provider() -> Provider:
    """The process-wide provider."""
    return _provider


_backend.use_default_provider(provider)  # what backend.provider is when none was given
