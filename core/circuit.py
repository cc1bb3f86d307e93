"""The Circuit builder: registers, instructions and a circuit that validates as it grows.

A :class:`Circuit` is the in-memory form every input becomes before it is assembled into a
Qobj: OpenQASM 2 text (:mod:`qfoundry.qasm2`), a Qobj experiment
(:func:`from_qobj_experiment`) or the builder methods below. Qubits and clbits are flat
indices, register order then index, exactly as the Qobj header's ``qubit_labels`` lists
them, so no translation table is needed between the three forms.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._gate_methods import GateMethods
from .circuit_parameters import ParameterMethods
from .circuit_parts import (
    ClassicalRegister,
    Clbit,
    ClbitSpec,
    Instruction,
    QuantumRegister,
    Qubit,
    QubitSpec,
    _check_amplitudes,
    _check_delay,
    _check_unitary,
    _real,
    check_condition,
    condition_clbits,
    instruction_signature,
)
from .circuit_qobj import rebuild
from .errors import CircuitError, DrawingError
from .observable import expval_params

if TYPE_CHECKING:
    from .qobj import QasmQobjExperiment

__all__ = [
    "QuantumRegister",
    "ClassicalRegister",
    "Qubit",
    "Clbit",
    "Instruction",
    "Circuit",
    "from_qobj_experiment",
]

_counter = itertools.count()
class Circuit(GateMethods, ParameterMethods):
    """A quantum circuit: registers plus a list of :class:`Instruction`.

    ``Circuit(2, 2)`` makes registers ``q`` and ``c``; ``Circuit(QuantumRegister("a", 2),
    ClassicalRegister("m", 2))`` uses the given ones. Builder methods validate at once and
    return the circuit, so calls chain: ``Circuit(2, 2).h(0).cx(0, 1).measure([0, 1], [0, 1])``.
    """

    def __init__(self, *regs: int | QuantumRegister | ClassicalRegister,
                 n_qubits: int | None = None, n_clbits: int | None = None,
                 name: str | None = None, global_phase: float = 0.0,
                 metadata: dict | None = None):
        self.qregs: list[QuantumRegister] = []
        self.cregs: list[ClassicalRegister] = []
        self.data: list[Instruction] = []
        self._qoffset: dict[str, int] = {}
        self._coffset: dict[str, int] = {}
        self.num_qubits = 0
        self.num_clbits = 0
        self._last = 0  # instructions added by the last builder call, for c_if()
        self.name = name if name is not None else f"circuit-{next(_counter)}"
        self.global_phase = float(global_phase)
        self.metadata = dict(metadata or {})
        if n_qubits is not None or n_clbits is not None:
            regs = (n_qubits or 0, n_clbits or 0, *regs)
        ints = [r for r in regs if isinstance(r, (int, np.integer)) and not isinstance(r, bool)]
        if (ints and len(ints) != len(regs)) or len(ints) > 2:
            raise CircuitError("give Circuit(n_qubits[, n_clbits]) or registers, not both")
        if ints:
            if ints[0]:
                self.add_register(QuantumRegister("q", ints[0]))
            if len(ints) > 1 and ints[1]:
                self.add_register(ClassicalRegister("c", ints[1]))
        else:
            for reg in regs:
                self.add_register(reg)

    # -- registers ---------------------------------------------------------------------------
    def add_register(self, reg: QuantumRegister | ClassicalRegister) -> Circuit:
        """Append a register; its bits get the next flat indices."""
        if not isinstance(reg, (QuantumRegister, ClassicalRegister)):
            raise CircuitError(f"expected a QuantumRegister or ClassicalRegister, got {reg!r}")
        if any(r.name == reg.name for r in (*self.qregs, *self.cregs)):
            raise CircuitError(f"a register named {reg.name!r} already exists")
        if isinstance(reg, QuantumRegister):
            self._qoffset[reg.name] = self.num_qubits
            self.qregs.append(reg)
            self.num_qubits += reg.size
        elif isinstance(reg, ClassicalRegister):
            self._coffset[reg.name] = self.num_clbits
            self.cregs.append(reg)
            self.num_clbits += reg.size
        return self

    @property
    def qubit_labels(self) -> list[tuple[str, int]]:
        """(register name, index) of every flat qubit index."""
        return [(r.name, j) for r in self.qregs for j in range(r.size)]

    @property
    def clbit_labels(self) -> list[tuple[str, int]]:
        """(register name, index) of every flat clbit index."""
        return [(r.name, j) for r in self.cregs for j in range(r.size)]

    def creg_offset(self, name: str) -> int:
        """Flat index of bit 0 of classical register ``name``."""
        return self._coffset[name]

    def _flat(self, spec: Any, kind: str) -> list[int]:
        """Resolve a qubit/clbit spec (int, bit, register, sequence) to flat indices."""
        qreg = kind == "qubit"
        reg_type, bit_type = (QuantumRegister, Qubit) if qreg else (ClassicalRegister, Clbit)
        total = self.num_qubits if qreg else self.num_clbits
        offsets = self._qoffset if qreg else self._coffset
        if isinstance(spec, (QuantumRegister, ClassicalRegister, Qubit, Clbit)) and \
                not isinstance(spec, (reg_type, bit_type)):
            raise CircuitError(f"{spec!r} is not a {kind}")
        if isinstance(spec, reg_type):
            return [self._flat(b, kind)[0] for b in spec]
        if isinstance(spec, bit_type):
            reg, i = spec
            if offsets.get(reg.name) is None or reg not in (self.qregs if qreg else self.cregs):
                raise CircuitError(f"register {reg.name!r} is not in circuit {self.name!r}")
            return [offsets[reg.name] + i]
        if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
            if not 0 <= spec < total:
                raise CircuitError(f"{kind} {spec} out of range: circuit {self.name!r} has "
                                   f"{total} {kind}s")
            return [int(spec)]
        if isinstance(spec, (Sequence, range)) and not isinstance(spec, str):
            return [i for s in spec for i in self._flat(s, kind)]
        raise CircuitError(f"cannot use {spec!r} as a {kind}")

    def _one(self, spec: Any, kind: str) -> int:
        flat = self._flat(spec, kind)
        if len(flat) != 1:
            raise CircuitError(f"expected a single {kind}, got {spec!r}")
        return flat[0]

    # -- appending ---------------------------------------------------------------------------
    def append(self, name: str, qubits: Iterable[int | Qubit] = (), params: Iterable = (),
               clbits: Iterable[int | Clbit] = (), condition: tuple[Any, int] | None = None,
               label: str | None = None) -> Circuit:
        """Append one instruction after checking its name, arity, indices and parameters."""
        inst = self._check(name, tuple(qubits), tuple(params), tuple(clbits), condition, label)
        self.data.append(inst)
        self._last = 1
        return self

    def _check(self, name, qubits, params, clbits, condition, label) -> Instruction:
        if not isinstance(name, str) or not name:
            raise CircuitError(f"instruction name must be a non-empty string, got {name!r}")
        qs = tuple(self._one(q, "qubit") for q in qubits)
        cs = tuple(self._one(c, "clbit") for c in clbits)
        where = f"{name!r} on qubits {list(qs)}"
        if len(set(qs)) != len(qs):
            raise CircuitError(f"{where}: a qubit appears twice")
        sig = instruction_signature(name)
        n_clbits = sig[2] if sig and len(sig) > 2 else 0
        if name == "unitary":
            params = (_check_unitary(params, len(qs), where),)
        elif name == "initialize":
            params = _check_amplitudes(params, len(qs), where)
        elif name == "save_expval":
            params = expval_params(params, len(qs), where)
        elif name == "delay":
            params = _check_delay(params, len(qs), where)
        else:
            params = tuple(_real(p, where) for p in params)
            self._check_parameter_names(params, where)
            if sig is not None:
                n_params, n_qubits = sig[0], sig[1]
                if len(params) != n_params:
                    raise CircuitError(f"{where}: takes {n_params} parameter(s), "
                                       f"got {len(params)}")
                if n_qubits is not None and len(qs) != n_qubits:
                    raise CircuitError(f"'{name}' acts on {n_qubits} qubit(s), got {len(qs)}")
        if len(cs) != n_clbits:
            raise CircuitError(f"{where}: takes {n_clbits} clbit(s), got {len(cs)}")
        if name != "barrier" and not qs:
            raise CircuitError(f"'{name}' needs at least one qubit")
        if condition is not None:
            condition = self._check_condition(condition, name)
        if label is not None and not isinstance(label, str):
            raise CircuitError(f"{where}: label must be a string, got {label!r}")
        return Instruction(name, qs, params, cs, condition, label)

    def _check_condition(self, condition: tuple[Any, int], name: str) -> tuple[Any, int]:
        return check_condition(self, condition, name)

    def condition_clbits(self, condition: tuple[Any, int]) -> tuple[int, ...]:
        """The flat clbits a (checked) condition reads, bit 0 of its value first."""
        return condition_clbits(self, condition)

    def _broadcast(self, name: str, params: Sequence, *qargs: QubitSpec,
                   clbits: ClbitSpec | None = None) -> Circuit:
        """Apply ``name`` once per position of the register/list arguments (like OpenQASM)."""
        lists = [self._flat(q, "qubit") for q in qargs]
        if clbits is not None:
            lists.append(self._flat(clbits, "clbit"))
        sizes = {len(x) for x in lists if len(x) != 1}
        if len(sizes) > 1:
            raise CircuitError(f"'{name}': broadcast arguments have different sizes "
                               f"{sorted(sizes)}")
        count = sizes.pop() if sizes else 1
        new = []
        for k in range(count):
            bits = [x[0] if len(x) == 1 else x[k] for x in lists]
            qs, cs = (bits[:-1], bits[-1:]) if clbits is not None else (bits, [])
            new.append(self._check(name, qs, params, cs, None, None))
        self.data.extend(new)
        self._last = len(new)
        return self

    def c_if(self, creg: ClassicalRegister | str, value: int) -> Circuit:
        """Condition the instruction(s) added by the previous call on ``creg == value``."""
        if not self._last:
            raise CircuitError("c_if() needs a preceding instruction to condition")
        start = len(self.data) - self._last
        for k in range(start, len(self.data)):
            old = self.data[k]
            cond = self._check_condition((creg, value), old.name)
            self.data[k] = Instruction(old.name, old.qubits, old.params, old.clbits, cond,
                                       old.label)
        return self

    # -- non-gate instructions ---------------------------------------------------------------
    def measure(self, qubit: QubitSpec, clbit: ClbitSpec) -> Circuit:
        """Measure qubit(s) into clbit(s); registers and lists broadcast pairwise."""
        return self._broadcast("measure", (), qubit, clbits=clbit)

    def measure_all(self, add_bits: bool = True, barrier: bool = True) -> Circuit:
        """Measure every qubit, into a new register ``meas`` (or the existing clbits)."""
        if add_bits:
            names = {r.name for r in (*self.qregs, *self.cregs)}
            candidates = itertools.chain(["meas"], (f"meas{i}" for i in itertools.count()))
            name = next(n for n in candidates if n not in names)
            creg = ClassicalRegister(name, self.num_qubits)
            self.add_register(creg)
            clbits: Sequence[int] = range(self._coffset[name], self.num_clbits)
        elif self.num_clbits < self.num_qubits:
            raise CircuitError(f"measure_all(add_bits=False) needs {self.num_qubits} clbits, "
                               f"the circuit has {self.num_clbits}")
        else:
            clbits = range(self.num_qubits)
        if barrier:
            self.barrier()
        return self.measure(list(range(self.num_qubits)), list(clbits))

    def reset(self, qubit: QubitSpec) -> Circuit:
        """Reset qubit(s) to |0>."""
        return self._broadcast("reset", (), qubit)

    def barrier(self, *qubits: QubitSpec) -> Circuit:
        """A barrier on the given qubits, or on all of them when none are given."""
        flat = [i for q in qubits for i in self._flat(q, "qubit")] if qubits \
            else list(range(self.num_qubits))
        flat = list(dict.fromkeys(flat))
        self._last = 0
        if flat:
            self.append("barrier", flat)
        return self

    def delay(self, duration: float, qubit: QubitSpec, unit: str = "dt") -> Circuit:
        """Idle qubit(s) for ``duration`` in ``unit`` ("dt", the device's sample time, or
        "s", "ms", "us", "ns", "ps"): relaxation on noisy devices, a no-op for ideal engines.
        A non-default unit is kept as a second parameter, ``(duration, unit)``."""
        return self._broadcast("delay", (duration,) if unit == "dt" else (duration, unit),
                               qubit)

    def unitary(self, matrix: Any, qubits: QubitSpec, label: str | None = None) -> Circuit:
        """Apply a unitary matrix; ``qubits[0]`` is its least significant index (as Qiskit)."""
        return self.append("unitary", self._flat(qubits, "qubit"), (matrix,), label=label)

    def initialize(self, amplitudes: Any, qubits: QubitSpec) -> Circuit:
        """Reset ``qubits`` and prepare the normalised state ``amplitudes`` on them."""
        return self.append("initialize", self._flat(qubits, "qubit"), tuple(amplitudes))

    # -- inspection --------------------------------------------------------------------------
    def depth(self) -> int:
        """Longest path in time steps; barriers synchronise but take no step (as Qiskit)."""
        qlevel = [0] * self.num_qubits
        clevel = [0] * self.num_clbits
        for inst in self.data:
            cbits = list(inst.clbits)
            if inst.condition is not None:
                cbits += self.condition_clbits(inst.condition)
            level = max([qlevel[q] for q in inst.qubits] + [clevel[c] for c in cbits],
                        default=0)
            if inst.name != "barrier":
                level += 1
            for q in inst.qubits:
                qlevel[q] = level
            for c in cbits:
                clevel[c] = level
        return max(qlevel + clevel, default=0)

    def count_ops(self) -> dict[str, int]:
        """Instruction name -> count, most frequent first."""
        return dict(Counter(inst.name for inst in self.data).most_common())

    def size(self) -> int:
        """Number of instructions, barriers excluded."""
        return sum(inst.name != "barrier" for inst in self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        """Same registers, instructions and global phase (mod 2*pi); the name is ignored."""
        if not isinstance(other, Circuit):
            return NotImplemented
        dphase = (self.global_phase - other.global_phase) % (2 * math.pi)
        return (self.qregs == other.qregs and self.cregs == other.cregs
                and self.data == other.data
                and min(dphase, 2 * math.pi - dphase) < 1e-12)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        regs = ", ".join(f"{r.name}[{r.size}]" for r in (*self.qregs, *self.cregs))
        return (f"<Circuit {self.name!r} {regs or 'no registers'}, "
                f"{len(self.data)} instructions, depth {self.depth()}>")

    def draw(self, output: str = "text", *, fold: int | None = None,
             idle_wires: bool | None = None, **kwargs: Any) -> Any:
        """A drawing: ``"text"`` (a string folded at ``fold`` characters, default the
        terminal width) or ``"mpl"`` (a matplotlib Figure; needs the ``plot`` extra;
        ``ax=`` draws into your axes). ``idle_wires`` shows unused wires, hidden by
        default on transpiled circuits. See :mod:`qfoundry.drawing`."""
        from .drawing import check_options, draw_text

        check_options(output, fold, idle_wires, kwargs)
        if output == "text":
            return draw_text(self, fold=fold, idle_wires=idle_wires)
        if output == "mpl":
            from .visualization.circuit import draw_circuit  # needs the plot extra

            return draw_circuit(self, idle_wires=idle_wires, fold=fold, **kwargs)
        raise DrawingError(f"unknown drawing output {output!r} (known: 'text', 'mpl')")

    def __str__(self) -> str:
        return self.draw()

    def copy(self, name: str | None = None) -> Circuit:
        """A copy with the same registers and instructions (instructions are immutable)."""
        new = self.copy_empty(name)
        new.data = list(self.data)
        return new

    def copy_empty(self, name: str | None = None) -> Circuit:
        """A circuit with the same registers, name, phase and metadata but no instructions."""
        return Circuit(*self.qregs, *self.cregs, name=self.name if name is None else name,
                       global_phase=self.global_phase, metadata=self.metadata)

    # -- OpenQASM 2 --------------------------------------------------------------------------
    def to_qasm(self) -> str:
        """This circuit as OpenQASM 2 text (see :func:`qfoundry.qasm2.dumps`)."""
        from ._qasm2_export import dumps

        return dumps(self)

    @classmethod
    def from_qasm(cls, text: str, *, name: str | None = None) -> Circuit:
        """Parse OpenQASM 2 text (see :func:`qfoundry.qasm2.loads`)."""
        from ._qasm2_parser import parse

        qregs, cregs, data = parse(text, "<string>", (".",), False, False)
        return Circuit._from_parts(qregs, cregs, data, name)

    @classmethod
    def _from_parts(cls, qregs: list[QuantumRegister], cregs: list[ClassicalRegister],
                    data: list[Instruction], name: str | None) -> Circuit:
        """A circuit of parsed registers and already-checked instructions."""
        circuit = Circuit(*qregs, *cregs, name=name)
        circuit.data = data
        return circuit


def from_qobj_experiment(experiment: QasmQobjExperiment | Mapping[str, Any]) -> Circuit:
    """Rebuild the Circuit an experiment was assembled from (registers from the header);
    what a Circuit cannot express raises CircuitError (:mod:`qfoundry.circuit_qobj`)."""
    return rebuild(experiment, Circuit)
