"""Bad Qobj input, options and result dicts: refused at run() (or from_dict) with a
QfoundryError naming the experiment, instruction, parameter, field or option; never a
silent wrong result, never an exception of someone else's type (issue 12)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import qfoundry
from qfoundry import Options, limits

M = {"name": "measure", "qubits": [0], "memory": [0]}
ENGINES = ["qasm_simulator", "density_matrix_simulator", "trajectory_simulator"]


def qobj(instructions, n=1, slots=1, config=None, header=None, **exp_config):
    return {"config": config or {},
            "experiments": [{"header": {"name": "e0", **(header or {})},
                             "config": {"n_qubits": n, "memory_slots": slots, **exp_config},
                             "instructions": instructions}]}


def backend(name):
    return qfoundry.get_backend(name)


# -- NaN and inf parameters -----------------------------------------------------------------
@pytest.mark.parametrize("name", ENGINES + ["statevector_simulator", "fake_manila"])
@pytest.mark.parametrize("value, shown", [(math.nan, "nan"), (math.inf, "inf"),
                                          (-math.inf, "-inf")])
def test_non_finite_gate_parameters_are_refused_at_run(name, value, shown):
    insts = [{"name": "x", "qubits": [0]}, {"name": "u3", "params": [0.1, value, 0.2],
                                            "qubits": [0]}, M]
    with pytest.raises(qfoundry.QobjValidationError) as err:
        backend(name).run(qobj(insts))
    msg = str(err.value)
    assert err.value.path == "experiments[0].instructions[1].params[1]"
    assert f"parameter 1 is {shown}" in msg and "experiment 0 ('e0')" in msg
    assert "instruction 1 ('u3')" in msg


def test_non_finite_parameters_from_a_circuit_and_a_unitary_matrix():
    c = qfoundry.Circuit(1, 1)
    with pytest.raises(qfoundry.CircuitError, match="parameter nan is not finite"):
        c.rx(float("nan"), 0)  # the builder refuses it at once
    u = [[[1, 0], [0, 0]], [[0, 0], [float("inf"), 0]]]
    with pytest.raises(qfoundry.QobjValidationError, match=r"params\[0\].*inf"):
        backend("qasm_simulator").run(qobj([{"name": "unitary", "params": [u],
                                             "qubits": [0]}, M]))


def test_a_nan_initial_statevector_is_refused():
    with pytest.raises(qfoundry.OptionsError, match="initial_statevector has a nan entry"):
        backend("statevector_simulator").run(qobj([], 1, 0),
                                             initial_statevector=np.array([np.nan, 1]))


# -- integers mean integers ---------------------------------------------------------------------
@pytest.mark.parametrize("bad", [True, 2.9, "10", float("nan"), 0, -5, None])
def test_shots_must_be_an_integer_in_every_config_form(bad):
    qs = backend("qasm_simulator")
    with pytest.raises(qfoundry.QobjValidationError, match="config.shots"):
        qs.run(qobj([M], config={"shots": bad}) if bad is not None
               else {**qobj([M]), "config": {"shots": "x"}})
    if bad is None:
        return
    with pytest.raises(qfoundry.QobjValidationError, match=r"experiments\[0\].config.shots"):
        qs.run(qobj([M], shots=bad))
    q = qfoundry.QasmQobj.from_dict(qobj([M]))
    q.config.shots = bad
    with pytest.raises(qfoundry.QobjValidationError, match="config.shots"):
        qs.run(q)
    with pytest.raises(qfoundry.OptionsError, match="shots="):
        qs.run(qobj([M]), shots=bad)
    with pytest.raises(qfoundry.OptionsError, match="shots="):
        qs.clone().set_options(shots=bad)


def test_options_validators_raise_options_error_a_value_error():
    o = Options(n=1, p=0.5, level=1)
    o.set_validator("n", (1, 10))
    o.set_validator("p", (0.0, 1.0))
    o.set_validator("level", [0, 1, 2])
    for field, bad in [("n", True), ("n", 2.5), ("n", math.nan), ("p", math.nan),
                       ("p", True), ("level", True), ("level", 1.0), ("n", 10**5000)]:
        with pytest.raises(qfoundry.OptionsError, match=f"{field}=") as err:
            o[field] = bad
        assert isinstance(err.value, ValueError)
    o.p = 1  # an int is a real number for a float range
    assert dict(o) == {"n": 1, "p": 1, "level": 1}


def test_huge_shots_get_a_message_not_a_conversion_error():
    t = time.perf_counter()
    with pytest.raises(qfoundry.OptionsError, match=r"shots=<a \d+-bit int> is invalid"):
        backend("qasm_simulator").run(qobj([M]), shots=10**5000)
    assert time.perf_counter() - t < 5


@pytest.mark.parametrize("option, bad", [("seed_simulator", -1), ("seed_simulator", 1.5),
                                         ("seed_simulator", "x"), ("seed_simulator", True),
                                         ("max_parallel_experiments", 2.5)])
def test_bad_options_are_refused_at_run_not_in_the_job(option, bad):
    with pytest.raises(qfoundry.OptionsError, match=f"{option}="):
        backend("density_matrix_simulator").run(qobj([M]), **{option: bad})


def test_seed_transpiler_must_be_an_integer():
    with pytest.raises(qfoundry.OptionsError, match="seed_transpiler='x'"):
        backend("fake_manila").run(qobj([M]), seed_transpiler="x")


def test_an_experiment_seed_must_be_a_non_negative_integer():
    with pytest.raises(qfoundry.QobjValidationError, match="config.seed_simulator"):
        backend("qasm_simulator").run(qobj([M], seed_simulator="x"))


# -- device limits ------------------------------------------------------------------------------
def test_the_device_max_shots_applies():
    paris = backend("fake_paris")
    assert paris.configuration().max_shots == 8192
    with pytest.raises(qfoundry.OptionsError, match="<= 8192"):
        paris.run(qobj([M]), shots=100_000)
    with pytest.raises(qfoundry.QobjValidationError, match="<= 8192"):
        paris.run(qobj([M], shots=8193))
    with pytest.raises(qfoundry.OptionsError, match="max_shots = 8192"):
        paris.clone().set_options(shots=10_000)
    assert sum(paris.run(qobj([M]), shots=8192).result().get_counts().values()) == 8192


def test_max_experiments_is_not_enforced_on_a_simulated_device():
    manila = backend("fake_manila")
    n = manila.configuration().max_experiments + 1
    assert n - 1 == manila.device.max_experiments > 0
    circuits = []
    for k in range(n):
        c = qfoundry.Circuit(1, 1)
        c.rx(0.01 * k, 0)
        c.measure(0, 0)
        circuits.append(c)
    assert len(manila.run(circuits, shots=10).result().results) == n


# -- sizes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("insts, slots, what", [
    ([M], 10**10, "memory_slots=10000000000"),
    ([{"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 10**11},
      M], 1, "register bit 100000000000"),
    ([{"name": "measure", "qubits": [0], "memory": [0], "register": [10**9]}], 1,
     "register bit 1000000000"),
])
def test_tiny_qobjs_with_huge_classical_registers_are_refused_quickly(insts, slots, what):
    t = time.perf_counter()
    with pytest.raises(qfoundry.QobjValidationError) as err:
        backend("qasm_simulator").run(qobj(insts, 1, slots))
    assert time.perf_counter() - t < 1
    assert what in str(err.value) and "qfoundry.limits.MAX_CLBITS" in str(err.value)


def test_the_classical_bit_limit_can_be_raised(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CLBITS", 8)
    with pytest.raises(qfoundry.QobjValidationError, match="limit of 8"):
        backend("qasm_simulator").run(qobj([M], 1, 9))
    monkeypatch.setattr(limits, "MAX_CLBITS", 9)
    result = backend("qasm_simulator").run(qobj([M], 1, 9, header={"memory_slots": 9})).result()
    assert result.get_counts() == {"000000000": 1024}


# -- malformed fields -------------------------------------------------------------------------
@pytest.mark.parametrize("exp, path", [
    (qobj([{"name": "unitary", "params": ["abc"], "qubits": [0]}, M]),
     "experiments[0].instructions[0].params[0]"),
    (qobj([{"name": "unitary", "params": [[[1, 2, 3]]], "qubits": [0]}, M]), "unitary"),
    (qobj([M], header={"memory_slots": "abc"}), "experiments[0].header.memory_slots"),
    (qobj([M], header={"metadata": [1]}), "experiments[0].header.metadata"),
    (qobj([M], header={"creg_sizes": [["c", "x"]]}), "experiments[0].header.creg_sizes"),
    (qobj([{"name": "x", "qubits": [0], "conditional": {"mask": 5}}, M]),
     "experiments[0].instructions[0].conditional.mask"),
])
def test_malformed_fields_are_named(exp, path):
    with pytest.raises(qfoundry.QfoundryError, match=path.replace("[", r"\[").replace(
            "]", r"\]")):
        backend("qasm_simulator").run(exp)


def test_a_dict_conditional_runs_on_a_device_backend_as_a_register_test():
    # The old {mask, val} form on a whole register: mapped through the transpiler.
    insts = [{"name": "x", "qubits": [0]}, M,
             {"name": "x", "qubits": [1], "conditional": {"mask": "0x1", "val": "0x1"}},
             {"name": "measure", "qubits": [1], "memory": [1]}]
    exp = qobj(insts, 2, 2, header={"creg_sizes": [["a", 1], ["b", 1]], "memory_slots": 2})
    manila = backend("fake_manila")
    counts = manila.run(exp, shots=200, seed_simulator=1, noise_model=None).result().get_counts()
    assert counts == {"1 1": 200}
    bad = qobj([{"name": "x", "qubits": [0], "conditional": {"mask": "0x1", "val": "0x2"}},
                M], 1, 2, header={"creg_sizes": [["a", 1], ["b", 1]]})
    with pytest.raises(qfoundry.CircuitError, match="no condition form"):
        manila.run(bad)


def test_noise_scale_far_beyond_physical_gives_a_fully_noisy_run():
    counts = backend("fake_manila").run(qobj([{"name": "x", "qubits": [0]}, M]), shots=4000,
                                        noise_scale=1e308, seed_simulator=1).result()
    p1 = counts.get_counts().get("1", 0) / 4000  # fully relaxed and depolarised: ~ 1/2
    assert abs(p1 - 0.5) < 5 * math.sqrt(0.25 / 4000)


# -- result dicts -------------------------------------------------------------------------------
GOOD = {"backend_name": "b", "backend_version": "1", "job_id": "j", "qobj_id": "q",
        "success": True, "results": [{"shots": 2, "success": True, "header": {"name": "e"},
                                      "data": {"counts": {"0x1": 2}}}]}


@pytest.mark.parametrize("patch, field", [
    ({}, None), ({"results": 5}, "results"), ({"backend_name": None}, "backend_name"),
    ({"results": [5]}, "results[0]"),
    ({"results": [{"data": {"counts": {"0xZZ": 1}}}]}, "results[0].data.counts"),
    ({"results": [{"data": {"counts": {"0x1": -1}}}]}, "results[0].data.counts"),
    ({"results": [{"data": {"memory": ["zz"]}}]}, "results[0].data.memory"),
    ({"results": [{"data": {}, "header": {"memory_slots": "abc"}}]},
     "results[0].header.memory_slots"),
    ({"results": [{"data": {}, "header": {"metadata": [1]}}]}, "results[0].header"),
    ({"results": [{"data": {}, "shots": "2"}]}, "results[0].shots"),
])
def test_result_from_dict_names_the_bad_field(patch, field):
    d = {} if not patch else {**GOOD, **patch}
    with pytest.raises(qfoundry.ResultFormatError) as err:
        qfoundry.Result.from_dict(d)
    assert (field or "backend_name") in str(err.value)


def test_a_good_result_dict_round_trips():
    assert qfoundry.Result.from_dict(GOOD).get_counts() == {"1": 2}


def test_a_plugin_engine_with_bad_hex_keys_fails_in_get_counts_with_our_error():
    r = qfoundry.Result.from_dict(GOOD)
    r.results[0].data["counts"] = {"0xZZ": 1}
    with pytest.raises(qfoundry.ResultFormatError, match="'0xZZ' is not a hex outcome"):
        r.get_counts()


@pytest.mark.parametrize("inst, path, text", [
    ({"name": "measure", "qubits": [0, 1], "memory": [0, 1], "register": [0]},
     "experiments[0].instructions[0].register", "one register bit per measured qubit"),
    ({"name": "measure", "qubits": [0], "memory": [-1]},
     "experiments[0].instructions[0].memory", "got -1"),
    ({"name": "measure", "qubits": [0], "memory": [0], "register": [-2]},
     "experiments[0].instructions[0].register", "got -2"),
])
def test_malformed_measurements_are_refused_at_run_with_their_field(inst, path, text):
    # A plain measure skips the detailed checks; anything off takes them and is named.
    with pytest.raises(qfoundry.QobjValidationError) as err:
        backend("qasm_simulator").run(qobj([inst], 2, 2))
    assert text in str(err.value) and err.value.path.startswith(path)


def test_a_measurement_changed_after_parsing_is_still_checked_at_run():
    q = qfoundry.QasmQobj.from_dict(qobj([M], 1, 1))
    q.experiments[0].instructions[0].memory = [True]  # not an int: the detailed checks
    with pytest.raises(qfoundry.QfoundryError, match="memory"):
        backend("qasm_simulator").run(q)
    q.experiments[0].instructions[0].memory = [0]
    q.experiments[0].instructions[0].register = [0, 1]
    with pytest.raises(qfoundry.QobjValidationError, match="one register bit per measured"):
        backend("qasm_simulator").run(q)
