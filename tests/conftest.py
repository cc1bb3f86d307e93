"""Shared fixtures: a fresh plugin manager, a toy engine and a Qobj builder.

Core tests never depend on the built-in plugins: they install inline plugins on a fresh
plugin manager (``fresh_pm``) and run the deterministic toy ``CoinEngine``.
"""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

import qfoundry
from qfoundry import plugin_manager, registry
from qfoundry.backend import SimulatorBackend

COIN_BACKEND = "coin_simulator"


class CoinEngine(qfoundry.Engine):
    """A real, tiny engine for product states of h/x: each qubit is |b> or H|b>.

    H toggles the superposition, X flips a definite bit (on H|b> it is only a phase), and
    measuring a superposed qubit is a fair coin drawn from ``seed_simulator``, collapsing it.
    Exact for circuits without entangling gates, and deterministic for a given seed.
    """

    name = "coin"
    supported_instructions = frozenset({"h", "x", "id", "measure"})
    description = "toy product-state engine for tests"

    def run_experiment(self, experiment, options, device=None):
        n_qubits, _ = qfoundry.backend.experiment_size(experiment)
        rng = np.random.default_rng(options["seed_simulator"])
        shots = options["shots"]
        memory = []
        for _ in range(shots):
            bits, plus, mem = [0] * n_qubits, [False] * n_qubits, 0
            for inst in experiment.instructions:
                q = getattr(inst, "qubits", [None])[0]
                if inst.name == "h":
                    plus[q] = not plus[q]
                elif inst.name == "x" and not plus[q]:
                    bits[q] ^= 1
                elif inst.name == "measure":
                    for q, m in zip(inst.qubits, inst.memory):
                        if plus[q]:
                            bits[q], plus[q] = int(rng.integers(2)), False
                        mem = (mem & ~(1 << m)) | (bits[q] << m)
            memory.append(hex(mem))
        counts: dict[str, int] = {}
        for m in memory:
            counts[m] = counts.get(m, 0) + 1
        data: dict[str, Any] = {"counts": counts}
        if options["memory"]:
            data["memory"] = memory
        return qfoundry.ExperimentOutput(data=data, shots=shots, metadata={"engine": self.name})


def coin_backend(engine: qfoundry.Engine | None = None, name: str = COIN_BACKEND,
                 **configuration: Any) -> SimulatorBackend:
    """A SimulatorBackend on ``engine`` (default a CoinEngine), 5 qubits unless told."""
    return SimulatorBackend(engine or CoinEngine(), name=name,
                            configuration={"n_qubits": 5, **configuration})


class CoinPlugin:
    """An inline plugin registering the coin engine and the ``coin_simulator`` backend."""

    __name__ = "coin_plugin"

    def __init__(self, engine: qfoundry.Engine | None = None, **configuration: Any):
        self.engine = engine or CoinEngine()
        self.configuration = configuration

    @qfoundry.hookimpl
    def register_engines(self, register):
        register(self.engine)

    @qfoundry.hookimpl
    def register_backends(self, register):
        register(coin_backend(self.engine, **self.configuration))


def experiment(instructions: list[dict], *, n_qubits: int = 2, memory_slots: int | None = None,
               name: str = "circuit", creg_sizes: list | None = None,
               **config: Any) -> dict[str, Any]:
    """An experiment dict with a header as Qiskit's assemble writes it."""
    slots = n_qubits if memory_slots is None else memory_slots
    return {
        "header": {"name": name, "n_qubits": n_qubits, "memory_slots": slots,
                   "creg_sizes": creg_sizes or ([["c", slots]] if slots else [])},
        "config": {"n_qubits": n_qubits, "memory_slots": slots, **config},
        "instructions": instructions,
    }


def coin_flips(n: int = 2, name: str = "flips", **config: Any) -> dict[str, Any]:
    """h on every qubit, then measure qubit k into slot k."""
    return experiment([{"name": "h", "qubits": [q]} for q in range(n)]
                      + [{"name": "measure", "qubits": [q], "memory": [q]} for q in range(n)],
                      n_qubits=n, name=name, **config)


def make_qobj(*experiments: dict, qobj_id: str = "test-qobj", **config: Any) -> dict[str, Any]:
    """A Qobj dict holding ``experiments`` (default: one 2-qubit coin_flips)."""
    return {"qobj_id": qobj_id, "type": "QASM", "schema_version": "1.3.0",
            "header": {"backend_name": COIN_BACKEND}, "config": config,
            "experiments": list(experiments) or [coin_flips()]}


@pytest.fixture
def fresh_pm():
    """Install a fresh plugin manager holding the given plugins as the process default.

    ``pm = fresh_pm(plugin, ...)``; entry points are not loaded unless
    ``load_entry_points=True``. Afterwards the previous manager is restored, every plugin
    is unregistered and no registry is left behind.
    """
    previous = plugin_manager._default_pm
    made = []

    def install(*plugins: Any, load_entry_points: bool = False):
        pm = plugin_manager.make_plugin_manager(load_entry_points=load_entry_points,
                                                plugins=plugins)
        plugin_manager.reset_plugin_manager(pm)
        made.append(pm)
        return pm

    try:
        yield install
    finally:
        plugin_manager.reset_plugin_manager(previous)
        for pm in made:
            for name, _ in pm.list_name_plugin():
                pm.unregister(name=name)
            assert pm.get_plugins() == set()
        assert not registry._registries, "a registry outlived its test"


@pytest.fixture
def coin(fresh_pm):
    """The coin plugin installed; returns the ``coin_simulator`` backend."""
    fresh_pm(CoinPlugin())
    return qfoundry.get_backend(COIN_BACKEND)


@pytest.fixture
def no_plugins(fresh_pm):
    """An empty plugin manager as the default: no built-in or installed plugin is loaded."""
    return fresh_pm()


@pytest.fixture(scope="session")
def paris():
    """The IBM Paris device (immutable, so one load serves every test)."""
    from engine_helpers import load_paris

    return load_paris()


@pytest.fixture
def entry_points(monkeypatch, tmp_path):
    """Write plugin modules to a temporary path and fake entry points pointing at them.

    ``entry_points({"good": GOOD_PLUGIN}, ("good", "qft_good"), ...)``: module sources by
    name, then (entry point name, value) pairs in load order.
    """
    written = []

    def install(modules, *eps):
        for name, source in modules.items():
            (tmp_path / f"qft_{name}.py").write_text(textwrap.dedent(source))
            written.append(f"qft_{name}")
        found = [importlib.metadata.EntryPoint(name=n, value=v, group="qfoundry") for n, v in eps]
        monkeypatch.setattr(plugin_manager, "_entry_points", lambda: found)

    monkeypatch.syspath_prepend(str(tmp_path))
    yield install
    for module in written:
        sys.modules.pop(module, None)
