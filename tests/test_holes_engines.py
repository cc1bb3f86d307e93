"""Engine-facing holes of issue 12: auto with save_density_matrix, delays in seconds, the
measure register rule on every engine, initialize checked at run(), and the seeds'
documented attributes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import qfoundry

RELAX = ('name = "relax"\nn_qubits = 1\nbasis_gates = ["x", "rz", "sx"]\ndt_ns = 0.25\n'
         '[[qubits]]\nqubit = 0\nt1_us = 50\nt2_us = 30\n')
T1, T2 = 50e-6, 30e-6


@pytest.fixture
def relax(tmp_path):
    path = tmp_path / "relax.toml"
    path.write_text(RELAX)
    return qfoundry.get_backend(str(path), engine="density_matrix")


# -- auto and save_density_matrix ---------------------------------------------------------------
def test_auto_with_save_density_matrix_picks_the_density_matrix_even_for_few_shots():
    c = qfoundry.Circuit(2, 2)
    c.h(0)
    c.cx(0, 1)
    c.measure([0, 1], [0, 1])
    result = qfoundry.get_backend("fake_manila").run(c, shots=4, save_density_matrix=True,
                                                     seed_simulator=1).result()
    meta = result.results[0].metadata
    assert meta["engine"] == "density_matrix"
    assert meta["engine_reason"] == "save_density_matrix=True needs the density matrix"
    rho = result.get_density_matrix()
    assert rho.shape == (4, 4) and abs(np.trace(rho) - 1) < 1e-10


def test_auto_with_save_density_matrix_refuses_clearly_when_too_large():
    c = qfoundry.Circuit(20, 20)
    for q in range(20):
        c.h(q)
    c.measure(list(range(20)), list(range(20)))
    with pytest.raises(qfoundry.SimulationTooLargeError):
        qfoundry.get_backend("fake_brooklyn").run(c, save_density_matrix=True,
                                                  max_memory_mb=64)


# -- delays: the unit is carried ------------------------------------------------------------------
def test_circuit_delay_carries_its_unit():
    c = qfoundry.Circuit(1)
    c.delay(711e-9, 0, unit="s")
    c.delay(3200, 0)  # Qiskit's default: units of the device's dt
    first, second = qfoundry.assemble(c).experiments[0].instructions
    assert (first.name, first.params, first.unit) == ("delay", [711e-9], "s")
    assert getattr(second, "unit", "dt") == "dt" and second.params == [3200]


@pytest.mark.parametrize("t", [711e-9, 20e-6])
def test_delay_relaxation_matches_the_exact_channel(relax, t):
    # |1> relaxes to P(1) = exp(-t/T1); sx|0> keeps |rho01| = exp(-t/T2)/2. The device's
    # gates carry no error, so the channel is the delay's thermal relaxation exactly. The
    # same delay in seconds and in units of dt (0.25 ns here) gives the same channel.
    for delay in ((t, "s"), (round(t / 0.25e-9), "dt")):
        for prep, check in (("x", lambda r: r[1, 1].real - math.exp(-t / T1)),
                            ("sx", lambda r: abs(r[0, 1]) - math.exp(-t / T2) / 2)):
            c = qfoundry.Circuit(1, 1)
            getattr(c, prep)(0)
            c.delay(delay[0], 0, unit=delay[1])
            c.measure(0, 0)
            rho = relax.run(c, shots=10, save_density_matrix=True).result().get_density_matrix()
            assert abs(check(rho)) < 1e-12, (prep, t, delay)


def test_a_qobj_delay_in_dt_survives_the_transpiler(relax):
    # A bare Qobj delay is in units of dt; mapped through the transpiler (h is not native),
    # it keeps its unit, so the engine applies the same relaxation.
    exp = {"header": {"memory_slots": 1}, "config": {"n_qubits": 1, "memory_slots": 1},
           "instructions": [{"name": "h", "qubits": [0]}, {"name": "h", "qubits": [0]},
                            {"name": "x", "qubits": [0]},
                            {"name": "delay", "params": [80_000], "qubits": [0]},
                            {"name": "measure", "qubits": [0], "memory": [0]}]}
    rho = relax.run({"experiments": [exp]}, shots=10,
                    save_density_matrix=True).result().get_density_matrix()
    assert abs(rho[1, 1].real - math.exp(-20e-6 / T1)) < 1e-9


# -- the measure register rule, initialize: refused at run() on every engine -------------------
ENGINES = ["qasm_simulator", "density_matrix_simulator", "trajectory_simulator", "fake_manila"]


@pytest.mark.parametrize("name", ENGINES)
def test_a_measure_register_shorter_than_its_qubits_is_refused_at_run(name):
    qobj = {"experiments": [{"config": {"n_qubits": 2, "memory_slots": 2}, "instructions": [
        {"name": "measure", "qubits": [0, 1], "memory": [0, 1], "register": [0]}]}]}
    with pytest.raises(qfoundry.QfoundryError, match="register") as err:
        qfoundry.get_backend(name).run(qobj, transpile=False) if name.startswith("fake") \
            else qfoundry.get_backend(name).run(qobj)
    assert not isinstance(err.value, qfoundry.JobError)


@pytest.mark.parametrize("name", ENGINES[:3])
@pytest.mark.parametrize("params, words", [(["z"], "label"), ([1, 1], "normali"),
                                           ([0.5, float("nan")], "nan")])
def test_a_bad_initialize_is_refused_at_run_on_every_engine(name, params, words):
    qobj = {"experiments": [{"config": {"n_qubits": 1, "memory_slots": 1}, "instructions": [
        {"name": "initialize", "params": params, "qubits": [0]},
        {"name": "measure", "qubits": [0], "memory": [0]}]}]}
    with pytest.raises(qfoundry.QfoundryError, match=words) as err:
        qfoundry.get_backend(name).run(qobj)
    assert not isinstance(err.value, qfoundry.JobError)


# -- the seeds' documented attributes ----------------------------------------------------------
def test_simulators_have_qasm_simulator_py_attributes():
    qs, sv = qfoundry.get_backend("qasm_simulator"), qfoundry.get_backend("statevector_simulator")
    assert qs.DEFAULT_CONFIGURATION["backend_name"] == "qasm_simulator"
    assert qs.DEFAULT_OPTIONS["shots"] == 1024 and sv.DEFAULT_OPTIONS["shots"] == 1
    assert qs.MAX_QUBITS_MEMORY == qs.engine.max_qubits(dict(qs.options)) >= 20
    assert (qs.SHOW_FINAL_STATE, sv.SHOW_FINAL_STATE) == (False, True)
    assert qs.version == 1
    qs.DEFAULT_CONFIGURATION["backend_name"] = "changed"  # a copy
    assert qs.configuration().backend_name == "qasm_simulator"


def test_fake_devices_have_fake_paris_attributes(tmp_path):
    paris = qfoundry.get_backend("fake_paris")
    assert (paris.conf_filename, paris.props_filename) == ("conf_paris.json", "props_paris.json")
    assert paris.defs_filename is None
    assert (pathlib_exists(paris.dirname, paris.conf_filename)
            and pathlib_exists(paris.dirname, paris.props_filename))
    with pytest.raises(qfoundry.PulseDefaultsError, match="pulse defaults are not modelled"):
        paris.defaults()
    own = tmp_path / "relax.toml"
    own.write_text(RELAX)
    mine = qfoundry.get_backend(str(own))
    assert mine.dirname == str(tmp_path) and mine.conf_filename is None


def pathlib_exists(folder, name):
    import os

    return os.path.isfile(os.path.join(folder, name))


# -- the unitary simulator counts what it allocates ---------------------------------------------
def test_the_unitary_simulator_refuses_what_the_free_memory_cannot_hold(monkeypatch):
    from qfoundry.plugins._sim import memory

    c = qfoundry.Circuit(8)
    c.h(0)
    copy = 16 * 4 ** 8  # one 8-qubit unitary: 1 MiB
    backend = qfoundry.get_backend("unitary_simulator")
    monkeypatch.setattr(memory, "available_bytes", lambda options: 3 * copy)
    with pytest.raises(qfoundry.SimulationTooLargeError,
                       match=r"4 copies of 1 MiB.*4 MiB.*only 3 MiB of memory is available"):
        backend.run(c)
    monkeypatch.setattr(memory, "available_bytes", lambda options: 5 * copy)
    assert backend.run(c).result().get_unitary().shape == (256, 256)


def test_unknown_option_names_are_our_error_and_still_attribute_errors():
    from qfoundry.errors import OptionsError, UnknownOptionError

    with pytest.raises(UnknownOptionError, match="Options field foo is not valid .*fake_manila"):
        qfoundry.get_backend("fake_manila", foo=1)
    backend = qfoundry.get_backend("qasm_simulator")
    with pytest.raises(OptionsError):  # one except clause catches every option mistake
        backend.set_options(shotz=10)
    with pytest.raises(AttributeError):  # and Qiskit-style code that catches this still works
        getattr(backend.options, "shotz")  # noqa: B009
    assert backend.options.shots == 1024  # nothing was changed by the refused call


def test_a_misspelt_run_option_is_unknown_and_the_closest_name_is_offered():
    from qfoundry.errors import UnknownOptionError

    c = qfoundry.Circuit(1, 1).h(0).measure(0, 0)
    for name in ("qasm_simulator", "fake_manila"):
        with pytest.raises(UnknownOptionError, match=r"'shotz' for backend .*did you mean "
                                                     r"'shots'\? valid options: shots"):
            qfoundry.get_backend(name).run(c, shotz=10)
