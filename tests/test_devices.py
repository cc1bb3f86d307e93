"""The device model and TOML format: parsing, validation, units, writing, shortcuts,
what a device accepts, and the lazy DeviceSource."""

from __future__ import annotations

import dataclasses
import math
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from qfoundry import device_toml
from qfoundry.devices import (
    Device,
    DeviceSource,
    DeviceSpecWarning,
    GateProperties,
    QubitProperties,
    check_native,
    coupling_shortcut,
    device_to_toml,
    load_device,
    parse_device,
)
from qfoundry.errors import DevicePropertyError, DeviceSpecError, UnsupportedInstructionError
from qfoundry.qobj import QasmQobjInstruction

REPO = Path(__file__).resolve().parent.parent
TOYRING = REPO / "tests" / "example_device_pack" / "qfoundry_example_devices" / "toyring.toml"
SHIPPED = sorted((REPO / "devices").glob("*.toml"))

# A 3-qubit line with a few figures; the validation cases below each break one thing.
BASE = """\
name = "tri"
n_qubits = 3
basis_gates = ["id", "rz", "sx", "x", "cx", "reset", "ccx"]
dt_ns = 0.25

[coupling]
edges = [[0, 1], [1, 2]]

[defaults.qubit]
t1_us = 100.0
t2_us = 80.0

[defaults.gates.cx]
error = 0.01
"""


def parse(text: str, file: str = "bad.toml") -> Device:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeviceSpecWarning)
        return parse_device(text, file)


# -- the small uniform device ------------------------------------------------------------------

def test_small_uniform_device_in_ten_lines():
    text = TOYRING.read_text()
    assert len(text.strip().splitlines()) == 10
    d = load_device(TOYRING)
    assert (d.name, d.backend_name, d.n_qubits, d.default_engine) == (
        "toyring", "fake_toyring", 5, "auto")
    ring = {(q, (q + 1) % 5) for q in range(5)}
    assert set(d.coupling_map) == ring | {(b, a) for a, b in ring}
    assert all(d.t1(q) == 100.0 / 1e6 and d.t2(q) == 80.0 / 1e6 for q in range(5))
    assert all(d.readout_error(q) == 0.02 and d.frequency(q) is None for q in range(5))
    # Defaults expand to every qubit (1q gates) and every directed coupled pair (cx).
    assert {qs for (g, qs) in d.gates if g == "sx"} == {(q,) for q in range(5)}
    assert {qs for (g, qs) in d.gates if g == "cx"} == set(d.coupling_map)
    assert d.gate_error("cx", (4, 0)) == 0.01 and d.gate_length("cx", [0, 4]) == 300.0 / 1e9
    assert d.gate_error("rz", 0) is None and d.gate_length("sx", 3) == 35.5 / 1e9


def test_overrides_apply_field_by_field():
    d = parse(BASE + """
[[qubits]]
qubit = 2
t1_us = 50.0
readout_error = 0.03

[[gates]]
gate = "cx"
qubits = [2, 1]
length_ns = 400
""")
    assert (d.t1(2), d.t2(2), d.readout_error(2)) == (50.0 / 1e6, 80.0 / 1e6, 0.03)
    assert d.t1(0) == 100.0 / 1e6 and d.readout_error(0) is None
    assert d.gate_properties("cx", (2, 1)) == GateProperties(error=0.01, length=400 / 1e9)
    assert d.gate_properties("cx", (1, 2)) == GateProperties(error=0.01)
    assert d.dt == 0.25 / 1e9 and d.path == "bad.toml"


def test_units_are_exact_and_si():
    d = parse_device("""name = "u"
n_qubits = 1
basis_gates = ["x"]
[[qubits]]
qubit = 0
t1_us = 92.0271794762605
frequency_ghz = 5.0717169110383695
readout_length_ns = 4088.8888888888887
""")
    q = d.qubits[0]
    assert q.t1 == 92.0271794762605 / 10**6
    assert q.frequency == 5.0717169110383695 * 10**9
    assert q.readout_length == 4088.8888888888887 / 10**9
    assert math.isclose(q.t1, 92.0271794762605e-6, rel_tol=1e-15)


@pytest.mark.parametrize("factor", [1e-6, 1e-9, 1e9])
def test_unit_conversion_round_trips_exactly(factor):
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.uniform(0, 1000, 3000), 10 ** rng.uniform(-6, 6, 3000)])
    for value in values.tolist():
        si = device_toml.to_si(value, factor)
        assert device_toml.to_si(device_toml.from_si(si, factor), factor) == si


# -- validation ---------------------------------------------------------------------------------

EDGES = "edges = [[0, 1], [1, 2]]"


def sub(old: str, new: str) -> str:
    return BASE.replace(old, new)


def shortcut(text: str) -> str:
    return BASE.replace(EDGES, text)


CASES = [
    # (text added to / replacing BASE, key path, words in the message)
    ("t1_ms = 3\n" + BASE, "t1_ms", "unknown key"),
    (BASE + "[defaults.gates.sx]\nerrror = 0.1\n", "defaults.gates.sx.errror", "unknown key"),
    (sub("t2_us = 80.0", "t1_ms = 1"), "defaults.qubit.t1_ms", "unknown key"),
    (BASE + "[[qubits]]\nqubit = 0\nt1 = 5\n", "qubits[0].t1", "unknown key"),
    (sub("[coupling]", "[coupling]\nshape = 'line'"), "coupling.shape", "unknown key"),
    (sub("n_qubits = 3", 'n_qubits = "3"'), "n_qubits", "expected integer, got string"),
    (sub("n_qubits = 3", "n_qubits = true"), "n_qubits", "got boolean"),
    (sub("n_qubits = 3", "n_qubits = 0"), "n_qubits", ">= 1"),
    (sub("t1_us = 100.0", 't1_us = "100"'), "defaults.qubit.t1_us",
     "expected integer or float"),
    (sub("t1_us = 100.0", "t1_us = -100.0"), "defaults.qubit.t1_us", "positive"),
    (sub("t1_us = 100.0", "t1_us = 0"), "defaults.qubit.t1_us", "positive"),
    (sub("t1_us = 100.0", "t1_us = nan"), "defaults.qubit.t1_us", "finite"),
    (BASE + "[defaults.gates.sx]\nlength_ns = -35.5\n", "defaults.gates.sx.length_ns", "negative"),
    (sub("error = 0.01", "error = 1.5"), "defaults.gates.cx.error", "[0, 1]"),
    (BASE + "[[qubits]]\nqubit = 1\nprob_meas0_prep1 = -0.1\n", "qubits[0].prob_meas0_prep1",
     "[0, 1]"),
    (sub("dt_ns = 0.25", "dt_ns = -0.25"), "dt_ns", "positive"),
    (sub("[1, 2]]", "[1, 7]]"), "coupling.edges[1]", "qubit 7 does not exist"),
    (sub("[1, 2]]", "[1, 1]]"), "coupling.edges[1]", "itself"),
    (sub("[1, 2]]", "[1, 0]]"), "coupling.edges[1]", "listed twice"),
    (sub("[1, 2]]", "[1, 2, 0]]"), "coupling.edges[1]", "pair"),
    (BASE + "[[gates]]\ngate = 'h'\nqubits = [0]\n", "gates[0].gate", "not in basis_gates"),
    (BASE + "[defaults.gates.h]\nerror = 0.1\n", "defaults.gates.h", "not in basis_gates"),
    (BASE + "[defaults.gates.ccx]\nerror = 0.1\n", "defaults.gates.ccx", "one- and two-qubit"),
    (BASE + "[[gates]]\ngate = 'cx'\nqubits = [0, 2]\n", "gates[0].qubits", "not coupled"),
    (BASE + "[[gates]]\ngate = 'cx'\nqubits = [0]\n", "gates[0].qubits", "acts on 2 qubit"),
    (BASE + "[[gates]]\ngate = 'sx'\nqubits = [3]\n", "gates[0].qubits", "qubit 3 does not exist"),
    (BASE + "[[gates]]\ngate = 'sx'\nqubits = []\n", "gates[0].qubits", "distinct qubits"),
    (BASE + "[[gates]]\ngate = 'sx'\nqubits = [0]\n" * 2, "gates[1]",
     "already calibrated by gates[0]"),
    (BASE + "[[gates]]\nqubits = [0]\n", "gates[0].gate", "missing required key"),
    (BASE + "[[qubits]]\nqubit = 3\n", "qubits[0].qubit", "qubit 3 does not exist"),
    (BASE + "[[qubits]]\nt1_us = 3\n", "qubits[0].qubit", "missing required key"),
    (BASE + "[[qubits]]\nqubit = 1\n[[qubits]]\nqubit = 1\n", "qubits[1].qubit",
     "already has an entry"),
    (sub('name = "tri"\n', ""), "name", "missing required key"),
    (sub('"tri"', '"my device!"'), "name", "not a device name"),
    (sub('["id", "rz", "sx", "x", "cx", "reset", "ccx"]', "[]"), "basis_gates",
     "at least one"),
    (sub('"rz", "sx"', '"rz", "rz"'), "basis_gates[2]", "listed twice"),
    (sub('"rz"', "3"), "basis_gates[1]", "expected a gate name"),
    (shortcut("shortcut = 'spiral'"), "coupling.shortcut", "unknown shortcut"),
    (shortcut("shortcut = 'grid'\nrows = 2\ncols = 2"), "coupling.shortcut",
     "a 2 x 2 grid has 4 qubits, but n_qubits = 3"),
    (shortcut("shortcut = 'grid'\nrows = 3"), "coupling.cols", "missing"),
    (shortcut("shortcut = 'heavy_hex'\ndistance = 2"),
     "coupling.distance", "odd"),
    (shortcut("shortcut = 'heavy_hex'\ndistance = 3"),
     "coupling.shortcut", "19 qubits"),
    (shortcut("shortcut = 'line'\nrows = 3"), "coupling.rows", "not a parameter"),
    (sub("[coupling]", "[coupling]\nshortcut = 'line'"), "coupling", "not both"),
    (sub("[coupling]", "[coupling]\nrows = 1"), "coupling.rows", "only applies with"),
    (sub("[coupling]", "[coupling]\ndirected = true")
     + "[[gates]]\ngate = 'cx'\nqubits = [1, 0]\n", "gates[0].qubits", "not coupled"),
    (sub("[defaults.qubit]", "[defaults.qubit]\n[defaults.qubit]"), None, "invalid TOML"),
]


@pytest.mark.parametrize("text, key, words", CASES)
def test_every_problem_names_file_key_and_reason(text, key, words):
    with pytest.raises(DeviceSpecError) as info:
        parse(text)
    err = info.value
    assert (err.file, err.key) == ("bad.toml", key)
    assert words in err.reason
    assert str(err).startswith("bad.toml: " + (f"{key}: " if key else ""))


def test_invalid_toml_gives_the_line():
    with pytest.raises(DeviceSpecError, match=r"invalid TOML: .*line 2"):
        parse('name = "x"\nn_qubits = = 3\n')


def test_base_is_valid():
    d = parse(BASE)
    assert d.coupling_map == ((0, 1), (1, 0), (1, 2), (2, 1))


def test_t2_above_twice_t1_warns_and_is_kept():
    text = BASE + "[[qubits]]\nqubit = 1\nt1_us = 10.0\nt2_us = 30.0\n"
    with pytest.warns(DeviceSpecWarning, match=r"bad\.toml: qubits\[1\]: T2 = 30\.00 us > "
                                               r"2\*T1 = 20\.00 us.*clips T2 to 2\*T1"):
        d = parse_device(text, "bad.toml")
    assert d.t2(1) == 30.0 / 1e6 and d.t1(1) == 10.0 / 1e6


def test_models_refuse_bad_figures_built_in_python():
    with pytest.raises(DeviceSpecError, match="readout_error: is a probability"):
        QubitProperties(readout_error=2.0)
    with pytest.raises(DeviceSpecError, match="length: is a duration"):
        GateProperties(length=-1e-9)
    with pytest.raises(DeviceSpecError, match=r"edge \(0, 5\)"):
        Device(name="x", n_qubits=2, basis_gates=("cx",), coupling_map=((0, 5),))
    with pytest.raises(DeviceSpecError, match="has 1 entries for 2 qubits"):
        Device(name="x", n_qubits=2, basis_gates=("x",), qubits=(QubitProperties(),))
    with pytest.raises(DeviceSpecError, match="name: 'a b' is not a device name"):
        Device(name="a b", n_qubits=1, basis_gates=("x",))


def test_numpy_numbers_are_welcome():
    d = Device(name="np", n_qubits=2, basis_gates=("cx",), coupling_map=((0, 1),),
               qubits=(QubitProperties(t1=np.float32(1e-4)), QubitProperties()),
               gates={("cx", (np.int64(0), np.int64(1))): GateProperties(error=np.float64(0.01))})
    assert d.gate_error("cx", np.array([0, 1])) == 0.01 and d.t1(np.int64(0)) == np.float32(1e-4)
    assert d.is_coupled(0, 1) and not d.is_coupled(1, 0)


# -- writing -------------------------------------------------------------------------------------

def _round_trip(device: Device) -> str:
    text = device_to_toml(device, comment="round trip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        again = parse_device(text, device.path)
    assert again == device
    assert device_to_toml(again, comment="round trip") == text
    return text


@pytest.mark.parametrize("path", SHIPPED + [TOYRING], ids=lambda p: p.stem)
def test_writer_round_trips_every_device(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        _round_trip(load_device(path))


def test_writer_round_trips_partial_and_directed_devices():
    q = (QubitProperties(t1=1e-4), QubitProperties(t2=3e-5, readout_error=0.1),
         QubitProperties())
    d = Device(name="odd", n_qubits=3, basis_gates=("x", "cx", "ecr"),
               coupling_map=((0, 1), (2, 1)), qubits=q, dt=1e-9, description='quote " \\ ü',
               gates={("cx", (0, 1)): GateProperties(error=0.02),
                      ("x", (2,)): GateProperties(),  # calibrated, but without figures
                      ("ecr", (2, 1)): GateProperties(length=5e-7)})
    text = _round_trip(d)
    assert "coupling.directed = true" in text and '{ gate = "x", qubits = [2] }' in text
    assert Device(name="bare", n_qubits=1, basis_gates=("x",)) == parse_device(
        device_to_toml(Device(name="bare", n_qubits=1, basis_gates=("x",))))


# -- shortcuts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, params, n, undirected_edges", [
    ("line", {"n_qubits": 5}, 5, 4),
    ("ring", {"n_qubits": 6}, 6, 6),
    ("grid", {"rows": 3, "cols": 4}, 12, 3 * 3 + 4 * 2),
    ("heavy_hex", {"distance": 3}, 19, 20),
    ("heavy_hex", {"distance": 5}, 57, 2 * 5 * 4 + 6 * 4),
    ("heavy_hex", {"distance": 1}, 1, 0),
    ("all_to_all", {"n_qubits": 5}, 5, 10),
])
def test_shortcut_sizes(kind, params, n, undirected_edges):
    one_way = coupling_shortcut(kind, **params, directed=True)
    both = coupling_shortcut(kind, **params)
    assert len(one_way) == undirected_edges and len(both) == 2 * undirected_edges
    assert {q for e in both for q in e} <= set(range(n))
    text = f'name = "s"\nn_qubits = {n}\nbasis_gates = ["cx"]\n[coupling]\nshortcut = "{kind}"\n'
    text += "".join(f"{k} = {v}\n" for k, v in params.items() if k != "n_qubits")
    assert parse_device(text).coupling_map == both
    assert parse_device(text + "directed = true\n").coupling_map == tuple(sorted(one_way))


@pytest.mark.oracle
@pytest.mark.parametrize("kind, args", [("line", (7,)), ("ring", (7,)), ("grid", (3, 4)),
                                        ("heavy_hex", (3,)), ("heavy_hex", (5,)),
                                        ("heavy_hex", (7,)), ("all_to_all", (5,))])
def test_shortcuts_match_qiskit(kind, args):
    transpiler = pytest.importorskip("qiskit.transpiler")
    make = getattr(transpiler.CouplingMap, "from_full" if kind == "all_to_all" else f"from_{kind}")
    params = dict(zip({"grid": ("rows", "cols"), "heavy_hex": ("distance",)}.get(
        kind, ("n_qubits",)), args))
    for directed in (False, True):
        ours = coupling_shortcut(kind, **params, directed=directed)
        theirs = make(*args, bidirectional=not directed)
        assert set(ours) == set(theirs.get_edges())
        assert len(ours) == len(theirs.get_edges())


# -- what a device accepts -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tri() -> Device:
    return parse(sub("[coupling]", "[coupling]\ndirected = true"))


def test_native_instructions_pass(tri):
    check_native([QasmQobjInstruction("sx", qubits=[0]), QasmQobjInstruction("cx", qubits=[1, 2]),
                  {"name": "rz", "qubits": [2], "params": [0.3]}, {"name": "reset", "qubits": [1]},
                  {"name": "barrier", "qubits": [0, 1, 2]}, {"name": "delay", "qubits": [0]},
                  {"name": "measure", "qubits": [0, 1], "memory": [0, 1]},
                  {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 0}],
                 tri)


@pytest.mark.parametrize("inst, words", [
    ({"name": "h", "qubits": [1]}, "instruction 1 of experiment 'e' (h on qubits [1]) is not "
                                   "native to fake_tri (basis gates: id, rz, sx, x, cx, reset, "
                                   "ccx); transpile"),
    ({"name": "cx", "qubits": [0, 2]}, "(cx on qubits [0, 2]): qubits 0 and 2 are not coupled "
                                       "on fake_tri (qubit 0 couples to [1])"),
    ({"name": "cx", "qubits": [1, 0]}, "qubits 1 and 0 are not coupled"),  # directed device
    ({"name": "x", "qubits": [3]}, "uses qubit 3, but fake_tri has 3 qubits"),
    ({"name": "unitary", "qubits": [0]}, "not native"),
])
def test_non_native_instructions_are_refused(tri, inst, words):
    with pytest.raises(UnsupportedInstructionError) as info:
        check_native([{"name": "x", "qubits": [0]}, inst], tri, experiment="e")
    assert words in str(info.value)


def test_reset_needs_the_basis():
    d = Device(name="noreset", n_qubits=1, basis_gates=("x",))
    with pytest.raises(UnsupportedInstructionError, match="reset on qubits"):
        check_native([QasmQobjInstruction("reset", qubits=[0])], d)


def test_three_qubit_basis_gate_needs_every_pair_coupled(tri):
    triangle = parse(sub("[[0, 1], [1, 2]]", "[[0, 1], [1, 2], [2, 0]]"))
    check_native([{"name": "ccx", "qubits": [0, 1, 2]}], triangle)
    with pytest.raises(UnsupportedInstructionError, match="qubits 0 and 2 are not coupled"):
        check_native([{"name": "ccx", "qubits": [0, 1, 2]}], tri)


# -- properties ---------------------------------------------------------------------------------

def test_properties_accessors_and_errors():
    d = parse(BASE + "[[gates]]\ngate = 'reset'\nqubits = [0]\nlength_ns = 1000\n")
    p = d.properties()
    assert (p.backend_name, p.backend_version) == ("fake_tri", "1.0.0")
    assert p.t1(0) == 1e-4 and p.t2(2) == 8e-5 and p.frequency(0) is None
    assert p.gate_error("cx", [1, 0]) == 0.01 and p.gate_length("reset", 0) == 1e-6
    assert p.gate_error("reset", [0]) is None
    with pytest.raises(DevicePropertyError, match=r"no calibration for cx on qubits \[0, 2\]; "
                                                  r"cx is calibrated on \[0, 1\], \[1, 0\]"):
        p.gate_error("cx", [0, 2])
    with pytest.raises(DevicePropertyError, match="calibrated gates: cx, reset"):
        p.gate_length("sx", 0)
    with pytest.raises(DevicePropertyError, match="qubits 0..2, not 3"):
        p.t1(3)
    data = p.to_dict()
    assert data["qubits"][0] == [{"date": None, "name": "T1", "unit": "us", "value": 100.0},
                                 {"date": None, "name": "T2", "unit": "us", "value": 80.0}]
    assert {"qubits": [0, 1], "gate": "cx", "name": "cx0_1", "parameters": [
        {"date": None, "name": "gate_error", "unit": "", "value": 0.01}]} in data["gates"]


def test_devices_are_immutable_and_hashable(tri):
    with pytest.raises(dataclasses.FrozenInstanceError):
        tri.n_qubits = 4
    with pytest.raises(TypeError):
        tri.gates[("x", (0,))] = GateProperties()
    assert hash(tri) == hash(dataclasses.replace(tri)) and tri == dataclasses.replace(tri)


# -- DeviceSource: cheap header now, calibration once on demand -----------------------------------

def test_source_reads_only_the_header(tmp_path, monkeypatch):
    path = tmp_path / "paris.toml"
    path.write_text((REPO / "devices" / "paris.toml").read_text())
    seen = []
    real = device_toml.tomllib.loads
    monkeypatch.setattr(device_toml.tomllib, "loads", lambda text: seen.append(len(text))
                        or real(text))
    src = DeviceSource.from_path(path)
    assert (src.name, src.n_qubits, src.default_engine) == ("paris", 27, "auto")
    assert src.source == "IBM ibmq_paris calibration snapshot of 2021-03-15"
    assert src.origin == str(path) and not src.loaded
    assert seen and max(seen) < 1500 < path.stat().st_size  # the calibration was not parsed


def test_source_parses_once_even_under_threads(tmp_path, monkeypatch):
    path = tmp_path / "toy.toml"
    path.write_text(TOYRING.read_text())
    calls = []
    real = device_toml.parse
    monkeypatch.setattr(device_toml, "parse", lambda *a: calls.append(a) or real(*a))
    src = DeviceSource.from_path(path)
    got = []
    threads = [threading.Thread(target=lambda: got.append(src.load())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(d is got[0] for d in got) and src.loaded
    assert DeviceSource.from_path(str(path)) is src and load_device(path) is got[0]
    path.write_text(TOYRING.read_text() + "# edited\n")  # a changed file is read again
    assert DeviceSource.from_path(path) is not src


def test_header_falls_back_to_the_whole_file():
    text = 'coupling.edges = [[0, 1]]\nname = "late"\nn_qubits = 2\nbasis_gates = ["cx"]\n'
    assert device_toml.read_header(text)["name"] == "late"
    assert parse_device(text).coupling_map == ((0, 1), (1, 0))


def test_source_of_anything_registrable(tri):
    assert DeviceSource.from_any(tri).load() is tri and DeviceSource.from_any(tri).loaded
    assert DeviceSource.from_any(TOYRING).name == "toyring"
    with pytest.raises(DeviceSpecError, match="cannot make a device of 42"):
        DeviceSource.from_any(42)
    with pytest.raises(DeviceSpecError, match="missing.toml: cannot read device file"):
        DeviceSource.from_path("missing.toml")


def test_source_header_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "has space"\nn_qubits = 2\n')
    with pytest.raises(DeviceSpecError, match=r"bad\.toml: name: 'has space' is not a device"):
        DeviceSource.from_path(path)


def test_docs_document_every_key_and_include_the_example_pack():
    docs = (REPO / "docs" / "devices.md").read_text()
    keys = (*device_toml.TOP_KEYS, *device_toml.COUPLING_KEYS, *device_toml.QUBIT_KEYS,
            *device_toml.GATE_KEYS, *device_toml.SHORTCUTS, "qubit", "gate")
    assert [k for k in keys if f"`{k}`" not in docs] == []
    assert TOYRING.read_text() in docs
    assert (TOYRING.parent / "__init__.py").read_text() in docs
