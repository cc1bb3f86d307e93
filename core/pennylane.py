"""qfoundry backends as PennyLane devices (extra ``pennylane``; entry-point group
``pennylane.plugins``): ``qml.device("qfoundry.fake_manila", wires=5)``.

Every backend that returns counts or states is a device, on PennyLane's current
``pennylane.devices.Device`` API. Shots come from the QNode (``qml.set_shots`` or
``QNode(..., shots=)``), not from the device:

- ``shots=None``: exact values: ``expval`` / ``var`` of Pauli sums from qfoundry's
  :class:`~qfoundry.primitives.Estimator`, the rest from the final state. On ideal
  backends that is the statevector; on noisy ones (fake devices, or a ``noise_model=``)
  the final density matrix of the density-matrix engine, with the device's gate noise
  and relaxation (readout error only affects measurement records, so exact values leave
  it out, as Aer's exact EstimatorV2 does). ``qml.state()`` on a noisy device is the
  density matrix, as on ``default.mixed``.
- finite shots: the backend samples every wire in the measurement basis, with all of
  its noise including readout; ``expval``, ``var``, ``probs``, ``sample`` and ``counts``
  come from those samples, one seeded run per circuit.

On device backends circuits are mapped onto the device by qfoundry's transpiler (a fixed
``seed_transpiler``, so the same circuit always gets the same layout and noise), as the
Estimator does; exact values are read back through the layout. Gradients use PennyLane's
parameter-shift or finite differences: the device has no backpropagation or adjoint
method, and says so when one is asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pennylane as qml
from pennylane.devices import Device, ExecutionConfig
from pennylane.devices.modifiers import simulator_tracking, single_tape_support
from pennylane.devices.preprocess import (
    decompose,
    validate_device_wires,
    validate_measurements,
)
from pennylane.transforms import (
    broadcast_expand,
    defer_measurements,
    diagonalize_measurements,
    split_non_commuting,
)
from pennylane.transforms.core import CompilePipeline

import qfoundry

from .circuit import Circuit
from .errors import IntegrationError

__all__ = ["QfoundryDevice", "OPERATIONS"]

#: PennyLane operation name -> qfoundry gate (same matrix, same wire order).
OPERATIONS = {
    "Identity": "id", "PauliX": "x", "PauliY": "y", "PauliZ": "z", "Hadamard": "h",
    "S": "s", "T": "t", "SX": "sx", "CNOT": "cx", "CZ": "cz", "CY": "cy", "SWAP": "swap",
    "ISWAP": "iswap", "CH": "ch", "RX": "rx", "RY": "ry", "RZ": "rz", "PhaseShift": "p",
    "U1": "u1", "U2": "u2", "U3": "u3", "CRX": "crx", "CRY": "cry", "CRZ": "crz",
    "ControlledPhaseShift": "cp", "Toffoli": "ccx", "CSWAP": "cswap", "IsingXX": "rxx",
    "IsingYY": "ryy", "IsingZZ": "rzz",
    "Adjoint(S)": "sdg", "Adjoint(T)": "tdg", "Adjoint(SX)": "sxdg",
}
_STATE_BACKENDS = ("unitary_simulator",)
DEFAULT_SEED_TRANSPILER = 1234


def _supported(op: qml.operation.Operator) -> bool:
    """Named gates, and any other operation with a matrix on at most two wires (it runs
    as a ``unitary``; qfoundry's transpiler synthesises it on devices)."""
    if op.name in OPERATIONS or op.name == "GlobalPhase":
        return True
    return len(op.wires) <= 2 and op.has_matrix and not isinstance(
        op, (qml.measurements.MeasurementProcess, qml.operation.Channel))


def _measurement_ok(mp: qml.measurements.MeasurementProcess) -> bool:
    return isinstance(mp, (qml.measurements.ExpectationMP, qml.measurements.VarianceMP,
                           qml.measurements.ProbabilityMP, qml.measurements.StateMP,
                           qml.measurements.SampleMP, qml.measurements.CountsMP))


@simulator_tracking
@single_tape_support
class QfoundryDevice(Device):
    """A qfoundry backend as a PennyLane device.

    :param wires: the device's wires (at most the backend's qubits); wire ``k`` of the
        list is qfoundry qubit ``k``.
    :param backend: a qfoundry backend name or device TOML path (``fake_manila``).
    :param seed: seeds the per-circuit ``seed_simulator`` of sampled runs.
    :param options: qfoundry backend options (``noise_model=``, ``noise_scale=``,
        ``engine=``, ``transpile=``, ``seed_transpiler=``, ...).
    """

    def __init__(self, wires: Any = None, *, backend: str = "qasm_simulator",
                 seed: int | None = None, **options: Any):
        if "shots" in options:
            raise IntegrationError(
                "qfoundry devices take shots from the QNode: use qml.set_shots(qnode, "
                "shots=N) or qml.QNode(..., shots=N), not the device's shots argument")
        if backend in _STATE_BACKENDS:
            raise IntegrationError(f"{backend} returns a unitary, not counts or states; "
                                   "use statevector_simulator or qasm_simulator")
        engine = options.pop("engine", None)
        self._backend = qfoundry.get_backend(backend, **({"engine": engine} if engine else {}))
        if self._backend.device is not None:
            options.setdefault("seed_transpiler", DEFAULT_SEED_TRANSPILER)
        self._backend.set_options(**options)
        n = self._backend.configuration().n_qubits
        super().__init__(wires=wires)
        if self.wires is not None and len(self.wires) > n:
            raise IntegrationError(f"{len(self.wires)} wires requested but backend "
                                   f"{self._backend.name} has {n} qubits")
        self._rng = np.random.default_rng(seed)
        self._backend_name = backend
        self._options = options
        self._engine = engine

    @property
    def name(self) -> str:
        return f"qfoundry.{self._backend_name}"

    @property
    def backend(self) -> Any:
        """The qfoundry backend that samples."""
        return self._backend

    @functools.cached_property
    def _exact_backend(self) -> Any:
        """The backend that gives exact final states: the device itself on the
        density-matrix engine, the noisy simulator's model on density_matrix_simulator,
        else the statevector engine."""
        b = self._backend
        opts = {k: v for k, v in self._options.items()}
        if b.device is not None:
            return qfoundry.get_backend(self._backend_name, engine="density_matrix", **opts)
        if b.options.get("noise_model") is not None:
            return qfoundry.get_backend("density_matrix_simulator",
                                        noise_model=b.options["noise_model"])
        return qfoundry.get_backend("statevector_simulator")

    # -- PennyLane's device API ------------------------------------------------------------
    def preprocess_transforms(self, execution_config: ExecutionConfig | None = None
                              ) -> CompilePipeline:
        program = CompilePipeline()
        program.add_transform(validate_device_wires, wires=self.wires, name=self.name)
        program.add_transform(defer_measurements, allow_postselect=False)
        program.add_transform(decompose, stopping_condition=_supported,
                              skip_initial_state_prep=False, name=self.name)
        program.add_transform(validate_measurements, analytic_measurements=_measurement_ok,
                              sample_measurements=lambda m: isinstance(m, (
                                  qml.measurements.SampleMeasurement)), name=self.name)
        program.add_transform(broadcast_expand)
        return program

    def supports_derivatives(self, execution_config: ExecutionConfig | None = None,
                             circuit: Any = None) -> bool:
        """No device gradients (no backpropagation or adjoint): PennyLane uses
        parameter-shift or finite differences on the device's own evaluations."""
        return False

    def execute(self, circuits: Sequence[qml.tape.QuantumScript],
                execution_config: ExecutionConfig | None = None) -> tuple:
        return tuple(self._execute(t) for t in circuits)

    def _wire_order(self, tape: qml.tape.QuantumScript) -> qml.wires.Wires:
        return self.wires if self.wires is not None else tape.wires

    def _execute(self, tape: qml.tape.QuantumScript) -> Any:
        wires = self._wire_order(tape)
        if tape.shots:
            return self._sampled(tape, wires)
        out: list[Any] = [None] * len(tape.measurements)
        paulis = [i for i, mp in enumerate(tape.measurements) if _pauli_statistic(mp)]
        if paulis:
            for i, value in zip(paulis, self._pauli_values(
                    tape.operations, [tape.measurements[i] for i in paulis], wires)):
                out[i] = value
        states = [i for i, mp in enumerate(tape.measurements)
                  if isinstance(mp, qml.measurements.StateMP)]
        if states:
            kind, array = self._final_state(tape.operations, wires)
            for i in states:
                mp = tape.measurements[i]
                if kind == "state":
                    out[i] = mp.process_state(array, wires)
                elif isinstance(mp, qml.measurements.DensityMatrixMP):
                    out[i] = mp.process_density_matrix(array, wires)
                else:  # qml.state() of a mixed state is its density matrix (default.mixed)
                    out[i] = array
        others = [i for i in range(len(out)) if i not in states and i not in paulis]
        if others:
            final = self._final_state(tape.operations, wires)
            sub = tape.copy(measurements=[tape.measurements[i] for i in others])
            tapes, combine = split_non_commuting(sub)
            values = combine([_exact_commuting(t, wires, *final) for t in tapes])
            for i, v in zip(others, values if len(others) > 1 else (values,)):
                out[i] = v
        return out[0] if len(out) == 1 else tuple(out)

    # -- exact ---------------------------------------------------------------------------
    def _pauli_values(self, operations: Sequence[Any], mps: Sequence[Any],
                      wires: qml.wires.Wires) -> list[float]:
        """Exact ``expval`` / ``var`` of Pauli-sum observables from qfoundry's Estimator
        (the engines' own expectation values, one run for all of them): a variance is
        <O^2> - <O>^2, O^2 reduced to a Pauli sum by PennyLane."""
        from .primitives import Estimator

        observables = []
        for mp in mps:
            observables.append(_observable(mp.obs.pauli_rep, wires))
            if isinstance(mp, qml.measurements.VarianceMP):
                square = mp.obs.pauli_rep @ mp.obs.pauli_rep
                square.simplify()
                observables.append(_observable(square, wires))
        circ = to_circuit(operations, wires, measure=False)
        evs = iter(np.atleast_1d(Estimator(self._exact_backend).run(
            [(circ, observables)]).result()[0].data.evs).tolist())
        out = []
        for mp in mps:
            mean = next(evs)
            out.append(np.array(next(evs) - mean ** 2 if isinstance(
                mp, qml.measurements.VarianceMP) else mean))
        return out

    def _final_state(self, operations: Sequence[Any], wires: qml.wires.Wires
                     ) -> tuple[str, np.ndarray]:
        """("state", statevector) or ("density", matrix), in PennyLane's wire order."""
        circ = to_circuit(operations, wires, measure=False)
        backend = self._exact_backend
        if backend.name == "statevector_simulator":
            return "state", _pennylane_order(backend.run(circ).result().get_statevector(), 1)
        result = backend.run(circ, shots=1, save_density_matrix=True,
                             seed_simulator=0).result()
        return "density", _pennylane_order(_logical_density_matrix(result, len(wires)), 2)

    # -- sampled -------------------------------------------------------------------------
    def _sampled(self, tape: qml.tape.QuantumScript, wires: qml.wires.Wires) -> Any:
        for mp in tape.measurements:
            if isinstance(mp, qml.measurements.StateMP):
                raise IntegrationError(f"{type(mp).__name__} needs shots=None on {self.name}")
        tapes, combine = split_non_commuting(tape)
        return combine([self._sample_commuting(t, wires) for t in tapes])

    def _sample_commuting(self, tape: qml.tape.QuantumScript, wires: qml.wires.Wires) -> Any:
        """One seeded run measuring every wire after the measurements' basis changes."""
        (diagonal,), combine = diagonalize_measurements(tape)
        circ = to_circuit(diagonal.operations, wires, measure=True)
        seed = int(self._rng.integers(2 ** 31))
        memory = self._backend.run(circ, shots=tape.shots.total_shots, memory=True,
                                   seed_simulator=seed).result().get_memory()
        # memory strings put clbit 0 (wire 0) rightmost: reversed, they are in wire order
        samples = np.array([[int(c) for c in reversed(m)] for m in memory], dtype=np.int64)
        results = []
        for lower, upper in tape.shots.bins():
            part = samples[lower:upper]
            res = tuple(mp.process_samples(part, wires) for mp in diagonal.measurements)
            results.append(res[0] if len(res) == 1 else res)
        return combine([tuple(results) if tape.shots.has_partitioned_shots else results[0]])


def _pauli_statistic(mp: Any) -> bool:
    """An ``expval`` or ``var`` of an observable PennyLane writes as a Pauli sum."""
    return (isinstance(mp, (qml.measurements.ExpectationMP, qml.measurements.VarianceMP))
            and mp.obs is not None and mp.obs.pauli_rep is not None)


def _observable(sentence: Any, wires: qml.wires.Wires) -> Any:
    """A PennyLane PauliSentence as a qfoundry Observable on the device's qubits."""
    from .observable import Observable

    terms = [("".join(word.values()), [wires.index(w) for w in word], complex(coeff))
             for word, coeff in sentence.items()]
    return Observable.from_sparse_list(terms or [("", [], 0.0)], len(wires))


def _exact_commuting(tape: qml.tape.QuantumScript, wires: qml.wires.Wires, kind: str,
                     array: np.ndarray) -> Any:
    """Exact values of commuting measurements from the final state: PennyLane's
    measurement processes read probabilities in the measurement basis, so the basis
    change is applied to the array (not run on the device, where it would add noise)."""
    (diagonal,), combine = diagonalize_measurements(tape)
    array = _rotate(array, kind, diagonal.operations[len(tape.operations):], wires)
    res = tuple(mp.process_state(array, wires) if kind == "state"
                else mp.process_density_matrix(array, wires) for mp in diagonal.measurements)
    return combine([res[0] if len(res) == 1 else res])


def _rotate(array: np.ndarray, kind: str, gates: Sequence[Any],
            wires: qml.wires.Wires) -> np.ndarray:
    """``U psi`` or ``U rho U^dagger`` for the product ``U`` of ``gates``, gate by gate
    on the wires' axes (wire 0 is axis 0, as PennyLane orders states)."""
    n = len(wires)
    t = np.asarray(array).reshape((2,) * (n if kind == "state" else 2 * n))
    for gate in gates:
        k = len(gate.wires)
        m = np.asarray(qml.matrix(gate)).reshape((2,) * (2 * k))
        axes = [wires.index(w) for w in gate.wires]
        t = np.moveaxis(np.tensordot(m, t, axes=(list(range(k, 2 * k)), axes)),
                        list(range(k)), axes)
        if kind != "state":
            cols = [n + a for a in axes]
            t = np.moveaxis(np.tensordot(m.conj(), t, axes=(list(range(k, 2 * k)), cols)),
                            list(range(k)), cols)
    return t.reshape(np.shape(array))


def _pennylane_order(array: np.ndarray, dims: int) -> np.ndarray:
    """A state (``dims`` 1) or density matrix (2) with qubit 0 most significant, as
    PennyLane orders wires, from qfoundry's order (qubit 0 least significant)."""
    n = int(np.log2(array.shape[0]))
    axes = [a for d in range(dims) for a in range(d * n + n - 1, d * n - 1, -1)]
    return np.asarray(array).reshape((2,) * (dims * n)).transpose(axes).reshape(array.shape)


def to_circuit(operations: Sequence[qml.operation.Operator], wires: qml.wires.Wires,
               measure: bool) -> Circuit:
    """The qfoundry Circuit of a PennyLane tape's operations on ``wires`` (wire ``k`` is
    qubit ``k``); with ``measure``, every wire is measured into clbit ``k``."""
    n = len(wires)
    circ = Circuit(n, n if measure else 0)
    for op in operations:
        qubits = [wires.index(w) for w in op.wires]
        name = OPERATIONS.get(op.name)
        if op.name == "GlobalPhase":  # qml.GlobalPhase(t) multiplies by exp(-i t)
            circ.global_phase -= float(op.parameters[0])
        elif name is not None:
            circ.append(name, qubits, [float(p) for p in op.parameters])
        else:  # PennyLane's matrix has wire 0 most significant: reversed wires for ours
            circ.append("unitary", qubits[::-1], [qml.matrix(op, wire_order=op.wires)])
    if measure:
        circ.measure(list(range(n)), list(range(n)))
    return circ


def _logical_density_matrix(result: Any, n: int) -> np.ndarray:
    """The final density matrix on the circuit's ``n`` qubits in qfoundry's order (qubit
    0 least significant), from a run on the density-matrix engine: it holds only the
    active physical qubits (bit ``j`` of its index is ``active[j]``), and on a device the
    circuit's qubit ``k`` ended on physical ``final_layout[k]``. Physical qubits outside
    the layout (routing ancillas) are traced out; qubits the engine never held are |0>."""
    exp = result.results[0]
    rho = np.asarray(result.get_density_matrix())
    m = int(np.log2(len(rho)))
    active = list(exp.metadata.get("active_input_qubits", range(m)))
    layout = list((getattr(exp.header, "metadata", None) or {}).get("final_layout")
                  or range(n))[:n]
    labels = iter(range(52))
    row = {p: next(labels) for p in active}
    col = {p: row[p] if p not in layout else next(labels) for p in active}
    operands: list[Any] = [rho.reshape((2,) * (2 * m)),
                           [row[active[j]] for j in reversed(range(m))]
                           + [col[active[j]] for j in reversed(range(m))]]
    out_rows, out_cols = [], []
    for k in reversed(range(n)):  # the most significant (qubit n-1) first
        p = layout[k]
        if p in row:
            out_rows.append(row[p])
            out_cols.append(col[p])
        else:
            r, c = next(labels), next(labels)
            operands += [np.array([[1.0, 0.0], [0.0, 0.0]]), [r, c]]
            out_rows.append(r)
            out_cols.append(c)
    return np.einsum(*operands, out_rows + out_cols).reshape(2 ** n, 2 ** n)


def __getattr__(name: str) -> Any:
    """``qfoundry.pennylane.<backend>``: the device factory each ``pennylane.plugins``
    entry point names (``qfoundry.fake_manila = "qfoundry.pennylane:fake_manila"``)."""
    if name.startswith("_"):
        raise AttributeError(name)
    return functools.partial(QfoundryDevice, backend=name)
