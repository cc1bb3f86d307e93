"""A textbook statevector engine that runs lowered programs (docs/writing-engines.md)."""

from collections import Counter

import numpy as np

import qfoundry
from qfoundry.errors import UnsupportedInstructionError
from qfoundry.gates import GATES
from qfoundry.program import Gate, Measure


class DenseEngine(qfoundry.Engine):
    name = "dense"
    description = "Dense statevector, one tensordot per gate (an example program engine)"
    supported_instructions = frozenset(GATES) | {"unitary", "measure", "delay"}

    def validate_program(self, program, options, device):
        for op in program.ops:  # called in run(): bad input fails before the job is queued
            if op.condition is not None or (isinstance(op, Measure) and not op.terminal):
                raise UnsupportedInstructionError(
                    f"{program.where(op)}: the dense engine only samples final measurements")

    def run_program(self, program, options, device=None):
        n = program.num_qubits
        state = np.zeros((2,) * n, dtype=complex)  # axis n - 1 - q is qubit q
        state[(0,) * n] = 1
        measured = []  # (qubit, memory slot) of every measurement, all terminal
        for op in program.ops:
            if isinstance(op, Gate) and op.qubits:
                k = len(op.qubits)
                axes = [n - 1 - q for q in reversed(op.qubits)]  # the matrix's bit order
                u = op.matrix.reshape((2,) * (2 * k))
                state = np.tensordot(u, state, axes=(list(range(k, 2 * k)), axes))
                state = np.moveaxis(state, list(range(k)), axes)
            elif isinstance(op, Measure):
                measured += zip(op.qubits, op.memory)
        probs, shots = np.abs(state.reshape(-1)) ** 2, int(options["shots"])
        drawn = np.random.default_rng(options["seed_simulator"]).choice(
            probs.size, size=shots, p=probs / probs.sum())
        keys = [hex(sum(((i >> q) & 1) << m for q, m in measured)) for i in drawn.tolist()]
        data = {"counts": dict(Counter(keys))}
        if options["memory"]:
            data["memory"] = keys
        return qfoundry.ExperimentOutput(data=data, shots=shots, metadata={"method": "dense"})


ENGINE = DenseEngine()


@qfoundry.hookimpl
def register_engines(register):
    register(ENGINE)


@qfoundry.hookimpl
def register_backends(register):
    register(qfoundry.SimulatorBackend(ENGINE, name="dense_simulator",
                                       configuration={"n_qubits": 12}))
