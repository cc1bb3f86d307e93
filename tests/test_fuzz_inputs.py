"""Fuzzing the three kinds of user input: OpenQASM text, Qobj dicts and device TOML.

Each test mutates valid input (hypothesis, seeded and bounded, so it runs the same few
hundred cases in a few seconds every time) and asserts that the only exceptions a user
can see are QfoundryErrors: raised by run() or the loaders, or, for a job that was
accepted, none at all (a job that fails inside is a check run() is missing). The tally of
outcomes per area is kept in ``TALLY`` and checked at the end: every area must have
produced both accepted and refused inputs, or the fuzzer exercised nothing.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import qfoundry
from qfoundry import device_toml

TALLY: dict[str, Counter] = {"qasm": Counter(), "qobj": Counter(), "toml": Counter()}
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))

NASTY = [-1, 0, 1, 2, 3, 2**40, 10**20, 10**400, math.nan, math.inf, -math.inf, True, False,
         2.5, "x", "", "0x1", "0xZZ", [], [0], [0, 1], [[0]], [[[[[[[[[[1]]]]]]]]]], {},
         {"mask": "0x1", "val": "0x1"}, None, 1e308, -0.0]


def _outcome(area: str, fn) -> None:
    """Run ``fn``; record accepted / refused(ErrorType); anything else fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except qfoundry.JobError as exc:  # accepted by run(), failed in the job: a missing check
        pytest.fail(f"{area}: accepted at run() but failed in the job: {exc!r}")
    except qfoundry.QfoundryError as exc:
        TALLY[area][f"refused: {type(exc).__name__}"] += 1
    else:
        TALLY[area]["accepted"] += 1


# -- OpenQASM text -------------------------------------------------------------------------------
PROGRAMS = [
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\n'
    'measure q -> c;\n',
    'OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g(t) a, b { rz(t/2) a; cx a, b; u(t,0,pi) b; }\n'
    'qreg q[3];\ncreg c[3];\ng(pi/3) q[0], q[2];\nif(c==1) x q[1];\nmeasure q -> c;\n',
    'OPENQASM 2.0;\nqreg q[1];\ncreg c[1];\nU(0.1,0.2,0.3) q[0];\nreset q[0];\nbarrier q;\n'
    'measure q[0] -> c[0];\n',
]
TOKENS = ["qreg", "creg", "gate", "opaque", "measure", "->", "if", "(", ")", "[", "]", "{", "}",
          ";", ",", "==", "pi", "1e400", "0", "65537", "-", "/", "^", "sqrt", "q", "c", "x",
          "cx", "U", "CX", "include", '"qelib1.inc"', '"/etc/passwd"', "OPENQASM", "3.0",
          "\n", " ", "//", "/*", "\x00", "é", "qubit", "=", "barrier"]


@st.composite
def qasm_texts(draw) -> str:
    text = draw(st.sampled_from(PROGRAMS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(TOKENS)) if draw(st.booleans()) else draw(
            st.text(max_size=3))
        end = min(len(text), pos + draw(st.integers(0, 6)))
        text = text[:pos] + (piece if how != "delete" else "") + \
            text[end if how != "insert" else pos:]
    return text


@seed(12)
@BOUNDED
@given(qasm_texts())
def test_fuzzed_openqasm_raises_only_qfoundry_errors(text):
    backend = qfoundry.get_backend("qasm_simulator")
    _outcome("qasm", lambda: backend.run(text, shots=16, seed_simulator=1).result(timeout=60))


# -- Qobj dicts ----------------------------------------------------------------------------------
BASE_QOBJ = {
    "qobj_id": "fuzz", "type": "QASM", "config": {"shots": 16, "memory_slots": 2},
    "header": {},
    "experiments": [{
        "header": {"name": "e", "n_qubits": 2, "memory_slots": 2,
                   "creg_sizes": [["c", 2]], "qreg_sizes": [["q", 2]]},
        "config": {"n_qubits": 2, "memory_slots": 2},
        "instructions": [
            {"name": "h", "qubits": [0]},
            {"name": "rx", "params": [0.3], "qubits": [1]},
            {"name": "cx", "qubits": [0, 1]},
            {"name": "unitary", "params": [[[[0, 0], [1, 0]], [[1, 0], [0, 0]]]],
             "qubits": [0]},
            {"name": "measure", "qubits": [0], "memory": [0], "register": [0]},
            {"name": "bfunc", "mask": "0x1", "relation": "==", "val": "0x1", "register": 2},
            {"name": "x", "qubits": [1], "conditional": 2},
            {"name": "initialize", "params": [0.6, 0.8], "qubits": [1]},
            {"name": "measure", "qubits": [1], "memory": [1]},
        ]}]}


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _set(root, path, value):
    node = root
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DELETE = object()
QOBJ_PATHS = [p for p in _paths(BASE_QOBJ) if p]


@st.composite
def qobjs(draw) -> dict:
    qobj = copy.deepcopy(BASE_QOBJ)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in QOBJ_PATHS if _exists(qobj, p)]
        path = draw(st.sampled_from(paths))
        _set(qobj, path, draw(st.sampled_from([*NASTY, _DELETE])))
    return qobj


def _exists(root, path) -> bool:
    node = root
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return False
    return True


QOBJ_BACKENDS = ["qasm_simulator", "statevector_simulator", "density_matrix_simulator",
                 "trajectory_simulator", "fake_manila"]


@seed(34)
@BOUNDED
@given(qobjs(), st.sampled_from(QOBJ_BACKENDS))
def test_fuzzed_qobj_dicts_raise_only_qfoundry_errors(qobj, name):
    backend = qfoundry.get_backend(name)
    _outcome("qobj", lambda: backend.run(qobj, seed_simulator=1).result(timeout=60))


# -- device TOML ---------------------------------------------------------------------------------
BASE_DEVICE = {
    "name": "fuzz", "n_qubits": 3, "basis_gates": ["cx", "rz", "sx", "x"], "dt_ns": 0.22,
    "max_shots": 100,
    "coupling": {"edges": [[0, 1], [1, 2]]},
    "defaults": {"qubit": {"t1_us": 80.0, "t2_us": 60.0, "readout_error": 0.02},
                 "gates": {"sx": {"error": 3e-4, "length_ns": 35.5}}},
    "qubits": [{"qubit": 1, "t1_us": 50.0}],
    "gates": [{"gate": "cx", "qubits": [0, 1], "error": 0.01, "length_ns": 300.0}],
}
DEVICE_PATHS = [p for p in _paths(BASE_DEVICE) if p]


@st.composite
def device_tables(draw) -> dict:
    device = copy.deepcopy(BASE_DEVICE)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in DEVICE_PATHS if _exists(device, p)]
        _set(device, draw(st.sampled_from(paths)), draw(st.sampled_from([*NASTY, _DELETE])))
    return device


@seed(56)
@BOUNDED
@given(device_tables())
def test_fuzzed_device_tables_raise_only_qfoundry_errors(table):
    def load():
        device = device_toml.parse(table, "fuzz.toml")
        c = qfoundry.Circuit(2, 2)
        c.sx(0)
        c.cx(0, 1)
        c.measure([0, 1], [0, 1])
        backend = qfoundry.DeviceBackend(qfoundry.device.DeviceSource.from_device(device),
                                         qfoundry.get_engine("auto"))
        backend.run(c, shots=20, seed_simulator=1).result(timeout=60)

    _outcome("toml", load)


@seed(78)
@BOUNDED
@given(st.data())
def test_fuzzed_device_text_raises_only_qfoundry_errors(tmp_path_factory, data):
    text = device_toml.write(device_toml.parse(BASE_DEVICE, "fuzz.toml"))
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.sampled_from(["[", "]", "{", "}", "=", '"', "\n", "[[qubits]]",
                                           "nan", "inf", "-1", "1e999", "[" * 200, "x"]))
        text = text[:pos] + piece + text[pos + data.draw(st.integers(0, 4)):]
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.toml"
    path.write_text(text)
    _outcome("toml", lambda: qfoundry.load_device(path))


def test_the_fuzzers_reached_both_outcomes_in_every_area():
    # Runs after the fuzz tests in this file (pytest keeps file order).
    for area, counts in TALLY.items():
        if not counts:
            pytest.skip("run with the fuzz tests above")
        refused = sum(v for k, v in counts.items() if k.startswith("refused"))
        print(f"fuzz tally {area}: {sum(counts.values())} inputs, {dict(counts)}")
        assert counts["accepted"] > 0 and refused > 0, (area, dict(counts))
