"""Result and ExperimentResult: Qiskit's counts/memory formatting, lookup, lossless JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qfoundry import ExperimentResult, QfoundryError, Result, ResultError
from qfoundry.qobj import QobjExperimentHeader, QobjHeader
from qfoundry.result import format_counts, format_memory


def header(slots=None, cregs=None, name="circ", **kw):
    fields = {"name": name, "memory_slots": slots, "creg_sizes": cregs, **kw}
    return QobjExperimentHeader(**{k: v for k, v in fields.items() if v is not None})


def exp_result(data, hdr=None, shots=100, **kw):
    return ExperimentResult(shots=shots, success=True, data=data, header=hdr or header(), **kw)


def result(*experiments):
    return Result("toy_backend", "1.2.3", "job-1", list(experiments), qobj_id="qobj-1")


# -- counts and memory formatting -------------------------------------------------------------

def test_peer_example_two_registers():
    # peer-semantics.md 1.7: cregs c0(2), c1(1), seed 7: 0x4 -> '1 00', 0x1 -> '0 01'.
    hdr = header(3, [["c0", 2], ["c1", 1]])
    r = result(exp_result({"counts": {"0x4": 50, "0x1": 50}}, hdr))
    assert r.get_counts() == {"1 00": 50, "0 01": 50}


def test_clbit_zero_is_rightmost_and_keys_are_padded():
    hdr = header(4, [["c", 4]])
    assert format_counts({"0x1": 3, "0x8": 2, "0x0": 1}, hdr) == {
        "0001": 3, "1000": 2, "0000": 1}


def test_last_declared_register_is_leftmost():
    hdr = header(6, [["a", 1], ["b", 2], ["c", 3]])
    # bit 0 -> a[0]; bits 1-2 -> b; bits 3-5 -> c
    assert format_counts({hex(0b101_10_1): 1}, hdr) == {"101 10 1": 1}
    assert format_memory(["0x0", hex(0b001_00_0)], hdr) == ["000 00 0", "001 00 0"]


def test_zero_counts_are_omitted():
    assert format_counts({"0x0": 0, "0x3": 5}, header(2, [["c", 2]])) == {"11": 5}


def test_without_a_header_keys_are_unpadded_binary():
    assert format_counts({"0x5": 1, "0x0": 2}) == {"101": 1, "0": 2}
    assert format_counts({"0x5": 1}, QobjExperimentHeader()) == {"101": 1}


def test_memory_slots_without_registers_pads_only():
    assert format_counts({"0x1": 1}, header(3)) == {"001": 1}


def test_equal_outcomes_written_differently_are_merged():
    assert format_counts({"0x1": 2, "0x01": 3}, header(2, [["c", 2]])) == {"01": 5}


def test_binary_keys_pass_through():
    assert format_counts({"10": 4}) == {"10": 4}


def test_get_memory():
    hdr = header(3, [["c0", 2], ["c1", 1]])
    r = result(exp_result({"counts": {"0x4": 1, "0x1": 1}, "memory": ["0x4", "0x1"]}, hdr,
                          shots=2))
    assert r.get_memory() == ["1 00", "0 01"]
    assert r.get_memory(0) == r.get_memory("circ")


def test_raw_data_keeps_hex_keys():
    r = result(exp_result({"counts": {"0x3": 7}}, header(2, [["c", 2]])))
    assert r.data() == {"counts": {"0x3": 7}}
    assert r.get_counts() == {"11": 7}


# -- lookup -----------------------------------------------------------------------------------

@pytest.fixture
def three():
    return result(*(exp_result({"counts": {hex(i): 10}}, header(2, [["c", 2]], name=n))
                    for i, n in enumerate(["zero", "one", "two"])))


def test_lookup_by_index_name_and_object(three):
    assert three.get_counts(1) == three.get_counts("one") == {"01": 10}
    assert three.get_counts(-1) == three.get_counts("two") == {"10": 10}
    assert three.get_counts(np.int64(0)) == {"00": 10}

    class Named:
        name = "two"

    assert three.get_counts(Named()) == {"10": 10}


def test_several_experiments_without_a_key(three):
    assert three.get_counts() == [{"00": 10}, {"01": 10}, {"10": 10}]
    with pytest.raises(ResultError, match="3 experiments"):
        three.get_memory()


@pytest.mark.parametrize(("key", "words"), [
    (3, "no experiment at index 3: the result has 3"),
    (-4, "no experiment at index -4"),
    ("three", "no experiment named 'three'; experiments are ['zero', 'one', 'two']"),
])
def test_lookup_errors(three, key, words):
    with pytest.raises(ResultError) as info:
        three.get_counts(key)
    assert words in str(info.value)
    assert isinstance(info.value, QfoundryError) and isinstance(info.value, LookupError)
    assert not isinstance(info.value, KeyError)


def test_duplicate_names_need_an_index():
    r = result(exp_result({"counts": {}}), exp_result({"counts": {}}))
    with pytest.raises(ResultError, match="2 experiments are named 'circ': use an index"):
        r.get_counts("circ")


@pytest.mark.parametrize(("getter", "words"), [
    ("get_memory", "memory=True"),
    ("get_statevector", "statevector_simulator"),
    ("get_unitary", "unitary_simulator"),
    ("get_density_matrix", "density_matrix"),
])
def test_missing_data_is_a_result_error(getter, words):
    r = result(exp_result({"counts": {"0x0": 1}}))
    with pytest.raises(ResultError, match=words):
        getattr(r, getter)()


def test_missing_counts():
    r = result(exp_result({"statevector": np.array([1, 0], dtype=complex)}, shots=1))
    with pytest.raises(ResultError, match="has no counts"):
        r.get_counts()


def test_arrays_and_decimals():
    sv = np.array([1, 1j, 0, 0]) / np.sqrt(2)
    r = result(exp_result({"statevector": sv, "unitary": np.eye(2)}, shots=1))
    np.testing.assert_array_equal(r.get_statevector(), sv)
    np.testing.assert_array_equal(r.get_statevector(decimals=3), np.round(sv, 3))
    np.testing.assert_array_equal(r.get_unitary(), np.eye(2))


def test_attributes():
    r = result(exp_result({"counts": {}}, seed_simulator=5, time_taken=0.25))
    assert (r.backend_name, r.backend_version, r.job_id, r.qobj_id) == (
        "toy_backend", "1.2.3", "job-1", "qobj-1")
    assert r.success is True and r.status == "COMPLETED" and r.date
    exp = r.results[0]
    assert exp.name == "circ" and exp.status == "DONE" and exp.seed_simulator == 5
    assert exp.meas_level == 2 and exp.time_taken == 0.25
    assert "circ" in repr(exp) and "job-1" in repr(r)


# -- serialisation ------------------------------------------------------------------------------

def full_result():
    rng = np.random.default_rng(1)
    sv = rng.normal(size=8) + 1j * rng.normal(size=8)
    u = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    rho = np.outer(sv, sv.conj())
    counts_exp = exp_result(
        {"counts": {"0x4": 3, "0x1": 2}, "memory": ["0x4", "0x1", "0x4", "0x4", "0x1"]},
        header(3, [["c0", 2], ["c1", 1]], name="counts", n_qubits=3,
               qubit_labels=[["q", 0], ["q", 1], ["q", 2]], global_phase=0.5,
               metadata={"tag": [1, 2]}),
        shots=5, seed_simulator=123, time_taken=0.001, metadata={"engine": "toy"})
    state_exp = exp_result({"statevector": sv, "unitary": u, "density_matrix": rho},
                           header(0, name="state"), shots=1, seed_simulator=9)
    return Result("toy_backend", "1.2.3", "job-1", [counts_exp, state_exp], qobj_id="q1",
                  time_taken=0.5, header=QobjHeader(backend_name="toy_backend", user="me"),
                  metadata={"parallel": 1})


def test_json_round_trip_loses_nothing():
    original = full_result()
    text = original.to_json()
    back = Result.from_dict(json.loads(text))
    assert back.to_json() == text
    for attr in ("backend_name", "backend_version", "job_id", "qobj_id", "success", "status",
                 "time_taken", "date", "metadata"):
        assert getattr(back, attr) == getattr(original, attr), attr
    assert back.header == original.header
    assert back.get_counts(0) == original.get_counts(0) == {"1 00": 3, "0 01": 2}
    assert back.get_memory("counts") == original.get_memory("counts")
    assert back.results[0].header == original.results[0].header
    assert back.results[0].metadata == {"engine": "toy"}
    assert back.results[0].seed_simulator == 123 and back.results[1].shots == 1
    for getter in ("get_statevector", "get_unitary", "get_density_matrix"):
        restored, expected = getattr(back, getter)("state"), getattr(original, getter)("state")
        assert restored.dtype == complex and restored.shape == expected.shape
        np.testing.assert_array_equal(restored, expected)  # exact: JSON floats round-trip


def test_dict_round_trip_without_json():
    original = full_result()
    back = Result.from_dict(original.to_dict())
    assert back.to_json() == original.to_json()


def test_real_valued_arrays_keep_their_shape():
    # A real 2-vector must not be mistaken for one [re, im] pair on the way back.
    r = result(exp_result({"statevector": np.array([1.0, 0.0]), "unitary": np.eye(2)}, shots=1))
    for back in (Result.from_dict(r.to_dict()), Result.from_dict(json.loads(r.to_json()))):
        np.testing.assert_array_equal(back.get_statevector(), [1, 0])
        np.testing.assert_array_equal(back.get_unitary(), np.eye(2))


def test_from_dict_fills_defaults():
    r = Result.from_dict({"backend_name": "b", "results": [
        {"shots": 4, "data": {"counts": {"0x1": 4}}, "header": {"memory_slots": 2}}]})
    assert r.success and r.status == "COMPLETED" and r.job_id == ""
    assert r.get_counts() == {"01": 4}
    assert r.results[0].status == "DONE" and r.results[0].meas_level == 2
