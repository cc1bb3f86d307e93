"""The ``density_matrix`` engine: exact noisy simulation, the default engine of fake devices.

One run of an experiment:

1. **Active qubits.** Only qubits an instruction acts on (other than ``barrier`` and a
   plain ``measure``) are simulated, so a 3-qubit circuit on 27-qubit Paris costs a
   3-qubit density matrix. Noise is looked up by physical qubit; counts by memory slot.
2. **Compile.** Each instruction becomes one linear map, the ideal operation followed by
   its noise channel (:func:`~qfoundry.noise.noise_model_for`). Runs of maps are
   fused into blocks of up to ``fusion_max_qubits`` qubits (the shared
   :func:`~qfoundry.plugins._sim.fusion.fuse`), so one pass over rho applies a cx with the
   1-qubit gates and noise channels around it.
3. **Evolve.** rho is held by its real Pauli coefficients (``rho = sum_P r_P P / 2^n``,
   see :mod:`.program`): a tensor of 2n bit axes, two per qubit, whose
   order is tracked lazily. A block is one transpose and one BLAS product on it
   (:func:`~qfoundry.plugins._sim.kernels.matmul_to_front`), real, through two buffers.
   Mid-circuit measurements split the state into branches, one per classical record,
   with their probabilities; branches with equal records merge, so conditionals and
   ``bfunc`` are exact without simulating shot by shot.
4. **Sample.** Shots are spread over branches multinomially, terminal measurements are
   sampled from the diagonal once, and readout errors flip each recorded bit per shot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qfoundry.engine import Engine, ExperimentOutput
from qfoundry.errors import SimulationTooLargeError
from qfoundry.gates import GATES
from qfoundry.hookspecs import hookimpl
from qfoundry.noise import NoiseModel, noise_model_for
from qfoundry.options import Options
from qfoundry.program import Program as Lowered
from qfoundry.program import condition_holds

from .._sim.kernels import matmul_to_front
from .._sim.memory import available_bytes, device_dt, format_bytes
from .program import Bfunc, Measure, Op, Program, Save, SaveExpval, compile_experiment
from .sweep import compiled

__all__ = ["DensityMatrixEngine", "register_engines", "register_backends", "max_active_qubits"]

_WORKSPACE = 2      # rho and the buffer its transposes and products ping-pong through
_BYTES = 8          # one real Pauli coefficient per entry
_ZERO = 1e-13       # branches less likely than this are dropped (numerical zero)
_INNER_RUN = 6      # targets within the innermost 6 axes (64 values) are gathered at the back


class DensityMatrixEngine(Engine):
    """Density-matrix simulation with the device's noise (see the module docstring)."""

    name = "density_matrix"
    models_noise = True
    description = "Exact density-matrix simulation with noise (fake devices, custom models)"
    supported_instructions = frozenset(GATES) | frozenset(
        {"unitary", "measure", "reset", "barrier", "bfunc", "delay", "initialize",
         "save_density_matrix", "save_expval"})

    @classmethod
    def default_options(cls) -> Options:
        """``noise_model``: "device" (the device's calibration), None (ideal) or a
        NoiseModel; ``noise_scale`` and ``temperature`` (mK) tune the device model;
        ``save_density_matrix`` returns the final state; ``max_memory_mb`` (0: what the
        machine has available) bounds the simulation; ``fusion_max_qubits`` (0 to 4)
        sets how large fused blocks grow."""
        opts = Options(noise_model="device", noise_scale=1.0, temperature=0.0,
                       save_density_matrix=False, max_memory_mb=0, fusion_max_qubits=3)
        opts.set_validator("noise_scale", (0.0, math.inf))
        opts.set_validator("temperature", (-math.inf, math.inf))
        opts.set_validator("save_density_matrix", bool)
        opts.set_validator("max_memory_mb", (0, 2 ** 40))
        opts.set_validator("fusion_max_qubits", [0, 1, 2, 3, 4])
        return opts

    def noise_model(self, device: Any, options: Mapping[str, Any]) -> NoiseModel | None:
        """The noise model runs with these options apply (``backend.noise_model``)."""
        return noise_model_for(device, options)

    def validate_program(self, lowered: Lowered, options: Mapping[str, Any],
                         device: Any) -> None:
        nm = noise_model_for(device, options)
        program = compile_experiment(lowered, nm, device_dt(device, nm), fuse=0, dry=True)
        _check_memory(lowered, program, options, branches=1)

    def run_program(self, lowered: Lowered, options: Mapping[str, Any],
                    device: Any = None) -> ExperimentOutput:
        nm = noise_model_for(device, options)
        program = compiled(lowered, nm, device_dt(device, nm), device, options)
        _check_memory(lowered, program, options, branches=1)
        rng = np.random.default_rng(options.get("seed_simulator"))
        shots = int(options.get("shots", 1024))
        sim = _Simulation(program, lowered, options)
        data = sim.run()
        data.update(_sample(program, sim.branches, shots, bool(options.get("memory")), rng))
        metadata = {
            "method": "density_matrix", "num_qubits": program.n,
            "active_input_qubits": list(program.active),
            "noise": "ideal" if nm is None else nm.description,
            "measure_sampling": not program.mid_circuit,
            "fusion": {"max_qubits": program.fuse, "instructions": program.n_instructions,
                       "passes": program.n_passes},
            "branches": sim.max_branches,
        }
        return ExperimentOutput(data=data, shots=shots, metadata=metadata)


_ENGINE = DensityMatrixEngine()


@hookimpl
def register_engines(register: Any) -> None:
    register(_ENGINE)


@hookimpl
def register_backends(register: Any) -> None:
    """``density_matrix_simulator``: the engine without a device, for ideal runs and for
    user noise models (``get_backend("density_matrix_simulator", noise_model=nm)``), as
    Aer's ``AerSimulator(method="density_matrix")``. Its width is what fits in memory."""
    from qfoundry.backend import SimulatorBackend

    register(SimulatorBackend(_ENGINE, name="density_matrix_simulator", configuration={
        "n_qubits": max_active_qubits(), "description": DensityMatrixEngine.description}))


# -- memory --------------------------------------------------------------------------------
def max_active_qubits(options: Mapping[str, Any] | None = None) -> int:
    """How many active qubits fit in memory (``max_memory_mb``, else what is available)."""
    budget = available_bytes(options or {})
    n = 0
    while _WORKSPACE * _BYTES * 4 ** (n + 1) <= budget:
        n += 1
    return n


def _check_memory(lowered: Lowered, program: Program, options: Mapping[str, Any],
                  branches: int) -> None:
    need = branches * _WORKSPACE * _BYTES * 4 ** program.n
    budget = available_bytes(options)
    if need > budget:
        what = f"{branches} branches of " if branches > 1 else ""
        raise SimulationTooLargeError(
            f"experiment {lowered.name!r} has {program.n} active qubits "
            f"(physical {list(program.active)}): {what}a {program.n}-qubit density matrix "
            f"needs {format_bytes(need)} with workspace, but {format_bytes(budget)} is "
            f"available, which fits at most {max_active_qubits(options)} active qubits")


# -- evolution -------------------------------------------------------------------------------
class _Branch:
    """rho for one classical record: ``state`` holds its Pauli coefficients on 2n bit axes;
    axis a is bit ``labels[a]`` (2q: low bit of qubit q's Pauli index I, X, Y, Z = 0..3,
    2q + 1: its high bit)."""

    __slots__ = ("weight", "memory", "register", "state", "labels", "spare")

    def __init__(self, weight: float, memory: int, register: int, state: np.ndarray,
                 labels: list[int]):
        self.weight, self.memory, self.register = weight, memory, register
        self.state, self.labels, self.spare = state, labels, None

    def apply(self, op: Op) -> None:
        """rho -> op(rho), one transposing copy and one BLAS product, through two buffers
        and no allocation (fresh 100 MB arrays cost as much in page faults as the
        arithmetic). The targets are gathered at the front (``op @ X``), or at the back
        (``X @ op.T``) when they sit among the innermost axes, where moving them to the
        front would copy runs shorter than 64 values; no copy when they are there already."""
        axes = [self.labels.index(b) for q in op.qubits for b in (2 * q, 2 * q + 1)]
        k, nd = len(axes), self.state.ndim
        if self.spare is None:
            self.spare = np.empty(self.state.size)
        rest = [a for a in range(nd) if a not in set(axes)]
        back = nd - 1 - max(axes) < _INNER_RUN
        order = rest + axes[::-1] if back else axes[::-1] + rest
        if order == list(range(nd)):
            src, out = self.state, self.spare
        else:
            src = self.spare.reshape([self.state.shape[a] for a in order])
            np.copyto(src, self.state.transpose(order))
            out = self.state.reshape(-1)
        if back:
            np.matmul(src.reshape(-1, 1 << k), op.matrix.T, out=out.reshape(-1, 1 << k))
            result = out.reshape(src.shape)
        else:
            result = matmul_to_front(src, op.matrix, list(range(k - 1, -1, -1)), out=out)
        self.spare, self.state = src.reshape(-1), result
        self.labels = [self.labels[a] for a in order]

    def aligned(self, labels: list[int]) -> np.ndarray:
        """The state with its axes in the order ``labels``."""
        return self.state.transpose([self.labels.index(b) for b in labels])

    def _coefficients(self, qubits: Sequence[int]) -> tuple[np.ndarray, list[int]]:
        """Coefficients of strings that are I off ``qubits`` (tracing the others out)."""
        keep = set(qubits)
        index = tuple(slice(None) if b // 2 in keep else 0 for b in self.labels)
        return self.state[index], [b for b in self.labels if b // 2 in keep]

    def probabilities(self, qubits: Sequence[int]) -> np.ndarray:
        """Marginal distribution of ``qubits`` (index bit i = qubits[i]) from diag(rho):
        the I/Z coefficients (equal low and high bits), Walsh-Hadamard transformed."""
        coeffs, labels = self._coefficients(qubits)
        p = np.einsum(coeffs, [b // 2 for b in labels], list(reversed(qubits)))
        for axis in range(p.ndim):  # (r_I, r_Z) -> ((r_I + r_Z)/2, (r_I - r_Z)/2)
            i, z = np.moveaxis(p, axis, 0)
            p = np.moveaxis(np.stack(((i + z) / 2, (i - z) / 2)), 0, axis)
        p = np.clip(np.asarray(p).reshape(-1), 0.0, None)
        return p / p.sum()

    def reduced(self, qubits: Sequence[int]) -> np.ndarray:
        """The density matrix of ``qubits`` (qubits[0] least significant), others traced."""
        coeffs, labels = self._coefficients(qubits)
        order = [labels.index(2 * q + h) for q in reversed(qubits) for h in (1, 0)]
        t = coeffs.transpose(order).reshape((4,) * len(qubits)).astype(complex)
        for axis in range(len(qubits)):
            t = np.moveaxis(np.tensordot(_TO_MATRIX, t, axes=([1], [axis])), 0, axis)
        k = len(qubits)  # axes: (row, column) bit pairs, most significant qubit first
        t = t.reshape((2,) * 2 * k).transpose([*range(0, 2 * k, 2), *range(1, 2 * k, 2)])
        return t.reshape(2 ** k, 2 ** k)

    def project(self, qubit: int, a0: float, a1: float) -> np.ndarray:
        """sum_m a_m P_m rho P_m for the projectors P_m on ``qubit`` (a new array):
        r_I -> ((a0 + a1) r_I + (a0 - a1) r_Z)/2, r_Z likewise swapped, r_X = r_Y = 0."""
        lo, hi = self.labels.index(2 * qubit), self.labels.index(2 * qubit + 1)

        def at(high: int, low: int) -> tuple:
            index: list[Any] = [slice(None)] * self.state.ndim
            index[hi], index[lo] = high, low
            return tuple(index)

        out = np.zeros_like(self.state)
        r_i, r_z = self.state[at(0, 0)], self.state[at(1, 1)]
        c1, c2 = (a0 + a1) / 2, (a0 - a1) / 2
        out[at(0, 0)] = c1 * r_i + c2 * r_z
        out[at(1, 1)] = c2 * r_i + c1 * r_z
        return out


# Pauli coefficient (I, X, Y, Z) of one qubit -> its 2x2 block (rho00, rho01, rho10, rho11).
_TO_MATRIX = np.array([[1, 0, 0, 1], [0, 1, -1j, 0], [0, 1, 1j, 0], [1, 0, 0, -1]]) / 2


class _Simulation:
    def __init__(self, program: Program, lowered: Lowered, options: Mapping[str, Any]):
        self.program, self.lowered, self.options = program, lowered, options
        n = program.n
        # |0><0| = (I + Z)/2 on every qubit: r_P = 1 for the 2^n strings P in {I, Z}^n.
        ones = np.zeros(1, dtype=np.int64)
        for q in range(n):
            ones = np.concatenate([ones, ones + 3 * 4 ** q])
        state = np.zeros(4 ** n)
        state[ones] = 1.0
        self.branches = [_Branch(1.0, 0, 0, state.reshape((2,) * 2 * n),
                                 list(range(2 * n - 1, -1, -1)))]
        self.max_branches = 1

    def run(self) -> dict[str, Any]:
        saved: dict[str, Any] = {}
        for step in self.program.steps:
            targets = [b for b in self.branches if _holds(step.cond, b)]
            if not targets:
                continue
            if isinstance(step, Op):
                for b in targets:
                    b.apply(step)
            elif isinstance(step, Measure):
                self._measure(step, targets)
            elif isinstance(step, Bfunc):
                for b in targets:
                    _bfunc(step, b)
                self._merge()
            elif isinstance(step, Save):
                saved[step.key] = self._saved(step.qubits)
            elif isinstance(step, SaveExpval):
                saved[step.key] = self._expval(step.terms)
        return saved

    def _expval(self, terms: list) -> float:
        """sum_t c_t Tr(rho P_t): with rho = sum_P r_P P / 2^n, Tr(rho P) is r_P / r_I
        itself, one read per term per branch; branches are weighted by probability."""
        total = sum(b.weight for b in self.branches)
        value = 0.0
        for b in self.branches:
            norm = float(b.state[(0,) * b.state.ndim])
            for paulis, coeff in terms:
                codes = dict(paulis)
                index = tuple((codes.get(label // 2, 0) >> (label % 2)) & 1
                              for label in b.labels)
                value += b.weight / total * coeff * float(b.state[index]) / norm
        return value

    def _saved(self, qubits: Sequence[int]) -> np.ndarray:
        total = sum(b.weight for b in self.branches)
        return sum(b.weight / total * b.reduced(qubits) for b in self.branches)

    def _measure(self, step: Measure, targets: list[_Branch]) -> None:
        """Split each branch by recorded outcome: rho_r = sum_m P(m) M[m][r] rho_m / w_r."""
        ro = step.readout if step.readout is not None else np.eye(2)
        new = [b for b in self.branches if b not in targets]
        splits = []
        for b in targets:
            p1 = 0.0 if step.qubit is None else float(b.probabilities([step.qubit])[1])
            weights = [(1 - p1) * ro[0, r] + p1 * ro[1, r] for r in (0, 1)]
            splits.append((b, [(r, w) for r, w in enumerate(weights) if w > _ZERO]))
        count = len(new) + sum(len(outcomes) for _, outcomes in splits)
        if count > len(self.branches):  # refuse before allocating the new states
            _check_memory(self.lowered, self.program, self.options, branches=count)
        for b, outcomes in splits:
            for i, (r, w) in enumerate(outcomes):
                if step.qubit is not None:  # keep P_m rho P_m weighted by M[m][r] / w
                    state = b.project(step.qubit, ro[0, r] / w, ro[1, r] / w)
                else:  # an idle qubit reads 0: the record alone differs (states are updated
                    state = b.state if i == 0 else b.state.copy()  # in place: no sharing)
                new.append(_Branch(b.weight * w, _set_bit(b.memory, step.slot, r),
                                   _set_bit(b.register, step.reg, r), state, list(b.labels)))
        self.branches = new
        self._merge()

    def _merge(self) -> None:
        merged: dict[tuple[int, int], _Branch] = {}
        for b in self.branches:
            key = (b.memory, b.register)
            first = merged.get(key)
            if first is None:
                merged[key] = b
                continue
            w = first.weight + b.weight
            mixed = np.multiply(first.state, first.weight / w)  # C-contiguous, like first
            mixed += (b.weight / w) * b.aligned(first.labels)
            first.state, first.weight, first.spare = mixed, w, None
        self.branches = list(merged.values())
        self.max_branches = max(self.max_branches, len(self.branches))


def _set_bit(value: int, bit: int | None, on: int) -> int:
    if bit is None:
        return value
    return value | (1 << bit) if on else value & ~(1 << bit)


def _holds(cond: tuple | None, branch: _Branch) -> bool:
    return cond is None or condition_holds(cond, branch.memory, branch.register)


def _bfunc(step: Bfunc, branch: _Branch) -> None:
    result = int(step.test((branch.register & step.mask) - step.val))
    branch.register = _set_bit(branch.register, step.reg, result)
    branch.memory = _set_bit(branch.memory, step.mem, result)


# -- sampling -----------------------------------------------------------------------------
def _sample(program: Program, branches: list[_Branch], shots: int, memory: bool,
            rng: np.random.Generator) -> dict[str, Any]:
    """Counts (and memory) from terminal measurements sampled once per branch."""
    if program.n_slots == 0:
        return {"counts": {}, **({"memory": []} if memory else {})}
    weights = np.array([b.weight for b in branches])
    per_branch = rng.multinomial(shots, weights / weights.sum())
    measured = sorted({m.qubit for m in program.deferred if m.qubit is not None})
    slot_bits = np.uint64(1) << np.arange(program.n_slots, dtype=np.uint64) \
        if program.n_slots <= 64 else None
    chunks = []
    for b, count in zip(branches, per_branch):
        if count == 0:
            continue
        outcomes = (rng.choice(2 ** len(measured), size=count, p=b.probabilities(measured))
                    if measured else np.zeros(count, dtype=np.int64))
        bits = np.tile(np.array([(b.memory >> s) & 1 for s in range(program.n_slots)],
                                dtype=np.uint8), (count, 1))
        for m in program.deferred:
            true = ((outcomes >> measured.index(m.qubit)) & 1 if m.qubit is not None
                    else np.zeros(count, dtype=np.int64)).astype(np.uint8)
            if m.readout is not None:
                flip_p = np.where(true == 1, m.readout[1, 0], m.readout[0, 1])
                true ^= (rng.random(count) < flip_p).astype(np.uint8)
            bits[:, m.slot] = true
        chunks.append(bits)
    bits = np.concatenate(chunks)
    if len(chunks) > 1:
        bits = bits[rng.permutation(len(bits))]
    if slot_bits is not None:
        keys = (bits.astype(np.uint64) * slot_bits).sum(axis=1, dtype=np.uint64)
        uniq, counts = np.unique(keys, return_counts=True)
        out: dict[str, Any] = {"counts": {hex(int(k)): int(c) for k, c in zip(uniq, counts)}}
        if memory:
            out["memory"] = [hex(k) for k in keys.tolist()]
        return out
    ints = [int.from_bytes(np.packbits(row, bitorder="little").tobytes(), "little")
            for row in bits]
    counted: dict[str, int] = {}
    for k in ints:
        counted[hex(k)] = counted.get(hex(k), 0) + 1
    out = {"counts": counted}
    if memory:
        out["memory"] = [hex(k) for k in ints]
    return out

