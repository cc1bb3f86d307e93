"""Run a compiled program for all shots at once: a tree of trajectories.

A branch is (state, shots, classical record). Shots share a branch as long as they drew
the same operators, so the engine never simulates shot by shot unless the noise makes
every shot different. At a noisy block (:class:`.program.Block`) of a branch with
``s`` shots:

1. apply the block's dominant operator D (one product on the block's qubits) out of
   place, keeping the block's input;
2. the chance that a shot drew the dominant operator at every step is ``p_fixed``
   (times ``||D psi||^2 / ||psi||^2``, one read of the result, if D is not unitary);
   draw how many shots deviate, ``binomial(s, 1 - p)``;
3. only if some do: the block's reduced density matrix rho = M M^H of its input gives
   exact conditional draws for them (:func:`.deviations.deviations`, on 2^k x 2^k
   matrices), each distinct draw its own operator A applied to a copy of the input.

The branch with the fewest shots continues and the others wait on a stack, so at most
about ``log2(shots)`` states wait (the quicksort argument); mid-circuit measurements,
resets and readout errors on recorded bits split branches the same way. When the waiting
states would outgrow the memory budget, a branch is finished one shot at a time. At a
leaf the terminal measurements are sampled for all its shots at once, then readout errors
flip each recorded bit per shot, as the density-matrix engine does. The random stream is
consumed in a fixed order: a seed fixes counts and memory.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qfoundry.program import condition_holds

from .._sim.expval import expval_tensor
from ..statevector.run import Outcomes
from .deviations import deviations
from .program import Bfunc, Block, Init, Measure, Program
from .state import Factor, Product, gram

__all__ = ["run_program", "Stats", "mean_and_stderr"]


class Stats:
    """What a run did, for the result metadata."""

    __slots__ = ("leaves", "largest_factor", "block_passes", "deviations", "most_held",
                 "expvals")

    def __init__(self) -> None:
        self.leaves = self.largest_factor = self.block_passes = self.deviations = 0
        self.most_held = 0  # the most states held for waiting branches at once
        self.expvals: dict[str, list[tuple[float, int]]] = {}  # key -> (value, shots) per leaf


class _Run:
    """One run's walk: the program, the random stream, what it produced, and how many
    states waiting branches hold (``held``: a memory budget of ``max_held``)."""

    __slots__ = ("prog", "rng", "outcomes", "stats", "max_held", "held")

    def __init__(self, prog: Program, rng: np.random.Generator, max_held: int):
        self.prog, self.rng, self.max_held = prog, rng, max_held
        self.outcomes, self.stats, self.held = Outcomes(), Stats(), 0

    def hold(self, count: int = 1) -> None:
        self.held += count
        self.stats.most_held = max(self.stats.most_held, self.held)


class _Shared:
    """The input of a block, kept once for all the groups of shots that wait to continue
    from it (each with its own operator): one state per split, not one per group."""

    __slots__ = ("base", "block", "left")

    def __init__(self, base: Product, block: Block, left: int):
        self.base, self.block, self.left = base, block, left


class _Pending:
    """A waiting group: ``op`` (norm2 ``norm2`` once applied) on its shared block input."""

    __slots__ = ("shared", "op", "norm2")

    def __init__(self, shared: _Shared, op: np.ndarray, norm2: float):
        self.shared, self.op, self.norm2 = shared, op, norm2

    def state(self, run: _Run) -> Product:
        """The group's state; the last group of a split takes the shared input itself."""
        shared = self.shared
        qubits = shared.block.qubits
        base = shared.base
        f = base.owner[qubits[0]]
        data = (self.op @ f.data.reshape(1 << len(qubits), -1)).reshape(-1)
        new = Factor(list(f.qubits), data, self.norm2)
        shared.left -= 1
        if shared.left == 0:
            run.held -= 1
            base.set(new)
            state = base
        else:
            state = base.copy_with(f, new)
        state.split_pure(qubits)
        return state


class _Held:
    """A waiting branch's own copy of the state (after a measurement split)."""

    __slots__ = ("state",)

    def __init__(self, state: Product):
        self.state = state


def run_program(prog: Program, shots: int, rng: np.random.Generator,
                max_held: int) -> tuple[Outcomes, Stats]:
    """Run ``prog`` for ``shots`` shots; waiting branches hold at most ``max_held`` states
    (beyond that a branch is finished shot by shot)."""
    run = _Run(prog, rng, max_held)
    _walk(run, (0, 0, Product.zero(prog.n), shots, 0, 0))
    return run.outcomes, run.stats


def _walk(run: _Run, entry: tuple) -> None:
    # Entries: (step index, sub-step within a measure/reset/init, state (_Pending, _Held or
    # the root's Product), shots, memory, register). A sub-step > 0 resumes a half-done
    # step without re-testing its condition.
    stack: list[tuple] = [entry]
    steps = run.prog.steps
    stats = run.stats
    while stack:
        pc, sub, st, s, mem, reg = stack.pop()
        if isinstance(st, _Pending):
            st = st.state(run)
        elif isinstance(st, _Held):
            run.held -= 1
            st = st.state
        while pc < len(steps):
            step = steps[pc]
            if sub == 0 and step.cond is not None and not condition_holds(step.cond, mem, reg):
                pc += 1
                continue
            if s > 1 and run.held >= run.max_held and not isinstance(step, Bfunc):
                # No room for more waiting states: finish this branch shot by shot.
                budget, run.max_held = run.max_held, 0
                for i in range(s):
                    one = st.copy() if i < s - 1 else st
                    _walk(run, (pc, sub, one, 1, mem, reg))
                run.max_held = budget
                break
            if isinstance(step, Block):
                stats.block_passes += 1
                s, pushed = apply_block(st, step, s, run)
                stack.extend((pc + 1, 0, b, c, mem, reg) for b, c in pushed)
                pc += 1
            elif isinstance(step, Bfunc):
                bit = int(step.test((reg & step.mask) - step.val))
                reg = (reg & ~(1 << step.reg)) | (bit << step.reg)
                if step.mem is not None:
                    mem = (mem & ~(1 << step.mem)) | (bit << step.mem)
                pc += 1
            else:
                while sub < len(step.qubits):
                    st, s, mem, reg, pushed = _collapse_one(step, sub, st, s, mem, reg, run.rng)
                    run.hold(len(pushed))
                    stack.extend((pc, sub + 1, _Held(b), c, m2, r2) for b, c, m2, r2 in pushed)
                    sub += 1
                if isinstance(step, Init):
                    st.prepare(step.qubits, step.amplitudes)
                pc, sub = pc + 1, 0
        else:
            stats.leaves += 1
            stats.largest_factor = max(stats.largest_factor, st.largest)
            for key, terms in run.prog.saves:
                stats.expvals.setdefault(key, []).append((_leaf_expval(st, terms), s))
            _record_leaf(run.prog, st, s, mem, run.rng, run.outcomes)


# -- noisy blocks -------------------------------------------------------------------------------
def apply_block(state: Product, block: Block, shots: int,
                run: _Run) -> tuple[int, list[tuple[_Pending, int]]]:
    """Apply ``block`` to ``state`` for ``shots`` shots. Returns the shots that continue
    with ``state`` (the smallest group) and the other groups as (pending state, shots),
    largest first: pushed in that order, smaller groups finish first and few states wait."""
    f = state.gather(block.qubits)
    m = f.front(block.qubits)
    out = f.out().reshape(m.shape)
    np.matmul(block.dominant, m, out=out)
    after = float(np.vdot(out, out).real) if block.norm else f.norm2
    n_dev = 0
    if block.stochastic:
        p = block.p_fixed * (after / f.norm2 if f.norm2 > 0 else 0.0)
        p = min(max(p, 0.0), 1.0)
        rng = run.rng
        n_dev = int(rng.random() >= p) if shots == 1 else int(rng.binomial(shots, 1.0 - p))
    if n_dev == 0:
        _commit(f, after)
        state.split_pure(block.qubits)
        return shots, []
    run.stats.deviations += 1
    rho = gram(m) if block.kraus else None
    groups: list[tuple[np.ndarray, int, float]] = []
    if shots > n_dev:
        groups.append((block.dominant, shots - n_dev, after))
    for op, count in deviations(block, rho, n_dev, run.rng):
        norm2 = float(np.vdot(op, op @ rho).real) if rho is not None else f.norm2
        groups.append((op, count, norm2))
    groups.sort(key=lambda g: g[1])
    pushed = []
    if len(groups) > 1:
        base = state.copy_with(f, Factor(list(f.qubits), m.reshape(-1).copy(), f.norm2))
        shared = _Shared(base, block, len(groups) - 1)
        run.hold()
        pushed = [(_Pending(shared, op, norm2), count) for op, count, norm2 in groups[:0:-1]]
    op, count, norm2 = groups[0]
    if op is not block.dominant:
        np.matmul(op, m, out=out)
    _commit(f, norm2)
    state.split_pure(block.qubits)
    return count, pushed


def _commit(f: Factor, norm2: float) -> None:
    """The spare buffer holds the new amplitudes, of squared norm ``norm2``. Amplitudes are
    not renormalised (a pass for nothing) unless the norm nears underflow: a non-unitary
    dominant operator (amplitude damping) shrinks it a little at every block."""
    f.swap()
    f.norm2 = norm2
    if 0 < norm2 < 1e-200:
        f.data *= 1 / math.sqrt(norm2)
        f.norm2 = 1.0


# -- measurements, resets, leaves ---------------------------------------------------------------
def _collapse_one(step: Any, sub: int, st: Product, s: int, mem: int, reg: int,
                  rng: np.random.Generator) -> tuple[Product, int, int, int, list[tuple]]:
    """Qubit ``sub`` of a measure/reset/init step: branch on the outcome and, for a
    recorded bit with a readout error, on the record. Returns the continuing branch (the
    one with the fewest shots) and the waiting ones, each as (state, shots, memory,
    register)."""
    q = step.qubits[sub]
    if q is None:  # an idle qubit reads 0
        groups = [(st, s, 0)]
    else:
        p1 = st.owner[q].probability_one(q)
        ones = int(rng.random() < p1) if s == 1 else int(rng.binomial(s, p1))
        if ones in (0, s):
            _settle(step, st, q, 1 if ones else 0)
            groups = [(st, s, 1 if ones else 0)]
        else:
            other = st.copy()
            _settle(step, st, q, 1)
            _settle(step, other, q, 0)
            groups = [(st, ones, 1), (other, s - ones, 0)]
    if not isinstance(step, Measure):
        branches = [(b, c, mem, reg) for b, c, _ in groups]
    else:
        ro = step.readouts[sub]
        branches = []
        for b, c, true in groups:
            flips = 0
            if ro is not None:
                flip = float(ro[true, 1 - true])
                flips = int(rng.random() < flip) if c == 1 else int(rng.binomial(c, flip))
            parts = [(n, r) for n, r in ((flips, 1 - true), (c - flips, true)) if n]
            for i, (n, r) in enumerate(parts):  # the same state, two records: one copy
                branches.append((b.copy() if i < len(parts) - 1 else b, n,
                                 *_record(step, sub, mem, reg, r)))
    branches.sort(key=lambda br: br[1])
    st, s, mem, reg = branches[0]
    return st, s, mem, reg, branches[:0:-1]  # the largest waits deepest in the stack


def _settle(step: Any, st: Product, q: int, outcome: int) -> None:
    st.measure_collapse(q, outcome)
    if not isinstance(step, Measure):  # reset (or an initialize's reset): back to |0>
        st.set(Factor([q], np.array([1.0, 0.0], dtype=complex)))


def _record(step: Measure, sub: int, mem: int, reg: int, bit: int) -> tuple[int, int]:
    m = step.slots[sub]
    mem = (mem & ~(1 << m)) | (bit << m)
    if step.regs is not None:
        r = step.regs[sub]
        reg = (reg & ~(1 << r)) | (bit << r)
    return mem, reg


def _leaf_expval(st: Product, terms: list) -> float:
    """<observable> in one leaf's state: the factors holding the terms' qubits, merged."""
    support = sorted({q for paulis, _ in terms for q, _ in paulis if q >= 0})
    if not support:
        return expval_tensor(np.ones(()), {}, terms)
    f = st.gather(support)
    psi = f.data.reshape((2,) * len(f.qubits))
    return expval_tensor(psi, {q: a for a, q in enumerate(f.qubits)}, terms)


def mean_and_stderr(samples: list[tuple[float, int]]) -> tuple[float, float]:
    """The shot-weighted mean of per-leaf values and its standard error (nan for 1 shot)."""
    values = np.array([v for v, _ in samples])
    shots = np.array([s for _, s in samples], dtype=float)
    total = shots.sum()
    mean = float(values @ shots / total)
    if total < 2:
        return mean, float("nan")
    var = float(((values - mean) ** 2) @ shots / (total - 1))
    return mean, float(np.sqrt(var / total))


def _record_leaf(prog: Program, st: Product, shots: int, mem: int, rng: np.random.Generator,
                 outcomes: Outcomes) -> None:
    """Sample the terminal measurements for the leaf's shots, then their readout errors."""
    if not prog.terminal:
        outcomes.add([mem], np.zeros(shots, dtype=np.intp))
        return
    bits = st.sample([q for q, _, _ in prog.terminal if q is not None], shots, rng)
    zero = np.zeros(shots, dtype=np.uint8)
    slots: dict[int, np.ndarray] = {}
    for q, slot, ro in prog.terminal:
        true = bits[q] if q is not None else zero
        if ro is not None:
            flip_p = np.where(true == 1, ro[1, 0], ro[0, 1])
            true = true ^ (rng.random(shots) < flip_p).astype(np.uint8)
        slots[slot] = true  # a later measurement into the same slot wins
    if prog.n_slots <= 62:
        clear = sum(1 << slot for slot in slots)
        values = np.full(shots, mem & ~clear, dtype=np.int64)
        for slot, b in slots.items():
            values |= b.astype(np.int64) << slot
        distinct, per_shot = np.unique(values, return_inverse=True)
        outcomes.add(distinct.tolist(), per_shot.reshape(-1))
        return
    ints = []
    for i in range(shots):
        v = mem
        for slot, b in slots.items():
            v = (v & ~(1 << slot)) | (int(b[i]) << slot)
        ints.append(v)
    distinct = sorted(set(ints))
    index = {v: i for i, v in enumerate(distinct)}
    outcomes.add(distinct, np.array([index[v] for v in ints], dtype=np.intp))
