"""A real device pack: pip-install tests/example_device_pack into a temporary virtual
environment and select its device by name, next to the built-in ones."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PACK = Path(__file__).resolve().parent / "example_device_pack"

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
    backend.run(bad)
    refused = None
except qfoundry.UnsupportedInstructionError as exc:
    refused = str(exc)
print(json.dumps({
    "devices": registry.devices(), "origin": registry.get_registry().origin[("devices", "toyring")],
    "default_engine": qfoundry.get_backend("fake_toyring").engine.name,
    "n_qubits": backend.configuration().n_qubits, "t1": props.t1(2),
    "cx_error": props.gate_error("cx", [4, 0]), "counts": counts, "refused": refused}))
"""


def build_isolation_flags() -> list[str]:
    """Build offline with the installed setuptools when it can make wheels on its own
    (70.1 and later, or with the ``wheel`` package); otherwise let pip fetch one."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return []
    major, minor = (int(part) for part in version.split(".")[:2])
    if (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None:
        return ["--no-build-isolation"]
    return []


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("device_pack")
    source = root / "source"  # a copy, so no build artefacts land in the repository
    shutil.copytree(PACK, source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    env = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(env)], check=True, timeout=120)
    python = env / ("Scripts" if os.name == "nt" else "bin") / "python"
    # The venv sees what this interpreter sees (qfoundry as installed here, numpy, pip...),
    # also when the tests themselves run inside a virtual environment.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                              "get_paths()['purelib'])"], capture_output=True, text=True,
                             check=True).stdout.strip()
    parents = [p for p in site.getsitepackages() + [site.getusersitepackages()]
               if os.path.isdir(p)]
    Path(purelib, "_qfoundry_test_parent.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in parents) + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-input",
         "--disable-pip-version-check", *build_isolation_flags(), str(source)],
        capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def run_in_venv(python: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "QFOUNDRY_DEVICE_PATH"}
    proc = subprocess.run([str(python), *args], capture_output=True, text=True, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_pack_is_not_installed_outside_the_venv():
    names = {ep.name for ep in importlib.metadata.entry_points(group="qfoundry")}
    assert "example_devices" not in names
    assert importlib.util.find_spec("qfoundry_example_devices") is None


def test_pack_device_selectable_by_name(venv_python):
    data = json.loads(run_in_venv(venv_python, "-c", SCRIPT).strip().splitlines()[-1])
    assert "toyring" in data["devices"] and "paris" in data["devices"]
    assert data["origin"] == "example_devices"
    assert data["default_engine"] == "density_matrix" and data["n_qubits"] == 5
    assert data["t1"] == 100.0 / 1e6 and data["cx_error"] == 0.01
    assert data["counts"] == {"11": 20}
    assert "qubits 0 and 2 are not coupled on fake_toyring" in data["refused"]


def test_cli_lists_and_shows_the_pack_device(venv_python):
    listing = run_in_venv(venv_python, "-m", "qfoundry.cli", "devices").splitlines()
    (line,) = [line for line in listing if line.startswith("fake_toyring ")]
    assert line.split()[:2] == ["fake_toyring", "5"]
    assert line.endswith("qfoundry example device pack (invented figures)")
    shown = run_in_venv(venv_python, "-m", "qfoundry.cli", "device", "show", "toyring")
    assert "0: ↔1 ↔4" in shown and "100.00" in shown  # an odd ring fits no grid: listed
