"""Pictures (extra ``plot``), rendered with Agg: what is drawn, not only that a file exists.

Bars, nodes, edges and patches are counted, colours checked against the colour maps,
labels read back; one golden image (the Paris error map without text) is compared with
a tolerance.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib import colormaps  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import qfoundry  # noqa: E402
from qfoundry import cli  # noqa: E402
from qfoundry.devices import DeviceSpecWarning, load_device  # noqa: E402
from qfoundry.errors import DrawingError, MissingExtraError  # noqa: E402
from qfoundry.visualization import (  # noqa: E402
    plot_density_matrix,
    plot_device,
    plot_histogram,
    plot_state,
)

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "images" / "paris_map.png"
PNG = b"\x89PNG\r\n\x1a\n"


def paris():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        return load_device(REPO / "devices" / "paris.toml")


def bars(ax, filled=True):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_fill() == filled]


def ghz(n=3):
    c = qfoundry.Circuit(n, n).h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    return c.measure(list(range(n)), list(range(n)))


# -- histograms ------------------------------------------------------------------------------

def test_histogram_bars_are_the_probabilities_in_bit_string_order():
    fig = plot_histogram({"11": 30, "00": 50, "01": 20})
    (ax,) = fig.axes
    heights = [b.get_height() for b in bars(ax)]
    assert heights == pytest.approx([0.5, 0.2, 0.3])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["00", "01", "11"]
    assert ax.get_ylabel() == "Probability"
    assert sorted(t.get_text() for t in ax.texts) == ["0.200", "0.300", "0.500"]


def test_several_results_side_by_side_with_legend_and_target():
    ideal = qfoundry.get_backend("qasm_simulator").run(ghz(), seed_simulator=7).result()
    noisy = qfoundry.get_backend("fake_paris").run(ghz(), seed_simulator=7).result()
    counts = [ideal.get_counts(), noisy.get_counts()]
    fig = plot_histogram(counts, legend=["simulator", "paris"], target={"000": 1, "111": 1})
    ax = fig.axes[0]
    keys = sorted(set(counts[0]) | set(counts[1]))
    assert len(bars(ax)) == 2 * len(keys)
    outlined = bars(ax, filled=False)
    assert [b.get_height() for b in outlined if b.get_height() > 0] == [0.5, 0.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ideal", "simulator", "paris"]
    # the two series have their own colours, and each sums to one
    first, second = bars(ax)[:len(keys)], bars(ax)[len(keys):]
    assert first[0].get_facecolor() != second[0].get_facecolor()
    assert sum(b.get_height() for b in second) == pytest.approx(1.0)
    # a Result is accepted as it is
    assert len(bars(plot_histogram(noisy).axes[0])) == len(counts[1])


def test_many_outcomes_fold_into_other():
    counts = {format(k, "06b"): 100 - k for k in range(64)}
    ax = plot_histogram(counts).axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 33 and labels[-1] == "other"
    total = sum(counts.values())
    assert bars(ax)[-1].get_height() == pytest.approx(sum(100 - k for k in range(32, 64)) / total)
    assert labels[:32] == [format(k, "06b") for k in range(32)]  # the most probable kept
    ax = plot_histogram(counts, number_to_keep=5, sort="value").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "000000", "000001", "000010", "000011", "000100", "other"]
    assert len(plot_histogram(counts, number_to_keep=0).axes[0].get_xticklabels()) == 64


def test_histogram_sorts_and_draws_into_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    out = plot_histogram({"0": 1, "1": 3}, sort="desc", ax=ax)
    assert out is fig and [t.get_text() for t in ax.get_xticklabels()] == ["1", "0"]
    ax = plot_histogram({"00": 1, "01": 5, "10": 3}, sort="value").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["01", "10", "00"]


@pytest.mark.parametrize("data, kwargs, message", [
    ({}, {}, "no outcomes to plot"),
    ({"0": -1}, {}, "outcome '0' has count -1"),
    ({"0": 0}, {}, "all counts are zero"),
    ([{"0": 1}, {"1": 1}], {"legend": ["a"]}, "1 legend entries for 2 distributions"),
    ({"0": 1}, {"sort": "random"}, "unknown sort 'random'"),
    ("0101", {}, "expected counts"),
])
def test_histogram_refuses_bad_input(data, kwargs, message):
    with pytest.raises(DrawingError, match=message):
        plot_histogram(data, **kwargs)


# -- device maps -----------------------------------------------------------------------------

def test_device_map_draws_every_qubit_and_coupling_coloured_by_error():
    device = paris()
    fig = plot_device(device)
    ax = fig.axes[0]
    (nodes,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    (edges,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    undirected = {tuple(sorted(e)) for e in device.coupling_map}
    assert len(nodes.get_offsets()) == 27 and len(edges.get_segments()) == len(undirected) == 28
    # colours span the map: the worst readout qubit is the reddest, the best the greenest
    readout = [q.readout_error for q in device.qubits]
    cmap = colormaps["RdYlGn_r"]
    faces = nodes.get_facecolors()
    assert tuple(faces[int(np.argmax(readout))]) == pytest.approx(cmap(1.0))
    assert tuple(faces[int(np.argmin(readout))]) == pytest.approx(cmap(0.0))
    # two colour bars with their ranges: readout error and two-qubit gate error
    bars_ = [a for a in fig.axes if a is not ax]
    assert sorted(a.get_ylabel() for a in bars_) == ["qubit readout error",
                                                     "two-qubit gate error"]
    readout_bar = next(a for a in bars_ if a.get_ylabel() == "qubit readout error")
    assert readout_bar.get_ylim() == pytest.approx((min(readout), max(readout)))
    # qubit numbers are written on the nodes, at the IBM layout's grid positions
    assert sorted(int(t.get_text()) for t in ax.texts) == list(range(27))
    xy = {int(t.get_text()): t.get_position() for t in ax.texts}
    assert xy[0] == (0, 1) and xy[6] == (3, 0) and xy[2] == (1, 2) and xy[26] == (10, 3)


def test_device_map_without_errors_and_of_other_topologies():
    fig = plot_device(paris(), errors=False)
    assert len(fig.axes) == 1
    nodes = next(c for c in fig.axes[0].collections if isinstance(c, PathCollection))
    assert len({tuple(f) for f in nodes.get_facecolors()}) == 1
    # T1 colouring: higher is better, so the longest T1 is the greenest
    device = paris()
    t1 = [q.t1 for q in device.qubits]
    nodes = next(c for c in plot_device(device, qubit_color="t1").axes[0].collections
                 if isinstance(c, PathCollection))
    assert tuple(nodes.get_facecolors()[int(np.argmax(t1))]) == pytest.approx(
        colormaps["RdYlGn"](1.0))
    # a ring of 5 fits no grid: drawn on a circle; uncalibrated qubits are grey
    ring = qfoundry.devices.Device(name="ring5", n_qubits=5, basis_gates=("cx",),
                                   coupling_map=qfoundry.devices.coupling_shortcut(
                                       "ring", n_qubits=5))
    fig = plot_device(ring)
    ax = fig.axes[0]
    nodes = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert len(nodes.get_offsets()) == 5 and len(fig.axes) == 1  # no calibration: no bar
    assert all(tuple(f) == pytest.approx(to_rgba((0.75, 0.75, 0.75))) for f in
               nodes.get_facecolors())


def test_device_map_marks_the_qubits_a_job_used():
    backend = qfoundry.get_backend("fake_paris")
    result = backend.run(ghz(), seed_simulator=3).result()
    layout = result.results[0].header.metadata["initial_layout"]
    ax = plot_device(backend, layout=result).axes[0]
    nodes = next(c for c in ax.collections if isinstance(c, PathCollection))
    ringed = [q for q, w in enumerate(nodes.get_linewidths()) if w > 0]
    assert ringed == sorted(layout)
    marks = {t.get_text(): t.xy for t in ax.texts if t.get_text().startswith("q")}
    positions = {int(t.get_text()): t.get_position() for t in ax.texts
                 if t.get_text().isdigit()}
    assert marks == {f"q{v}": positions[p] for v, p in enumerate(layout)}
    assert "3 used" in ax.get_title()


@pytest.mark.parametrize("kind", ["circuit", "list", "dict"])
def test_device_map_layout_from_a_transpiled_circuit_a_list_or_a_dict(kind):
    mapped = qfoundry.transpile(ghz(), qfoundry.get_backend("fake_paris"), seed=11)
    physical = mapped.metadata["initial_layout"]
    layout = {"circuit": mapped, "list": list(physical),
              "dict": dict(enumerate(physical))}[kind]
    ax = plot_device("paris", layout=layout).axes[0]
    nodes = next(c for c in ax.collections if isinstance(c, PathCollection))
    assert [q for q, w in enumerate(nodes.get_linewidths()) if w > 0] == sorted(physical)
    assert sorted(t.get_text() for t in ax.texts if t.get_text().startswith("q")) == [
        "q0", "q1", "q2"]


def test_device_map_refuses_what_it_cannot_draw():
    with pytest.raises(DrawingError, match="ideal simulators have no device"):
        plot_device(qfoundry.get_backend("qasm_simulator"))
    with pytest.raises(DrawingError, match="physical qubit 40, but the device has qubits 0..26"):
        plot_device("paris", layout=[0, 40])
    with pytest.raises(DrawingError, match="virtual qubits 0 and 1 both on physical qubit 4"):
        plot_device("paris", layout=[4, 4])
    with pytest.raises(DrawingError, match="cannot read a layout"):
        plot_device("paris", layout="0,1")
    with pytest.raises(DrawingError, match="unknown qubit_color 'freq'"):
        plot_device("paris", qubit_color="freq")


def test_golden_paris_map(tmp_path):
    """The Paris map without text, against a stored rendering (tolerance for the
    anti-aliasing differences between matplotlib versions). Regenerate with
    ``plot_device("paris", labels=False, colorbar=False, title="", figsize=(6, 3))
    .savefig("tests/images/paris_map.png", dpi=60)`` after a deliberate change."""
    from matplotlib.testing.compare import compare_images

    fig = plot_device("paris", labels=False, colorbar=False, title="", figsize=(6, 3))
    out = tmp_path / "paris_map.png"
    fig.savefig(out, dpi=60)
    assert compare_images(str(GOLDEN), str(out), tol=8) is None


# -- states ----------------------------------------------------------------------------------

def bell_rho():
    psi = np.array([1, 0, 0, 1j]) / np.sqrt(2)
    return np.outer(psi, psi.conj())


def test_density_matrix_city_has_a_bar_per_entry_in_each_part():
    fig = plot_density_matrix(bell_rho())
    fig.savefig(io.BytesIO(), format="png")  # 3-D faces are projected when drawn
    real, imag = fig.axes
    assert real.name == imag.name == "3d"
    assert [real.get_title(), imag.get_title()] == ["Re[ρ]", "Im[ρ]"]
    for ax in (real, imag):
        (bars3d,) = ax.collections
        assert len(bars3d.get_paths()) == 6 * 16  # six faces per bar, one bar per entry
        assert ax.get_zlim() == pytest.approx((-0.5, 0.5))
        assert [t.get_text() for t in ax.get_xticklabels()] == ["|00⟩", "|01⟩", "|10⟩", "|11⟩"]


def test_density_matrix_hinton_squares_follow_sign_and_size():
    rho = bell_rho()
    real, imag = plot_density_matrix(rho, kind="hinton").axes
    for ax, part in ((real, rho.real), (imag, rho.imag)):
        squares = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(squares) == np.count_nonzero(np.abs(part) > 1e-12) == 2
        for sq in squares:
            i, j = round(sq.get_y() + sq.get_height() / 2), round(sq.get_x() + sq.get_width() / 2)
            colour = "white" if part[i, j] > 0 else "black"
            assert sq.get_facecolor() == pytest.approx(to_rgba(colour))
            assert sq.get_width() == pytest.approx(0.95 * np.sqrt(abs(part[i, j]) / 0.5))


def test_density_matrix_from_a_simulator_result_and_bad_input():
    c = qfoundry.Circuit(2).h(0).cx(0, 1)
    result = qfoundry.get_backend("density_matrix_simulator").run(
        c, save_density_matrix=True).result()
    assert len(plot_density_matrix(result, kind="hinton").axes) == 2
    with pytest.raises(DrawingError, match="not Hermitian"):
        plot_density_matrix(np.array([[1, 1], [0, 0]]))
    with pytest.raises(DrawingError, match="trace is 2"):
        plot_density_matrix(np.eye(2))
    with pytest.raises(DrawingError, match="dimension 3 is not a power of two"):
        plot_density_matrix(np.eye(3) / 3)
    with pytest.raises(DrawingError, match="5 qubits is too many to read as a city"):
        plot_density_matrix(np.eye(32) / 32)
    from matplotlib.figure import Figure

    fig = Figure()
    with pytest.raises(DrawingError, match="a city needs 3-D axes"):
        plot_density_matrix(bell_rho(), ax=[fig.add_subplot(121), fig.add_subplot(122)])


def test_state_bars_are_probabilities_coloured_by_phase():
    psi = np.array([1, 1j, -1, 0]) / np.sqrt(3)
    fig = plot_state(psi)
    ax = fig.axes[0]
    heights = [b.get_height() for b in bars(ax)]
    assert heights == pytest.approx([1 / 3, 1 / 3, 1 / 3, 0])
    cmap = colormaps["hsv"]
    for bar, phase in zip(bars(ax)[:3], (0, np.pi / 2, np.pi)):
        assert bar.get_facecolor() == pytest.approx(cmap(phase / (2 * np.pi)))
    assert fig.axes[1].get_ylabel() == "phase"
    result = qfoundry.get_backend("statevector_simulator").run(
        qfoundry.Circuit(3).h(0).cx(0, 1)).result()
    assert len(bars(plot_state(result).axes[0])) == 8
    with pytest.raises(DrawingError, match="norm\\^2 2"):
        plot_state([1, 1])
    with pytest.raises(DrawingError, match="9 qubits is too many"):
        plot_state(np.eye(512)[0])


# -- circuits --------------------------------------------------------------------------------

def gids(ax, gid):
    return [a for a in (*ax.patches, *ax.lines) if a.get_gid() == gid]


def test_circuit_mpl_draws_gates_controls_targets_and_meters():
    c = qfoundry.Circuit(3, 3).h(0).cx(0, 1).rz(0.5, 2).ccx(0, 1, 2).barrier().measure(
        [0, 1, 2], [0, 1, 2])
    ax = c.draw("mpl").axes[0]
    assert len(gids(ax, "gate")) == 2  # H and RZ
    assert len(gids(ax, "control")) == 3 and len(gids(ax, "target")) == 2
    assert len(gids(ax, "measure")) == 3 and len(gids(ax, "barrier")) == 1
    assert len(gids(ax, "wire")) == 3 and len(gids(ax, "classical wire")) == 2
    texts = {t.get_text() for t in ax.texts}
    assert {"H", "RZ(0.5)", "q_0", "q_1", "q_2", "c:3/", "0", "1", "2"} <= texts


def test_circuit_mpl_hides_idle_wires_of_transpiled_circuits_and_folds():
    mapped = qfoundry.transpile(ghz(), qfoundry.get_backend("fake_paris"), seed=7)
    used = {q for inst in mapped.data for q in inst.qubits}
    ax = mapped.draw("mpl").axes[0]
    assert len(gids(ax, "wire")) == len(used) < 27
    assert len(gids(mapped.draw("mpl", idle_wires=True, fold=0).axes[0], "wire")) == 27
    wide = qfoundry.Circuit(1)
    for _ in range(30):
        wide.h(0)
    assert len(gids(wide.draw("mpl", fold=10).axes[0], "wire")) == 3  # three bands
    assert len(gids(wide.draw("mpl", fold=10).axes[0], "gate")) == 30
    with pytest.raises(DrawingError, match="not style"):
        wide.draw("mpl", style="iqp")


# -- Jupyter, command line, and the extra ----------------------------------------------------

def test_jupyter_pictures_for_device_backends_and_results():
    backend = qfoundry.get_backend("fake_manila")
    assert backend._repr_png_().startswith(PNG)
    assert repr(backend) == "<DeviceBackend('fake_manila')>"
    result = backend.run(ghz(), seed_simulator=1).result()
    assert result._repr_png_().startswith(PNG)
    sv = qfoundry.get_backend("statevector_simulator").run(qfoundry.Circuit(1).h(0)).result()
    assert sv._repr_png_() is None


def test_cli_writes_pictures(tmp_path, capsys):
    png = tmp_path / "paris.png"
    assert cli.main(["device", "show", "paris", "--png", str(png)]) == 0
    out = capsys.readouterr()
    assert "00 ↔ 01 ↔ 04 ↔ 07" in out.out and f"picture: {png}" in out.err
    assert png.read_bytes().startswith(PNG)
    t1 = tmp_path / "t1.png"
    assert cli.main(["device", "show", "manila", "--png", str(t1), "--color-by", "t1"]) == 0
    assert t1.read_bytes().startswith(PNG) and t1.read_bytes() != png.read_bytes()
    capsys.readouterr()
    plot = tmp_path / "counts.svg"
    qasm = REPO / "examples" / "ghz.qasm"
    assert cli.main(["run", str(qasm), "--backend", "fake_paris", "--seed", "3", "--json",
                     "--plot", str(plot)]) == 0
    out = capsys.readouterr()
    counts = json.loads(out.out)["results"][0]["counts"]  # stdout stays JSON
    svg = plot.read_text()
    assert svg.startswith("<?xml") and all(key in svg for key in counts)


def test_without_matplotlib_the_extra_is_named(monkeypatch):
    for name in [m for m in sys.modules if m.startswith("qfoundry.visualization")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match=r'pip install "qfoundry\[plot\]"'):
        importlib.import_module("qfoundry.visualization")
    with pytest.raises(MissingExtraError, match="plot"):
        qfoundry.Circuit(1).h(0).draw("mpl")
    backend = qfoundry.get_backend("fake_manila")
    assert backend._repr_png_() is None and repr(backend) == "<DeviceBackend('fake_manila')>"
    assert cli.main(["device", "show", "manila", "--png", "x.png"]) == 2


def test_import_qfoundry_does_not_import_matplotlib():
    code = ("import sys, qfoundry; b = qfoundry.get_backend('fake_paris'); repr(b); "
            "print(qfoundry.Circuit(1).h(0).draw()); print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("False")


def test_ipython_displays_device_backends_and_results_as_pictures():
    shell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell.instance()
    backend = qfoundry.get_backend("fake_manila")
    data, _ = shell.display_formatter.format(backend)
    assert data["image/png"].startswith(PNG) and data["text/plain"] == repr(backend)
    result = backend.run(ghz(), seed_simulator=1).result()
    data, _ = shell.display_formatter.format(result)
    assert data["image/png"].startswith(PNG) and data["text/plain"] == repr(result)


def test_cli_prints_the_result_even_when_its_picture_is_refused(tmp_path, capsys):
    qasm = tmp_path / "big.qasm"
    qasm.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[9];\nh q;\n')
    assert cli.main(["run", str(qasm), "--backend", "statevector_simulator",
                     "--plot", str(tmp_path / "sv.png")]) == 2
    out = capsys.readouterr()
    assert "statevector:" in out.out
    assert out.err == ("qfoundry: error: plot_state: 9 qubits is too many to read (at most 8); "
                       "plot counts with plot_histogram instead\n")
    assert not (tmp_path / "sv.png").exists()
