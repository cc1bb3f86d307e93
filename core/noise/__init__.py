"""Noise: quantum channels, readout errors and noise models, with Qiskit Aer's semantics.

This is public API, one home for everything noise: build a :class:`NoiseModel` from the
channels here (``depolarizing``, ``thermal_relaxation``, ``kraus``, ...) and hand it to a
backend (``get_backend(name, noise_model=nm)``), or read the one a fake device builds from
its calibration (``NoiseModel.from_device``, ``backend.noise_model``). The noisy engines
read the model; nothing here simulates. ``qfoundry.plugins.noise`` is an alias of this
module, kept for code written before it moved here.

    >>> from qfoundry.noise import NoiseModel, depolarizing
    >>> nm = NoiseModel()
    >>> nm.add_all_qubit_quantum_error(depolarizing(0.01, 2), ["cx"])
"""

from __future__ import annotations

from .channels import (
    QuantumChannel,
    amplitude_damping,
    check_cptp,
    depolarizing,
    kraus,
    pauli,
    phase_damping,
    thermal_relaxation,
)
from .for_runs import delay_errors, device_noise_model, noise_model_for
from .model import NoiseEntry, NoiseModel, ReadoutError

__all__ = [
    "QuantumChannel", "ReadoutError", "NoiseModel", "NoiseEntry", "noise_model_for",
    "device_noise_model", "delay_errors",
    "depolarizing", "amplitude_damping", "phase_damping", "thermal_relaxation", "pauli",
    "kraus", "check_cptp",
]
