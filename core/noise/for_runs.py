"""What a run asks of the noise API: the model a run applies, chosen from its options, the
device's model built once per (device, scale, temperature), and the relaxation of a delay.

Engines call these; users build and inspect models with :mod:`qfoundry.noise.model`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from qfoundry.errors import NoiseError

from .channels import QuantumChannel
from .model import NoiseModel, _check_scale

__all__ = ["device_noise_model", "delay_errors", "noise_model_for"]

_CACHE_SIZE = 32
_cache: OrderedDict[tuple[int, float, float], tuple[Any, NoiseModel]] = OrderedDict()
_cache_lock = threading.Lock()


def device_noise_model(device: Any, noise_scale: float = 1.0,
                       temperature: float = 0.0) -> NoiseModel:
    """:meth:`NoiseModel.from_device`, built once per (device, noise_scale, temperature).

    Keyed on the device object's identity (a device holds a dict of gates and is not
    hashable); the entry keeps the device alive, so an id is never reused while cached.
    Thread-safe: concurrent jobs on one backend build the model once.
    """
    key = (id(device), float(noise_scale), float(temperature))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is device:
            _cache.move_to_end(key)
            return hit[1]
        model = NoiseModel.from_device(device, noise_scale=noise_scale, temperature=temperature)
        _cache[key] = (device, model)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return model


def delay_errors(delay: Any, nm: NoiseModel, dt: float | None
                 ) -> list[tuple[QuantumChannel, int]]:
    """(relaxation channel, qubit) for each qubit of a lowered ``delay``
    (:class:`qfoundry.program.Delay`) with relaxation parameters in ``nm``; ``dt`` in
    seconds converts a duration in units of dt (EngineError when it is needed and None)."""
    seconds = delay.seconds(dt)
    out = []
    for q in delay.qubits:
        error = nm.delay_error(q, seconds)
        if error is not None:
            out.append((error, q))
    return out


def noise_model_for(device: Any, options: Mapping[str, Any]) -> NoiseModel | None:
    """The noise model a density-matrix run applies, from the run options.

    ``options["noise_model"]``: ``"device"`` (the default) builds the device's model with
    ``noise_scale`` and ``temperature`` (cached, shared, read-only), or None without a
    device; None means an explicitly ideal run; a :class:`NoiseModel` is used as given
    (``noise_scale`` must then be 1: scale your own model's parameters instead).
    ``backend.noise_model`` on device backends returns this.
    """
    choice = options.get("noise_model", "device")
    scale = _check_scale(options.get("noise_scale", 1.0))
    if isinstance(choice, str) and choice == "device":
        if device is None:
            return None
        return device_noise_model(device, scale, float(options.get("temperature", 0.0) or 0.0))
    if scale != 1.0:
        raise NoiseError(f"noise_scale={scale:g} applies to a device's own noise model only; "
                         "scale the parameters of a custom noise model instead")
    if choice is None or isinstance(choice, NoiseModel):
        return choice
    raise NoiseError(f"noise_model={choice!r} is invalid: use 'device', None (ideal) or a "
                     "qfoundry.noise.NoiseModel")

