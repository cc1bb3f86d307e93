"""Backends and the registry: options, validation before queueing, selection by name."""

from __future__ import annotations

import pytest
from conftest import COIN_BACKEND, CoinEngine, CoinPlugin, coin_backend, experiment, make_qobj

import qfoundry
from qfoundry import (
    Backend,
    BackendNotFoundError,
    Options,
    OptionsError,
    QobjValidationError,
    SimulationTooLargeError,
    UnsupportedInstructionError,
)
from qfoundry.backend import BackendConfiguration, BackendStatus, SimulatorBackend
from qfoundry.qobj import QasmQobj

WAIT = 10

# Core tests run on inline plugins only: never load the installed ones.
pytestmark = pytest.mark.usefixtures("no_plugins")


class OptionsEngine(CoinEngine):
    """Adds an engine option with a validator."""

    name = "coin_opts"

    @classmethod
    def default_options(cls):
        opts = Options(method="fair")
        opts.set_validator("method", ["fair", "biased"])
        return opts


def measure_all(n):
    return [{"name": "measure", "qubits": [q], "memory": [q]} for q in range(n)]


def x_qobj(n=2, **config):
    return make_qobj(experiment([{"name": "x", "qubits": [0]}, *measure_all(n)], n_qubits=n),
                     **config)


# -- options -------------------------------------------------------------------------------------

def test_default_options_are_the_core_plus_the_engine():
    backend = coin_backend(OptionsEngine())
    opts = backend.options
    assert isinstance(opts, Options)
    assert {"shots", "memory", "seed_simulator", "executor", "method"} <= set(opts)
    assert (opts.shots, opts.memory, opts.seed_simulator, opts.method) == (
        1024, False, None, "fair")


def test_set_options_validates_and_rejects_unknown_fields():
    backend = coin_backend(OptionsEngine())
    backend.set_options(shots=10, method="biased")
    assert (backend.options.shots, backend.options.method) == (10, "biased")
    with pytest.raises(AttributeError, match="Options field shots_ is not valid for this backend"):
        backend.set_options(shots_=5)
    with pytest.raises(ValueError, match="method='loaded'"):
        backend.set_options(method="loaded")
    with pytest.raises(ValueError, match="shots=0"):
        backend.set_options(shots=0)
    with pytest.raises(ValueError, match="memory='yes'"):
        backend.set_options(memory="yes")
    with pytest.raises(AttributeError):  # all or nothing: the valid field is not set either
        backend.set_options(shots=20, nope=1)
    assert (backend.options.shots, backend.options.method) == (10, "biased")


def test_options_given_at_construction():
    backend = SimulatorBackend(CoinEngine(), name="b", configuration={},
                               options={"shots": 7})
    assert backend.options.shots == 7
    with pytest.raises(ValueError):
        SimulatorBackend(CoinEngine(), name="b", configuration={}, options={"shots": -7})


def test_max_shots_bounds_shots():
    backend = coin_backend(max_shots=100)
    backend.set_options(shots=100)
    with pytest.raises(ValueError, match="<= 100"):
        backend.set_options(shots=101)
    with pytest.raises(ValueError, match="<= 100"):
        backend.run(x_qobj(), shots=101)


def test_per_call_options_apply_to_that_job_only(coin):
    coin.set_options(shots=30)
    one = coin.run(x_qobj(), shots=7, memory=True).result(timeout=WAIT)
    assert one.results[0].shots == 7 and len(one.get_memory()) == 7
    two = coin.run(x_qobj()).result(timeout=WAIT)
    assert two.results[0].shots == 30 and "memory" not in two.results[0].data
    assert coin.options.shots == 30 and coin.options.memory is False


def test_qobj_config_overrides_backend_defaults_but_not_the_call(coin):
    result = coin.run(x_qobj(shots=12, memory=True)).result(timeout=WAIT)
    assert result.results[0].shots == 12 and len(result.get_memory()) == 12
    assert coin.run(x_qobj(shots=12), shots=3).result(timeout=WAIT).results[0].shots == 3
    exp_shots = make_qobj(experiment(measure_all(1), n_qubits=1, shots=4), shots=12)
    assert coin.run(exp_shots).result(timeout=WAIT).results[0].shots == 4


def test_unknown_run_options_are_an_error(coin, recorder_calls):
    with pytest.raises(OptionsError) as info:
        coin.run(x_qobj(), shots=5, shot=6)
    assert "'shot'" in str(info.value) and "coin_simulator" in str(info.value)
    assert isinstance(info.value, ValueError) and recorder_calls == []


def test_invalid_run_option_values(coin):
    with pytest.raises(ValueError, match="shots=0"):
        coin.run(x_qobj(), shots=0)
    with pytest.raises(OptionsError, match="seed_simulator='7'"):
        coin.run(x_qobj(), seed_simulator="7")
    assert coin.run(x_qobj(), seed_simulator=7).result(timeout=WAIT).success


# -- validation before queueing -----------------------------------------------------------------

@pytest.fixture
def recorder_calls(fresh_pm):
    calls = []

    class Spy:
        __name__ = "spy"

        @qfoundry.hookimpl
        def job_submitted(self, job):
            calls.append(job)

    fresh_pm(CoinPlugin(), Spy())
    return calls


@pytest.fixture
def coin(recorder_calls):
    return qfoundry.get_backend(COIN_BACKEND)


def test_unsupported_instruction_names_experiment_and_instruction(coin, recorder_calls):
    qobj = make_qobj(experiment(measure_all(2), name="fine"),
                     experiment([{"name": "h", "qubits": [0]}, {"name": "x", "qubits": [1]},
                                 {"name": "cx", "qubits": [0, 1]}, *measure_all(2)],
                                name="entangler"))
    with pytest.raises(UnsupportedInstructionError) as info:
        coin.run(qobj)
    message = str(info.value)
    assert "experiment 1 ('entangler')" in message and "instruction 2" in message
    assert "'cx'" in message and "coin_simulator" in message and "'coin'" in message
    assert recorder_calls == []  # nothing was queued


def test_conditionals_need_a_backend_that_supports_them():
    qobj = make_qobj(experiment([
        {"name": "measure", "qubits": [0], "memory": [0], "register": [0]},
        {"name": "x", "qubits": [1], "conditional": 0}, *measure_all(2)], name="feedback"))
    with pytest.raises(UnsupportedInstructionError) as info:
        coin_backend(conditional=False).run(qobj)
    assert "experiment 0 ('feedback'), instruction 1: 'x' is conditional" in str(info.value)
    assert coin_backend().configuration().conditional is True  # the default


def test_barrier_is_always_accepted(coin):
    qobj = make_qobj(experiment([{"name": "x", "qubits": [0]},
                                 {"name": "barrier", "qubits": [0, 1]}, *measure_all(2)]))
    assert coin.run(qobj, shots=5).result(timeout=WAIT).get_counts() == {"01": 5}


def test_experiment_larger_than_the_backend(coin):
    qobj = make_qobj(experiment(measure_all(6), n_qubits=6, name="wide"))
    with pytest.raises(QobjValidationError) as info:
        coin.run(qobj)
    assert info.value.path == "experiments[0]"
    assert "experiment 0 ('wide') uses 6 qubits but backend coin_simulator has 5" in str(
        info.value)


def test_qubit_and_slot_out_of_range_in_a_qobj_object(coin):
    # A QasmQobj built in Python skips from_dict's checks: run() checks again.
    qobj = QasmQobj.from_dict(x_qobj())
    qobj.experiments[0].instructions[0].qubits = [3]
    with pytest.raises(QobjValidationError) as info:
        coin.run(qobj)
    assert info.value.path == "experiments[0].instructions[0].qubits"
    assert "qubit 3 is out of range" in str(info.value)
    qobj = QasmQobj.from_dict(x_qobj())
    qobj.experiments[0].instructions[1].memory = [2]
    with pytest.raises(QobjValidationError, match=r"instructions\[1\]\.memory.*slot 2"):
        coin.run(qobj)


def test_qubit_out_of_range_in_a_dict(coin):
    qobj = x_qobj()
    qobj["experiments"][0]["instructions"][0]["qubits"] = [2]
    with pytest.raises(QobjValidationError) as info:
        coin.run(qobj)
    assert info.value.path == "experiments[0].instructions[0].qubits[0]"


def test_experiment_shots_out_of_bounds(coin):
    qobj = make_qobj(experiment(measure_all(1), n_qubits=1), experiment(
        measure_all(1), n_qubits=1, shots=0, name="none"))
    with pytest.raises(QobjValidationError) as info:
        coin.run(qobj)
    assert info.value.path == "experiments[1].config.shots"
    assert "experiment 1 ('none')" in str(info.value)


def test_too_large_for_the_engine_is_refused_before_running():
    class Small(CoinEngine):
        def max_qubits(self, options):
            return 2

        def run_experiment(self, experiment, options, device=None):
            raise AssertionError("must not be called")

    with pytest.raises(SimulationTooLargeError, match="needs 3 qubits.*at most 2"):
        coin_backend(Small()).run(make_qobj(experiment(measure_all(3), n_qubits=3)))


def test_engine_validate_experiment_runs_at_submission():
    class Picky(CoinEngine):
        def validate_experiment(self, experiment, options, device):
            if options["shots"] > 10:
                raise qfoundry.EngineError(f"{experiment.name}: at most 10 shots")

    backend = coin_backend(Picky())
    with pytest.raises(qfoundry.EngineError, match="circuit: at most 10 shots"):
        backend.run(x_qobj(), shots=11)
    assert backend.run(x_qobj(), shots=10).result(timeout=WAIT).success


# -- the Backend surface ---------------------------------------------------------------------------

def test_name_is_a_str_and_callable(coin):
    assert coin.name == COIN_BACKEND and isinstance(coin.name, str)
    assert coin.name() == COIN_BACKEND  # Qiskit BackendV1 style
    assert str(coin) == COIN_BACKEND and repr(coin) == "<SimulatorBackend('coin_simulator')>"
    assert coin.version == 1


def test_configuration_status_properties(coin):
    config = coin.configuration()
    assert isinstance(config, BackendConfiguration)
    assert config.backend_name == COIN_BACKEND and config.n_qubits == config.num_qubits == 5
    assert config.simulator and config.local and config.engine == "coin"
    assert config.basis_gates == ["h", "id", "x"]
    assert config.to_dict()["n_qubits"] == 5
    status = coin.status()
    assert isinstance(status, BackendStatus)
    assert (status.backend_name, status.operational, status.pending_jobs) == (
        COIN_BACKEND, True, 0)
    assert isinstance(status.status_msg, str)
    assert coin.properties() is None
    assert coin.provider.get_backend(COIN_BACKEND).name == COIN_BACKEND


def test_a_custom_backend_subclass():
    class Echo(Backend):
        @classmethod
        def _default_options(cls):
            return Options(shots=1)

        def run(self, run_input, **options):
            return run_input

    echo = Echo({"backend_name": "echo", "backend_version": "9", "n_qubits": 1}, shots=3)
    assert echo.options.shots == 3 and echo.backend_version == "9"
    assert echo.run("x") == "x" and echo.status().backend_version == "9"
    with pytest.raises(AttributeError, match="not valid for this backend"):
        Echo({"backend_name": "echo", "backend_version": "9", "n_qubits": 1}, shotz=3)
    with pytest.raises(TypeError):
        Backend({"backend_name": "abstract"})


# -- selection by name -----------------------------------------------------------------------------

def test_get_backend_returns_independent_copies(coin):
    coin.set_options(shots=11)
    other = qfoundry.get_backend(COIN_BACKEND)
    assert other is not coin and other.options.shots == 1024
    other.set_options(shots=12)
    assert coin.options.shots == 11
    assert qfoundry.get_backend(COIN_BACKEND).options.shots == 1024


def test_get_backend_with_options(recorder_calls):
    backend = qfoundry.get_backend(COIN_BACKEND, shots=5, memory=True)
    assert (backend.options.shots, backend.options.memory) == (5, True)
    with pytest.raises(AttributeError):
        qfoundry.get_backend(COIN_BACKEND, shotz=5)
    with pytest.raises(BackendNotFoundError, match="fixed engine"):
        qfoundry.get_backend(COIN_BACKEND, engine="coin")


def test_unknown_backend_suggests_the_closest(recorder_calls):
    with pytest.raises(BackendNotFoundError) as info:
        qfoundry.get_backend("coin_simulater")
    message = str(info.value)
    assert "no backend named 'coin_simulater'" in message
    assert "did you mean 'coin_simulator'?" in message
    assert "Available: coin_simulator" in message
    assert isinstance(info.value, LookupError) and not isinstance(info.value, KeyError)
    with pytest.raises(BackendNotFoundError) as info:
        qfoundry.get_backend("zzz")
    assert "did you mean" not in str(info.value)
    with pytest.raises(BackendNotFoundError, match="no engine named 'con'; did you mean 'coin'"):
        qfoundry.get_engine("con")


def test_nothing_installed(fresh_pm):
    fresh_pm()
    assert qfoundry.backends() == [] and qfoundry.engines() == []
    assert qfoundry.registry.devices() == []
    with pytest.raises(BackendNotFoundError, match="No backends are installed"):
        qfoundry.get_backend("qasm_simulator")


class TwoBackends:
    __name__ = "two_backends"

    @qfoundry.hookimpl
    def register_engines(self, register):
        register(OptionsEngine())

    @qfoundry.hookimpl
    def register_backends(self, register):
        register(coin_backend(OptionsEngine(), name="small_coin", n_qubits=2))
        register(coin_backend(OptionsEngine(), name="big_coin", n_qubits=20,
                              simulator=False))


def test_backends_filtering(fresh_pm):
    fresh_pm(CoinPlugin(), TwoBackends())
    names = lambda bs: sorted(b.name for b in bs)  # noqa: E731
    assert names(qfoundry.backends()) == ["big_coin", "coin_simulator", "small_coin"]
    assert names(qfoundry.backends("small_coin")) == ["small_coin"]
    assert names(qfoundry.backends(name="nope")) == []
    assert names(qfoundry.backends(n_qubits=20)) == ["big_coin"]
    assert names(qfoundry.backends(simulator=True)) == ["coin_simulator", "small_coin"]
    assert names(qfoundry.backends(operational=True, simulator=False)) == ["big_coin"]
    assert names(qfoundry.backends(no_such_field=1)) == []
    assert names(qfoundry.backends(filters=lambda b: b.configuration().n_qubits < 10)) == [
        "coin_simulator", "small_coin"]
    assert names(qfoundry.backends(filters=lambda b: True, n_qubits=5)) == ["coin_simulator"]
    provider = qfoundry.registry.provider()
    assert names(provider.backends(n_qubits=2)) == ["small_coin"]
    assert all(isinstance(b, Backend) for b in qfoundry.backends())


def test_engines_and_devices_lists(fresh_pm):
    fresh_pm(CoinPlugin(), TwoBackends())
    assert qfoundry.engines() == ["coin", "coin_opts"]
    assert isinstance(qfoundry.get_engine("coin"), CoinEngine)
    assert qfoundry.registry.devices() == []


def test_devices_function_survives_the_devices_module(fresh_pm):
    # Importing the package qfoundry.devices rebinds the attribute; the package is callable.
    import qfoundry.devices  # noqa: F401 - what registering any device does

    fresh_pm(CoinPlugin())
    assert qfoundry.devices() == []

