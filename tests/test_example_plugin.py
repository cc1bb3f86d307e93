"""A real external plugin: pip-install tests/example_plugin into a temporary virtual
environment and use its engine, backend and job hook by name, as a user would."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path

import pytest
from venv_helpers import run_in_venv, venv_with

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parent / "example_plugin"
BACKEND = "example_classical_simulator"

# x on qubit 1, then measure qubits 0..2 into slots 0..2: always '010'.
QOBJ = {
    "qobj_id": "example", "config": {"shots": 10},
    "experiments": [{
        "header": {"name": "flip1", "memory_slots": 3, "creg_sizes": [["c", 3]]},
        "config": {"n_qubits": 3, "memory_slots": 3},
        "instructions": [{"name": "x", "qubits": [1]}, {"name": "barrier", "qubits": [0, 1, 2]},
                         {"name": "measure", "qubits": [0, 1, 2], "memory": [0, 1, 2]}]}],
}

SCRIPT = """
import json, sys
import qfoundry

qobj = json.loads(sys.argv[1])
backend = qfoundry.get_backend("example_classical_simulator")
job = backend.run(qobj, memory=True)
result = job.result(timeout=60)
conditional = dict(qobj, experiments=[dict(qobj["experiments"][0], instructions=[
    {"name": "x", "qubits": [0], "conditional": 0}])])
try:
    backend.run(conditional)
    refused = None
except qfoundry.UnsupportedInstructionError as exc:
    refused = str(exc)
print(json.dumps({"job_id": job.job_id(), "counts": result.get_counts(),
                  "memory": result.get_memory(), "engines": qfoundry.engines(),
                  "engine": type(backend.engine).__module__, "refused": refused}))
"""


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    return venv_with(EXAMPLE, tmp_path_factory.mktemp("example_plugin"))


def test_not_installed_outside_the_venv():
    names = {ep.name for ep in importlib.metadata.entry_points(group="qfoundry")}
    assert "example" not in names and importlib.util.find_spec("qfoundry_example") is None


def test_backend_selectable_by_name_and_job_hook_fires(venv_python, tmp_path):
    log = tmp_path / "finished.log"
    out = run_in_venv(venv_python, "-c", SCRIPT, json.dumps(QOBJ),
                      env={"QFOUNDRY_EXAMPLE_LOG": str(log)})
    data = json.loads(out.strip().splitlines()[-1])
    assert data["counts"] == {"010": 10} and data["memory"] == ["010"] * 10
    assert data["engine"] == "qfoundry_example" and "classical" in data["engines"]
    assert "'x' is conditional" in data["refused"]
    assert log.read_text().splitlines() == [f"{data['job_id']} DONE"]


def test_cli_lists_and_runs_the_plugin(venv_python, tmp_path):
    cli = ["-m", "qfoundry.cli"]
    plugins = run_in_venv(venv_python, *cli, "plugins").splitlines()
    (line,) = [line for line in plugins if line.split()[0] == "example"]
    assert line.split() == ["example", "qfoundry_example", "qfoundry-example-plugin", "0.1.0",
                            "ok"]
    engines = run_in_venv(venv_python, *cli, "engines").splitlines()
    (line,) = [line for line in engines if line.split()[0] == "classical"]
    assert line.split()[1:4] == ["ideal", "plugin", "example"]
    backends = run_in_venv(venv_python, *cli, "backends")
    assert any(line.split()[:3] == [BACKEND, "64", "qubits"] for line in backends.splitlines())
    qobj = tmp_path / "flip.json"
    qobj.write_text(json.dumps(QOBJ))
    result = json.loads(run_in_venv(venv_python, *cli, "run", str(qobj), "--backend", BACKEND,
                                    "--shots", "5", "--json"))
    assert result["backend"] == BACKEND and result["results"][0]["counts"] == {"010": 5}


def test_the_documented_fresh_venv_install_works(tmp_path):
    """docs/writing-plugins.md: ``pip install /path/to/qfoundry ./tests/example_plugin`` in
    a venv that has no qfoundry: pip takes qfoundry from the local source, not the index."""
    import shutil
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    src = tmp_path / "qfoundry"  # a copy: the build must not write into the repository
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, src / name)
    for name in ("core", "plugins", "devices"):
        shutil.copytree(repo / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    plugin = shutil.copytree(EXAMPLE, tmp_path / "example_plugin",
                             ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env = tmp_path / "fresh"
    # --without-pip: the venv uses the system's pip and setuptools (new enough to build
    # offline), where ensurepip would shadow them with its own older setuptools.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(env)], check=True, timeout=120)
    python = env / "bin" / "python"

    def where_qfoundry_is() -> str:
        found = subprocess.run([str(python), "-c", "import qfoundry; print(qfoundry.__file__)"],
                               capture_output=True, text=True)
        return found.stdout.strip() if found.returncode == 0 else ""

    # The venv's own site-packages has no qfoundry yet; the system's may (CI installs the
    # project there), and the venv sees it, so the check is where it comes from.
    assert not where_qfoundry_is().startswith(str(env))
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-input",
                              "--disable-pip-version-check", "--no-index",
                              "--no-build-isolation", str(src), str(plugin)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    assert where_qfoundry_is().startswith(str(env)), "pip did not install the local source"
    out = subprocess.run([str(env / "bin" / "qfoundry"), "plugins"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    example = next(line for line in out.stdout.splitlines() if line.startswith("example"))
    assert example.endswith("ok")
