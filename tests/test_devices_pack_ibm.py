"""The shipped IBM device pack against qiskit-ibm-runtime's snapshots and Qiskit Aer.

For every shipped device (68, the fake backends of qiskit-ibm-runtime 0.51):

* the TOML's figures are the snapshot's own numbers (qubits, gates, basis, coupling,
  supported_instructions, fractional gates);
* a circuit on min(5, n_qubits) qubits, transpiled by Qiskit to the device's basis and
  directed coupling on a fixed path of qubits, run with ``transpile=False`` on the
  density-matrix engine, gives Aer's density matrix (``AerSimulator(method=
  "density_matrix")`` with ``NoiseModel.from_backend_properties`` of the same snapshot)
  to 1e-9. Devices with fractional gates also run an ``rzz``/``rx`` circuit with
  ``use_fractional_gates=True``.

Aer's model is given the snapshot without its ``measure``/``measure_2`` gate entries:
qfoundry, like Aer's Target path, treats measurement as readout error only (the entries
repeat the qubits' readout figures), see docs/noise.md.

Kept small: Qiskit transpiles a few-qubit circuit onto the path's own coupling (not the
whole 156-qubit chip), one transpiled circuit per distinct (basis, path coupling), and
Aer builds its model from the gates on the path only.
"""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import qfoundry
from qfoundry.device_toml import tomllib
from qfoundry.devices import regenerate

pytestmark = pytest.mark.oracle
REPO = Path(__file__).resolve().parents[1]
DEVICES = REPO / "devices"
NAMES = sorted(p.stem for p in DEVICES.glob("*.toml"))
QUBIT_KEYS = {"T1": "t1_us", "T2": "t2_us", "frequency": "frequency_ghz",
              "readout_error": "readout_error", "prob_meas0_prep1": "prob_meas0_prep1",
              "prob_meas1_prep0": "prob_meas1_prep0", "readout_length": "readout_length_ns"}


@functools.cache
def _snapshots() -> dict[str, tuple[Path, Path]]:
    pytest.importorskip("qiskit_ibm_runtime")
    return regenerate.snapshots()


@functools.cache
def _snapshot(name: str) -> tuple[dict, dict]:
    conf, props = _snapshots()[name]
    return json.loads(conf.read_text()), json.loads(props.read_text())


@functools.cache
def _device(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # T2 > 2*T1 on some qubits: documented, kept
        return qfoundry.load_device(DEVICES / f"{name}.toml")


def test_the_pack_is_every_fake_backend_of_qiskit_ibm_runtime():
    assert NAMES == sorted(_snapshots()) and len(NAMES) == 68
    notice = (DEVICES / "NOTICE.md").read_text()
    assert "Apache License" in notice and "IBM" in notice and regenerate.PINNED_VERSION in notice


def test_regeneration_is_byte_identical_under_the_pinned_version():
    runtime = pytest.importorskip("qiskit_ibm_runtime")
    if runtime.__version__ != regenerate.PINNED_VERSION:
        pytest.skip(f"qiskit-ibm-runtime {runtime.__version__} is installed; the pack is "
                    f"pinned to {regenerate.PINNED_VERSION} (snapshots change between releases)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        differ = [name for name, (conf, props) in _snapshots().items()
                  if regenerate.render(name, conf, props) != (DEVICES / f"{name}.toml").read_text()]
    assert differ == []


@pytest.mark.parametrize("name", NAMES)
def test_toml_figures_are_the_snapshot_numbers(name):
    conf, props = _snapshot(name)
    data = tomllib.loads((DEVICES / f"{name}.toml").read_text())
    assert data["name"] == name and data["n_qubits"] == conf["n_qubits"]
    basis = list(conf["basis_gates"])
    if "reset" not in basis and "reset" in conf.get("supported_instructions", ()):
        basis.append("reset")  # the documented rule: reset joins the basis it is listed in
    assert data["basis_gates"] == basis
    assert data.get("supported_instructions") == conf.get("supported_instructions")
    calibrated = {g["gate"] for g in props["gates"]}
    assert data.get("fractional_gates", []) == [g for g in ("rx", "rzz") if g in calibrated
                                                and g not in basis]
    coupling = data.get("coupling", {"edges": [], "directed": True})  # armonk: one qubit
    edges = {tuple(e) for e in coupling["edges"]}
    if not coupling["directed"]:
        edges |= {(b, a) for a, b in edges}
    assert edges == {tuple(e) for e in conf["coupling_map"] or ()}
    shared = data["defaults"].get("qubit", {})
    per_qubit = {e["qubit"]: e for e in data.get("qubits", [])}
    for q, nduvs in enumerate(props["qubits"]):
        for nduv in nduvs:
            if nduv["name"] in QUBIT_KEYS:
                key = QUBIT_KEYS[nduv["name"]]
                assert per_qubit.get(q, {}).get(key, shared.get(key)) == nduv["value"], (q, key)
    entries = {(e["gate"], tuple(e["qubits"])): e for e in data.get("gates", [])}
    defaults = data["defaults"].get("gates", {})
    kept = 0
    for entry in props["gates"]:
        gate = entry["gate"]
        mine = entries.get((gate, tuple(entry["qubits"])), {})
        for p in entry["parameters"]:
            key = {"gate_error": "error", "gate_length": "length_ns"}.get(p["name"])
            if key is not None:
                assert mine.get(key, defaults.get(gate, {}).get(key)) == p["value"], entry["name"]
        kept += 1
    assert kept == len(props["gates"])  # no snapshot calibration is dropped


# -- against Aer ---------------------------------------------------------------------------

def _path(device, n: int) -> list[int]:
    """n connected qubits, breadth first from qubit 0 (Qiskit routes within them)."""
    found = [0]
    for q in found:
        for a, b in device.coupling_map:  # directed pairs: either end leads on
            other = b if a == q else a if b == q else None
            if other is not None and other not in found and len(found) < n:
                found.append(other)
    return found


def _circuit(n: int, fractional: tuple[str, ...]):
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n - 1):
        qc.cx(q, q + 1)
    qc.ry(0.7, 0)
    qc.t(n - 1)
    if "rzz" in fractional and n > 1:
        qc.rzz(0.4, 0, 1)
    if "rx" in fractional:
        qc.rx(0.6, n - 1)
    return qc


@functools.cache
def _transpiled(basis: tuple[str, ...], local_edges: tuple, n: int, fractional: tuple):
    """Qiskit's transpilation of the test circuit onto n qubits joined by local_edges."""
    from qiskit import transpile
    from qiskit.transpiler import CouplingMap

    return transpile(_circuit(n, fractional), basis_gates=list(basis),
                     coupling_map=CouplingMap([list(e) for e in local_edges]) if n > 1
                     else None, initial_layout=list(range(n)), optimization_level=1,
                     seed_transpiler=11)


def _aer_properties(name: str, layout: tuple[int, ...], used: set):
    """The snapshot's properties with the calibration of the (gate, qubits) the circuit
    uses (building each of Aer's channels costs milliseconds; the others never act)."""
    from qiskit_ibm_runtime.models import BackendProperties

    _, props = _snapshot(name)
    on = set(layout)
    # Heron/Nighthawk snapshots give no qubit frequency, which Aer's properties path
    # requires; at temperature 0 (the default) it does not enter the noise, so any will do.
    date = props["last_update_date"]
    qubits = [q if any(n["name"] == "frequency" for n in q) else
              q + [{"date": date, "name": "frequency", "unit": "GHz", "value": 5.0}]
              for q in props["qubits"]]
    # Aer also needs T1 and T2 of every qubit, which a few snapshots lack for a qubit or
    # two far from the path (Kingston's 146); those qubits are never touched.
    for q, nduvs in enumerate(qubits):
        missing = {"T1", "T2"} - {n["name"] for n in nduvs}
        assert not (missing and q in on), f"qubit {q} on the path lacks {missing}"
        qubits[q] = nduvs + [{"date": date, "name": m, "unit": "us", "value": 100.0}
                             for m in sorted(missing)]
    props = dict(props, qubits=qubits, general=[], gates=[
        g for g in props["gates"] if (g["gate"], tuple(g["qubits"])) in used])
    return BackendProperties.from_dict(props)


def _cases():
    for name in NAMES:
        yield pytest.param(name, False, id=name)
    for name in ("aachen", "boston", "fez", "kingston", "marrakesh", "pittsburgh", "torino",
                 "berlin", "miami"):
        yield pytest.param(name, True, id=f"{name}-fractional")


@pytest.mark.parametrize("name, fractional", list(_cases()))
def test_density_matrix_equals_aer(name, fractional):
    qiskit = pytest.importorskip("qiskit")
    aer = pytest.importorskip("qiskit_aer")
    device = _device(name)
    assert bool(device.fractional_gates) == fractional or not fractional
    n = min(5, device.n_qubits)
    layout = _path(device, n)
    basis = device.basis_gates + (device.fractional_gates if fractional else ())
    local = {p: i for i, p in enumerate(layout)}
    local_edges = tuple(sorted((local[a], local[b]) for a, b in device.coupling_map
                               if a in local and b in local))
    small = _transpiled(basis, local_edges, n, device.fractional_gates if fractional else ())
    if fractional:
        assert {"rzz", "rx"} & set(small.count_ops()) == set(device.fractional_gates)
    circuit = qiskit.QuantumCircuit(device.n_qubits)
    circuit.compose(small, qubits=layout, inplace=True)
    active = sorted(layout)

    backend = qfoundry.get_backend(f"fake_{name}", engine="density_matrix",
                                   use_fractional_gates=fractional)
    result = backend.run(circuit, transpile=False, shots=1, save_density_matrix=True).result()
    ours = np.asarray(result.get_density_matrix())

    used = {(ci.operation.name, tuple(circuit.find_bit(q).index for q in ci.qubits))
            for ci in circuit.data}
    model = aer.noise.NoiseModel.from_backend_properties(
        _aer_properties(name, tuple(active), used), dt=device.dt)
    with_save = circuit.copy()
    with_save.save_density_matrix(qubits=active)
    sim = aer.AerSimulator(method="density_matrix", noise_model=model)
    theirs = np.asarray(sim.run(with_save, shots=1).result().data()["density_matrix"])
    assert ours.shape == theirs.shape == (2 ** n, 2 ** n)
    np.testing.assert_allclose(ours, theirs, atol=1e-9, rtol=0)
    # The noise matters at this tolerance: the ideal run is far from Aer's noisy one.
    ideal = backend.run(circuit, transpile=False, shots=1, save_density_matrix=True,
                        noise_model=None).result()
    assert np.abs(np.asarray(ideal.get_density_matrix()) - theirs).max() > 1e-5
