"""Helpers for engine-level tests: build Qobj experiments from dicts and run an engine.

Shared by the density-matrix and trajectory tests, which run the same circuits.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

from qfoundry.device import Device, load_device
from qfoundry.engine import Engine, ExperimentOutput
from qfoundry.qobj import QasmQobjExperiment

REPO = Path(__file__).resolve().parents[1]
PARIS_TOML = REPO / "devices" / "paris.toml"
#: IBM Paris's calibration snapshot, shipped with the devices (the peers' noise models are
#: built from it in the oracle tests and benchmarks).
PARIS_PROPS = REPO / "devices" / "snapshots" / "paris" / "props_paris.json"


def load_paris() -> Device:
    """IBM Paris from devices/paris.toml. Loading the file by path warns that T2 > 2*T1 on
    q12 and q13 (the noise model clips them, as Aer does), so the warning is silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_device(PARIS_TOML)


def experiment(instructions: list[dict], n_qubits: int = 2, memory_slots: int | None = None,
               name: str = "test") -> QasmQobjExperiment:
    if memory_slots is None:
        memory_slots = max([m for i in instructions if i["name"] == "measure"
                            for m in i["memory"]], default=-1) + 1
    return QasmQobjExperiment.from_dict({
        "header": {"name": name, "n_qubits": n_qubits, "memory_slots": memory_slots},
        "config": {"n_qubits": n_qubits, "memory_slots": memory_slots},
        "instructions": instructions})


def run_engine(engine: Engine, instructions: list[dict], n_qubits: int = 2, device: Any = None,
               **options: Any) -> ExperimentOutput:
    """Validate and run one experiment on ``engine``: 4000 shots, seed 11, no noise model
    unless ``options`` say otherwise."""
    opts = dict(engine.default_options())
    opts.update(shots=4000, memory=False, seed_simulator=11, noise_model=None)
    opts.update(options)
    exp = experiment(instructions, n_qubits)
    engine.validate_experiment(exp, opts, device)
    return engine.run_experiment(exp, opts, device)


def g(name: str, *qubits: int, params: list | None = None, **extra: Any) -> dict:
    inst = {"name": name, "qubits": list(qubits), **extra}
    if params is not None:
        inst["params"] = list(params)
    return inst


def measure(q: int, slot: int, **extra: Any) -> dict:
    return {"name": "measure", "qubits": [q], "memory": [slot], **extra}


def within(count: int, shots: int, p: float, sigmas: float = 5.0) -> bool:
    """Binomial count within `sigmas` standard deviations (false alarm < 6e-7 at 5)."""
    return abs(count / shots - p) <= sigmas * math.sqrt(p * (1 - p) / shots) + 1e-12


def assert_distribution(counts: dict, expected: dict, shots: int, p_min: float = 1e-3) -> None:
    """Chi-square goodness of fit of counts to {key: probability} (a p-value under
    ``p_min`` fails); a key of probability 0 must not occur at all."""
    from scipy import stats

    assert set(counts) <= {k for k, p in expected.items() if p > 0}, counts
    keys = [k for k, p in expected.items() if p > 0]
    observed = [counts.get(k, 0) for k in keys]
    assert sum(observed) == shots
    if len(keys) > 1:
        exp = [expected[k] * shots for k in keys]
        assert stats.chisquare(observed, exp).pvalue > p_min, (observed, exp)
