"""The device commands of the ``qfoundry`` command line.

``qfoundry devices`` lists the registered devices, ``qfoundry device show NAME`` draws one
(NAME is ``paris``, ``fake_paris`` or a path to a TOML file; ``--png FILE`` writes its
error map), ``qfoundry import-ibm``
converts an IBM snapshot. :func:`add_device_commands` registers them on the main
parser's subparsers; each handler prints and returns an exit status, and user errors
are raised as :class:`qfoundry.errors.QfoundryError` (unknown device, invalid file) for
the main CLI to report in one line.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from .device import DeviceSource, DeviceSpecWarning
from .registry import resolve_device

__all__ = ["add_device_commands", "cmd_devices", "cmd_device_show", "resolve_device"]


def add_device_commands(subparsers: Any) -> None:
    """Add ``devices``, ``device show`` and ``import-ibm`` to ``subparsers``."""
    from .ibm_import import add_import_arguments, cli_import_ibm

    listing = subparsers.add_parser(
        "devices", help="list the fake devices (backend, family, qubits, basis, calibration)")
    listing.add_argument("--paths", action="store_true", help="also show each device's file")
    listing.add_argument("--min-qubits", type=int, default=0, metavar="N",
                         help="only devices with at least N qubits")
    listing.add_argument("--basis", action="append", default=[], metavar="GATE",
                         help="only devices whose basis has GATE (repeatable; fractional "
                              "gates count, e.g. --basis rzz)")
    listing.set_defaults(handler=cmd_devices)

    device = subparsers.add_parser("device", help="inspect one device")
    actions = device.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="draw the coupling map, with per-qubit calibration")
    show.add_argument("name", help="device name (paris, fake_paris) or path to a .toml file")
    show.add_argument("--png", metavar="FILE", help="also write the error map as a picture "
                      "(PNG, or SVG/PDF by the file's extension; needs the plot extra)")
    show.add_argument("--color-by", choices=("readout_error", "t1", "t2"),
                      default="readout_error", help="what colours the qubits in --png")
    show.set_defaults(handler=cmd_device_show)

    convert = subparsers.add_parser(
        "import-ibm", help="convert an IBM backend snapshot (conf + props JSON) to device TOML")
    add_import_arguments(convert)
    convert.set_defaults(handler=cli_import_ibm)


def _sources() -> dict[str, DeviceSource]:
    from .registry import get_registry

    return dict(get_registry().devices)


def _family(src: DeviceSource) -> str:
    return src.processor_type or "-"


def _basis(src: DeviceSource) -> str:
    shown = [g for g in src.basis_gates if g not in ("id", "reset")]
    return ",".join(shown + [f"({g})" for g in src.fractional_gates]) or "-"


def cmd_devices(args: argparse.Namespace) -> int:
    """Print one line per registered device (filtered); reads file headers only."""
    sources = _sources()
    if not sources:
        print("no devices installed")
        return 0
    wanted = set(getattr(args, "basis", None) or ())
    minimum = getattr(args, "min_qubits", 0) or 0
    names = [n for n, src in sorted(sources.items()) if src.n_qubits >= minimum
             and wanted <= {*src.basis_gates, *src.fractional_gates}]
    if not names:
        print("no device matches")
        return 0
    rows = [("BACKEND", "FAMILY", "QUBITS", "BASIS", "CALIBRATED", "SOURCE")] + [
        ("fake_" + n, _family(sources[n]), str(sources[n].n_qubits), _basis(sources[n]),
         (sources[n].calibration_date or "-")[:10], sources[n].source or "-") for n in names]
    if getattr(args, "paths", False):
        rows = [(*row, path) for row, path in
                zip(rows, ["FILE"] + [str(sources[n].origin) for n in names])]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.rjust(w) if i == 2 else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    return 0


def cmd_device_show(args: argparse.Namespace) -> int:
    """Print the device's header, coupling diagram and calibration table."""
    from .device_render import render_device

    with warnings.catch_warnings():  # the table itself flags T2 > 2*T1
        warnings.simplefilter("ignore", DeviceSpecWarning)
        device = resolve_device(args.name)
    print(render_device(device), end="")
    if args.png:
        from .visualization import plot_device

        plot_device(device, qubit_color=args.color_by).savefig(args.png, dpi=120)
        print(f"picture: {args.png}", file=sys.stderr)
    return 0
