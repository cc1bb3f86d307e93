"""The docs stay true: every hook documented with its signature and a runnable example,
the example plugin included verbatim, and the README's test command the one CI runs."""

from __future__ import annotations

import inspect
import re
import types
import warnings
from pathlib import Path

import pytest
from conftest import CoinEngine, CoinPlugin, coin_backend, coin_flips, make_qobj

import qfoundry
from qfoundry import hookspecs
from qfoundry.plugin_manager import PluginWarning, make_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
HOOKS_DOC = ROOT / "docs" / "plugin-hooks.md"
HEADING = re.compile(r"^#+\s+`?(\w+)\(([^)]*)\)`?\s*$", re.MULTILINE)


def hook_names() -> list[str]:
    pm = make_plugin_manager(load_entry_points=False)
    return sorted(name for name in dir(pm.hook) if not name.startswith("_"))


def documented() -> dict[str, tuple[list[str], str]]:
    """hook name -> (parameter names in its heading, the text of its section)."""
    text = HOOKS_DOC.read_text(encoding="utf-8")
    matches = list(HEADING.finditer(text))
    out = {}
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        params = [p.split(":")[0].split("=")[0].strip() for p in m.group(2).split(",")]
        out[m.group(1)] = ([p for p in params if p], text[m.end():end])
    return out


@pytest.mark.parametrize("hook", hook_names())
def test_hook_is_documented_with_its_signature(hook):
    docs = documented()
    assert hook in docs, f"{HOOKS_DOC.name} has no heading `{hook}(...)`"
    expected = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert docs[hook][0] == expected, f"heading of {hook} lists {docs[hook][0]}, not {expected}"


def test_no_stale_hook_sections():
    assert sorted(documented()) == hook_names()


# -- every hook's example runs as it is --------------------------------------------------------

def example_module(hook: str) -> types.ModuleType:
    blocks = re.findall(r"```python\n(.*?)```", documented()[hook][1], re.DOTALL)
    assert blocks, f"the section of {hook} has no python example"
    module = types.ModuleType(f"docs_example_{hook}")
    exec(compile(blocks[0], f"{HOOKS_DOC}:{hook}", "exec"), module.__dict__)
    assert hasattr(getattr(module, hook, None), "qfoundry_impl"), (
        f"the example of {hook} does not implement it")
    return module


@pytest.fixture
def quiet():
    """Fail on any PluginWarning: a documented example must not break."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught if issubclass(w.category, PluginWarning)] == []


@pytest.mark.parametrize("hook", ["register_engines", "register_backends", "register_devices"])
def test_registration_examples_register_something(hook, fresh_pm, monkeypatch, tmp_path, quiet):
    module = example_module(hook)
    source = documented()[hook][1]
    # Engines the example builds on are provided by a stand-in plugin.
    helpers = [type(f"Stub_{n}", (CoinEngine,), {"name": n})()
               for n in set(re.findall(r"get_engine\(\"(\w+)\"\)", source)) - {"coin"}]
    # A device pack the example reads is provided as a package holding one TOML file.
    for package in re.findall(r"files\(\"(\w+)\"\)", source):
        from qfoundry.devices import Device, device_to_toml

        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "docdev.toml").write_text(device_to_toml(
            Device(name="docdev", n_qubits=2, basis_gates=("x",), default_engine="coin")))
        monkeypatch.syspath_prepend(str(tmp_path))

    class Stubs:
        __name__ = "stubs"

        @qfoundry.hookimpl
        def register_engines(self, register):
            for engine in helpers:
                register(engine)

    fresh_pm(CoinPlugin(), Stubs(), module)
    reg = qfoundry.registry.get_registry()
    kind = hook.removeprefix("register_")
    mine = [name for (k, name), plugin in reg.origin.items()
            if k == kind and plugin == module.__name__]
    assert mine, f"the {hook} example registered no {kind[:-1]}"


@pytest.mark.parametrize("hook", ["job_submitted", "job_progress", "job_finished"])
def test_job_hook_examples_run(hook, fresh_pm, quiet, capsys):
    fresh_pm(example_module(hook))
    result = coin_backend().run(make_qobj(coin_flips()), shots=5).result(timeout=10)
    assert result.success


def test_transpile_hook_example_maps_without_barriers(fresh_pm, quiet):
    from qfoundry.devices import Device

    module = example_module("transpile_experiment")
    fresh_pm(module)
    line = Device(name="line3", n_qubits=3, basis_gates=("rz", "sx", "x", "cx"),
                  coupling_map=((0, 1), (1, 0), (1, 2), (2, 1)))
    circuit = qfoundry.Circuit(3, 3).h(0).barrier(0, 1, 2).cx(0, 2).measure([0, 2], [0, 2])
    mapped = qfoundry.transpile(circuit, line, seed=1)
    names = {inst.name for inst in mapped.data}
    assert "barrier" not in names and names <= {"rz", "sx", "x", "cx", "measure"}
    assert {"initial_layout", "final_layout"} <= set(mapped.metadata)


def test_every_hook_has_an_example_test():
    tested = {"register_engines", "register_backends", "register_devices",
              "job_submitted", "job_progress", "job_finished", "transpile_experiment"}
    assert set(hook_names()) <= tested, "add the new hook's example to the tests above"


# -- the example plugin and the README ------------------------------------------------------------

def test_writing_plugins_includes_the_example_plugin_verbatim():
    guide = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
    plugin = ROOT / "tests" / "example_plugin"
    for path in (plugin / "pyproject.toml", plugin / "qfoundry_example" / "__init__.py"):
        assert path.read_text(encoding="utf-8").strip() in guide, (
            f"docs/writing-plugins.md must include {path.relative_to(ROOT)} verbatim")


def test_readme_test_command_is_the_one_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (command,) = re.findall(r"^TEST_COMMAND='(.*)'$", ci, re.MULTILINE)
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_installs_every_extra_but_dev():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (command,) = re.findall(r"^TEST_COMMAND='(.*)'$", ci, re.MULTILINE)
    (installed,) = re.findall(r'-e "\.\[([^\]]*)\]"', command)
    assert set(extras) - {"dev"} <= set(installed.split(",")), installed
