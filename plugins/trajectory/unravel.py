"""Noise channels as things a trajectory can sample: sequences of small Kraus sets.

A channel applied to a pure state picks one Kraus operator K_i with its Born probability
||K_i psi||^2 and leaves K_i psi, renormalised; averaged over the draws this is exactly the
channel, whichever Kraus decomposition is used. The decomposition still matters for speed:

* **Structure.** A device error is built as depolarizing, then relaxation on each qubit
  (:func:`qfoundry.noise.NoiseModel.from_device`). Sampled part by part, in that
  order, it needs one draw among 16 Paulis and one among 3 relaxation operators per qubit,
  instead of one among the 4^k eigenvectors of the Choi matrix; and every operator is a
  tensor product, so a product state stays a product state (the engine keeps unentangled
  qubits apart, :mod:`.state`). :func:`unravel` follows how a channel was built
  (``composite``, ``tensor``, ``depolarizing``, ``pauli``, ``unitary``) and checks the
  result against the channel's superoperator; anything else uses the canonical Kraus set.
* **Mixtures.** Depolarizing and Pauli channels are mixtures of unitaries: their draw
  does not depend on the state (no reduced density matrix needed) and never changes the
  norm. Such parts are ``"mixture"`` items; state-dependent ones are ``"kraus"`` items.
* **An identity part.** A weak channel E is mostly "nothing happened": :func:`_split_identity`
  finds the largest q with E = q*id + (1 - q)*E' (E' completely positive: the Choi
  matrix minus q|I>><<I| stays positive semidefinite), so a shot keeps its state untouched
  with probability q, whatever the state, and only otherwise draws from E' by the Born
  rule. For thermal relaxation with T2 < 2*T1, 1 - q is about tau/(T2*(2 - T2/T1)):
  0.5% for a Paris CX. The usual no-jump operator diag(1, sqrt(1 - p)) would instead
  reweight every shot's state a little, which costs a norm per block and slowly
  entangles qubits that the ideal circuit leaves in a product state. Pure amplitude
  damping (T2 = 2*T1) has no identity part (it is an extreme point): q = 0.

Every item lists its most likely operator first (index 0): trajectories that draw it at
every step of a block share one state (:mod:`.program`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from qfoundry.noise.channels import QuantumChannel

__all__ = ["Item", "unravel", "embed", "PAULI_MATRICES"]

PAULI_MATRICES = (np.eye(2, dtype=complex), np.array([[0, 1], [1, 0]], dtype=complex),
                  np.array([[0, -1j], [1j, 0]]), np.diag([1.0 + 0j, -1.0]))
_CHECK_ATOL = 1e-10   # unravelled superoperator vs the channel's
_DROP = 1e-15         # operators of smaller weight are never drawn


class Item(NamedTuple):
    """One sampling step on ``qubits`` (positions in the enclosing operator; qubits[0] is
    bit 0 of the matrices); ``ops`` is a stack (m, d, d).

    * "unitary": ``ops[0]``, no draw (``p0`` = 1);
    * "mixture": unitary ``ops[i]`` with probability ``probs[i]``, whatever the state;
      ``p0 = probs[0]`` is the largest;
    * "kraus" with ``p0`` > 0: the unitary ``ops[0]`` (the identity) with probability
      ``p0``, else a Born draw among ``ops[1:]`` (a complete Kraus set);
    * "kraus" with ``p0`` = 0: a Born draw among ``ops``, the heaviest first.
    """

    kind: str
    qubits: tuple[int, ...]
    ops: np.ndarray
    probs: np.ndarray | None = None
    p0: float = 1.0


def _pauli_string(index: int, n: int) -> np.ndarray:
    """Pauli string ``index`` on n qubits: base-4 digit j is the Pauli on qubit j."""
    out = np.ones((1, 1), dtype=complex)
    for j in range(n - 1, -1, -1):
        out = np.kron(out, PAULI_MATRICES[(index >> (2 * j)) & 3])
    return out


def _mixture(probs: list[float], ops: list[np.ndarray], qubits: tuple[int, ...]) -> Item:
    p = np.asarray(probs, dtype=float)
    keep = np.flatnonzero(p > _DROP)
    order = keep[np.argsort(-p[keep], kind="stable")]
    stack = np.asarray([ops[i] for i in order], dtype=complex)
    if len(order) == 1:
        return Item("unitary", qubits, stack)
    probs = p[order] / p[order].sum()
    return Item("mixture", qubits, stack, probs, float(probs[0]))


def _from_kraus(ops: tuple[np.ndarray, ...], qubits: tuple[int, ...]) -> Item:
    """A Kraus set as an item: a mixture when every K^dagger K is a multiple of I, else
    split into an identity part and the rest when it has one."""
    stack = np.asarray(ops, dtype=complex)
    gram = np.einsum("mji,mjk->mik", stack.conj(), stack)
    weight = np.einsum("mii->m", gram).real / stack.shape[1]
    keep = np.flatnonzero(weight > _DROP)
    stack, gram, weight = stack[keep], gram[keep], weight[keep]
    eye = np.eye(stack.shape[1])
    if np.allclose(gram, weight[:, None, None] * eye, atol=1e-12):
        return _mixture(list(weight), list(stack / np.sqrt(weight)[:, None, None]), qubits)
    split = _split_identity(stack)
    if split is not None:
        q, rest = split
        return Item("kraus", qubits, np.concatenate([eye[None].astype(complex), rest]), None, q)
    order = np.argsort(-weight, kind="stable")
    return Item("kraus", qubits, stack[order], None, 0.0)


def _split_identity(ops: np.ndarray) -> tuple[float, np.ndarray] | None:
    """(q, Kraus set of E') with E = q*id + (1 - q)*E' and q as large as possible, or None
    when q < 1/2 (the identity would not be the likely outcome).

    With the Choi matrix J = sum |K>><<K| (column-stacked K) and |I>>, the largest q
    keeping J - q|I>><<I| positive semidefinite is 1 / <<I|J^+|I>> when |I>> lies in the
    range of J, else 0; E' comes from the eigenvectors of the remainder."""
    d = ops.shape[1]
    vecs = ops.transpose(0, 2, 1).reshape(len(ops), -1)  # column stacking: vec(K) = K.T rows
    choi = vecs.T @ vecs.conj()
    lam, v = np.linalg.eigh(choi)
    omega = np.eye(d).reshape(-1)
    a = v.conj().T @ omega
    big = lam > 1e-12 * lam[-1]
    if np.sum(np.abs(a[~big]) ** 2) > 1e-12 * d:
        return None
    q = float(1.0 / np.sum(np.abs(a[big]) ** 2 / lam[big]))
    if not 0.5 <= q < 1.0:
        return None
    rest = (choi - q * np.outer(omega, omega)) / (1.0 - q)
    lam, v = np.linalg.eigh(rest)
    keep = np.flatnonzero(lam > 1e-14 * max(1.0, lam[-1]))
    kraus = [np.sqrt(lam[i]) * v[:, i].reshape(d, d).T for i in keep[::-1]]
    return q, np.asarray(kraus, dtype=complex)


def _structured(ch: QuantumChannel, qubits: tuple[int, ...]) -> list[Item] | None:
    """Items following how ``ch`` was built, or None for a channel without known structure."""
    kind, params = ch.kind, ch.params
    n = ch.num_qubits
    if kind == "composite":  # channels[0], then channels[1]
        first, second = params["channels"]
        a, b = _structured(first, qubits), _structured(second, qubits)
        return None if a is None or b is None else a + b
    if kind == "tensor":  # channels[0] (x) channels[1]: the second acts on the low qubits
        high, low = params["channels"]
        k = low.num_qubits
        a, b = _structured(low, qubits[:k]), _structured(high, qubits[k:])
        return None if a is None or b is None else a + b
    if kind == "depolarizing":
        p = float(params["param"])
        count = 4 ** n
        probs = [1 - p * (count - 1) / count] + [p / count] * (count - 1)
        return [_mixture(probs, [_pauli_string(i, n) for i in range(count)], qubits)]
    if kind == "pauli":
        probs, ops = [], []
        for label, prob in params["terms"].items():
            op = np.ones((1, 1), dtype=complex)
            for ch_ in label.upper():  # the first letter acts on the highest qubit
                op = np.kron(op, PAULI_MATRICES["IXYZ".index(ch_)])
            probs.append(float(prob))
            ops.append(op)
        return [_mixture(probs, ops, qubits)]
    if kind in ("unitary", "thermal_relaxation", "amplitude_damping", "phase_damping"):
        return [_from_kraus(ch.kraus, qubits)]  # one or few qubits: canonical is fine
    return None


def _superop(items: list[Item], n: int) -> np.ndarray:
    """The channel the items sample, to check an unravelling against the channel."""
    total = np.eye(4 ** n, dtype=complex)
    for item in items:
        ops = embed(item.ops, item.qubits, n)
        if item.probs is not None:
            weights = list(item.probs)
        elif item.kind == "kraus" and item.p0 > 0:
            weights = [item.p0] + [1.0 - item.p0] * (len(ops) - 1)
        else:
            weights = [1.0] * len(ops)
        total = sum(w * np.kron(op.conj(), op) for w, op in zip(weights, ops)) @ total
    return total


_cache: OrderedDict[int, tuple[QuantumChannel, list[Item]]] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 4096


def unravel(ch: QuantumChannel) -> list[Item]:
    """``ch`` as a sequence of items on its qubits 0..n-1, sampled in order.

    Cached per channel object (device noise models are shared and immutable): a
    Paris model has a few hundred channels, each unravelled once per process.
    """
    with _cache_lock:
        hit = _cache.get(id(ch))
        if hit is not None and hit[0] is ch:
            return hit[1]
    n = ch.num_qubits
    qubits = tuple(range(n))
    items = _structured(ch, qubits)
    if items is None or np.abs(_superop(items, n) - ch.superop).max() > _CHECK_ATOL:
        items = [_from_kraus(ch.kraus, qubits)]
    with _cache_lock:
        _cache[id(ch)] = (ch, items)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return items


def embed(ops: np.ndarray, positions: tuple[int, ...] | list[int], k: int) -> np.ndarray:
    """A stack of operators on len(positions) qubits (their qubit j at ``positions[j]``) as
    a stack of 2^k x 2^k matrices, identity on the other qubits."""
    m, n = len(ops), len(positions)
    if n == k and list(positions) == list(range(k)):
        return ops
    d = 1 << k
    full = np.einsum("hg,mab->mhagb", np.eye(1 << (k - n)), ops).reshape(m, d, d)
    # Result qubit q is qubit order[q] of ``full`` (the op's qubits first, then identities).
    inverse = {p: j for j, p in enumerate(positions)}
    spare = iter(range(n, k))
    order = [inverse[q] if q in inverse else next(spare) for q in range(k)]
    src = [k - 1 - order[k - 1 - i] for i in range(k)]  # tensor axis i holds qubit k-1-i
    t = full.reshape((m,) + (2,) * (2 * k)).transpose([0] + [1 + a for a in src]
                                                       + [1 + k + a for a in src])
    return t.reshape(m, d, d)
