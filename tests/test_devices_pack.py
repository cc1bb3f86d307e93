"""A real device pack: pip-install tests/example_device_pack into a temporary virtual
environment and select its device by name, next to the built-in ones."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path

import pytest
from venv_helpers import run_in_venv, venv_with

pytestmark = pytest.mark.slow

PACK = Path(__file__).resolve().parent / "example_device_pack"
DROP = ("QFOUNDRY_DEVICE_PATH",)  # the pack's devices only, not the user's

SCRIPT = """
import json
import qfoundry
from qfoundry import registry

backend = qfoundry.get_backend("fake_toyring", engine="statevector")
props = backend.properties()
circuit = qfoundry.Circuit(5, 2)
circuit.x(4).cx(4, 0).measure(0, 0).measure(4, 1)
counts = backend.run(circuit, shots=20, seed_simulator=1).result().get_counts()
try:
    bad = qfoundry.Circuit(5)
    bad.cx(0, 2)
    backend.run(bad, transpile=False)
    refused = None
except qfoundry.UnsupportedInstructionError as exc:
    refused = str(exc)
print(json.dumps({
    "devices": registry.devices(), "origin": registry.get_registry().origin[("devices", "toyring")],
    "default_engine": qfoundry.get_backend("fake_toyring").engine.name,
    "n_qubits": backend.configuration().n_qubits, "t1": props.t1(2),
    "cx_error": props.gate_error("cx", [4, 0]), "counts": counts, "refused": refused}))
"""


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    return venv_with(PACK, tmp_path_factory.mktemp("device_pack"))


def test_pack_is_not_installed_outside_the_venv():
    names = {ep.name for ep in importlib.metadata.entry_points(group="qfoundry")}
    assert "example_devices" not in names
    assert importlib.util.find_spec("qfoundry_example_devices") is None


def test_pack_device_selectable_by_name(venv_python):
    data = json.loads(run_in_venv(venv_python, "-c", SCRIPT, drop=DROP).strip().splitlines()[-1])
    assert "toyring" in data["devices"] and "paris" in data["devices"]
    assert data["origin"] == "example_devices"
    assert data["default_engine"] == "auto" and data["n_qubits"] == 5
    assert data["t1"] == 100.0 / 1e6 and data["cx_error"] == 0.01
    assert data["counts"] == {"11": 20}
    assert "qubits 0 and 2 are not coupled on fake_toyring" in data["refused"]


def test_cli_lists_and_shows_the_pack_device(venv_python):
    listing = run_in_venv(venv_python, "-m", "qfoundry.cli", "devices", drop=DROP).splitlines()
    (line,) = [line for line in listing if line.startswith("fake_toyring ")]
    assert line.split()[:3] == ["fake_toyring", "-", "5"]  # no processor family
    assert line.endswith("qfoundry example device pack (invented figures)")
    shown = run_in_venv(venv_python, "-m", "qfoundry.cli", "device", "show", "toyring", drop=DROP)
    assert "0: ↔1 ↔4" in shown and "100.00" in shown  # an odd ring fits no grid: listed
