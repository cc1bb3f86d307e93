"""qfoundry.Options: a validated mapping with Qiskit's semantics (peer-semantics.md section 3)."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping

import pytest

from qfoundry import Options


@pytest.fixture
def opts() -> Options:
    o = Options(shots=1024, memory=False, method="automatic", noise=None)
    o.set_validator("shots", (1, 4096))
    o.set_validator("method", ["automatic", "statevector", "density_matrix"])
    o.set_validator("memory", bool)
    return o


# -- mapping protocol and attribute access ---------------------------------------------------

def test_mapping_protocol(opts):
    assert isinstance(opts, Mapping)
    assert len(opts) == 4
    assert list(opts) == ["shots", "memory", "method", "noise"]  # insertion order
    assert list(opts.keys()) == ["shots", "memory", "method", "noise"]
    assert list(opts.values()) == [1024, False, "automatic", None]
    assert dict(opts.items()) == dict(opts) == {
        "shots": 1024, "memory": False, "method": "automatic", "noise": None}
    assert opts["shots"] == 1024
    assert "shots" in opts and "seed" not in opts
    assert opts.get("shots") == 1024
    assert opts.get("seed", 7) == 7 and opts.get("seed") is None
    with pytest.raises(KeyError):
        opts["seed"]
    assert opts.__dict__ == dict(opts)


def test_attribute_access(opts):
    assert opts.shots == 1024
    assert opts.method == "automatic"
    assert opts.noise is None
    with pytest.raises(AttributeError, match="Option seed is not defined"):
        _ = opts.seed
    assert not hasattr(opts, "seed")


def test_methods_and_validator_shadow_fields():
    o = Options(get=1, items=2, validator=3)
    assert callable(o.get) and callable(o.items)
    assert o["get"] == 1 and o["items"] == 2 and o["validator"] == 3
    assert o.validator == {}


def test_internal_slots_cannot_be_replaced(opts):
    with pytest.raises(AttributeError):
        opts.validator = {}
    with pytest.raises(AttributeError):
        opts._fields = {}
    assert opts.shots == 1024 and "shots" in opts.validator


# -- writes are validated ----------------------------------------------------------------------

def test_item_assignment_validates_then_stores(opts):
    opts["shots"] = 4096
    assert opts.shots == 4096
    with pytest.raises(ValueError):
        opts["shots"] = 4097
    assert opts.shots == 4096


def test_attribute_assignment_validates_too(opts):
    opts.shots = 1
    assert opts["shots"] == 1
    with pytest.raises(ValueError):
        opts.shots = 0
    assert opts.shots == 1


def test_new_fields_are_added(opts):
    opts["seed_simulator"] = 5
    opts.update_options(extra="x")
    assert opts.seed_simulator == 5 and opts["extra"] == "x"
    assert list(opts)[-2:] == ["seed_simulator", "extra"]


def test_update_options_is_all_or_nothing(opts):
    before = dict(opts)
    with pytest.raises(ValueError, match="method"):
        opts.update_options(shots=10, memory=True, method="tensor_network", new=1)
    assert dict(opts) == before
    opts.update_options(shots=10, memory=True, method="statevector")
    assert (opts.shots, opts.memory, opts.method) == (10, True, "statevector")


@pytest.mark.parametrize("value", [1, 2, 4095, 4096])
def test_tuple_bounds_are_inclusive(opts, value):
    opts["shots"] = value
    assert opts.shots == value


@pytest.mark.parametrize("value", [0, -1, 4097, 10**9])
def test_tuple_bounds_reject_outside(opts, value):
    with pytest.raises(ValueError) as info:
        opts.update_options(shots=value)
    message = str(info.value)
    assert "shots" in message and repr(value) in message        # the field and the value
    assert ">= 1" in message and "<= 4096" in message           # and the rule


def test_tuple_bounds_for_floats():
    o = Options(p=0.5)
    o.set_validator("p", (0.0, 1.0))
    o.p = 0.0
    o.p = 1.0
    for bad in (-1e-12, 1.0000001, float("inf")):
        with pytest.raises(ValueError, match=r"p=.*>= 0\.0 and <= 1\.0"):
            o.p = bad
    assert o.p == 1.0


def test_tuple_bound_against_an_incomparable_value_is_a_value_error(opts):
    with pytest.raises(ValueError, match=r"shots='many'.*integer"):
        opts["shots"] = "many"


def test_list_rule(opts):
    opts["method"] = "density_matrix"
    with pytest.raises(ValueError) as info:
        opts["method"] = "mps"
    message = str(info.value)
    assert "method='mps'" in message
    assert "['automatic', 'statevector', 'density_matrix']" in message
    assert opts.method == "density_matrix"


def test_type_rule(opts):
    opts["memory"] = True
    with pytest.raises(ValueError) as info:
        opts["memory"] = "yes"
    message = str(info.value)
    assert "memory='yes'" in message and "bool" in message and "str" in message
    assert opts.memory is True


def test_type_rule_uses_isinstance():
    o = Options(n=1, x=None)
    o.set_validator("n", int)
    o.n = True  # bool is an int, as with isinstance (and Qiskit)
    assert o.n is True
    o.set_validator("x", object)
    o.x = [1]
    with pytest.raises(ValueError, match="must be of type int, not float"):
        o.n = 1.5


def test_fields_without_a_validator_take_anything(opts):
    opts["noise"] = {"anything": [1, 2]}
    assert opts.noise == {"anything": [1, 2]}


# -- set_validator ----------------------------------------------------------------------------

def test_set_validator_unknown_field_is_a_key_error(opts):
    with pytest.raises(KeyError, match="Field 'seed' is not present"):
        opts.set_validator("seed", (0, 10))
    assert "seed" not in opts.validator


@pytest.mark.parametrize("rule", [(1,), (1, 2, 3), (), [], (5, 1), ("a", "z"), (None, 4),
                                  (False, True)])
def test_set_validator_malformed_rule_is_a_value_error(opts, rule):
    with pytest.raises(ValueError):
        opts.set_validator("shots", rule)
    assert opts.validator["shots"] == (1, 4096)  # the old rule stays


@pytest.mark.parametrize("rule", ["int", 5, None, {"min": 1}, {1, 2}, lambda v: True])
def test_set_validator_other_values_are_a_type_error(opts, rule):
    with pytest.raises(TypeError, match="not a valid validator"):
        opts.set_validator("shots", rule)
    assert opts.validator["shots"] == (1, 4096)


def test_set_validator_replaces_silently_without_rechecking(opts):
    opts.set_validator("shots", (1, 10))  # the current 1024 is not re-checked
    assert opts.shots == 1024
    with pytest.raises(ValueError):
        opts.shots = 11
    opts.set_validator("shots", [1, 100])
    opts.shots = 100
    with pytest.raises(ValueError):
        opts.shots = 50


# -- value semantics ------------------------------------------------------------------------

def test_equality_is_by_value(opts):
    same = Options(shots=1024, memory=False, method="automatic", noise=None)
    assert opts == same  # validators do not take part, as in Qiskit
    assert opts != Options(shots=1023, memory=False, method="automatic", noise=None)
    assert opts != Options(shots=1024)
    assert Options() == Options()
    assert (Options(a=1) == {"a": 1}) is False
    with pytest.raises(TypeError):
        hash(opts)


def test_copy_is_independent_and_keeps_validators(opts):
    clone = copy.copy(opts)
    assert clone == opts and clone is not opts
    clone.shots = 10
    assert opts.shots == 1024
    with pytest.raises(ValueError):
        clone.shots = 0
    clone.set_validator("shots", (1, 20))
    assert opts.validator["shots"] == (1, 4096)


def test_deepcopy_copies_values(opts):
    opts["noise"] = {"p": [0.1]}
    clone = copy.deepcopy(opts)
    clone.noise["p"].append(0.2)
    assert opts.noise == {"p": [0.1]}
    assert clone.validator == opts.validator
    with pytest.raises(ValueError):
        clone.method = "mps"


def test_pickle_round_trip(opts):
    clone = pickle.loads(pickle.dumps(opts))
    assert clone == opts
    assert clone.validator == opts.validator
    with pytest.raises(ValueError):
        clone.shots = 0


def test_repr_and_str(opts):
    assert repr(opts) == "Options(shots=1024, memory=False, method='automatic', noise=None)"
    assert repr(Options()) == "Options()"
    text = str(opts)
    assert text.startswith(repr(opts))
    assert "Where:" in text
    assert "shots is >= 1 and <= 4096" in text
    assert "method is one of ['automatic', 'statevector', 'density_matrix']" in text
    assert "memory is of type bool" in text
    assert str(Options(a=1)) == "Options(a=1)"
