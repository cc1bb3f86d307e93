"""A Qiskit ``Target`` for every qfoundry backend.

Device backends get the device as calibrated: each basis gate on the qubits or ordered
pairs it is calibrated for, with its error (average gate infidelity) and duration
(fractional gates too, on a backend opened with ``use_fractional_gates=True``);
``measure`` with the readout error and duration; ``delay`` on every qubit, ``reset``
where the device's basis lists it; ``box``, and on devices whose
``supported_instructions`` list ``if_else`` (dynamic circuits) the control flow the
converter lowers (``if_else``, ``switch_case``, ``for_loop``); ``dt`` and
``qubit_properties`` (T1, T2, frequency). The builder reads only the device's basis and
calibration tables, so any device (ECR, CZ, fractional gates) works.

Ideal simulators get every gate they support on all qubits with no calibration, no
coupling map and no dt: Qiskit's transpiler then leaves a circuit's width and layout
alone, as for ``AerSimulator``.
"""

from __future__ import annotations

from typing import Any

from qiskit.circuit import (
    BoxOp,
    Delay,
    ForLoopOp,
    IfElseOp,
    Measure,
    Parameter,
    Reset,
    SwitchCaseOp,
)
from qiskit.circuit.library import UnitaryGate, get_standard_gate_name_mapping
from qiskit.providers import QubitProperties
from qiskit.transpiler import InstructionProperties, Target

from ..device_isa import supports_dynamic_circuits
from ..errors import IntegrationError

__all__ = ["device_target", "simulator_target"]

_CONTROL_FLOW = {"if_else": IfElseOp, "switch_case": SwitchCaseOp, "for_loop": ForLoopOp,
                 "box": BoxOp}


def _gate(name: str, where: str) -> Any:
    gate = get_standard_gate_name_mapping().get(name)
    if gate is None:
        raise IntegrationError(f"{where}: gate {name!r} has no Qiskit standard gate, so it "
                               "cannot be put in a Target")
    return gate


def device_target(device: Any) -> Target:
    """The Target of a :class:`qfoundry.device.Device`, from its calibration."""
    n = device.n_qubits
    target = Target(description=device.description or device.name, num_qubits=n,
                    dt=device.dt, qubit_properties=[
                        QubitProperties(t1=device.t1(q), t2=device.t2(q),
                                        frequency=device.frequency(q)) for q in range(n)])
    where = f"device {device.name!r}"
    for name in device.basis_gates:
        if name in ("reset", "measure", "delay"):
            continue
        gate = _gate(name, where)
        calibrated = {qs: InstructionProperties(error=p.error, duration=p.length)
                      for (g, qs), p in device.gates.items() if g == name}
        if not calibrated:  # an uncalibrated basis gate: ideal, where the device allows it
            pairs = device.coupling_map if gate.num_qubits == 2 else [(q,) for q in range(n)]
            calibrated = {tuple(qs): None for qs in pairs}
        target.add_instruction(gate, calibrated)
    target.add_instruction(Measure(), {
        (q,): InstructionProperties(error=device.readout_error(q),
                                    duration=device.readout_length(q)) for q in range(n)})
    if "reset" in device.basis_gates:
        resets = {qs: InstructionProperties(error=p.error, duration=p.length)
                  for (g, qs), p in device.gates.items() if g == "reset"}
        target.add_instruction(Reset(), {(q,): resets.get((q,)) for q in range(n)})
    target.add_instruction(Delay(Parameter("t")), {(q,): None for q in range(n)})
    target.add_instruction(BoxOp, name="box")
    if supports_dynamic_circuits(device):
        for name, cls in _CONTROL_FLOW.items():
            if name != "box":
                target.add_instruction(cls, name=name)
    return target


def simulator_target(backend: Any) -> Target:
    """Every gate the backend's engine supports, on all of its qubits, uncalibrated."""
    config = backend.configuration()
    supported = backend.engine.supported_instructions
    target = Target(description=str(backend.name), num_qubits=config.n_qubits)
    standard = get_standard_gate_name_mapping()
    for name in sorted(supported):
        if name in standard and name not in ("delay",):
            target.add_instruction(standard[name])
    target.add_instruction(Delay(Parameter("t")))
    target.add_instruction(UnitaryGate, name="unitary")
    for name, cls in _CONTROL_FLOW.items():
        target.add_instruction(cls, name=name)
    return target
