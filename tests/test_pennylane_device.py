"""The PennyLane device, against PennyLane's own simulators.

Exact values (``shots=None``) on ``qfoundry.qasm_simulator`` must equal ``default.qubit``
to 1e-10 for random circuits; on a fake device they must equal ``default.mixed`` fed the
device's own noise channels (as Kraus operators after each gate) to 1e-10. Sampled
values are tested with a fixed seed against the exact distribution (chi-square,
p > 1e-3), and ``qml.grad`` of a noisy cost against central finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import assert_distribution

from qfoundry.errors import IntegrationError

qml = pytest.importorskip("pennylane")
pytestmark = pytest.mark.oracle

from pennylane import numpy as pnp  # noqa: E402

ONE_QUBIT = [qml.RX, qml.RY, qml.RZ, qml.PhaseShift, qml.Hadamard, qml.S, qml.T, qml.SX,
             qml.PauliX, qml.PauliY]
TWO_QUBIT = [qml.CNOT, qml.CZ, qml.CY, qml.SWAP, qml.ISWAP, qml.CRX, qml.CRY, qml.CRZ,
             qml.IsingXX, qml.IsingYY, qml.IsingZZ, qml.ControlledPhaseShift]


def random_ops(rng: np.random.Generator, n: int, count: int) -> list:
    ops = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.45:
            cls = ONE_QUBIT[rng.integers(len(ONE_QUBIT))]
            w = int(rng.integers(n))
            ops.append(cls(*rng.uniform(-3, 3, cls.num_params), wires=w))
        elif kind < 0.85:
            cls = TWO_QUBIT[rng.integers(len(TWO_QUBIT))]
            w = [int(x) for x in rng.choice(n, 2, replace=False)]
            ops.append(cls(*rng.uniform(-3, 3, cls.num_params), wires=w))
        elif kind < 0.92:
            ops.append(qml.Rot(*rng.uniform(-3, 3, 3), wires=int(rng.integers(n))))
        elif kind < 0.96:
            w = [int(x) for x in rng.choice(n, 2, replace=False)]
            ops.append(qml.QubitUnitary(_haar(4, rng), wires=w))
        else:
            w = [int(x) for x in rng.choice(n, 3, replace=False)]
            ops.append(qml.Toffoli(wires=w))
    return ops


def _haar(d: int, rng: np.random.Generator) -> np.ndarray:
    z = (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / abs(np.diag(r)))


def observables(rng: np.random.Generator, n: int) -> qml.operation.Operator:
    paulis = [qml.PauliX, qml.PauliY, qml.PauliZ]
    w = [int(x) for x in rng.choice(n, 2, replace=False)]
    return paulis[rng.integers(3)](w[0]) @ paulis[rng.integers(3)](w[1])


@pytest.mark.parametrize("seed", range(20))
def test_exact_values_equal_default_qubit(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 5))
    ops = random_ops(rng, n, 15)
    obs = observables(rng, n)

    def circuit():
        for op in ops:
            qml.apply(op)
        return (qml.expval(obs), qml.var(qml.PauliY(0)), qml.probs(wires=[1, 0]),
                qml.state())

    ours = qml.QNode(circuit, qml.device("qfoundry.qasm_simulator", wires=n))()
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=n))()
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_wire_labels_and_wire_subsets():
    def circuit():
        qml.Hadamard("a")
        qml.CNOT(["a", "c"])
        return qml.probs(wires=["c"]), qml.density_matrix(wires=["a", "c"])

    ours = qml.QNode(circuit, qml.device("qfoundry.statevector_simulator",
                                         wires=["a", "b", "c"]))()
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=["a", "b", "c"]))()
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, atol=1e-12)


# -- noise ------------------------------------------------------------------------------------

def native_ops(rng: np.random.Generator) -> list:
    """Gates Manila runs natively (rz, sx, x, cx on its line 0-1-2-3)."""
    ops = []
    for _ in range(14):
        k = rng.random()
        q = int(rng.integers(4))
        if k < 0.3:
            ops.append(qml.RZ(float(rng.uniform(-3, 3)), wires=q))
        elif k < 0.55:
            ops.append(qml.SX(wires=q))
        elif k < 0.65:
            ops.append(qml.PauliX(wires=q))
        else:
            a = int(rng.integers(3))
            ops.append(qml.CNOT(wires=[a, a + 1] if rng.random() < 0.5 else [a + 1, a]))
    return ops


@pytest.mark.parametrize("seed", range(5))
def test_noisy_device_equals_default_mixed_with_the_same_channels(seed):
    rng = np.random.default_rng(100 + seed)
    ops = native_ops(rng)
    dev = qml.device("qfoundry.fake_manila", wires=4, transpile=False)
    model = dev.backend.noise_model
    names = {"RZ": "rz", "SX": "sx", "PauliX": "x", "CNOT": "cx"}

    def ours():
        for op in ops:
            qml.apply(op)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(2)), qml.probs(wires=[3, 1]), \
            qml.density_matrix(wires=[0, 1, 2, 3])

    def mixed():
        for op in ops:
            qml.apply(op)
            error = model.quantum_error(names[op.name], list(op.wires))
            if error is not None:  # qfoundry's Kraus: first qubit least significant
                qml.QubitChannel(list(error.kraus), wires=list(op.wires)[::-1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(2)), qml.probs(wires=[3, 1]), \
            qml.density_matrix(wires=[0, 1, 2, 3])

    got = qml.QNode(ours, dev)()
    ref = qml.QNode(mixed, qml.device("default.mixed", wires=4))()
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, atol=1e-10)
    assert not np.allclose(ref[2], qml.QNode(ours, qml.device("default.mixed", wires=4))()[2],
                           atol=1e-4)  # the noise is visible


def test_routed_circuits_read_back_through_the_layout():
    """Manila is a line: CNOT(0, 4) needs SWAPs; with the noise off, the exact state
    read back through the final layout is the ideal one."""
    def circuit():
        qml.Hadamard(0)
        qml.RY(0.4, wires=3)
        qml.CNOT([0, 4])
        qml.CRX(0.9, wires=[4, 1])
        return qml.density_matrix(wires=[0, 1, 2, 3, 4]), qml.expval(qml.Z(4) @ qml.Y(1))

    ideal = qml.device("qfoundry.fake_manila", wires=5, noise_model=None)
    got = qml.QNode(circuit, ideal)()
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=5))()
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_grad_of_a_noisy_cost_matches_finite_differences():
    dev = qml.device("qfoundry.fake_manila", wires=2)

    def cost(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT([0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1) + 0.5 * qml.PauliX(1))

    x = pnp.array([0.7, -0.4], requires_grad=True)
    f = qml.QNode(cost, dev)
    shift = qml.grad(qml.QNode(cost, dev, diff_method="parameter-shift"))(x)
    h = 1e-5
    fd = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(shift, fd, atol=1e-6)
    ideal = qml.grad(qml.QNode(cost, qml.device("default.qubit", wires=2)))(x)
    assert not np.allclose(shift, ideal, atol=1e-4)  # it is the noisy gradient
    fdiff = qml.grad(qml.QNode(cost, dev, diff_method="finite-diff",
                               gradient_kwargs={"h": 1e-6}))(x)
    np.testing.assert_allclose(fdiff, fd, atol=1e-4)


def test_backprop_is_refused():
    dev = qml.device("qfoundry.qasm_simulator", wires=1)

    def f(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    with pytest.raises(qml.exceptions.QuantumFunctionError,
                       match="qfoundry.qasm_simulator.*does not support backprop"):
        qml.QNode(f, dev, diff_method="backprop")


# -- shots --------------------------------------------------------------------------------------

def bell_like(theta):
    qml.RY(theta, wires=0)
    qml.CNOT([0, 1])
    return qml.counts(), qml.sample(qml.PauliZ(0)), qml.expval(qml.PauliX(1))


def test_sampled_measurements_follow_the_exact_distribution():
    dev = qml.device("qfoundry.qasm_simulator", wires=2, seed=5)
    counts, samples, ex = qml.set_shots(qml.QNode(bell_like, dev), shots=4000)(1.2)
    p1 = np.sin(0.6) ** 2
    assert_distribution(counts, {"00": 1 - p1, "11": p1, "01": 0, "10": 0}, 4000)
    assert samples.shape == (4000,) and set(np.unique(samples)) <= {-1, 1}
    assert abs(ex) < 5 / np.sqrt(4000)  # <X1> = 0 on this state
    again = qml.set_shots(qml.QNode(bell_like, qml.device("qfoundry.qasm_simulator",
                                                          wires=2, seed=5)), shots=4000)(1.2)
    assert again[0] == counts  # the device seed fixes every run


def test_shot_vectors_and_fake_device_readout():
    dev = qml.device("qfoundry.fake_manila", wires=2, seed=1)

    def f():
        qml.PauliX(0)
        return qml.probs(wires=[0])

    a, b = qml.set_shots(qml.QNode(f, dev), shots=[1000, 3000])()
    assert a.shape == b.shape == (2,)
    readout = dev.backend.device.qubits[0].prob_meas0_prep1
    assert abs(b[0] - readout) < 5 * np.sqrt(readout / 3000) + 2e-3  # X error ~3e-4


def test_device_shots_argument_is_refused():
    with pytest.raises(IntegrationError, match="set_shots"):
        qml.device("qfoundry.qasm_simulator", wires=1, shots=100)


def test_state_needs_analytic_mode():
    dev = qml.device("qfoundry.qasm_simulator", wires=1)

    def f():
        qml.Hadamard(0)
        return qml.state()

    with pytest.raises(Exception, match="(?i)state|shots"):
        qml.set_shots(qml.QNode(f, dev), shots=10)()


def test_every_counts_or_state_backend_is_a_pennylane_device():
    import importlib.metadata
    from pathlib import Path

    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    import qfoundry

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml")
                              .read_text(encoding="utf-8"))
    declared = pyproject["project"]["entry-points"]["pennylane.plugins"]
    expected = {f"qfoundry.{b.name}" for b in qfoundry.backends()} - \
        {"qfoundry.unitary_simulator"} | {"qfoundry"}
    assert set(declared) == expected
    installed = {ep.name for ep in importlib.metadata.entry_points(group="pennylane.plugins")}
    assert expected <= installed
    dev = qml.device("qfoundry.fake_brisbane", wires=2)  # an Eagle, ecr-based
    assert dev.name == "qfoundry.fake_brisbane"
    generic = qml.device("qfoundry", wires=1, backend="fake_torino")
    assert generic.backend.device.name == "torino"
