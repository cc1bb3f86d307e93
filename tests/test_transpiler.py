"""End to end: transpiled circuits are native to the device and equivalent to the input.

Equivalence is checked with an independent dense simulation (numpy tensordot over the gate
table's matrices) on the physical qubits the output touches: for every basis input of the
circuit's qubits, placed by ``initial_layout`` with ancillas in |0>, the output state must
equal the input circuit's, read through ``final_layout``, with one global phase for all.
"""

from __future__ import annotations

import math
import random
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import unitary_group

import qfoundry
from qfoundry.circuit import Circuit
from qfoundry.devices import Device, GateProperties, QubitProperties, check_native
from qfoundry.errors import TranspilerError
from qfoundry.gates import GATES, gate_matrix
from qfoundry.transpiler import is_native, transpile, transpile_circuit

SKIP = {"barrier", "measure", "delay"}


def apply(psi: np.ndarray, n: int, m: np.ndarray, qubits: list[int]) -> np.ndarray:
    k = len(qubits)
    axes = [n - 1 - q for q in reversed(qubits)]  # qubit q is bit q (little-endian)
    t = np.tensordot(np.asarray(m).reshape([2] * (2 * k)), psi.reshape([2] * n),
                     axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(t, list(range(k)), axes).reshape(-1)


def matrix(op) -> np.ndarray:
    return op.params[0] if op.name == "unitary" else gate_matrix(op.name, op.params,
                                                                len(op.qubits))


def run_ops(ops, n: int, psi: np.ndarray, pos=None) -> np.ndarray:
    for op in ops:
        if op.name in SKIP:
            continue
        if op.name == "reset":
            raise AssertionError("reset has no unitary")
        psi = apply(psi, n, matrix(op), [pos[q] if pos else q for q in op.qubits])
    return psi


def assert_equivalent(cin: Circuit, cout: Circuit, atol: float = 1e-7) -> None:
    n_v = cin.num_qubits
    init, final = cout.metadata["initial_layout"], cout.metadata["final_layout"]
    active = sorted(set(init) | {q for op in cout.data for q in op.qubits})
    pos = {p: i for i, p in enumerate(active)}
    na = len(active)
    u_in = np.column_stack([run_ops(cin.data, n_v, np.eye(2 ** n_v)[:, j].astype(complex))
                            for j in range(2 ** n_v)])
    got, want = [], []
    for j in range(2 ** n_v):
        psi = np.zeros(2 ** na, complex)
        psi[sum(((j >> v) & 1) << pos[init[v]] for v in range(n_v))] = 1
        got.append(run_ops(cout.data, na, psi, pos))
        expected = np.zeros(2 ** na, complex)
        for i in range(2 ** n_v):
            expected[sum(((i >> v) & 1) << pos[final[v]] for v in range(n_v))] = u_in[i, j]
        want.append(expected)
    got, want = np.array(got), np.array(want)
    k = np.unravel_index(np.argmax(np.abs(want)), want.shape)
    phase = got[k] / want[k]
    assert abs(abs(phase) - 1) < atol
    assert np.allclose(got, phase * want, atol=atol), np.max(np.abs(got - phase * want))


def make_device(name: str, n: int, edges, basis, *, bidirectional: bool = True,
                seed: int = 0) -> Device:
    rng = np.random.default_rng(seed)
    cmap = tuple(edges) + (tuple((b, a) for a, b in edges) if bidirectional else ())
    ent = next(g for g in basis if g in ("cx", "cz", "ecr"))
    gates = {(ent, e): GateProperties(error=float(rng.uniform(0.005, 0.03))) for e in cmap}
    gates.update({("sx", (q,)): GateProperties(error=float(rng.uniform(1e-4, 1e-3)))
                  for q in range(n)})
    qubits = tuple(QubitProperties(readout_error=float(rng.uniform(0.01, 0.05)))
                   for _ in range(n))
    return Device(name=name, n_qubits=n, basis_gates=tuple(basis), coupling_map=cmap,
                  qubits=qubits, gates=gates)


T_EDGES = [(0, 1), (1, 2), (1, 3), (3, 4)]
DEVICES = [
    make_device("line", 5, [(0, 1), (1, 2), (2, 3), (3, 4)], ["id", "rz", "sx", "x", "cx",
                                                              "reset"]),
    make_device("oneway", 5, T_EDGES, ["rz", "sx", "cx"], bidirectional=False),
    make_device("u321", 5, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)], ["u1", "u2", "u3", "cx"]),
    make_device("czdev", 5, T_EDGES, ["rz", "sx", "x", "cz"]),
    make_device("ecrdev", 5, [(1, 0), (1, 2), (3, 1), (3, 4)], ["rz", "sx", "x", "ecr"],
                bidirectional=False),
    make_device("zyz", 4, [(0, 1), (1, 2), (2, 3)], ["rz", "ry", "cx"]),
]
GATE_NAMES = sorted(n for n, s in GATES.items()
                    if s.num_qubits is not None and 1 <= s.num_qubits <= 4)


def random_circuit(n: int, depth: int, rng: random.Random) -> Circuit:
    c = Circuit(n)
    for _ in range(depth):
        if rng.random() < 0.1:
            k = 1 if n == 1 or rng.random() < 0.5 else 2
            c.unitary(unitary_group.rvs(2 ** k, random_state=rng.randrange(10 ** 6)),
                      rng.sample(range(n), k))
            continue
        name = rng.choice([g for g in GATE_NAMES if GATES[g].num_qubits <= n])
        spec = GATES[name]
        c.append(name, rng.sample(range(n), spec.num_qubits),
                 [rng.uniform(-2 * math.pi, 2 * math.pi) for _ in range(spec.num_params)])
    return c


@pytest.mark.parametrize("chunk", range(8))
def test_random_circuits_are_native_and_equivalent(chunk):
    """Hundreds of random circuits (every gate of the table, random 1q/2q unitaries) on
    devices with cx/cz/ecr entanglers, one-way couplings and four single-qubit bases."""
    rng = random.Random(chunk)
    for _ in range(30):
        device = rng.choice(DEVICES)
        c = random_circuit(rng.randint(1, 4), rng.randint(1, 12), rng)
        level = rng.choice([0, 1, 1, 2, 3])
        out = transpile_circuit(c, device, optimization_level=level, seed=rng.randrange(99))
        assert is_native(out, device), (device.name, out.count_ops())
        check_native(out.data, device)
        assert_equivalent(c, out)


def shipped_device_paths() -> dict[str, Any]:
    """Every device TOML qfoundry ships (the repository's devices/ folder), by name."""
    try:
        from qfoundry.plugins.fake_devices import shipped_device_files

        paths = list(shipped_device_files())
    except ImportError:  # package data not installed: read the source tree
        paths = sorted(Path(__file__).parents[1].joinpath("devices").glob("*.toml"))
    return {p.name[:-len(".toml")]: p for p in paths}


def shipped_device(name: str) -> Device:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # calibration warnings (T2 > 2 T1) are not ours
        return qfoundry.load_device(shipped_device_paths()[name])


def textbook(n: int) -> Circuit:
    c = Circuit(n, n).h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    c.ccx(0, n - 1, n // 2).swap(0, n - 1).u3(0.1, 0.2, 0.3, 1).cp(0.4, 1, n - 2)
    c.unitary(unitary_group.rvs(4, random_state=1), [n - 1, 0])
    return c.measure(range(n), range(n))


@pytest.mark.parametrize("name", sorted(shipped_device_paths()))
def test_every_shipped_device_gets_native_equivalent_circuits(name):
    device = shipped_device(name)
    if device.n_qubits < 5:
        pytest.skip(f"{name} has {device.n_qubits} qubit(s); the circuit needs 5")
    c = textbook(5)
    out = transpile(c, device, seed=3)
    check_native(out.data, device)
    assert out.num_qubits == device.n_qubits
    assert [r.name for r in out.cregs] == ["c"]
    unmeasured = c.copy()
    unmeasured.data = [op for op in c.data if op.name != "measure"]
    stripped = out.copy()
    stripped.data = [op for op in out.data if op.name != "measure"]
    assert_equivalent(unmeasured, stripped)
    measures = sorted((op.clbits[0], op.qubits[0]) for op in out.data if op.name == "measure")
    assert measures == [(v, out.metadata["final_layout"][v]) for v in range(5)]


def probabilities(circuit: Circuit) -> dict[str, float]:
    """Exact distribution of the measured clbits, from the statevector engine."""
    backend = qfoundry.get_backend("statevector_simulator")
    body = circuit.copy()
    body.data = [op for op in circuit.data if op.name != "measure"]
    state = np.asarray(backend.run(body).result().get_statevector())
    where = {op.clbits[0]: op.qubits[0] for op in circuit.data if op.name == "measure"}
    out: dict[str, float] = {}
    for index, amp in enumerate(state):
        key = "".join(str((index >> where[c]) & 1) for c in sorted(where, reverse=True))
        out[key] = out.get(key, 0.0) + abs(amp) ** 2
    return {k: v for k, v in out.items() if v > 1e-12}


@pytest.mark.parametrize("chunk", range(4))
def test_measured_distributions_match_on_manila(chunk):
    """Exact outcome distributions of the user's clbits, input vs mapped circuit, both
    from the statevector engine (32 random circuits, some qubits left unmeasured)."""
    manila = shipped_device("manila")
    rng = random.Random(100 + chunk)
    for _ in range(8):
        c = random_circuit(4, rng.randint(3, 12), rng)
        c.add_register(qfoundry.ClassicalRegister("m", 3))
        c.measure(rng.sample(range(4), 3), [0, 1, 2])
        out = transpile(c, manila, seed=rng.randrange(99))
        want, got = probabilities(c), probabilities(out)
        assert want.keys() == got.keys()
        assert all(math.isclose(want[k], got[k], abs_tol=1e-9) for k in want)


def test_native_circuits_run_exactly_as_written():
    """Hand-scheduled native circuits keep idle ids and back-to-back CX pairs."""
    paris = shipped_device("paris")
    c = Circuit(3, 2).x(0).id(0).id(0).cx(0, 1).cx(0, 1).rz(0.0, 2).sx(1).barrier()
    c.delay(1e-7, 2).measure([0, 1], [0, 1])
    assert is_native(c, paris)
    out = transpile(c, paris)
    assert out.data == c.data and out.num_qubits == 3
    assert out.metadata["initial_layout"] == out.metadata["final_layout"] == [0, 1, 2]
    not_native = Circuit(3).cx(0, 2)  # 0 and 2 are not coupled on Paris
    assert not is_native(not_native, paris)


def test_level_one_simplifications():
    device = DEVICES[0]
    c = Circuit(2).x(0).x(0).cx(0, 1).cx(0, 1).rz(0.2, 1).rz(0.3, 1).rz(0.0, 0).id(1)
    out = transpile_circuit(c, device, initial_layout=[0, 1])
    assert [(op.name, op.qubits) for op in out.data] == [("rz", (1,))]
    assert out.data[0].params[0] == pytest.approx(0.5)
    h = transpile_circuit(Circuit(1).h(0).s(0).h(0), device)
    assert sum(op.name == "sx" for op in h.data) <= 1  # merged into one Euler sequence


def test_level_zero_uses_trivial_layout_and_keeps_gates_separate():
    device = DEVICES[0]
    c = Circuit(3).h(0).h(0).cx(0, 2)
    out = transpile_circuit(c, device, optimization_level=0)
    assert out.metadata["initial_layout"] == [0, 1, 2]
    assert sum(op.name == "sx" for op in out.data) >= 2  # h h not merged
    assert_equivalent(c, out)



@pytest.mark.parametrize("level", [0, 1])
def test_cx_on_a_cz_device_leaves_the_control_alone(level):
    """CX = (I x H) CZ (I x H), as Qiskit writes it: a 12-qubit GHZ on a Heron got an X
    (a pulse, with its error) on every control when the KAK's local factors were used."""
    device = DEVICES[3]  # czdev
    for a, b in ((0, 1), (1, 0)):
        c = Circuit(2).cx(0, 1)
        out = transpile_circuit(c, device, initial_layout=[a, b], optimization_level=level)
        assert [op.name for op in out.data if a in op.qubits] == ["cz"]
        assert sum(op.name == "sx" for op in out.data) <= 2
        assert_equivalent(c, out)
    ghz = Circuit(5).h(0).cx(0, 1).cx(1, 2).cx(1, 3).cx(3, 4)
    out = transpile_circuit(ghz, device, optimization_level=level)
    assert "x" not in out.count_ops()
    assert_equivalent(ghz, out)

def test_conditions_clbits_and_registers_survive():
    device = DEVICES[0]
    c = Circuit(qfoundry.QuantumRegister("a", 3), qfoundry.ClassicalRegister("r", 1),
                qfoundry.ClassicalRegister("s", 2))
    c.h(0).measure(0, 0).h(2).c_if("r", 1).cx(0, 2).measure([2, 1], [1, 2]).reset(1)
    out = transpile_circuit(c, device, seed=1)
    assert [r.name for r in out.cregs] == ["r", "s"]
    conditioned = [op for op in out.data if op.condition is not None]
    assert conditioned and all(op.condition == ("r", 1) for op in conditioned)
    final = out.metadata["final_layout"]
    assert sorted((op.clbits, op.qubits) for op in out.data if op.name == "measure") == \
        sorted([((0,), (out.metadata["initial_layout"][0],)), ((1,), (final[2],)),
                ((2,), (final[1],))])
    assert any(op.name == "reset" for op in out.data)


def test_larger_unitaries_and_state_preparation():
    device = DEVICES[0]
    u = unitary_group.rvs(8, random_state=4)
    c = Circuit(3).unitary(u, [2, 0, 1])
    out = transpile_circuit(c, device, seed=2)
    assert is_native(out, device)
    assert_equivalent(c, out)
    amps = unitary_group.rvs(4, random_state=8)[:, 0]
    prep = transpile_circuit(Circuit(2).initialize(amps, [1, 0]), device)
    body = [op for op in prep.data if op.name != "reset"]
    init = prep.metadata["initial_layout"]
    active = sorted(set(init) | {q for op in body for q in op.qubits})
    pos = {p: i for i, p in enumerate(active)}
    state = run_ops(body, len(active), np.eye(2 ** len(active))[:, 0].astype(complex), pos)
    final = prep.metadata["final_layout"]
    got = np.array([state[sum(((i >> v) & 1) << pos[final[v]] for v in range(2))]
                    for i in range(4)])
    want = np.array([amps[((i & 1) << 1) | (i >> 1)] for i in range(4)])  # qubits [1, 0]
    assert abs(abs(np.vdot(want, got)) - 1) < 1e-9


def test_transpile_accepts_text_lists_and_simulator_backends():
    text = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n'
    outs = transpile([text, Circuit(1).h(0)], DEVICES[3])
    assert isinstance(outs, list) and len(outs) == 2
    sim = qfoundry.get_backend("qasm_simulator")
    c = Circuit(2).h(0).cx(0, 1)
    assert transpile(c, sim).data == c.data  # every gate is native to an ideal simulator


def test_errors_name_the_problem():
    device = DEVICES[0]
    with pytest.raises(TranspilerError, match="6 qubits"):
        transpile_circuit(Circuit(6).h(0), device)
    with pytest.raises(TranspilerError, match="optimization_level"):
        transpile_circuit(Circuit(1).h(0), device, optimization_level=4)
    with pytest.raises(TranspilerError, match="layout_method"):
        transpile_circuit(Circuit(2).cx(0, 1).h(0), device, layout_method="magic")
    with pytest.raises(TranspilerError, match="reset"):
        transpile_circuit(Circuit(1).reset(0).h(0), DEVICES[1])
    weak = make_device("weak", 2, [(0, 1)], ["rz", "x", "cx"])
    with pytest.raises(TranspilerError, match="single-qubit"):
        transpile_circuit(Circuit(1).h(0), weak)
    no_entangler = Device(name="no2q", n_qubits=2, basis_gates=("rz", "sx"),
                          coupling_map=((0, 1),))
    with pytest.raises(TranspilerError, match="two-qubit gate"):
        transpile_circuit(Circuit(2).cz(0, 1), no_entangler)


class _Replacement:
    """An inline plugin whose transpile_experiment replaces the built-in pipeline."""

    __name__ = "replacement_transpiler"

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    @qfoundry.hookimpl
    def transpile_experiment(self, circuit, device, options):
        self.calls.append((circuit.name, device, options["seed"]))
        return self.answer(circuit) if self.answer else None


def test_hook_transpile_experiment(fresh_pm):
    """A plugin answering transpile_experiment replaces the built-in pipeline."""
    marker = Circuit(1, name="replaced")
    plugin = _Replacement(lambda c: marker)
    fresh_pm(plugin)
    out = qfoundry.transpile(Circuit(2, name="mine").cx(0, 1), DEVICES[0], seed=4)
    assert out is marker
    assert plugin.calls == [("mine", DEVICES[0], 4)]


def test_a_plugin_returning_none_falls_back_to_the_builtin(fresh_pm):
    plugin = _Replacement(None)
    fresh_pm(plugin)
    out = qfoundry.transpile(Circuit(2).cx(0, 1).h(1), DEVICES[0])
    assert plugin.calls and is_native(out, DEVICES[0])


def test_transpile_qobj_maps_experiments_and_records_layouts():
    from qfoundry.transpiler.api import transpile_qobj

    manila = shipped_device("manila")
    c = Circuit(qfoundry.QuantumRegister("a", 3), qfoundry.ClassicalRegister("r", 2),
                qfoundry.ClassicalRegister("s", 1))
    c.x(0).ccx(0, 2, 1).x(2).measure([1, 2, 0], [0, 2, 1])
    native = Circuit(2, 2).x(0).cx(0, 1).measure([0, 1], [0, 1])
    qobj = qfoundry.assemble([c, native], shots=40, seed_simulator=3)
    mapped = transpile_qobj(qobj, manila)
    for exp in mapped.experiments:
        check_native(exp.instructions, manila)
        assert set(exp.header.metadata) >= {"initial_layout", "final_layout"}
    assert mapped.experiments[1].instructions == qobj.experiments[1].instructions
    assert mapped.experiments[0].header.creg_sizes == [["r", 2], ["s", 1]]
    sim = qfoundry.get_backend("qasm_simulator")
    assert sim.run(mapped).result().get_counts() == [{"1 10": 40}, {"11": 40}]


def qft(n: int, inverse: bool = False) -> Circuit:
    c = Circuit(n)
    for j in reversed(range(n)):
        c.h(j)
        for k in reversed(range(j)):
            c.cp(math.pi / 2 ** (j - k), k, j)
    for j in range(n // 2):
        c.swap(j, n - 1 - j)
    if inverse:
        c.data = [op if op.name != "cp" else type(op)("cp", op.qubits, (-op.params[0],))
                  for op in reversed(c.data)]
    return c


def test_qft_round_trip_on_paris_gives_back_the_input():
    """QFT then inverse QFT on 8 qubits of Paris, run on the statevector engine: the
    counts are the prepared basis state, in the user's bits, whatever the layout."""
    paris = shipped_device("paris")
    n, x = 8, 0b10110010
    c = Circuit(n, n)
    for q in range(n):
        if (x >> q) & 1:
            c.x(q)
    c.data += qft(n).data + qft(n, inverse=True).data
    c.measure(range(n), range(n))
    out = transpile(c, paris, seed=2)
    check_native(out.data, paris)
    # Simulate only the physical qubits the mapped circuit touches (a 27-qubit state
    # vector would cost 2 GiB); the clbits, hence the counts, are unchanged.
    active = sorted({q for op in out.data for q in op.qubits})
    small = Circuit(qfoundry.QuantumRegister("p", len(active)), *out.cregs)
    for op in out.data:
        small.append(op.name, [active.index(q) for q in op.qubits], op.params, op.clbits)
    counts = qfoundry.get_backend("qasm_simulator").run(small, shots=64, seed_simulator=1)
    assert counts.result().get_counts() == {format(x, "08b"): 64}


def test_seed_transpiler_is_accepted_as_qiskit_spells_it():
    c = Circuit(5, 5)
    c.h(0)
    for q in range(4):
        c.cx(q, q + 1)
    c.measure(list(range(5)), list(range(5)))
    backend = qfoundry.get_backend("fake_manila")
    by_seed = transpile(c, backend, seed=11)
    assert transpile(c, backend, seed_transpiler=11).data == by_seed.data
    assert transpile(c, backend, seed=11, seed_transpiler=11).data == by_seed.data
    with pytest.raises(TranspilerError, match="seed=1 and seed_transpiler=2 disagree"):
        transpile(c, backend, seed=1, seed_transpiler=2)
