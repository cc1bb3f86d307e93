"""The ``qfoundry`` command line: run, backends, engines; user errors exit 2 in one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import COIN_BACKEND, CoinEngine, CoinPlugin, coin_flips, experiment, make_qobj

import qfoundry
from qfoundry.cli import main


class Exploding(CoinEngine):
    name = "exploding"

    def run_experiment(self, experiment, options, device=None):
        raise RuntimeError("out of coins")


class ExplodingPlugin:
    __name__ = "exploding_plugin"

    @qfoundry.hookimpl
    def register_backends(self, register):
        from conftest import coin_backend

        register(coin_backend(Exploding(), name="exploding_simulator"))


@pytest.fixture
def qobj_file(tmp_path, fresh_pm):
    fresh_pm(CoinPlugin(), ExplodingPlugin())
    registers = experiment(
        [{"name": "x", "qubits": [1]}, {"name": "h", "qubits": [0]},
         {"name": "measure", "qubits": [0], "memory": [0]},
         {"name": "measure", "qubits": [1], "memory": [2]}],
        n_qubits=2, memory_slots=3, name="registers", creg_sizes=[["c0", 2], ["c1", 1]])
    path = tmp_path / "job.json"
    path.write_text(json.dumps(make_qobj(coin_flips(2), registers)))
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json(qobj_file, capsys):
    code, out, err = run_cli(capsys, "run", qobj_file, "--backend", COIN_BACKEND,
                             "--shots", 40, "--seed", 7, "--memory", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["backend"] == COIN_BACKEND and data["job_id"]
    flips, regs = data["results"]
    assert (flips["name"], flips["shots"], flips["seed_simulator"]) == ("flips", 40, 7)
    assert sum(flips["counts"].values()) == 40 and set(flips["counts"]) <= {"00", "01", "10",
                                                                           "11"}
    assert len(flips["memory"]) == 40 and set(flips["memory"]) == set(flips["counts"])
    # Qubit 1 (always 1) was measured into c1[0]; qubit 0 (a coin) into c0[0].
    assert set(regs["counts"]) == {"1 00", "1 01"} and sum(regs["counts"].values()) == 40
    # Seeded: the same command prints the same outcomes.
    again = json.loads(run_cli(capsys, "run", qobj_file, "--backend", COIN_BACKEND, "--shots",
                               40, "--seed", 7, "--memory", "--json")[1])
    assert [r["memory"] for r in again["results"]] == [r["memory"] for r in data["results"]]


def test_run_table(qobj_file, capsys):
    code, out, _ = run_cli(capsys, "run", qobj_file, "-b", COIN_BACKEND, "--shots", 10,
                           "--seed", 3, "--memory")
    assert code == 0
    sections = {}
    for line in out.splitlines():
        if not line.startswith(" ") and " on " in line:
            sections[line] = current = []
        else:
            current.append(line)
    assert list(sections) == [f"flips on {COIN_BACKEND} (10 shots, seed 3)",
                              f"registers on {COIN_BACKEND} (10 shots, {derived_seed(3)})"]
    for lines in sections.values():
        assert lines[0].split() == ["outcome", "count", "probability"]
        rows = [re.fullmatch(r"  (.+?) +(\d+)  (\d\.\d{4})", line) for line in lines[1:-1]]
        assert all(rows), lines
        counts = [int(r[2]) for r in rows]
        assert counts == sorted(counts, reverse=True) and sum(counts) == 10
        assert all(float(r[3]) == pytest.approx(int(r[2]) / 10) for r in rows)
        memory = lines[-1].removeprefix("memory: ").split(", ")
        assert lines[-1].startswith("memory: ") and len(memory) == 10
        assert sorted(set(memory)) == sorted(r[1] for r in rows)
    assert {r.split()[0] for r in list(sections.values())[1][1:-1]} == {"1"}  # '1 00', '1 01'


def derived_seed(seed):
    from qfoundry.backend import derive_seed

    return f"seed {derive_seed(seed, 1)}"


def test_backends_and_engines_commands(qobj_file, capsys):
    code, out, _ = run_cli(capsys, "backends")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert set(rows) == {COIN_BACKEND, "exploding_simulator"}
    assert "5 qubits" in rows[COIN_BACKEND] and "engine coin" in rows[COIN_BACKEND]
    code, out, _ = run_cli(capsys, "engines")
    assert code == 0 and out.split()[:2] == ["coin", "ideal"]


@pytest.mark.parametrize(("argv", "words"), [
    (["run", "{missing}", "-b", COIN_BACKEND], "No such file"),
    (["run", "{file}", "-b", "coin_simulatr"], "did you mean 'coin_simulator'?"),
    (["run", "{file}", "-b", COIN_BACKEND, "--engine", "coin"], "fixed engine"),
    (["run", "{file}", "-b", COIN_BACKEND, "--shots", "0"], "shots=0"),
    (["run", "{bad_json}", "-b", COIN_BACKEND], "not valid JSON"),
    (["run", "{bad_qobj}", "-b", COIN_BACKEND], "experiments[0].instructions[0].qubits[0]"),
    (["run", "{missing_qasm}", "-b", COIN_BACKEND], "no such file"),
    (["run", "{file}", "-b", "exploding_simulator"], "out of coins"),
])
def test_user_errors_exit_2_with_one_line(qobj_file, capsys, argv, words):
    tmp = qobj_file.parent
    (tmp / "bad.json").write_text("{not json")
    bad = make_qobj(experiment([{"name": "x", "qubits": [9]}]))
    (tmp / "bad_qobj.json").write_text(json.dumps(bad))
    paths = {"file": qobj_file, "missing": tmp / "missing.json", "bad_json": tmp / "bad.json",
             "bad_qobj": tmp / "bad_qobj.json", "missing_qasm": tmp / "missing.qasm"}
    code, out, err = run_cli(capsys, *[a.format(**paths) for a in argv])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("qfoundry: error: ")
    assert words in err and "Traceback" not in err


def test_console_errors_in_a_real_process(tmp_path):
    env = dict(os.environ, PYTHONWARNINGS="ignore")  # plugin warnings are not the point here
    env.pop("QFOUNDRY_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "qfoundry.cli", "run", str(tmp_path / "nothing.json"),
         "--backend", "no_such_backend_anywhere"],
        capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("qfoundry: error: no backend named 'no_such_backend_anywhere'")
    usage = subprocess.run([sys.executable, "-m", "qfoundry.cli", "run"], capture_output=True,
                           text=True, env=env, timeout=60)
    assert usage.returncode == 2 and "usage: qfoundry run" in usage.stderr
    assert "Traceback" not in usage.stderr



def test_output_into_a_closed_pipe_is_quiet():
    """`qfoundry devices | head` must not end with "error: [Errno 32] Broken pipe"."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is printed
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    env.pop("QFOUNDRY_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "qfoundry.cli", "devices"], stdout=write_end,
                          stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141

# -- with the built-in qasm_simulator (the statevector plugin), as a user runs it --------------

BELL = {
    "qobj_id": "bell-demo-1", "schema_version": "1.3.0", "type": "QASM",
    "header": {"backend_name": "qasm_simulator", "backend_version": "2.1.0"},
    "config": {"shots": 1000, "memory": True, "seed_simulator": 42, "memory_slots": 2,
               "n_qubits": 2},
    "experiments": [{
        "header": {"name": "bell", "n_qubits": 2, "memory_slots": 2, "creg_sizes": [["c", 2]]},
        "config": {"n_qubits": 2, "memory_slots": 2},
        "instructions": [{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]},
                         {"name": "measure", "qubits": [0], "memory": [0]},
                         {"name": "measure", "qubits": [1], "memory": [1]}]}],
}


def console(*argv):
    proc = subprocess.run([sys.executable, "-m", "qfoundry.cli", *map(str, argv)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_run_a_qobj_file_on_qasm_simulator(tmp_path):
    path = tmp_path / "bell.json"
    path.write_text(json.dumps(BELL))
    (bell,) = json.loads(console("run", path, "--backend", "qasm_simulator", "--json"))["results"]
    counts = bell["counts"]
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 1000
    assert abs(counts["00"] - 500) < 80  # 5 sigma of a fair coin over 1000 shots
    assert bell["seed_simulator"] == 42 and len(bell["memory"]) == 1000  # from the Qobj config
    again = json.loads(console("run", path, "--backend", "qasm_simulator", "--json"))
    assert again["results"][0]["memory"] == bell["memory"]
    overridden = json.loads(console("run", path, "--backend", "qasm_simulator", "--shots", 10,
                                    "--seed", 1, "--json"))["results"][0]
    assert overridden["shots"] == 10 and overridden["seed_simulator"] == 1
