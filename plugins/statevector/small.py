"""The small-state path: a circuit on a few qubits, all of whose measurements are final.

Most jobs users run are small (a Bell pair, a 5-qubit ansatz, a thousand random 2-5
qubit circuits), and for them the general machinery of :mod:`.state` and :mod:`.run`
(lazy qubit activation, tracked axis orders, fusion, the branch walk) costs far more
than the arithmetic. Here the state is a plain Qiskit-ordered vector of ``2**n``
amplitudes and each lowered gate is one or two numpy calls on it, through index tables
cached per ``(n, qubits)``:

* a diagonal gate multiplies by its diagonal gathered over the state (``psi *= d[code]``);
* a permutation gate gathers the amplitudes from where they come from (``psi[src]``);
* a one-qubit gate is one broadcast product on a ``(rest, 2, low)`` view;
* any other gate multiplies the ``(2**(n-k), 2**k)`` gather of its targets and scatters
  the product back.

Sampling draws the counts of the nonzero outcomes at once with ``rng.multinomial`` when
there are at most :data:`MULTINOMIAL_MAX` of them (a few binomials instead of a uniform
number, a search and a tally per shot), else one uniform number per shot searched in the
cumulative distribution, tallied by ``bincount``. Per-shot memory is then a uniformly
random arrangement of those outcomes (``rng.permutation``), which is exactly the
distribution of independent shots. The draws depend only on the circuit, the options and
the seed, never on the executor, the thread count or the order experiments run in.

:func:`eligible` decides; anything else (mid-circuit measurements, resets, conditions,
saves, the statevector and unitary methods, more than :data:`SMALL_QUBITS` qubits) runs
on the general path, which the tests compare this one with.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from qfoundry.gates import NOOP_GATES, permutation_of
from qfoundry.program import Delay, Gate, Measure
from qfoundry.program import Program as Lowered

__all__ = ["eligible", "run_small", "SMALL_QUBITS", "MULTINOMIAL_MAX"]

#: Experiments on at most this many qubits take the small-state path (measured in
#: benchmarks/bench_small.py: below it the general path's bookkeeping costs more than
#: its cheaper gate forms save).
SMALL_QUBITS = 12
#: Distributions with at most this many nonzero outcomes are sampled by one multinomial
#: draw (one binomial per outcome; beyond it a search per shot is cheaper).
MULTINOMIAL_MAX = 64


def eligible(program: Lowered, options: Mapping[str, Any], sample: bool) -> bool:
    """Whether ``program`` runs on the small-state path with these options: counts of a
    circuit on at most SMALL_QUBITS qubits made of unconditional gates and delays, whose
    measurements are all final (sampled for every shot from the final state)."""
    if (program.num_qubits > SMALL_QUBITS or not sample
            or options.get("method", "automatic") != "automatic"):
        return False
    for op in program.ops:
        if op.condition is not None:
            return False
        if isinstance(op, Gate):
            if op.matrix is None:
                return False
        elif isinstance(op, Measure):
            if not op.terminal:
                return False
        elif not isinstance(op, Delay):
            return False
    return True


@lru_cache(maxsize=256)
def _tables(n: int, qubits: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ``qubits`` of an ``n``-qubit state: ``code[i]`` (the targets' bits of basis
    index i as a gate-local index, ``qubits[0]`` its least significant bit), ``rest[i]``
    (i with those bits cleared) and ``spread[c]`` (local index c as a basis index)."""
    i = np.arange(1 << n)
    c = np.arange(1 << len(qubits))
    code = np.zeros(1 << n, dtype=np.intp)
    spread = np.zeros(1 << len(qubits), dtype=np.intp)
    for j, q in enumerate(qubits):
        code |= ((i >> q) & 1) << j
        spread |= ((c >> j) & 1) << q
    rest = i - spread[code]
    for a in (code, rest, spread):
        a.flags.writeable = False
    return code, rest, spread


@lru_cache(maxsize=256)
def _gather_rows(n: int, qubits: tuple[int, ...]) -> np.ndarray:
    """``(2**(n-k), 2**k)`` basis indices: row r holds the indices sharing the non-target
    bits of r, column c the targets' local index c."""
    code, rest, spread = _tables(n, qubits)
    rows = rest[code == 0]
    out = rows[:, None] + spread[None, :]
    out.flags.writeable = False
    return out


@lru_cache(maxsize=256)
def _source(n: int, qubits: tuple[int, ...], gate: str, perm: bytes = b"") -> np.ndarray:
    """Where each amplitude of the result of permutation gate ``gate`` comes from (a
    ``unitary`` gives its permutation as ``perm``, the bytes of an intp array)."""
    code, rest, spread = _tables(n, qubits)
    p = np.frombuffer(perm, dtype=np.intp) if perm else permutation_of(gate, len(qubits))
    src = rest + spread[np.argsort(p)][code]
    src.flags.writeable = False
    return src


def _apply(psi: np.ndarray, gate: Gate, n: int) -> np.ndarray:
    """``psi`` (Qiskit order) after ``gate``; may work in place and returns the state."""
    qubits = gate.qubits
    m = gate.matrix
    if m.dtype is not psi.dtype and m.dtype != psi.dtype:  # single precision
        m = m.astype(psi.dtype)
    kind = gate.kind
    if kind == "diagonal":
        if len(qubits) == 1:
            view = psi.reshape(-1, 2, 1 << qubits[0])
            view *= m.diagonal()[:, None]
        else:
            psi *= m.diagonal()[_tables(n, qubits)[0]]
        return psi
    if kind == "permutation":
        if gate.name == "unitary":
            perm = np.argmax(np.abs(m), axis=0).astype(np.intp).tobytes()
            return psi[_source(n, qubits, "unitary", perm)]
        return psi[_source(n, qubits, gate.name)]
    if len(qubits) == 1:
        return np.matmul(m, psi.reshape(-1, 2, 1 << qubits[0])).reshape(-1)
    idx = _gather_rows(n, qubits)
    psi[idx] = psi[idx] @ m.T
    return psi


def final_state(program: Lowered, dtype: Any = complex,
                initial: np.ndarray | None = None) -> np.ndarray:
    """The state after every gate of ``program`` (an :func:`eligible` one), Qiskit order."""
    n = program.num_qubits
    if initial is not None:
        psi = np.array(initial, dtype=dtype)
    else:
        psi = np.zeros(1 << n, dtype=dtype)
        psi[0] = 1
    phase = program.global_phase
    for op in program.ops:
        if not isinstance(op, Gate) or op.name in NOOP_GATES:
            continue
        if op.name == "global_phase":
            phase += op.params[0]
            continue
        psi = _apply(psi, op, n)
    if phase:
        psi *= np.exp(1j * phase)
    return psi


def sample_counts(probs: np.ndarray, shots: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(outcomes, tallies): the basis indices drawn at least once, ascending, and how
    often, for ``shots`` independent draws from ``probs`` (need not sum exactly to 1);
    an outcome of probability zero is never drawn."""
    support = np.flatnonzero(probs)
    weights = probs[support]
    if support.size <= MULTINOMIAL_MAX:
        tally = rng.multinomial(shots, weights / weights.sum())
    else:
        cdf = np.cumsum(weights)
        drawn = np.searchsorted(cdf, rng.random(shots) * cdf[-1], side="right")
        tally = np.bincount(np.minimum(drawn, support.size - 1), minlength=support.size)
    hit = tally > 0
    return support[hit], tally[hit]


def memory_values(program: Lowered, outcomes: np.ndarray) -> list[int]:
    """The memory value (bit m = slot m) each basis index in ``outcomes`` reads as."""
    writes = [(q, slot) for op in program.ops if isinstance(op, Measure)
              for q, slot in zip(op.qubits, op.memory)]
    if all(q == slot for q, slot in writes) and len({q for q, _ in writes}) == len(writes):
        mask = sum(1 << q for q, _ in writes)  # qubit q into slot q (measure_all): a mask
        return [o & mask for o in outcomes.tolist()]
    if outcomes.size <= 16:  # a Bell pair's few outcomes: Python ints beat array passes
        out = []
        for o in outcomes.tolist():
            v = 0
            for q, slot in writes:  # in order: a later write to a slot wins
                v = (v & ~(1 << slot)) | (((o >> q) & 1) << slot)
            out.append(v)
        return out
    values = np.zeros(outcomes.shape, dtype=object if program.num_clbits > 62 else np.int64)
    for q, slot in writes:
        bit = ((outcomes >> q) & 1).astype(values.dtype)
        values &= ~(1 << slot) if values.dtype == object else ~np.int64(1 << slot)
        values |= bit << slot
    return [int(v) for v in values.tolist()]


def run_small(program: Lowered, options: Mapping[str, Any], rng: np.random.Generator,
              dtype: Any = complex, initial: np.ndarray | None = None
              ) -> tuple[dict[str, int], list[str] | None]:
    """(counts, per-shot memory or None) of an :func:`eligible` program, hex keyed as
    the general path's (:class:`.run.Outcomes`)."""
    shots = int(options["shots"])
    psi = final_state(program, dtype, initial)
    measured = any(isinstance(op, Measure) for op in program.ops)
    if not measured:
        outcomes, tally = np.zeros(1, dtype=np.intp), np.array([shots])
    else:
        probs = np.square(psi.real, dtype=np.float64) + np.square(psi.imag, dtype=np.float64)
        outcomes, tally = sample_counts(probs, shots, rng)
    keys = [hex(v) for v in memory_values(program, outcomes)]
    counts = dict(zip(keys, tally.tolist()))
    if len(counts) != len(keys):  # outcomes that read as the same memory: add them up
        counts = {}
        for key, count in zip(keys, tally.tolist()):
            counts[key] = counts.get(key, 0) + count
    memory = None
    if options.get("memory"):
        per_shot = rng.permutation(np.repeat(np.arange(len(keys)), tally))
        memory = [keys[i] for i in per_shot.tolist()]
    return counts, memory
