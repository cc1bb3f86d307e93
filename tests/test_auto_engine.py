"""The ``auto`` engine: Aer's automatic choice between density matrix and trajectories,
tested at each boundary of the rule, and the engine it picked recorded per experiment."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import math

import pytest

import qfoundry
from qfoundry import Circuit
from qfoundry.backend import DeviceBackend
from qfoundry.device import DeviceSource
from qfoundry.noise import NoiseModel
from qfoundry.plugins import auto, trajectory
from qfoundry.plugins.auto import AutoEngine, choose_engine, density_matrix_cap
from qfoundry.plugins.density_matrix import DensityMatrixEngine, max_active_qubits
from qfoundry.plugins.trajectory import TrajectoryEngine


@pytest.fixture(scope="module")
def backend(paris):
    # Paris as a dynamic-circuit device, so the mid-circuit cases may run with transpile=False
    # (the real Paris lists no if_else, and hardware-strict runs refuse conditionals there).
    dynamic = dataclasses.replace(
        paris, supported_instructions=(*paris.supported_instructions, "if_else"))
    return DeviceBackend(DeviceSource.from_device(dynamic), AutoEngine())


def chain(device, n: int, *, mid_circuit: bool = False) -> Circuit:
    """A GHZ state on a path of ``n`` coupled Paris qubits, natively (no transpiling)."""
    path = _path(device, [0], n)
    c = Circuit(27, n, name=f"chain{n}")
    c.rz(math.pi / 2, path[0]).sx(path[0]).rz(math.pi / 2, path[0])
    for a, b in zip(path, path[1:]):
        c.cx(a, b)
    if mid_circuit:
        c.measure(path[0], 0)
        c.x(path[1]).c_if(c.cregs[0], 1)
        c.measure(path[1:], list(range(1, n)))
    else:
        c.measure(path, list(range(n)))
    return c


def _path(device, path: list[int], n: int) -> list[int]:
    """A simple path of ``n`` coupled qubits extending ``path`` (depth-first)."""
    if len(path) == n:
        return path
    for a, b in device.coupling_map:
        if a == path[-1] and b not in path:
            found = _path(device, [*path, b], n)
            if found:
                return found
    return []


def picked(backend, circuit, **options):
    result = backend.run(circuit, transpile=False, seed_simulator=1, **options).result()
    meta = result.results[0].metadata
    return meta["engine"], meta["engine_reason"], meta["method"]


def test_shots_against_two_to_the_active_qubits_strictly(backend, paris):
    c = chain(paris, 3)
    assert picked(backend, c, shots=8) == ("trajectory", "shots 8 <= 2^3 for 3 active qubits",
                                           "trajectory")
    engine, reason, method = picked(backend, c, shots=9)
    assert (engine, method) == ("density_matrix", "density_matrix") and "9 > 2^3" in reason


def test_a_density_matrix_that_does_not_fit_now_means_trajectories(backend, paris,
                                                                   monkeypatch):
    # The cap follows the machine's memory; memory other programs hold right now is
    # checked last, so the density-matrix engine is never picked only to refuse (512 B
    # of free memory hold a 2-qubit density matrix, not 3).
    from qfoundry.plugins.density_matrix import engine as density_matrix

    real = density_matrix.available_bytes
    monkeypatch.setattr(density_matrix, "available_bytes",
                        lambda options: real(options) if options.get("max_memory_mb") else 512)
    engine, reason, _ = picked(backend, chain(paris, 3), shots=9)
    assert engine == "trajectory" and "available now" in reason


def test_a_measurement_something_depends_on_means_trajectories(backend, paris):
    engine, reason, _ = picked(backend, chain(paris, 3, mid_circuit=True), shots=5000)
    assert engine == "trajectory" and "not terminal" in reason


def test_beyond_the_density_matrix_memory_cap_means_trajectories(backend, paris):
    cap = max_active_qubits({"max_memory_mb": 1})  # 2 buffers of 4^8 doubles: 8 qubits
    assert cap == density_matrix_cap({"max_memory_mb": 1}) == 8
    engine, reason, _ = picked(backend, chain(paris, 9), shots=2 ** 9 + 1, max_memory_mb=1)
    assert engine == "trajectory" and "9 active qubits" in reason and "8" in reason
    engine, _, _ = picked(backend, chain(paris, 8), shots=2 ** 8 + 1, max_memory_mb=1)
    assert engine == "density_matrix"


def test_without_quantum_noise_trajectories_sample_the_ideal_state(backend, paris):
    c = chain(paris, 2)
    assert picked(backend, c, shots=5000, noise_model=None)[:2] == ("trajectory",
                                                                     "no quantum noise")
    readout_only = NoiseModel()
    readout_only.add_readout_error([[0.9, 0.1], [0.1, 0.9]], 0)
    assert picked(backend, c, shots=5000, noise_model=readout_only)[0] == "trajectory"
    # Only rz (no error on Paris): no quantum noise either.
    rz = Circuit(27, 1)
    rz.rz(0.4, 3)
    rz.measure(3, 0)
    assert picked(backend, rz, shots=5000)[:2] == ("trajectory", "no quantum noise")


def test_an_instruction_one_engine_lacks_decides(paris):
    exp = qfoundry.assemble(chain(paris, 2)).experiments[0]
    exp.instructions.insert(-2, type(exp.instructions[0])(name="save_density_matrix",
                                                          qubits=[0]))
    options = {**AutoEngine.default_options(), "shots": 4}
    engine, reason = choose_engine(exp, options, paris)
    assert engine.name == "density_matrix" and "save_density_matrix" in reason


def test_each_experiment_records_its_own_choice(backend, paris):
    result = backend.run([chain(paris, 2), chain(paris, 2, mid_circuit=True)], shots=100,
                         transpile=False, seed_simulator=3).result()
    engines = [r.metadata["engine"] for r in result.results]
    assert engines == ["density_matrix", "trajectory"]
    assert all(sum(result.get_counts(i).values()) == 100 for i in range(2))


def test_options_are_both_engines_options(backend):
    opts = AutoEngine.default_options()
    for engine in (DensityMatrixEngine, TrajectoryEngine):
        assert set(engine.default_options()) <= set(opts)
    assert AutoEngine.supported_instructions >= DensityMatrixEngine.supported_instructions
    assert backend.noise_model.quantum_error("cx", (0, 1)) is not None
    assert AutoEngine().shots_per_chunk(dict(opts, shots_per_chunk=10)) is None


@pytest.fixture
def registered(fresh_pm):
    """The built-in plugins, plus trajectory and auto if no entry point provides them."""
    names = {ep.name for ep in importlib.metadata.entry_points(group="qfoundry")}
    extra = [m for m in (trajectory, auto) if m.__name__.rsplit(".", 1)[1] not in names]
    fresh_pm(*extra, load_entry_points=True)


def test_engines_register_through_the_plugin_hook(registered):
    assert {"trajectory", "auto"} <= set(qfoundry.engines())
    paris = qfoundry.get_backend("fake_paris", engine="auto")
    result = paris.run(chain(paris.device, 2), shots=50, transpile=False).result()
    assert result.results[0].metadata["engine"] == "density_matrix"
    assert qfoundry.get_backend("fake_paris", engine="trajectory").engine.name == "trajectory"
    assert "trajectory_simulator" in [str(b) for b in qfoundry.backends()]
