"""Run a compiled program for all shots at once, branching on mid-circuit outcomes.

Shots that share their measurement history share their state, so the engine never
simulates shot by shot. It walks a tree: at a mid-circuit measurement or reset of a
branch holding ``s`` shots it draws how many read 1 (``rng.binomial(s, p1)``), and only
if both outcomes occur copies the state: one copy continues, the other waits on a stack.
The branch with fewer shots continues first, so at most ``log2(shots) + 1`` states wait
at any time (the recursion-on-the-smaller-half argument of quicksort). Total work is
bounded by the number of distinct histories, never by ``shots x circuit``. Should the
waiting states outgrow the memory budget, the branch is finished one shot at a time from
a single copy.

At each leaf (end of the program) the final measurements are sampled for the leaf's
shots from its state in one draw. The random stream is consumed in a fixed order, so a
seed fixes counts and memory exactly. Per-shot memory lists each leaf's shots in
draw order; when there are several leaves the list is shuffled with the same generator,
so shot order carries no trace of the branching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qfoundry.program import condition_holds
from qfoundry.progress import report_progress

from .probabilities import marginal, row_masses, row_probabilities
from .program import Program
from .state import SVState

__all__ = ["run_program", "sample_indices", "apply_gate", "Outcomes"]

_TWO_LEVEL = 1 << 16  # distributions this long are sampled in two stages


class Outcomes:
    """Memory values (ints, bit m = slot m) and per-shot order, gathered over leaves."""

    def __init__(self) -> None:
        self.values: list[int] = []  # distinct memory value of each group
        self.groups: list[np.ndarray] = []  # per leaf: index into values, per shot

    def add(self, values: list[int], per_shot: np.ndarray) -> None:
        self.groups.append(per_shot + len(self.values))
        self.values.extend(values)

    def counts(self) -> dict[str, int]:
        per_shot = np.concatenate(self.groups) if self.groups else np.zeros(0, np.intp)
        tally = np.bincount(per_shot, minlength=len(self.values))
        out: dict[str, int] = {}
        for value, n in zip(self.values, tally.tolist()):
            if n:
                key = hex(value)
                out[key] = out.get(key, 0) + n
        return out

    def memory(self, rng: np.random.Generator) -> list[str]:
        per_shot = np.concatenate(self.groups) if self.groups else np.zeros(0, np.intp)
        if len(self.groups) > 1:
            per_shot = rng.permutation(per_shot)
        hexes = [hex(v) for v in self.values]
        return [hexes[i] for i in per_shot.tolist()]


def sample_indices(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """``shots`` independent draws from ``probs`` (need not sum exactly to 1), in draw
    order, one uniform number per draw.

    A cumulative sum costs several ns per entry, so a long distribution is sampled in two
    stages: a row (of ``cols`` entries) from the row totals, then a column from the
    cumulative sums of only the rows that were drawn."""
    size = probs.shape[0]
    u = rng.random(shots)
    cols = _columns(size, shots)
    if cols == 0:
        return _search(np.cumsum(probs), u, probs)
    rows = probs.reshape(-1, cols)
    return _two_level(rows.sum(axis=1), lambda drawn: rows[drawn], cols, u)


def sample_state(state: SVState, qubits: set[int], shots: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, dict[int, int]]:
    """Draw ``shots`` outcomes of measuring ``qubits`` of ``state``: (indices, bit) as
    for :func:`.probabilities.marginal`. When every qubit is measured, a big state is sampled
    in two stages straight from its amplitudes (row totals computed a chunk at a time,
    then only the drawn rows), so no state-sized probability array is ever built."""
    size = state.data.size
    cols = _columns(size, shots)
    active = sum(1 for q in qubits if state.is_active(q))
    if active < state.n or cols == 0:
        probs, bits = marginal(state, qubits)
        return sample_indices(probs, shots, rng), bits
    u = rng.random(shots)
    bits = {q: state.n for q in qubits}  # inactive: past the index width, reads 0
    bits.update({q: state.n - 1 - a for a, q in enumerate(state.order)})
    draws = _two_level(row_masses(state, cols),
                       lambda drawn: row_probabilities(state, drawn, cols), cols, u)
    return draws, bits


def _columns(size: int, shots: int) -> int:
    """Row length for two-level sampling of ``size`` entries, or 0 for one level."""
    cols = 1 << max(0, min(12, (size // (16 * shots)).bit_length() - 1))
    return 0 if size < _TWO_LEVEL or cols < 16 else cols


def _two_level(row_mass: np.ndarray, row_probs: Callable[[np.ndarray], np.ndarray],
               cols: int, u: np.ndarray) -> np.ndarray:
    """Draw a row for each uniform ``u`` from ``row_mass``, then a column inside it from
    ``row_probs(drawn rows)`` (a ``(len(drawn), cols)`` array)."""
    row_cdf = np.cumsum(row_mass)
    r = _search(row_cdf, u, row_mass)
    # Where u falls inside its row, as a fraction of the row's mass.
    start = np.where(r > 0, row_cdf[r - 1], 0.0)
    frac = np.clip((u * row_cdf[-1] - start) / row_mass[r], 0.0, 1.0)
    drawn, which = np.unique(r, return_inverse=True)
    which = which.reshape(-1)
    block = row_probs(drawn)
    cdf = np.cumsum(block, axis=1)
    cdf /= cdf[:, -1:]
    cdf += np.arange(drawn.size)[:, None]  # row j's cdf lives in [j, j + 1]
    pos = np.searchsorted(cdf.reshape(-1), which + np.minimum(frac, 1 - 1e-15), side="right")
    col = pos - which * cols
    # Never land on a zero entry (rounding at a row's end): step back to the last nonzero.
    chosen = block[which, np.minimum(col, cols - 1)]
    bad = (col >= cols) | (chosen == 0)
    if bad.any():
        for i in np.flatnonzero(bad):
            col[i] = np.flatnonzero(block[which[i]])[-1]
    return r * cols + col


def _search(cdf: np.ndarray, u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Indices i with cdf[i-1] <= u * total < cdf[i], never landing on a zero weight."""
    idx = np.searchsorted(cdf, u * cdf[-1], side="right")
    last = int(np.flatnonzero(weights)[-1]) if weights.any() else cdf.shape[0] - 1
    return np.minimum(idx, last)


def _memory_values(prog: Program, qubit_bit: dict[int, int], base: int,
                   outcomes: np.ndarray) -> list[int]:
    """Memory value of each distinct outcome index of the final measurements."""
    clear = 0
    for _, slot in prog.final_measures:
        clear |= 1 << slot
    if prog.num_clbits <= 62:
        vals = np.full(outcomes.shape, base & ~clear, dtype=np.int64)
        for qubit, slot in prog.final_measures:  # later writes to a slot win
            vals &= ~np.int64(1 << slot)
            vals |= ((outcomes >> qubit_bit[qubit]) & 1).astype(np.int64) << slot
        return vals.tolist()
    out = []
    for o in outcomes.tolist():
        v = base & ~clear
        for qubit, slot in prog.final_measures:
            v = (v & ~(1 << slot)) | (((o >> qubit_bit[qubit]) & 1) << slot)
        out.append(v)
    return out


def _record_leaf(prog: Program, state: SVState, shots: int, memory: int,
                 rng: np.random.Generator, outcomes: Outcomes) -> None:
    if not prog.final_measures:
        outcomes.add([memory], np.zeros(shots, dtype=np.intp))
        return
    draws, bits = sample_state(state, {q for q, _ in prog.final_measures}, shots, rng)
    distinct, per_shot = _distinct(draws)
    outcomes.add(_memory_values(prog, bits, memory, distinct), per_shot)


def _distinct(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(draws, return_inverse=True)``, by a tally and a lookup table when the
    draws span a short range (sorting the shots costs several times more)."""
    size = int(draws.max()) + 1 if draws.size else 0
    if size > max(4 * draws.size, 1 << 12) or draws.size == 0:
        distinct, per_shot = np.unique(draws, return_inverse=True)
        return distinct, per_shot.reshape(-1)
    hit = np.bincount(draws, minlength=size) > 0
    lookup = np.cumsum(hit) - 1
    return np.flatnonzero(hit), lookup[draws]


def apply_gate(state: SVState, gate: Any, after: Any = None) -> None:
    """Apply one unitary step (a fused GateOp) to ``state``."""
    kind = gate.kind
    if kind == "general":
        state.apply_matrix(gate.qubits, gate.data, after)
    elif kind == "diagonal":
        state.apply_diagonal(gate.qubits, gate.data)
    elif kind == "permutation":
        state.apply_permutation(gate.qubits, gate.data)
    elif kind == "controlled":
        state.apply_controlled(*gate.extra)
    else:
        state.swap(*gate.qubits)


def run_program(prog: Program, state: SVState, shots: int, rng: np.random.Generator,
                max_waiting: int, on_final_state: Callable[[SVState], None] | None = None
                ) -> tuple[Outcomes, int]:
    """Run ``prog`` from ``state`` for ``shots`` shots; return (outcomes, number of leaves).

    ``max_waiting`` bounds the states kept on the branch stack. ``on_final_state`` sees
    each leaf's state before its final measurements are sampled.
    """
    outcomes = Outcomes()
    leaves = _walk(prog, (0, 0, state, shots, 0, 0), rng, max_waiting, outcomes,
                   on_final_state)
    return outcomes, leaves


def _walk(prog: Program, entry: tuple, rng: np.random.Generator, max_waiting: int,
          outcomes: Outcomes, on_final_state: Callable[[SVState], None] | None) -> int:
    # Entries: (step index, sub-step within a measure/reset/init, state, shots, memory,
    # register). A sub-step > 0 resumes a half-done step without re-testing its condition.
    leaves = 0
    stack: list[tuple] = [entry]
    steps = prog.steps
    while stack:
        pc, sub, st, s, mem, reg = stack.pop()
        while pc < len(steps):
            step = steps[pc]
            if sub == 0 and step.cond is not None and not condition_holds(step.cond, mem, reg):
                pc += 1
                continue
            op = step.op
            if op == "gate":
                apply_gate(st, step.gate, step.args)
                pc += 1
                if not pc & 31:  # the job's finer progress (qfoundry.progress); cheap
                    report_progress(pc / len(steps))
                continue
            if op == "bfunc":
                mask, test, val, rbit, mbit = step.args
                bit = int(test((reg & mask) - val))
                reg = (reg & ~(1 << rbit)) | (bit << rbit)
                if mbit is not None:
                    mem = (mem & ~(1 << mbit)) | (bit << mbit)
                pc += 1
                continue
            # measure / reset / init: one qubit at a time, branching on the outcome.
            qubits = step.qubits
            while sub < len(qubits):
                q = qubits[sub]
                p1 = min(max(st.probability_one(q), 0.0), 1.0)
                ones = int(rng.random() < p1) if s == 1 else int(rng.binomial(s, p1))
                if 0 < ones < s:
                    if len(stack) >= max_waiting:
                        # No room for another waiting state: finish this branch one shot
                        # at a time from a single copy (each shot measures afresh).
                        for i in range(s):
                            one = st.copy() if i < s - 1 else st
                            leaves += _walk(prog, (pc, sub, one, 1, mem, reg), rng, 0,
                                            outcomes, on_final_state)
                        break
                    # Continue with the smaller share; the larger one waits.
                    go = 1 if ones <= s - ones else 0
                    other = st.copy()
                    _outcome(step, other, q, 1 - go, p1 if go == 0 else 1 - p1)
                    m2, r2 = _write(step, sub, mem, reg, 1 - go)
                    go_shots = ones if go else s - ones
                    stack.append((pc, sub + 1, other, s - go_shots, m2, r2))
                    outcome, s = go, go_shots
                else:
                    outcome = 1 if ones else 0
                _outcome(step, st, q, outcome, p1 if outcome else 1 - p1)
                mem, reg = _write(step, sub, mem, reg, outcome)
                sub += 1
            else:
                if op == "init":
                    st.prepare(qubits, step.args)
                pc, sub = pc + 1, 0
                continue
            break  # the branch was finished shot by shot
        else:
            if on_final_state is not None:
                on_final_state(st)
            _record_leaf(prog, st, s, mem, rng, outcomes)
            leaves += 1
    return leaves


def _outcome(step: Any, st: SVState, q: int, outcome: int, p: float) -> None:
    if step.op == "measure":
        st.collapse(q, outcome, p)
    else:  # reset, or the reset that starts an initialize
        st.reset_to_zero(q, outcome, p)


def _write(step: Any, sub: int, mem: int, reg: int, outcome: int) -> tuple[int, int]:
    if step.op != "measure":
        return mem, reg
    slots, regs = step.args
    m = slots[sub]
    mem = (mem & ~(1 << m)) | (outcome << m)
    if regs is not None:
        r = regs[sub]
        reg = (reg & ~(1 << r)) | (outcome << r)
    return mem, reg
