"""The shipped IBM devices against their snapshots, and the importer that makes them."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from pathlib import Path

import pytest

from qfoundry import cli
from qfoundry.device_toml import tomllib  # tomllib, or tomli on Python 3.10
from qfoundry.devices import DeviceSpecWarning, load_device, regenerate
from qfoundry.errors import DeviceSpecError
from qfoundry.ibm_import import import_ibm, import_ibm_toml

REPO = Path(__file__).resolve().parent.parent
DEVICES = REPO / "devices"
SNAPSHOTS = DEVICES / "snapshots"
NAMES = ["paris", "manila", "guadalupe", "brooklyn"]
QUBIT_KEYS = {"T1": ("t1_us", "t1"), "T2": ("t2_us", "t2"),
              "frequency": ("frequency_ghz", "frequency"),
              "readout_error": ("readout_error", "readout_error"),
              "prob_meas0_prep1": ("prob_meas0_prep1", "prob_meas0_prep1"),
              "prob_meas1_prep0": ("prob_meas1_prep0", "prob_meas1_prep0"),
              "readout_length": ("readout_length_ns", "readout_length")}
TO_SI = {"us": lambda v: v / 10**6, "ns": lambda v: v / 10**9, "GHz": lambda v: v * 10**9,
         "": lambda v: v}


def snapshot(name: str) -> tuple[dict, dict]:
    folder = SNAPSHOTS / name
    return (json.loads((folder / f"conf_{name}.json").read_text()),
            json.loads((folder / f"props_{name}.json").read_text()))


def load(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        return load_device(DEVICES / f"{name}.toml")


@pytest.fixture(scope="module")
def paris():
    return load("paris")


def test_paris_identity_and_topology(paris):
    conf, props = snapshot("paris")
    assert (paris.name, paris.n_qubits, paris.version) == ("paris", 27, "1.7.11")
    assert paris.basis_gates == ("id", "rz", "sx", "x", "cx", "reset") == tuple(conf["basis_gates"])
    assert list(map(list, paris.coupling_map)) == sorted(conf["coupling_map"])
    assert len(paris.coupling_map) == 56 and paris.dt == conf["dt"] / 10**9
    assert paris.calibration_date == props["last_update_date"] == "2021-03-15T14:03:31-04:00"
    assert paris.source == "IBM ibmq_paris calibration snapshot of 2021-03-15"
    assert (paris.processor_type, paris.max_shots, paris.quantum_volume) == ("Falcon r4", 8192, 32)


def test_every_paris_figure_matches_the_snapshot(paris):
    _, props = snapshot("paris")
    checked = 0
    for q, nduvs in enumerate(props["qubits"]):
        for nduv in nduvs:
            if nduv["name"] not in QUBIT_KEYS:
                assert nduv["name"] == "anharmonicity"  # the only figure not modelled
                continue
            ours = getattr(paris.qubits[q], QUBIT_KEYS[nduv["name"]][1])
            assert ours == TO_SI[nduv["unit"]](nduv["value"]), (q, nduv["name"])
            checked += 1
    for entry in props["gates"]:
        qubits = tuple(entry["qubits"])
        figures = {p["name"]: p for p in entry["parameters"]}
        got = paris.gate_properties(entry["gate"], qubits)
        want_error = figures.get("gate_error", {}).get("value")
        length = figures["gate_length"]
        assert got.error == want_error and got.length == TO_SI[length["unit"]](length["value"])
        checked += 1
    assert checked == 27 * 7 + 191
    assert len(paris.gates) == 191
    # Spot checks against peer-semantics.md section 8 (T1/T2 in us, cx lengths in ns).
    assert round(paris.t1(12) * 1e6, 2) == 17.98 and round(paris.t2(13) * 1e6, 2) == 151.39
    assert round(paris.gate_length("cx", (0, 1)) * 1e9, 2) == 362.67
    assert round(paris.gate_length("cx", (1, 0)) * 1e9, 2) == 398.22


@pytest.mark.parametrize("name", NAMES)
def test_toml_figures_are_the_snapshot_numbers_digit_for_digit(name):
    data = tomllib.loads((DEVICES / f"{name}.toml").read_text())
    _, props = snapshot(name)
    per_qubit = {e["qubit"]: e for e in data.get("qubits", [])}
    shared = data["defaults"]["qubit"]
    for q, nduvs in enumerate(props["qubits"]):
        for nduv in nduvs:
            if nduv["name"] in QUBIT_KEYS:
                key = QUBIT_KEYS[nduv["name"]][0]
                assert per_qubit.get(q, {}).get(key, shared.get(key)) == nduv["value"]
    entries = {(e["gate"], tuple(e["qubits"])): e for e in data["gates"]}
    for entry in props["gates"]:
        default = data["defaults"]["gates"].get(entry["gate"], {})
        mine = entries.get((entry["gate"], tuple(entry["qubits"])), {})
        for p in entry["parameters"]:
            key = "error" if p["name"] == "gate_error" else "length_ns"
            assert mine.get(key, default.get(key)) == p["value"]


@pytest.mark.parametrize("name", NAMES)
def test_shipped_files_are_what_the_importer_writes(name):
    conf = SNAPSHOTS / name / f"conf_{name}.json"
    props = SNAPSHOTS / name / f"props_{name}.json"
    assert regenerate.render(name, conf, props) == (DEVICES / f"{name}.toml").read_text()
    device = load(name)
    assert device.n_qubits == {"paris": 27, "manila": 5, "guadalupe": 16, "brooklyn": 65}[name]
    assert import_ibm(*snapshot(name)) == dataclasses.replace(device, path=None)


def test_manila_gains_reset_from_supported_instructions():
    conf, props = snapshot("manila")
    assert "reset" not in conf["basis_gates"] and "reset" in conf["supported_instructions"]
    manila = load("manila")
    assert manila.basis_gates == ("cx", "id", "rz", "sx", "x", "reset")
    assert manila.gate_length("reset", 0) == 5514.666666666666 / 10**9


def test_snapshot_notice_is_shipped():
    notice = (SNAPSHOTS / "NOTICE.md").read_text()
    assert "Apache License 2.0" in notice and "copyright IBM" in notice


def test_import_options_and_dicts():
    conf, props = snapshot("manila")
    device = import_ibm(conf, props, name="my_manila", source="lab notes",
                        default_engine="statevector")
    assert (device.name, device.source, device.default_engine) == (
        "my_manila", "lab notes", "statevector")
    text = import_ibm_toml(conf, props, name="my_manila")
    assert text.startswith("# IBM Quantum ibmq_manila: 5 qubits, Falcon r5.11L processor.\n"
                           "# Generated by `qfoundry import-ibm <dict> <dict>`")


def test_import_drops_calibration_outside_the_basis_with_a_warning():
    conf, props = snapshot("manila")
    props["gates"].append({"qubits": [0], "gate": "u3", "name": "u3_0", "parameters": [
        {"date": "", "name": "gate_error", "unit": "", "value": 0.001}]})
    with pytest.warns(UserWarning, match="calibration of u3 dropped: not in basis_gates or "
                                         "supported_instructions"):
        device = import_ibm(conf, props)
    assert device.gate_properties("u3", 0) is None


@pytest.mark.parametrize("change, words", [
    (lambda c, p: p["qubits"][0][0].update(unit="fortnights"), "qubits[0][0] (T1): unknown unit"),
    (lambda c, p: p["qubits"][0][0].update(value="slow"), "expected a number"),
    (lambda c, p: c.pop("n_qubits"), "n_qubits: missing required key"),
    (lambda c, p: p["qubits"].pop(), "has 4 qubits, the configuration 5"),
    (lambda c, p: p["qubits"][1][4].update(value=1.5),
     "props_manila.json: qubits[1] (readout_error): is a probability"),
    (lambda c, p: p["gates"][27].update(qubits=[0, 3]),
     "props_manila.json: gates[27]: cx on [0, 3]: the pair is not in the configuration's"),
    (lambda c, p: c["coupling_map"].append([4, 5]), "conf_manila.json: coupling_map: edge (4, 5)"),
    (lambda c, p: p["gates"][0].pop("gate"), "gates[0]: expected 'gate'"),
])
def test_import_errors(change, words, tmp_path):
    conf, props = snapshot("manila")
    change(conf, props)
    paths = tmp_path / "conf_manila.json", tmp_path / "props_manila.json"
    for path, data in zip(paths, (conf, props)):
        path.write_text(json.dumps(data))
    with pytest.raises(DeviceSpecError) as info:
        import_ibm(*paths)
    assert words in str(info.value)


def test_import_unreadable_files(tmp_path):
    with pytest.raises(DeviceSpecError, match=r"nope\.json: cannot read the backend config"):
        import_ibm(tmp_path / "nope.json", tmp_path / "nope2.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(DeviceSpecError, match=r"bad\.json: the backend configuration is not "
                                              "valid JSON"):
        import_ibm(bad, bad)


def test_cli_import_ibm(tmp_path, capsys):
    conf = str(SNAPSHOTS / "manila" / "conf_manila.json")
    props = str(SNAPSHOTS / "manila" / "props_manila.json")
    out = tmp_path / "manila.toml"
    assert cli.main(["import-ibm", conf, props, "-o", str(out)]) == 0
    # The shipped file differs only in the line naming what generated it.
    shipped = (DEVICES / "manila.toml").read_text().splitlines()
    assert out.read_text().splitlines()[2:] == shipped[2:]
    assert out.read_text().splitlines()[1] == ("# Generated by `qfoundry import-ibm "
                                               "conf_manila.json props_manila.json`; do not "
                                               "edit by hand.")
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert cli.main(["import-ibm", conf, props, "--name", "m2"]) == 0
    assert 'name = "m2"' in capsys.readouterr().out
    assert cli.main(["import-ibm", conf, str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qfoundry: error: ") and "missing.json" in err and err.count("\n") == 1
    assert cli.main(["import-ibm", props, conf]) == 2  # the two files swapped
    err = capsys.readouterr().err
    assert "props_manila.json: this is a properties file" in err and "conf_*.json) first" in err
    assert cli.main(["import-ibm", conf, conf]) == 2  # the configuration twice
    err = capsys.readouterr().err
    assert "conf_manila.json: this is a configuration file: give the properties" in err
    assert cli.main(["import-ibm", props, props]) == 2  # the properties twice
    err = capsys.readouterr().err
    assert "props_manila.json: this is a properties file: give the configuration" in err


@pytest.mark.oracle
def test_paris_matches_qiskit_fake_paris(paris):
    fake_provider = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    backend = fake_provider.FakeParisV2()
    target = backend.target
    assert set(backend.coupling_map.get_edges()) == set(paris.coupling_map)
    assert math.isclose(backend.dt, paris.dt, rel_tol=1e-15)
    for q, props in enumerate(target.qubit_properties):
        assert math.isclose(props.t1, paris.t1(q), rel_tol=1e-15)
        assert math.isclose(props.t2, paris.t2(q), rel_tol=1e-15)
        assert math.isclose(props.frequency, paris.frequency(q), rel_tol=1e-15)
    for gate in ("sx", "x", "id", "cx", "reset"):
        for qubits, inst in target[gate].items():
            assert inst.error == paris.gate_error(gate, qubits)
            assert math.isclose(inst.duration, paris.gate_length(gate, qubits), rel_tol=1e-15)
    for q in range(27):
        assert target["measure"][(q,)].error == paris.readout_error(q)


@pytest.mark.oracle
def test_properties_to_dict_reads_back_in_qiskit(paris):
    models = pytest.importorskip("qiskit_ibm_runtime.models")
    theirs = models.BackendProperties.from_dict(paris.properties().to_dict())
    ours = paris.properties()
    for q in range(27):
        for accessor in ("t1", "t2", "frequency", "readout_error", "readout_length"):
            assert math.isclose(getattr(theirs, accessor)(q), getattr(ours, accessor)(q),
                                rel_tol=1e-15)
    for (gate, qubits), _ in paris.gates.items():
        assert math.isclose(theirs.gate_length(gate, qubits), ours.gate_length(gate, qubits),
                            rel_tol=1e-15)
        if gate != "reset":
            assert theirs.gate_error(gate, qubits) == ours.gate_error(gate, qubits)
    # The dict has the snapshot's shape and units, and its figures the same SI values (the
    # last printed digit may differ where two decimal numbers round to one SI float).
    _, props = snapshot("paris")

    def figures(qubits):
        return [[(n["name"], n["unit"], TO_SI[n["unit"]](n["value"])) for n in q
                 if n["name"] != "anharmonicity"] for q in qubits]

    assert figures(paris.properties().to_dict()["qubits"]) == figures(props["qubits"])
