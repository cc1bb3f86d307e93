"""Finding devices (built-in plugin, QFOUNDRY_DEVICE_PATH, single files), device backends,
and the device commands of the CLI."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

import qfoundry
from qfoundry import cli, registry
from qfoundry.device_render import grid_layout, render_coupling, render_device
from qfoundry.devices import Device, DeviceSpecWarning, coupling_shortcut, load_device
from qfoundry.errors import BackendNotFoundError, UnsupportedInstructionError
from qfoundry.plugins import fake_devices

REPO = Path(__file__).resolve().parent.parent
TOYRING = REPO / "tests" / "example_device_pack" / "qfoundry_example_devices" / "toyring.toml"
BUILT_IN = sorted(p.stem for p in (REPO / "devices").glob("*.toml"))


def device_file(folder: Path, name: str, n_qubits: int = 2, engine: str = "statevector") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\nn_qubits = {n_qubits}\nsource = "made in a test"\n'
                    f'default_engine = "{engine}"\nbasis_gates = ["x", "sx", "rz", "cx"]\n'
                    'coupling = { shortcut = "line" }\n')
    return path


@pytest.fixture(autouse=True)
def fresh_sources():
    """Forget the per-process cache of device sources, so laziness is observable."""
    cache = sys.modules["qfoundry.device"]._path_cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def devices_only(fresh_pm, monkeypatch):
    """The fake_devices plugin alone, without QFOUNDRY_DEVICE_PATH."""
    monkeypatch.delenv(fake_devices.DEVICE_PATH_VARIABLE, raising=False)
    return fresh_pm(fake_devices)


@pytest.fixture
def with_engines(fresh_pm, monkeypatch):
    """fake_devices plus the built-in engines (devices default to `auto`)."""
    from qfoundry.plugins import auto, density_matrix, statevector, trajectory

    monkeypatch.delenv(fake_devices.DEVICE_PATH_VARIABLE, raising=False)
    return fresh_pm(fake_devices, statevector, density_matrix, trajectory, auto)


def test_built_in_devices_are_registered_lazily(devices_only):
    assert registry.devices() == BUILT_IN and len(BUILT_IN) == 68
    sources = registry.get_registry().devices
    sizes = {n: s.n_qubits for n, s in sources.items()}
    assert {n: sizes[n] for n in ("brooklyn", "guadalupe", "manila", "paris", "sherbrooke",
                                  "torino", "fez", "nighthawk", "armonk")} == {
        "brooklyn": 65, "guadalupe": 16, "manila": 5, "paris": 27, "sherbrooke": 127,
        "torino": 133, "fez": 156, "nighthawk": 120, "armonk": 1}
    assert registry.get_registry().origin[("devices", "paris")].endswith("fake_devices")
    assert not any(s.loaded for s in sources.values())  # listing parsed no calibration
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        paris = qfoundry.get_device("fake_paris")
    assert paris.n_qubits == 27 and sources["paris"].loaded
    assert qfoundry.get_device("paris") is paris
    assert not sources["brooklyn"].loaded


def test_device_path_directories(fresh_pm, tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    device_file(a, "lab1")
    device_file(b, "lab2", n_qubits=4)
    (b / "notes.txt").write_text("not a device")
    value = f"{a}{fake_devices.os.pathsep}{b}{fake_devices.os.pathsep}"
    monkeypatch.setenv(fake_devices.DEVICE_PATH_VARIABLE, value)
    fresh_pm(fake_devices)
    assert registry.devices() == sorted(BUILT_IN + ["lab1", "lab2"])
    assert qfoundry.get_device("fake_lab2").n_qubits == 4
    assert registry.get_registry().devices["lab1"].origin == str(a / "lab1.toml")


def test_device_path_problems_warn_and_spare_the_rest(fresh_pm, tmp_path, monkeypatch):
    device_file(tmp_path, "good")
    (tmp_path / "broken.toml").write_text('name = "broken"\nn_qubits = "many"\n')
    device_file(tmp_path, "paris")  # clashes with the built-in device
    missing = tmp_path / "missing"
    sep = fake_devices.os.pathsep
    monkeypatch.setenv(fake_devices.DEVICE_PATH_VARIABLE, f"{missing}{sep}{tmp_path}")
    fresh_pm(fake_devices)
    with pytest.warns(UserWarning) as caught:
        names = registry.devices()
    messages = [str(w.message) for w in caught]
    assert "good" in names and "broken" not in names
    assert any(f"entry '{missing}' is not a directory" in m for m in messages)
    assert any("broken.toml skipped" in m and "n_qubits: expected integer" in m
               for m in messages)
    assert any("paris.toml skipped" in m and "registered twice" in m for m in messages)
    assert registry.get_registry().devices["paris"].n_qubits == 27  # the built-in one


def test_device_backend_surface(with_engines):
    backend = qfoundry.get_backend("fake_paris")
    assert backend.name == "fake_paris" and backend.engine.name == "auto"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # shipped devices load quietly: T2 clipping is documented
        config = backend.configuration()  # the first use parses the calibration
    assert (config.n_qubits, config.basis_gates) == (27, ["id", "rz", "sx", "x", "cx", "reset"])
    assert len(config.coupling_map) == 56 and [0, 1] in config.coupling_map
    assert config.dt == 0.2222222222222222 / 10**9
    props = backend.properties()
    assert props.t1(0) == 92.0271794762605 / 10**6 and props.t2(12) == 78.72473839768364 / 10**6
    assert props.readout_error(0) == 0.024899999999999922
    assert props.gate_error("cx", [0, 1]) == 0.01258032559958644
    assert props.gate_length("cx", (1, 0)) == 398.2222222222222 / 10**9
    assert backend.status().operational


def test_device_runs_noiselessly_on_another_engine(with_engines):
    backend = qfoundry.get_backend("fake_manila", engine="statevector")
    assert backend.engine.name == "statevector"
    circuit = qfoundry.Circuit(2, 2)
    circuit.x(0).sx(1).sx(1).cx(0, 1).measure(0, 0).measure(1, 1)
    counts = backend.run(circuit, shots=64, seed_simulator=3).result().get_counts()
    assert counts == {"01": 64}  # x then sx*sx = x on q1, cx flips it back


def test_non_native_circuits_are_refused_naming_the_instruction(with_engines):
    backend = qfoundry.get_backend("fake_manila", engine="statevector")
    circuit = qfoundry.Circuit(3, 1)
    circuit.x(0).h(1)
    with pytest.raises(UnsupportedInstructionError, match=r"instruction 1 .*\(h on qubits \[1\]\)"
                                                          r" is not native to fake_manila"):
        backend.run(circuit, transpile=False)
    circuit = qfoundry.Circuit(3)
    circuit.cx(0, 2)
    with pytest.raises(UnsupportedInstructionError, match="qubits 0 and 2 are not coupled"):
        backend.run(circuit, transpile=False)


def test_single_files_by_path(with_engines, tmp_path):
    path = device_file(tmp_path, "solo", n_qubits=3)
    device = qfoundry.load_device(path)
    assert isinstance(device, Device) and device.path == str(path)
    backend = qfoundry.get_backend(str(path))
    assert backend.name == "fake_solo" and backend.configuration().n_qubits == 3
    assert "solo" not in registry.devices()  # a file used by path is not registered


# -- the command line ------------------------------------------------------------------------------

def test_cli_devices(devices_only, capsys):
    assert cli.main(["devices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["BACKEND", "FAMILY", "QUBITS", "BASIS", "CALIBRATED", "SOURCE"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["fake_paris"][:5] == ["Falcon", "r4", "27", "rz,sx,x,cx", "2021-03-15"]
    assert " ".join(rows["fake_paris"][5:]) == "IBM ibmq_paris calibration snapshot of 2021-03-15"
    assert rows["fake_sherbrooke"][:5] == ["Eagle", "r3", "127", "ecr,rz,sx,x", "2025-02-26"]
    # Fractional gates, offered with use_fractional_gates=True, are shown in parentheses.
    assert rows["fake_torino"][:5] == ["Heron", "r1", "133", "cz,rz,sx,x,(rx),(rzz)",
                                       "2025-02-26"]
    assert rows["fake_almaden"][:4] == ["-", "20", "u1,u2,u3,cx", "2020-08-10"]
    assert len(rows) == 68 and not any(s.loaded for s in registry.get_registry().devices.values())
    assert cli.main(["devices", "--paths"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert next(line for line in out if "fake_paris" in line).endswith("paris.toml")
    assert cli.main(["devices", "--min-qubits", "130", "--basis", "cz"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert names == ["fake_aachen", "fake_boston", "fake_fez", "fake_kingston",
                     "fake_marrakesh", "fake_pittsburgh", "fake_torino"]
    assert cli.main(["devices", "--basis", "ecr", "--basis", "cx"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == [
        "fake_cairo"]
    assert cli.main(["devices", "--basis", "rzz", "--min-qubits", "6"]) == 0
    assert "fake_fractional" not in capsys.readouterr().out
    assert cli.main(["devices", "--min-qubits", "1000"]) == 0
    assert capsys.readouterr().out == "no device matches\n"


def test_cli_device_show(devices_only, capsys):
    assert cli.main(["device", "show", "paris"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fake_paris: IBM Quantum ibmq_paris: 27 qubits, Falcon r4 processor\n")
    assert "00 ↔ 01" in out and all(f"{q:02d}" in out for q in range(27))
    row = next(line for line in out.splitlines() if line.split()[:1] == ["12"])
    assert row.split() == ["12", "17.98", "78.72", "5.0422", "0.0296", "0.0490", "0.0102",
                           "4088.9"]
    assert "T2 > 2*T1 on qubit(s) 12, 13" in out and "cx: error median" in out
    assert cli.main(["device", "show", "fake_manila"]) == 0
    assert "0 ↔ 1 ↔ 2 ↔ 3 ↔ 4" in capsys.readouterr().out
    assert cli.main(["device", "show", str(TOYRING)]) == 0
    assert capsys.readouterr().out.startswith("fake_toyring: A 5-qubit ring")


def test_cli_device_show_errors(devices_only, capsys, tmp_path):
    assert cli.main(["device", "show", "parsi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qfoundry: error: no device named 'parsi'; did you mean 'paris'? "
                          "Available: aachen, algiers, almaden,") and err.count("\n") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nn_qubits = 2\nbasis_gates = ["x"]\n[[qubits]]\nqubit = 5\n')
    assert cli.main(["device", "show", str(bad)]) == 2
    assert capsys.readouterr().err == (f"qfoundry: error: {bad}: qubits[0].qubit: qubit 5 does "
                                       "not exist (n_qubits = 2: qubits 0..1)\n")
    with pytest.raises(BackendNotFoundError):
        registry.get_registry().get_device_source("nothing")


# -- diagrams ------------------------------------------------------------------------------------

def _assert_valid_layout(n: int, edges) -> dict:
    layout = grid_layout(n, edges)
    assert layout is not None and sorted(layout) == list(range(n))
    assert len(set(layout.values())) == n
    for a, b in edges:
        (ra, ca), (rb, cb) = layout[a], layout[b]
        assert abs(ra - rb) + abs(ca - cb) == 1, (a, b)
    return layout


@pytest.mark.parametrize("name", BUILT_IN)
def test_shipped_devices_draw_on_a_grid(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        device = load_device(REPO / "devices" / f"{name}.toml")
    if name == "yorktown":  # the bowtie: two triangles, odd cycles fit no grid
        assert grid_layout(device.n_qubits, device.coupling_map) is None
    else:
        _assert_valid_layout(device.n_qubits, device.coupling_map)
    text = render_device(device)
    assert f"qubits: {device.n_qubits}" in text and len(text.splitlines()) > device.n_qubits


@pytest.mark.parametrize("kind, params", [("grid", {"rows": 3, "cols": 4}),
                                          ("ring", {"n_qubits": 8}),
                                          ("heavy_hex", {"distance": 5})])
def test_generated_topologies_draw_on_a_grid(kind, params):
    edges = coupling_shortcut(kind, **params)
    _assert_valid_layout(max(max(e) for e in edges) + 1, edges)


def test_drawings_of_what_fits_no_grid():
    def draw(n, edges):
        return render_coupling(Device(name="d", n_qubits=n, basis_gates=("cx",),
                                      coupling_map=edges))

    assert draw(3, coupling_shortcut("line", n_qubits=3, directed=True)) == "0 → 1 → 2"
    assert draw(3, ((1, 0), (1, 2))) == "0 ← 1 → 2"
    assert draw(5, coupling_shortcut("ring", n_qubits=5)).splitlines()[0] == "0: ↔1 ↔4"
    assert draw(6, coupling_shortcut("all_to_all", n_qubits=6)) == (
        "all-to-all: every pair of the 6 qubits is coupled")
    assert draw(2, ()) == "no couplings: 0 1"
    assert draw(4, ((0, 1), (2, 3))) == "0 → 1\n\n2 → 3"  # two chips, one under the other
    grid = draw(4, coupling_shortcut("grid", rows=2, cols=2, directed=True))
    assert grid == "0 → 1\n↓   ↓\n2 → 3"
