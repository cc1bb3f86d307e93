"""Plugins that exit, device files that attack, and the command line's small things
(issue 12): each failure stays with its own plugin or file, in one line."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings

import pytest
from test_plugins import GOOD_PLUGIN

import qfoundry
from qfoundry import cli, limits
from qfoundry.plugin_manager import PluginWarning

GOOD = GOOD_PLUGIN  # the working plugin of tests/test_plugins.py
EXITS_ON_IMPORT = "import sys\nsys.exit('plugin says bye')\n"
EXITS_IN_HOOK = '''
import sys
import qfoundry

@qfoundry.hookimpl
def register_engines(register):
    sys.exit(3)

@qfoundry.hookimpl
def register_backends(register):
    raise RuntimeError("no backends today")
'''


def test_a_plugin_that_exits_on_import_is_isolated(entry_points, fresh_pm):
    entry_points({"exits": EXITS_ON_IMPORT, "good": GOOD},
                 ("exits", "qft_exits"), ("good", "qft_good"))
    with pytest.warns(PluginWarning, match="'exits'.*SystemExit: plugin says bye"):
        fresh_pm(load_entry_points=True)
    assert qfoundry.engines() == ["zero"]  # get_backend and friends still work


def test_hooks_that_exit_or_raise_are_isolated_and_listed(entry_points, fresh_pm, capsys):
    entry_points({"hooks": EXITS_IN_HOOK, "good": GOOD},
                 ("hooks", "qft_hooks"), ("good", "qft_good"))
    fresh_pm(load_entry_points=True)
    with pytest.warns(PluginWarning) as warned:
        assert qfoundry.engines() == ["zero"]
    assert any("SystemExit: 3" in str(w.message) for w in warned)
    assert cli.main(["plugins"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["good"].endswith("ok")
    assert "FAILED in register_engines: SystemExit: 3" in lines["hooks"]
    assert "register_backends: RuntimeError: no backends today" in lines["hooks"]


# -- device files ---------------------------------------------------------------------------
GOOD_DEVICE = 'name = "{name}"\nn_qubits = 2\nbasis_gates = ["cx", "rz", "sx", "x"]\n'


def _deep(depth: int) -> str:
    return f'{GOOD_DEVICE.format(name="deep")}x = {"[" * depth}1{"]" * depth}\n'


@pytest.fixture
def device_dir(tmp_path, monkeypatch, fresh_pm):
    d = tmp_path / "devs"
    d.mkdir()
    (d / "a_good.toml").write_text(GOOD_DEVICE.format(name="alpha"))
    (d / "b_deep.toml").write_text(_deep(5000))
    (d / "c_binary.toml").write_bytes(b"\xff\xfe\x00 not toml")
    (d / "d_huge.toml").write_text('name = "huge"\nn_qubits = 1000000\nbasis_gates = ["x"]\n')
    (d / "e_dup.toml").write_text(GOOD_DEVICE.format(name="alpha"))
    (d / "f_syntax.toml").write_text("name = \n")
    (d / "z_good.toml").write_text(GOOD_DEVICE.format(name="zeta"))
    monkeypatch.setenv("QFOUNDRY_DEVICE_PATH", str(d))
    fresh_pm(load_entry_points=True)
    return d


def test_one_bad_device_file_hides_no_other_and_the_warning_names_it(device_dir):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = qfoundry.devices()
    assert {"alpha", "zeta", "paris"} <= set(names)
    skipped = {w.filename: str(w.message) for w in caught}
    for bad in ("b_deep", "c_binary", "d_huge", "e_dup", "f_syntax"):
        path = str(device_dir / f"{bad}.toml")
        assert path in skipped and f"device file {path} skipped" in skipped[path], bad
    assert "MAX_NESTING" in skipped[str(device_dir / "b_deep.toml")]
    assert "MAX_DEVICE_QUBITS" in skipped[str(device_dir / "d_huge.toml")]
    assert "a_good.toml" in skipped[str(device_dir / "e_dup.toml")]  # both files named
    # printed, a warning shows the file, not a line of Python source
    w = next(w for w in caught if w.filename.endswith("b_deep.toml"))
    text = warnings.formatwarning(w.message, w.category, w.filename, w.lineno, None)
    assert text.count("\n") == 1 and text.startswith(str(device_dir / "b_deep.toml"))


def test_a_t2_warning_points_at_the_device_file_not_python(tmp_path):
    f = tmp_path / "hot.toml"
    f.write_text(GOOD_DEVICE.format(name="hot") + "[[qubits]]\nqubit = 0\nt1_us = 10\nt2_us = 50\n"
                 "[[qubits]]\nqubit = 1\nt1_us = 10\nt2_us = 5\n")
    with pytest.warns(UserWarning, match="T2 = 50.00 us > 2\\*T1") as caught:
        qfoundry.load_device(f)
    w = caught[0]
    assert w.filename == str(f)
    text = warnings.formatwarning(w.message, w.category, w.filename, w.lineno, None)
    assert text.count("\n") == 1


@pytest.mark.parametrize("text, limit", [
    ('name = "huge"\nn_qubits = 1000000\nbasis_gates = ["x"]\n', "MAX_DEVICE_QUBITS"),
    ('name = "grid"\nn_qubits = 1000000\nbasis_gates = ["x"]\n[coupling]\n'
     'shortcut = "grid"\nrows = 1000\ncols = 1000\n', "MAX_DEVICE_QUBITS"),
    (_deep(100_000), "MAX_NESTING"),
    ('name = "t"\nn_qubits = 2\nbasis_gates = ["x"]\n' + "t = " + "{a = " * 3000 + "1"
     + "}" * 3000 + "\n", "MAX_NESTING"),
])
def test_tiny_device_files_with_huge_cost_are_refused_quickly(tmp_path, text, limit):
    f = tmp_path / "x.toml"
    f.write_text(text)
    start = time.perf_counter()
    with pytest.raises(qfoundry.DeviceSpecError, match=limit):
        qfoundry.load_device(f)
    with pytest.raises(qfoundry.DeviceSpecError, match=limit):
        qfoundry.get_backend(str(f))
    assert time.perf_counter() - start < 1


def test_the_device_qubit_limit_can_be_raised(tmp_path, monkeypatch):
    f = tmp_path / "x.toml"
    f.write_text(GOOD_DEVICE.format(name="x"))
    monkeypatch.setattr(limits, "MAX_DEVICE_QUBITS", 1)
    with pytest.raises(qfoundry.DeviceSpecError, match="limit of 1"):
        qfoundry.load_device(f)
    monkeypatch.setattr(limits, "MAX_DEVICE_QUBITS", 2)
    assert qfoundry.load_device(f).n_qubits == 2


# -- the command line ---------------------------------------------------------------------------
def _cli(*argv, cwd=None):
    return subprocess.run([sys.executable, "-m", "qfoundry.cli", *map(str, argv)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def test_version_flag():
    proc = _cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"qfoundry {qfoundry.__version__}"


def test_deeply_nested_input_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.toml").write_text(_deep(100_000))
    for argv in (["run", tmp_path / "deep.json"], ["device", "show", tmp_path / "deep.toml"]):
        proc = _cli(*argv)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert "MAX_NESTING" in proc.stderr


def test_run_on_a_device_file_says_it_is_one(tmp_path):
    (tmp_path / "my.toml").write_text(GOOD_DEVICE.format(name="mine"))
    proc = _cli("run", tmp_path / "my.toml")
    assert proc.returncode == 2
    assert "is a device file, not a circuit" in proc.stderr and "--backend" in proc.stderr


@pytest.mark.parametrize("flag, value, words", [("--shots", "0", "--shots 0 is invalid"),
                                                ("--seed", "-1", "--seed -1 is invalid")])
def test_bad_numeric_flags_name_the_flag(flag, value, words):
    proc = _cli("run", "examples/ghz.qasm", flag, value)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and words in proc.stderr
