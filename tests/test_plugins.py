"""Plugin loading and hook mechanics, with inline plugins on fresh plugin managers.

Entry points are faked by monkeypatching ``qfoundry.plugin_manager._entry_points``; every
hook has a ``test_hook_<name>`` (a meta-test checks that).
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from conftest import (
    COIN_BACKEND,
    CoinEngine,
    CoinPlugin,
    coin_backend,
    coin_flips,
    experiment,
    make_qobj,
)

import qfoundry
from qfoundry import cli
from qfoundry.backend import DeviceBackend
from qfoundry.errors import DuplicateNameError, PluginError, QfoundryError
from qfoundry.plugin_manager import PluginWarning, make_plugin_manager, plugin_infos

WAIT = 10

GOOD_PLUGIN = '''
import qfoundry


class Zero(qfoundry.Engine):
    name = "zero"
    supported_instructions = frozenset({"measure"})

    def run_experiment(self, experiment, options, device=None):
        return qfoundry.ExperimentOutput({"counts": {"0x0": options["shots"]}}, options["shots"])


@qfoundry.hookimpl
def register_engines(register):
    register(Zero())
'''
BROKEN_PLUGIN = 'raise ImportError("needs libfoo, which is not installed")\n'
BAD_SIGNATURE_PLUGIN = '''
import qfoundry


@qfoundry.hookimpl
def register_engines(registrar):
    pass
'''


def messages(warned):
    return [str(w.message) for w in warned]


# -- loading entry points -----------------------------------------------------------------------

def test_entry_points_load_one_by_one(entry_points, fresh_pm):
    entry_points({"good": GOOD_PLUGIN, "broken": BROKEN_PLUGIN, "badsig": BAD_SIGNATURE_PLUGIN},
                 ("broken", "qft_broken"), ("missing", "qft_not_installed"),
                 ("good", "qft_good"), ("noattr", "qft_good:nothing_here"),
                 ("badsig", "qft_badsig"))
    with pytest.warns(PluginWarning) as warned:
        pm = fresh_pm(load_entry_points=True)
    text = messages(warned)
    assert len(text) == 4, text
    assert ("Error importing plugin 'broken' (entry point 'qft_broken'): ImportError: needs "
            "libfoo, which is not installed") in text
    assert any(m.startswith("Error importing plugin 'missing' (entry point "
                            "'qft_not_installed'): ModuleNotFoundError") for m in text)
    assert any("'noattr' (entry point 'qft_good:nothing_here'): AttributeError" in m
               for m in text)
    assert any("'badsig' (entry point 'qft_badsig')" in m and "registrar" in m for m in text)
    # The good plugin loaded and works.
    assert pm.get_plugin("good") is not None and pm.get_plugin("broken") is None
    assert qfoundry.engines() == ["zero"]
    backend = coin_backend(qfoundry.get_engine("zero"), name="zeros")
    qobj = make_qobj(experiment([{"name": "measure", "qubits": [0], "memory": [0]}], n_qubits=1))
    assert backend.run(qobj, shots=3).result(timeout=WAIT).get_counts() == {"0": 3}
    infos = {i.name: i for i in plugin_infos()}
    assert list(infos) == ["broken", "missing", "good", "noattr", "badsig"]
    assert infos["good"].loaded and infos["good"].value == "qft_good"
    assert not infos["broken"].loaded and "needs libfoo" in infos["broken"].error


def test_an_entry_point_seen_twice_loads_once(entry_points, fresh_pm):
    entry_points({"good": GOOD_PLUGIN}, ("good", "qft_good"), ("good", "qft_good"))
    fresh_pm(load_entry_points=True)
    assert qfoundry.engines() == ["zero"] and len(plugin_infos()) == 1


def test_plugins_command_lists_failures(entry_points, fresh_pm, capsys):
    entry_points({"good": GOOD_PLUGIN, "broken": BROKEN_PLUGIN},
                 ("good", "qft_good"), ("broken", "qft_broken"))
    with pytest.warns(PluginWarning):
        fresh_pm(load_entry_points=True)
    assert cli.main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    good, broken = lines
    assert good.split()[:2] == ["good", "qft_good"] and good.endswith("ok")
    assert broken.split()[:2] == ["broken", "qft_broken"]
    assert "FAILED: ImportError: needs libfoo, which is not installed" in broken


def test_nothing_loads_at_import():
    code = ("import sys, qfoundry\n"
            "from qfoundry import plugin_manager, registry\n"
            "assert plugin_manager._default_pm is None and not registry._registries\n"
            "assert not [m for m in sys.modules if m.startswith('qfoundry.plugins.')]\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# -- failures in registration hooks ----------------------------------------------------------

class Engines:
    """A plugin registering engines by name, optionally raising after them."""

    def __init__(self, plugin_name, *names, then_raise=None):
        self.__name__ = plugin_name
        self.names = names
        self.then_raise = then_raise

    @qfoundry.hookimpl
    def register_engines(self, register):
        for name in self.names:
            register(type(f"Engine_{name}", (CoinEngine,), {"name": name})())
        if self.then_raise:
            raise self.then_raise


def test_a_plugin_raising_in_a_hook_warns_and_others_keep_working(fresh_pm):
    fresh_pm(Engines("fine", "alpha"),
             Engines("flaky", "beta", then_raise=RuntimeError("lost the config file")),
             CoinPlugin())
    with pytest.warns(PluginWarning) as warned:
        assert qfoundry.engines() == ["alpha", "beta", "coin"]  # beta came before the error
    assert messages(warned) == [
        "Plugin 'flaky' raised in register_engines: RuntimeError: lost the config file"]
    result = qfoundry.get_backend(COIN_BACKEND).run(make_qobj(), shots=4).result(timeout=WAIT)
    assert sum(result.get_counts().values()) == 4


@pytest.mark.parametrize(("hook", "thing", "words"), [
    ("register_engines", object(), "is not an instance of qfoundry.Engine"),
    ("register_engines", type("Nameless", (CoinEngine,), {"name": ""})(), "no valid name"),
    ("register_backends", CoinEngine(), "is not an instance of qfoundry.Backend"),
])
def test_malformed_registrations_are_plugin_errors(fresh_pm, hook, thing, words):
    class Sloppy:
        __name__ = "sloppy"

    setattr(Sloppy, hook, qfoundry.hookimpl(lambda self, register: register(thing)))
    fresh_pm(Sloppy(), CoinPlugin())
    with pytest.warns(PluginWarning) as warned:
        assert qfoundry.engines() == ["coin"]
    (message,) = messages(warned)
    assert message.startswith(f"Plugin 'sloppy' raised in {hook}: PluginError: plugin 'sloppy'")
    assert words in message
    assert qfoundry.backends()[0].name == COIN_BACKEND


def test_duplicate_engine_names_name_both_plugins(fresh_pm):
    first, second = Engines("pkg_one", "dup", "one"), Engines("pkg_two", "dup", "two")
    fresh_pm(first, second)
    with pytest.warns(PluginWarning) as warned:
        engines = qfoundry.engines()
    (message,) = messages(warned)
    assert "DuplicateNameError: engine 'dup' is registered twice" in message
    assert "'pkg_one'" in message and "'pkg_two'" in message
    # The first registration stays; the second plugin stopped at its error.
    kept = qfoundry.registry.get_registry().origin[("engines", "dup")]
    assert f"by plugin {kept!r} and by plugin" in message
    assert "dup" in engines and len(engines) == 2


def test_duplicate_backend_names(fresh_pm):
    class Again:
        __name__ = "again"

        @qfoundry.hookimpl
        def register_backends(self, register):
            register(coin_backend())

    fresh_pm(CoinPlugin(), Again())
    with pytest.warns(PluginWarning, match=r"backend 'coin_simulator' is registered twice.*"
                                           r"'(again|coin_plugin)'.*'(again|coin_plugin)'"):
        assert [b.name for b in qfoundry.backends()] == [COIN_BACKEND]


def test_error_classes():
    assert issubclass(DuplicateNameError, PluginError) and issubclass(PluginError, QfoundryError)
    assert not issubclass(DuplicateNameError, KeyError)


def test_hook_implementations_declare_only_what_they_use(fresh_pm):
    seen = []

    class Minimal:
        __name__ = "minimal"

        @qfoundry.hookimpl
        def job_finished(self, job):  # no `result` argument
            seen.append(job.job_id())

        @qfoundry.hookimpl
        def job_progress(self, done):
            seen.append(done)

    fresh_pm(CoinPlugin(), Minimal())
    job = qfoundry.get_backend(COIN_BACKEND).run(make_qobj(), shots=2)
    job.result(timeout=WAIT)
    assert seen == [1, job.job_id()]


# -- one test per hook ----------------------------------------------------------------------------

def test_hook_register_engines(fresh_pm, capsys):
    engine = CoinEngine()
    fresh_pm(CoinPlugin(engine))
    assert qfoundry.engines() == ["coin"]
    assert qfoundry.get_engine("coin") is engine  # one shared, stateless instance
    assert qfoundry.registry.get_registry().origin[("engines", "coin")] == "coin_plugin"
    assert cli.main(["engines"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.split()[:4] == ["coin", "ideal", "plugin", "coin_plugin"]
    assert engine.description in line


def test_hook_register_backends(fresh_pm):
    plugin = CoinPlugin(description="five coins")
    fresh_pm(plugin)
    backend = qfoundry.get_backend(COIN_BACKEND)
    assert backend.engine is plugin.engine
    assert backend.configuration().description == "five coins"
    prototype = qfoundry.registry.get_registry().backends[COIN_BACKEND]
    assert backend is not prototype and backend.options is not prototype.options
    assert qfoundry.registry.get_registry().origin[("backends", COIN_BACKEND)] == "coin_plugin"


def test_hook_register_backends_may_look_up_engines(fresh_pm):
    # As docs/plugin-hooks.md shows: a backend plugin builds on an engine another plugin
    # registered, looking it up while the registry is being built.
    class Wrapper:
        __name__ = "wrapper"

        @qfoundry.hookimpl
        def register_backends(self, register):
            register(coin_backend(qfoundry.get_engine("coin"), name="wrapped", n_qubits=2))

    fresh_pm(Wrapper(), CoinPlugin())
    assert qfoundry.get_backend("wrapped").engine is qfoundry.get_engine("coin")


def test_hook_register_devices(fresh_pm, tmp_path):
    from qfoundry.devices import Device, device_to_toml

    tiny = Device(name="tiny", n_qubits=2, basis_gates=("x", "h"),
                  coupling_map=((0, 1), (1, 0)), default_engine="coin")
    path = tmp_path / "line.toml"
    path.write_text(device_to_toml(Device(name="line", n_qubits=3, basis_gates=("x",),
                                          default_engine="coin")))

    class Pack:
        __name__ = "pack"

        @qfoundry.hookimpl
        def register_devices(self, register):
            register(tiny)
            register(path)

    fresh_pm(CoinPlugin(), Pack())
    assert qfoundry.registry.devices() == ["line", "tiny"]
    assert qfoundry.get_device("tiny") is tiny and qfoundry.get_device("fake_line").n_qubits == 3
    backend = qfoundry.get_backend("fake_tiny")
    assert isinstance(backend, DeviceBackend) and backend.engine.name == "coin"
    assert backend.configuration().n_qubits == 2
    names = sorted(b.name for b in qfoundry.backends())
    assert names == [COIN_BACKEND, "fake_line", "fake_tiny"]
    qobj = make_qobj({"header": {"name": "flip", "memory_slots": 2, "creg_sizes": [["c", 2]]},
                      "config": {"n_qubits": 2, "memory_slots": 2},
                      "instructions": [{"name": "x", "qubits": [1]},
                                       {"name": "measure", "qubits": [0, 1], "memory": [0, 1]}]})
    assert backend.run(qobj, shots=5).result(timeout=WAIT).get_counts() == {"10": 5}


def test_hook_job_submitted(fresh_pm):
    seen = []

    class Watch:
        __name__ = "watch"

        @qfoundry.hookimpl
        def job_submitted(self, job):
            seen.append((job.job_id(), job.status().name, len(job.qobj.experiments),
                         str(job.backend().name), threading.current_thread()))

    fresh_pm(CoinPlugin(), Watch())
    job = qfoundry.get_backend(COIN_BACKEND).run(make_qobj(coin_flips(), coin_flips()))
    assert seen == [(job.job_id(), "QUEUED", 2, COIN_BACKEND, threading.current_thread())]
    job.result(timeout=WAIT)
    assert len(seen) == 1


def test_hook_job_finished(fresh_pm):
    seen = []

    class Watch:
        __name__ = "watch"

        @qfoundry.hookimpl
        def job_finished(self, job, result):
            seen.append((job.job_id(), job.status().name, result))

    fresh_pm(CoinPlugin(), Watch())
    job = qfoundry.get_backend(COIN_BACKEND).run(make_qobj())
    result = job.result(timeout=WAIT)
    assert seen == [(job.job_id(), "DONE", result)]  # already there when result() returned


def test_hook_job_progress(fresh_pm):
    seen = []

    class Watch:
        __name__ = "watch"

        @qfoundry.hookimpl
        def job_progress(self, job, done, total):
            seen.append((done, total, job.in_final_state()))

    fresh_pm(CoinPlugin(), Watch())
    job = qfoundry.get_backend(COIN_BACKEND).run(make_qobj(*[coin_flips()] * 3), shots=8)
    job.result(timeout=WAIT)
    assert seen == [(1, 3, False), (2, 3, False), (3, 3, False)]


def test_hook_transpile_experiment(fresh_pm):
    # The first non-None answer wins over the built-in pipeline (which is trylast).
    calls = []

    class Mapper:
        __name__ = "mapper"

        @qfoundry.hookimpl
        def transpile_experiment(self, circuit, device, options):
            calls.append((circuit.name, device.name, options["seed"]))
            return qfoundry.Circuit(device.n_qubits, circuit.num_clbits, name="mapped")

    from qfoundry.device import Device

    line = Device(name="line2", n_qubits=2, basis_gates=("x", "cx"),
                  coupling_map=((0, 1), (1, 0)))
    fresh_pm(Mapper())
    out = qfoundry.transpile(qfoundry.Circuit(2, name="mine").h(0), line, seed=5)
    assert out.name == "mapped" and calls == [("mine", "line2", 5)]


def test_every_hook_has_a_test():
    pm = make_plugin_manager(load_entry_points=False)
    hooks = sorted(name for name in dir(pm.hook) if not name.startswith("_"))
    assert {"register_engines", "register_devices", "register_backends", "job_submitted",
            "job_finished", "job_progress"} <= set(hooks)
    missing = [name for name in hooks if f"test_hook_{name}" not in globals()]
    assert not missing, f"hooks without a test_hook_<name> in {__name__}: {missing}"
