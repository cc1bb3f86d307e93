"""Device error maps: qfoundry's ``plot_device`` vs Qiskit's ``plot_error_map``.

    python benchmarks/bench_pictures.py [--repeat 3]

For each device both draw the calibrated error map of the same snapshot (qfoundry from
``devices/<name>.toml``, Qiskit from qiskit-ibm-runtime's ``Fake<Name>V2``) and write it
as a PNG at 100 dpi into memory; the times are interleaved (qfoundry, Qiskit, qfoundry,
...) and the best of ``--repeat`` is reported, with the ratio qfoundry / Qiskit (< 1:
qfoundry faster). The text placement (``device show``) is timed on its own: it is part
of ``plot_device`` too. Needs the ``plot`` and ``oracle`` extras.
"""

from __future__ import annotations

import argparse
import io
import platform
import time
import warnings

import matplotlib

matplotlib.use("Agg")

warnings.filterwarnings("ignore")

import qiskit  # noqa: E402
from matplotlib import pyplot  # noqa: E402
from qiskit.visualization import plot_error_map  # noqa: E402
from qiskit_ibm_runtime import fake_provider  # noqa: E402

import qfoundry  # noqa: E402
from qfoundry.device_layout import grid_layout  # noqa: E402
from qfoundry.visualization import plot_device  # noqa: E402

DEVICES = [("paris", "FakeParisV2"), ("sherbrooke", "FakeSherbrooke"), ("fez", "FakeFez")]


def png(fig) -> None:
    fig.savefig(io.BytesIO(), format="png", dpi=100)
    pyplot.close(fig)  # Qiskit's figures live in pyplot's list; ours never do


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def draw_ours(device) -> None:
    png(plot_device(device))


def draw_qiskit(backend) -> None:
    png(plot_error_map(backend))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, matplotlib {matplotlib.__version__}, "
          f"qiskit {qiskit.__version__}, {platform.machine()}")
    print(f"{'device':<11} {'qubits':>6} {'placement s':>11} {'qfoundry s':>10} "
          f"{'qiskit s':>9} {'ratio':>6}")
    for name, fake in DEVICES:
        device = qfoundry.get_backend(f"fake_{name}").device
        theirs = getattr(fake_provider, fake)()
        edges = {tuple(sorted(e)) for e in device.coupling_map}
        placement = min(timed(grid_layout, device.n_qubits, edges) for _ in range(args.repeat))
        ours, qiskit_times = [], []
        for _ in range(args.repeat):  # interleaved, so load hits both alike
            ours.append(timed(draw_ours, device))
            qiskit_times.append(timed(draw_qiskit, theirs))
        print(f"{name:<11} {device.n_qubits:>6} {placement:>11.3f} {min(ours):>10.3f} "
              f"{min(qiskit_times):>9.3f} {min(ours) / min(qiskit_times):>6.2f}")


main()
