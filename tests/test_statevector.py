"""The statevector engine on gates: final states and unitaries against dense references.

The reference builds each gate's full 2**n operator by embedding its matrix with
explicit basis bookkeeping (no kernels, no fusion), so it is independent of the engine.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qfoundry.errors import EngineError, SimulationTooLargeError, UnsupportedInstructionError
from qfoundry.gates import GATES, gate_matrix
from qfoundry.plugins.statevector import engine as sv
from qfoundry.qobj import QasmQobjExperiment

ENGINE = sv.ENGINE
ATOL = 1e-10


def experiment(instructions, n, slots=0, **header):
    return QasmQobjExperiment.from_dict({
        "header": {"name": "t", "n_qubits": n, "memory_slots": slots, **header},
        "config": {"n_qubits": n, "memory_slots": slots},
        "instructions": instructions})


def run(instructions, n, slots=0, header=None, **options):
    opts = {**dict(sv.StatevectorEngine.default_options()), "shots": 1024, "memory": False,
            "seed_simulator": 7, **options}
    return ENGINE.run_experiment(experiment(instructions, n, slots, **(header or {})), opts)


def statevector(instructions, n, **options):
    return run(instructions, n, method="statevector", **options).data["statevector"]


def embed(op, qubits, n):
    """Full operator of ``op`` acting on ``qubits`` (qubits[0] = op's LSB), by explicit
    basis bookkeeping: column c goes to rows that differ from c only on ``qubits``."""
    dim = 1 << n
    cols = np.arange(dim)
    sub = sum(((cols >> q) & 1) << j for j, q in enumerate(qubits))
    base = cols & ~sum(1 << q for q in qubits)
    full = np.zeros((dim, dim), dtype=complex)
    for r in range(op.shape[0]):
        rows = base | sum(((r >> j) & 1) << q for j, q in enumerate(qubits))
        full[rows, cols] += op[r, sub]
    return full


def reference_unitary(instructions, n):
    u = np.eye(1 << n, dtype=complex)
    for inst in instructions:
        if inst["name"] == "unitary":
            m = np.asarray(inst["params"][0], dtype=complex)
        else:
            m = gate_matrix(inst["name"], inst.get("params", []), len(inst["qubits"]))
        u = embed(m, inst["qubits"], n) @ u
    return u


def random_gates(rng, n, count, names=None):
    names = names or [g for g, s in GATES.items() if s.num_qubits and 0 < s.num_qubits <= n]
    out = []
    for _ in range(count):
        name = str(rng.choice(names))
        spec = GATES[name]
        qubits = [int(q) for q in rng.choice(n, spec.num_qubits, replace=False)]
        params = [float(p) for p in rng.uniform(-math.pi, math.pi, spec.num_params)]
        out.append({"name": name, "qubits": qubits, **({"params": params} if params else {})})
    return out


def random_state(rng, n):
    v = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    return v / np.linalg.norm(v)


# -- hand-checked -----------------------------------------------------------------------------

def test_bell_and_ghz_states():
    s = 1 / math.sqrt(2)
    bell = statevector([{"name": "h", "qubits": [0]}, {"name": "cx", "qubits": [0, 1]}], 2)
    np.testing.assert_allclose(bell, [s, 0, 0, s], atol=ATOL)
    ghz = statevector([{"name": "h", "qubits": [2]}, {"name": "cx", "qubits": [2, 0]},
                       {"name": "cx", "qubits": [0, 1]}], 3)
    np.testing.assert_allclose(ghz, [s, 0, 0, 0, 0, 0, 0, s], atol=ATOL)


def test_qubit_k_is_bit_k_of_the_index():
    # x on qubit 1 of 3 -> |010> = index 2
    np.testing.assert_allclose(statevector([{"name": "x", "qubits": [1]}], 3),
                               np.eye(8)[2], atol=ATOL)
    # cx control qubit 2, target qubit 0, from |100> (index 4) -> |101> (index 5)
    np.testing.assert_allclose(statevector([{"name": "x", "qubits": [2]},
                                            {"name": "cx", "qubits": [2, 0]}], 3),
                               np.eye(8)[5], atol=ATOL)


def test_global_phase_of_header_and_gate():
    got = statevector([{"name": "global_phase", "params": [0.25]}], 1,
                      header={"global_phase": 0.5})
    np.testing.assert_allclose(got, [np.exp(0.75j), 0], atol=ATOL)


def test_empty_circuit_and_noops():
    got = statevector([{"name": "barrier", "qubits": [0, 1]}, {"name": "id", "qubits": [1]},
                       {"name": "delay", "qubits": [0], "params": [100]},
                       {"name": "u0", "qubits": [0], "params": [1]}], 2)
    np.testing.assert_allclose(got, [1, 0, 0, 0], atol=ATOL)


# -- every gate, every ordering, fused and not ----------------------------------------------

@pytest.mark.parametrize("name", sorted(g for g, s in GATES.items() if s.num_qubits))
def test_every_gate_on_shuffled_qubits(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    spec = GATES[name]
    n = max(spec.num_qubits, 3)
    init = random_state(rng, n)
    for _ in range(2):
        qubits = [int(q) for q in rng.choice(n, spec.num_qubits, replace=False)]
        params = [float(p) for p in rng.uniform(-math.pi, math.pi, spec.num_params)]
        inst = [{"name": name, "qubits": qubits, **({"params": params} if params else {})}]
        ref = reference_unitary(inst, n) @ init
        for fusion in (False, True):
            got = statevector(inst, n, initial_statevector=init, fusion_enable=fusion,
                              fusion_threshold=1)
            np.testing.assert_allclose(got, ref, atol=ATOL)


def test_variadic_mcx():
    inst = [{"name": "mcx", "qubits": [3, 0, 2, 1]}]
    init = random_state(np.random.default_rng(3), 4)
    ref = embed(gate_matrix("mcx", num_qubits=4), [3, 0, 2, 1], 4) @ init
    np.testing.assert_allclose(statevector(inst, 4, initial_statevector=init), ref, atol=ATOL)


@pytest.mark.parametrize("max_fused", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", range(4))
def test_random_circuits_fused_and_unfused(seed, max_fused):
    rng = np.random.default_rng(seed)
    n = 6
    insts = random_gates(rng, n, 60)
    init = random_state(rng, n)
    ref = reference_unitary(insts, n) @ init
    got = statevector(insts, n, initial_statevector=init, fusion_threshold=1,
                      fusion_max_qubits=max_fused)
    np.testing.assert_allclose(got, ref, atol=ATOL)


def test_swaps_relabel_and_later_gates_follow():
    insts = [{"name": "h", "qubits": [0]}, {"name": "swap", "qubits": [0, 2]},
             {"name": "rx", "qubits": [2], "params": [0.4]}, {"name": "swap", "qubits": [2, 1]},
             {"name": "cx", "qubits": [1, 0]}, {"name": "t", "qubits": [1]}]
    ref = reference_unitary(insts, 3)[:, 0]
    for fusion in (False, True):
        got = statevector(insts, 3, fusion_enable=fusion, fusion_threshold=1)
        np.testing.assert_allclose(got, ref, atol=ATOL)


def test_unitary_instruction_any_size_and_wire_format():
    rng = np.random.default_rng(4)
    u3q, _ = np.linalg.qr(rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8)))
    pairs = np.stack([u3q.real, u3q.imag], axis=-1).tolist()  # [re, im] as in JSON
    insts = [{"name": "h", "qubits": [1]}, {"name": "unitary", "qubits": [2, 0, 3],
                                            "params": [pairs]}]
    ref = reference_unitary([insts[0], {**insts[1], "params": [u3q]}], 4)[:, 0]
    np.testing.assert_allclose(statevector(insts, 4), ref, atol=ATOL)


def test_non_unitary_matrix_is_refused_with_its_location():
    with pytest.raises(EngineError, match=r"instruction 1 \('unitary'\).*not unitary"):
        run([{"name": "h", "qubits": [0]},
             {"name": "unitary", "qubits": [0, 1], "params": [np.diag([1, 1, 1, 2.0])]}], 2)


# -- unitary simulator ------------------------------------------------------------------------

def test_unitary_method_returns_the_circuit_unitary():
    rng = np.random.default_rng(8)
    insts = random_gates(rng, 4, 40)
    for fusion in (False, True):
        out = run(insts, 4, method="unitary", fusion_enable=fusion, fusion_threshold=1,
                  header={"global_phase": 0.3})
        ref = np.exp(0.3j) * reference_unitary(insts, 4)
        np.testing.assert_allclose(out.data["unitary"], ref, atol=ATOL)
        assert out.shots == 1


@pytest.mark.parametrize("inst", [
    {"name": "measure", "qubits": [0], "memory": [0]},
    {"name": "reset", "qubits": [0]},
    {"name": "x", "qubits": [0], "conditional": 0},
])
def test_unitary_method_refuses_non_unitary_steps(inst):
    with pytest.raises(UnsupportedInstructionError, match="instruction 1.*unitary simulator"):
        run([{"name": "h", "qubits": [0]}, inst], 1, 1, method="unitary")


def test_initial_unitary_is_checked_and_used():
    x = np.array([[0, 1], [1, 0]])
    out = run([{"name": "h", "qubits": [0]}], 1, method="unitary", initial_unitary=x)
    np.testing.assert_allclose(out.data["unitary"], gate_matrix("h") @ x, atol=ATOL)
    with pytest.raises(EngineError, match="must be \\(2, 2\\)"):
        run([], 1, method="unitary", initial_unitary=np.eye(4))


# -- options and limits -----------------------------------------------------------------------

def test_initial_statevector_is_checked():
    with pytest.raises(EngineError,
                       match=r"initial_statevector .*4 amplitudes for 3 qubit.*length 8"):
        run([], 3, initial_statevector=[1, 0, 0, 0])
    with pytest.raises(EngineError, match="not normalized"):
        run([], 1, initial_statevector=[1, 1])


def test_chop_threshold_zeroes_tiny_parts():
    insts = [{"name": "rx", "qubits": [0], "params": [1e-9]}]
    got = statevector(insts, 1, chop_threshold=1e-6)
    assert got[1] == 0 and got[0] == 1
    kept = statevector(insts, 1, chop_threshold=0.0)
    assert kept[1] != 0


def test_oversize_run_is_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(sv, "physical_memory", lambda: 1 << 20)  # 1 MiB: 14 qubits at most
    assert ENGINE.max_qubits({}) == 14
    with pytest.raises(SimulationTooLargeError, match="15 qubits.*at most 14"):
        run([{"name": "h", "qubits": [0]}], 15)
    assert ENGINE.max_qubits({"method": "unitary"}) == 7
    with pytest.raises(SimulationTooLargeError, match="unitary"):
        run([], 8, method="unitary")


def test_unsupported_instruction_and_bad_arity_name_the_instruction():
    with pytest.raises(UnsupportedInstructionError, match="instruction 0.*'snapshot'"):
        run([{"name": "snapshot", "qubits": [0]}], 1)
    with pytest.raises(EngineError, match="instruction 0 \\('cx'\\): acts on 2"):
        run([{"name": "cx", "qubits": [0]}], 2)
    with pytest.raises(EngineError, match="takes 1 parameter"):
        run([{"name": "rz", "qubits": [0]}], 1)


def test_engine_keeps_no_state_between_runs():
    before = dict(vars(ENGINE))
    run([{"name": "h", "qubits": [0]}, {"name": "measure", "qubits": [0], "memory": [0]}], 1, 1)
    assert dict(vars(ENGINE)) == before


@pytest.mark.parametrize("seed", range(3))
def test_wide_states_use_the_large_state_paths(seed):
    """14 qubits: fusion on by default, wide diagonals, trailing-block products, lookahead
    placement. The reference applies each gate with the pure kernels (tested against
    np.kron in test_kernels.py) in a fixed axis order."""
    from qfoundry.plugins._sim.kernels import apply_matrix

    rng = np.random.default_rng(seed)
    n = 14
    insts = random_gates(rng, n, 120)
    insts += [{"name": "cx", "qubits": [q, q + 1]} for q in range(n - 1)]
    insts += [{"name": "cp", "qubits": [q, (q + 5) % n], "params": [0.1 * q]} for q in range(n)]
    init = random_state(rng, n)
    ref = init.reshape((2,) * n)
    for inst in insts:
        m = gate_matrix(inst["name"], inst.get("params", []), len(inst["qubits"]))
        ref = apply_matrix(ref, m, [n - 1 - q for q in inst["qubits"]])
    out = run(insts, n, method="statevector", initial_statevector=init)
    assert out.metadata["fusion"]
    np.testing.assert_allclose(out.data["statevector"], ref.reshape(-1), atol=1e-10)
