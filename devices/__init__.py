"""The fake devices shipped with qfoundry, and the device model.

This package holds the TOML descriptions of the shipped devices (package data, found by
the built-in ``fake_devices`` plugin through ``importlib.resources``) and the IBM snapshots
they were converted from. For convenience it also re-exports the device model of
:mod:`qfoundry.device` (``Device``, ``load_device``, ``DeviceProperties``...), so
``from qfoundry.devices import Device`` works.

``qfoundry.devices()`` lists the registered device names. Because importing this package
makes ``qfoundry.devices`` refer to it rather than to that function, the package itself is
callable and does the same.
"""

import sys
import types

from qfoundry.device import *  # noqa: F403 - the device model is this package's API too
from qfoundry.device import __all__ as _model_names


class _CallableModule(types.ModuleType):
    def __call__(self) -> list[str]:
        """The names of the registered devices (as :func:`qfoundry.registry.devices`)."""
        from qfoundry.registry import devices

        return devices()


sys.modules[__name__].__class__ = _CallableModule
__all__ = list(_model_names)
