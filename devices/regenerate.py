"""Regenerate the shipped device pack from qiskit-ibm-runtime's fake-backend snapshots.

Run it from a checkout, with exactly the pinned qiskit-ibm-runtime installed::

    python3 -m pip install "qiskit-ibm-runtime==0.51.0"
    python3 devices/regenerate.py            # rewrites devices/<name>.toml, one per snapshot

Every directory of ``qiskit_ibm_runtime/fake_provider/backends/`` holding a
``conf_<name>.json`` and ``props_<name>.json`` becomes ``devices/<name>.toml`` (backend
``fake_<name>``, as Qiskit names its fake backend) through :func:`qfoundry.ibm_import.
import_ibm_toml`. Snapshots change between releases, so the version is pinned: another
version is refused unless ``--any-version`` is given, and the test that regenerates the
pack byte for byte (tests/test_devices_pack_ibm.py) runs only under the pinned version.

The snapshot data is Apache-2.0, copyright IBM; every generated file says so, and
``devices/NOTICE.md`` carries the notice for the pack.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

__all__ = ["PINNED_VERSION", "snapshot_root", "snapshots", "render", "main"]

#: The qiskit-ibm-runtime release the shipped TOML files were generated from.
PINNED_VERSION = "0.51.0"
HERE = Path(__file__).resolve().parent


def snapshot_root() -> Path:
    """The installed ``fake_provider/backends`` folder (raises ImportError without it)."""
    import qiskit_ibm_runtime

    return Path(qiskit_ibm_runtime.__file__).parent / "fake_provider" / "backends"


def snapshots(root: Path | None = None) -> dict[str, tuple[Path, Path]]:
    """``name -> (conf, props)`` for every snapshot directory under ``root``, by name.

    Where a directory holds alternative properties (Cambridge's ``props_*_alt.json``),
    the one Qiskit's fake backend loads, ``props_<name>.json``, is used.
    """
    root = snapshot_root() if root is None else root
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        name = folder.name
        conf, props = folder / f"conf_{name}.json", folder / f"props_{name}.json"
        if conf.is_file() and props.is_file():
            found[name] = (conf, props)
    return found


def render(name: str, conf: Path, props: Path) -> str:
    """The TOML text shipped as ``devices/<name>.toml`` for this snapshot."""
    from qfoundry.ibm_import import import_ibm_toml

    return import_ibm_toml(
        conf, props, name=name,
        generated_by=f"devices/regenerate.py from qiskit-ibm-runtime {PINNED_VERSION} "
                     f"(fake_provider/backends/{name})")


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) every shipped TOML file; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; fail if a file differs from its regeneration")
    parser.add_argument("--any-version", action="store_true",
                        help=f"allow a qiskit-ibm-runtime other than {PINNED_VERSION}")
    args = parser.parse_args(argv)
    import qiskit_ibm_runtime

    version = qiskit_ibm_runtime.__version__
    if version != PINNED_VERSION and not args.any_version:
        print(f"regenerate: qiskit-ibm-runtime {version} is installed; the pack is pinned to "
              f"{PINNED_VERSION} (pip install qiskit-ibm-runtime=={PINNED_VERSION}, or pass "
              "--any-version and update PINNED_VERSION)", file=sys.stderr)
        return 2
    differ = []
    for name, (conf, props) in snapshots().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # dropped calibration: documented
            text = render(name, conf, props)
        target = args.out / f"{name}.toml"
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                differ.append(name)
        else:
            target.write_text(text, encoding="utf-8")
    if differ:
        print(f"regenerate: differ from their snapshots: {', '.join(differ)}", file=sys.stderr)
        return 1
    print(f"regenerate: {len(snapshots())} devices "
          f"{'checked' if args.check else 'written to ' + str(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
