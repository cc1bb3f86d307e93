"""Turn a Qiskit QuantumCircuit into a Qobj dict for qfoundry (benchmark helper).

Only what the benchmark circuits use: standard gates, unitary, measure, reset, barrier,
and ``if_test`` blocks on a whole register or one clbit with a single instruction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["circuit_to_qobj", "to_qfoundry"]


def _experiment(qc: Any) -> dict[str, Any]:
    qidx = {q: i for i, q in enumerate(qc.qubits)}
    cidx = {c: i for i, c in enumerate(qc.clbits)}
    insts: list[dict[str, Any]] = []
    n_slots = qc.num_clbits
    extra = 0

    def emit(op: Any, qargs: Any, cargs: Any, cond: int | None = None) -> None:
        d: dict[str, Any] = {"name": op.name, "qubits": [qidx[q] for q in qargs]}
        if op.name == "measure":
            d["memory"] = [cidx[c] for c in cargs]
            d["register"] = list(d["memory"])
        elif op.name == "unitary":
            d["params"] = [np.asarray(op.params[0])]
        elif op.name == "initialize":
            d["params"] = [complex(p) for p in op.params]
        elif op.params:
            d["params"] = [float(p) for p in op.params]
        if cond is not None:
            d["conditional"] = cond
        insts.append(d)

    for inst in qc.data:
        op = inst.operation
        if op.name == "if_else":
            from qiskit.circuit import ClassicalRegister

            target, value = op.condition
            bits = ([cidx[c] for c in target] if isinstance(target, ClassicalRegister)
                    else [cidx[target]])
            mask = sum(1 << b for b in bits)
            val = sum(((int(value) >> i) & 1) << b for i, b in enumerate(bits))
            reg = n_slots + extra
            extra += 1
            insts.append({"name": "bfunc", "mask": hex(mask), "relation": "==",
                          "val": hex(val), "register": reg})
            body = op.blocks[0]
            for sub in body.data:
                qargs = [inst.qubits[body.find_bit(q).index] for q in sub.qubits]
                emit(sub.operation, qargs, [], cond=reg)
            continue
        emit(op, inst.qubits, inst.clbits)
    creg_sizes = [[r.name, r.size] for r in qc.cregs]
    return {
        "header": {"name": qc.name, "n_qubits": qc.num_qubits, "memory_slots": n_slots,
                   "creg_sizes": creg_sizes, "global_phase": float(qc.global_phase),
                   "qreg_sizes": [[r.name, r.size] for r in qc.qregs]},
        "config": {"n_qubits": qc.num_qubits, "memory_slots": n_slots},
        "instructions": insts,
    }


def circuit_to_qobj(circuits: Any, shots: int = 1024, seed: int | None = None,
                    memory: bool = False) -> dict[str, Any]:
    """A Qobj dict with one experiment per circuit."""
    if not isinstance(circuits, (list, tuple)):
        circuits = [circuits]
    config: dict[str, Any] = {"shots": shots, "memory": memory}
    if seed is not None:
        config["seed_simulator"] = seed
    return {"qobj_id": "bench", "type": "QASM", "schema_version": "1.3.0", "header": {},
            "config": config, "experiments": [_experiment(qc) for qc in circuits]}


def to_qfoundry(qc: Any) -> Any:
    """A Qiskit circuit as a qfoundry Circuit, instruction for instruction (``unitary``
    blocks stay matrices; going through OpenQASM would pre-synthesise them)."""
    from qfoundry.assemble import circuit_from_experiment
    from qfoundry.qobj import QasmQobj

    return circuit_from_experiment(QasmQobj.from_dict(circuit_to_qobj(qc)).experiments[0])
