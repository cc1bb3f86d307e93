"""What a device accepts as written: fractional gates (opt-in) and dynamic circuits
(``supported_instructions``), on the shipped devices and on hand-written files."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import qfoundry
from qfoundry.device_toml import parse
from qfoundry.errors import DeviceSpecError, UnsupportedInstructionError

TOY = """
name = "toy"
n_qubits = 2
basis_gates = ["cz", "rz", "sx", "x"]
{extra}
coupling = {{ shortcut = "line" }}
defaults.qubit = {{ t1_us = 100.0, t2_us = 80.0, readout_error = 0.01 }}
defaults.gates.cz = {{ error = 0.01, length_ns = 70.0 }}
{gates}
"""


def toy(extra: str = "", gates: str = ""):
    return parse(TOY.format(extra=extra, gates=gates), "toy.toml")


def dynamic() -> qfoundry.Circuit:
    c = qfoundry.Circuit(2, 2)
    c.x(0).measure(0, 0)
    c.x(1).c_if(c.cregs[0], 1)
    return c.measure(1, 1)


@pytest.fixture(scope="module")
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_fractional_gates_are_opt_in_on_heron(quiet):
    plain = qfoundry.get_backend("fake_torino")
    frac = qfoundry.get_backend("fake_torino", use_fractional_gates=True)
    assert plain.device.fractional_gates == ("rx", "rzz")
    assert "rzz" not in plain.configuration().basis_gates
    assert frac.configuration().basis_gates[-2:] == ["rx", "rzz"]
    assert frac.configuration().fractional_gates == ["rx", "rzz"]
    c = qfoundry.Circuit(2).h(0).rzz(0.4, 0, 1).rx(0.3, 1)
    # With the option the transpiler keeps them; without, it synthesises them from cz.
    assert {"rzz", "rx"} <= set(qfoundry.transpile(c, frac, seed=1).count_ops())
    ops = qfoundry.transpile(c, plain, seed=1).count_ops()
    assert "rzz" not in ops and "rx" not in ops and ops["cz"] == 2
    native = qfoundry.transpile(c, frac, seed=1)
    frac.run(native, transpile=False, shots=10)
    with pytest.raises(UnsupportedInstructionError, match=r"rzz on qubits .* is not native to "
                       r"fake_torino .* rzz is a fractional gate of fake_torino: open the "
                       r"backend with use_fractional_gates=True"):
        plain.run(native, transpile=False, shots=10)
    # The calibration is kept either way, and drives the noise of the gate.
    pair = next(op.qubits for op in native.data if op.name == "rzz")
    assert plain.properties().gate_error("rzz", pair) > 0
    assert frac.noise_model.quantum_error("rzz", pair) is not None


def test_fractional_gate_noise_is_the_calibrated_error(quiet):
    """An rzz's channel has the calibrated average gate infidelity (same rule as cz)."""
    backend = qfoundry.get_backend("fake_fez", use_fractional_gates=True)
    device = backend.device
    # (Some snapshot edges report error 1.0, a broken coupler: clipped to d/(d+1).)
    (pair, props) = next((qs, p) for (g, qs), p in device.gates.items()
                         if g == "rzz" and p.error < 0.1)
    channel = backend.noise_model.quantum_error("rzz", pair)
    superop = np.asarray(channel.superop)
    d = 4
    fidelity = (d * np.real(np.trace(superop)) / d ** 2 + 1) / (d + 1)
    assert abs((1 - fidelity) - props.error) < 1e-12


def test_dynamic_circuits_follow_supported_instructions(quiet):
    # Eagle and Heron list if_else: hardware-strict runs accept conditionals.
    sherbrooke = qfoundry.get_backend("fake_sherbrooke")
    assert "if_else" in sherbrooke.device.supported_instructions
    mapped = qfoundry.transpile(dynamic(), sherbrooke, seed=1)
    counts = sherbrooke.run(mapped, transpile=False, shots=200, seed_simulator=1)
    assert sum(counts.result().get_counts().values()) == 200
    # Paris lists no if_else; almaden lists nothing at all: both refuse, saying why.
    paris = qfoundry.get_backend("fake_paris")
    with pytest.raises(UnsupportedInstructionError, match=r"classically conditioned, a dynamic "
                       r"circuit, but fake_paris runs no dynamic circuits: its "
                       r"supported_instructions \(.*\) lack if_else"):
        paris.run(qfoundry.transpile(dynamic(), paris, seed=1), transpile=False)
    almaden = qfoundry.get_backend("fake_almaden")
    assert almaden.device.supported_instructions is None
    with pytest.raises(UnsupportedInstructionError, match="its configuration lists no "
                                                          "supported_instructions"):
        almaden.run(qfoundry.transpile(dynamic(), almaden, seed=1), transpile=False)
    # Mapped runs simulate conditionals everywhere (the simulator is not the hardware).
    assert sum(paris.run(dynamic(), shots=50).result().get_counts().values()) == 50


def test_hand_written_devices_without_the_list_run_no_dynamic_circuits(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY.format(extra="", gates=""))
    backend = qfoundry.get_backend(str(path), engine="density_matrix")
    with pytest.raises(UnsupportedInstructionError, match="lists no supported_instructions"):
        backend.run(qfoundry.transpile(dynamic(), backend, seed=1), transpile=False)
    path.write_text(TOY.format(extra='supported_instructions = ["measure", "if_else"]',
                               gates=""))
    backend = qfoundry.get_backend(str(path), engine="density_matrix")
    backend.run(qfoundry.transpile(dynamic(), backend, seed=1), transpile=False, shots=10)


def test_toml_keys_round_trip_and_are_validated():
    device = toy('fractional_gates = ["rzz"]\nsupported_instructions = ["measure", "if_else"]',
                 'gates = [{ gate = "rzz", qubits = [0, 1], error = 0.02, length_ns = 70.0 },'
                 ' { gate = "measure", qubits = [1], error = 0.01 }]')
    assert device.fractional_gates == ("rzz",)
    assert device.supported_instructions == ("measure", "if_else")
    assert device.gate_error("rzz", (0, 1)) == 0.02 and device.gate_error("measure", 1) == 0.01
    assert parse(qfoundry.devices.device_to_toml(device)) == dataclasses.replace(device,
                                                                                path=None)
    for extra, key, words in [
        ('fractional_gates = ["cz"]', "fractional_gates[0]", "already in basis_gates"),
        ('fractional_gates = ["rx", "rx"]', "fractional_gates[1]", "gate 'rx' is listed twice"),
        ('supported_instructions = ["measure", 3]', "supported_instructions[1]",
         "expected an instruction name"),
        ('supported_instructions = "if_else"', "supported_instructions", "expected array"),
    ]:
        with pytest.raises(DeviceSpecError) as info:
            toy(extra)
        assert (info.value.key, words in info.value.reason) == (key, True), info.value
    with pytest.raises(DeviceSpecError, match="not in basis_gates, fractional_gates or "
                                              "supported_instructions"):
        toy(gates='gates = [{ gate = "rzz", qubits = [0, 1], error = 0.02 }]')


def test_cli_warnings_are_one_line(tmp_path):
    from pathlib import Path

    snap = Path(__file__).resolve().parents[1] / "devices" / "snapshots" / "manila"
    props = json.loads((snap / "props_manila.json").read_text())
    props["gates"].append({"qubits": [0], "gate": "u3", "name": "u3_0", "parameters": [
        {"date": "", "name": "gate_error", "unit": "", "value": 0.001}]})
    path = tmp_path / "props_manila.json"
    path.write_text(json.dumps(props))
    # A separate process: pytest records warnings itself, the command line prints them.
    args = ["import-ibm", str(snap / "conf_manila.json"), str(path), "-o",
            str(tmp_path / "m.toml")]
    done = subprocess.run([sys.executable, "-c", "import sys; from qfoundry.cli import main; "
                           f"sys.exit(main({args!r}))"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr == (f"qfoundry: warning: {path}: calibration of u3 dropped: not in "
                           "basis_gates or supported_instructions\n")


@pytest.mark.parametrize("theta", [0.4, np.pi / 2, -0.4, -np.pi / 2, 2.0, -2.5, np.pi, 4.0,
                                   -7.0, 0.0, 2 * np.pi, 1e-13])
def test_rzz_angles_are_folded_into_the_calibrated_range(quiet, theta):
    """As qiskit-ibm-runtime's FoldRzzAngle: any angle in, 0 < angle <= pi/2 out, the same
    unitary up to global phase, and the result runs hardware-strict."""
    from test_transpiler import assert_equivalent

    frac = qfoundry.get_backend("fake_torino", use_fractional_gates=True)
    c = qfoundry.Circuit(3).h(0).rzz(theta, 0, 1).ry(0.3, 1).rzz(theta, 2, 1).rx(0.7, 1)
    out = qfoundry.transpile(c, frac, seed=1)
    angles = [op.params[0] for op in out.data if op.name == "rzz"]
    assert all(0 < a <= np.pi / 2 for a in angles), angles
    assert len(angles) == (0 if abs(math.remainder(theta, np.pi)) < 1e-12 else 2)
    assert_equivalent(c, out, atol=1e-9)
    frac.run(out, transpile=False, shots=5).result()


def test_hardware_strict_runs_refuse_rzz_outside_its_range(quiet):
    frac = qfoundry.get_backend("fake_torino", use_fractional_gates=True)
    frac.run(qfoundry.Circuit(2).rzz(np.pi / 2, 0, 1), transpile=False, shots=5).result()
    with pytest.raises(UnsupportedInstructionError, match=r"instruction 0 \(rzz on qubits "
                       r"\[0, 1\]\) has angle -0.3, outside the range 0..pi/2 that fake_torino "
                       r"calibrates rzz for; transpile the circuit"):
        frac.run(qfoundry.Circuit(2).rzz(-0.3, 0, 1), transpile=False)
    # Mapped runs (the default) fold the angle first, so the same circuit runs.
    c = qfoundry.Circuit(2).rzz(-0.3, 0, 1)
    c.measure_all()
    assert sum(frac.run(c, shots=5).result().get_counts().values()) == 5
