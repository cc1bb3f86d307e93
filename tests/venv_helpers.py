"""Installing a test package into a throwaway virtual environment, as a user would.

Shared by the tests that pip-install the example plugin and the example device pack.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path


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


def venv_with(package: Path, root: Path) -> Path:
    """A new venv under ``root`` with ``package`` pip-installed; returns its python.

    The venv sees what this interpreter sees (qfoundry as installed here, numpy, pip...),
    also when the tests themselves run inside a virtual environment, so nothing but a
    build backend may need downloading.
    """
    source = root / "source"  # a copy, so no build artefacts land in the repository
    shutil.copytree(package, source,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    env = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(env)], check=True, timeout=120)
    python = env / ("Scripts" if os.name == "nt" else "bin") / "python"
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


def run_in_venv(python: Path, *args: str, env: dict | None = None,
                drop: tuple[str, ...] = ()) -> str:
    """Run ``python *args`` with ``env`` added and the variables in ``drop`` removed."""
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    proc = subprocess.run([str(python), *args], capture_output=True, text=True, timeout=120,
                          env={**environ, **(env or {})})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout
