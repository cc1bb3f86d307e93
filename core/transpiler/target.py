"""What the transpiler needs to know about a device, precomputed once per device.

A :class:`Target` is built from a :class:`qfoundry.devices.Device` (or any backend that has
one, or a backend configuration for ideal simulators): its basis, its directed coupling
map, hop distances for routing, and the calibrated errors that the noise-aware layout
minimises. It also fixes how a CX is written in the device's own two-qubit gate
(``cx``, ``cz``, ``ecr``, ...) for each direction of each edge.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ..circuit_parts import fast_instruction
from ..devices import DIRECTIVES  # what every device accepts besides its basis gates
from ..errors import TranspilerError
from ..gates import gate_matrix
from .decompose import euler_zyz, is_identity_up_to_phase, kak, one_qubit_basis

__all__ = ["Target", "SwapTables", "DIRECTIVES", "ENTANGLER_PREFERENCE"]

#: Two-qubit gates locally equivalent to CX that a device may offer, best first.
ENTANGLER_PREFERENCE = ("cx", "cz", "ecr", "cy")
_SINGLE_QUBIT_ERROR_GATES = ("sx", "x", "u2", "u3", "u", "rx", "ry", "id")


class SwapTables(NamedTuple):
    """Per-device tables SABRE scores SWAP candidates with (see :attr:`Target.swap_tables`)."""

    edges: tuple[tuple[int, int], ...]
    gain_p: tuple[list[float], ...]
    gain_q: tuple[list[float], ...]
    around: tuple[tuple[tuple, ...], ...]
    #: ``toward[a * n + b]``: the entries of ``around[a]`` whose SWAP moves ``a``'s
    #: content one hop closer to ``b``.
    toward: tuple[tuple[tuple, ...], ...]
    #: ``distance`` with an extra ``inf`` column for the "no gate" index ``n_qubits``.
    distance: tuple[list[float], ...]


@dataclass(frozen=True, eq=False)
class Target:
    """A device as the transpiler sees it.

    ``edges`` is the set of directed pairs a two-qubit gate may act on, or None for
    all-to-all connectivity (ideal simulators: no routing). Errors default to 0 where
    the device gives none.
    """

    n_qubits: int
    basis_gates: frozenset[str]
    edges: frozenset[tuple[int, int]] | None = None
    readout_error: tuple[float, ...] = ()
    single_qubit_error: tuple[float, ...] = ()
    two_qubit_error: Mapping[tuple[int, int], float] = field(default_factory=dict)
    name: str = "device"

    # -- construction ----------------------------------------------------------------
    @classmethod
    def from_any(cls, obj: Any) -> Target:
        """A Target from a Target, a Device, a backend with ``.device``, or a backend
        configuration (``n_qubits``, ``basis_gates``, ``coupling_map``)."""
        if isinstance(obj, Target):
            return obj
        device = getattr(obj, "device", None)
        if device is not None and not callable(device):
            return cls.from_device(device)
        if hasattr(obj, "coupling_map") and hasattr(obj, "qubits") and hasattr(obj, "gates"):
            return cls.from_device(obj)
        config = obj.configuration() if hasattr(obj, "configuration") else obj
        get = (config.get if isinstance(config, Mapping)
               else lambda k, d=None: getattr(config, k, d))
        n = get("n_qubits")
        if n is None:
            raise TranspilerError(f"cannot transpile for {obj!r}: it is neither a device nor a "
                                  "backend with a configuration (n_qubits, basis_gates)")
        cmap = get("coupling_map")
        return cls(int(n), frozenset(get("basis_gates") or ()),
                   None if not cmap else frozenset((int(a), int(b)) for a, b in cmap),
                   name=str(get("backend_name", "backend")))

    @classmethod
    def from_device(cls, device: Any) -> Target:
        """A Target from a :class:`qfoundry.devices.Device` (errors from its calibration).

        One per device object, kept while the device is: its derived tables (hop
        distances, SWAP scores, edge errors) cost a third of a second on a 156-qubit
        chip, more than mapping a small circuit, so every transpile reuses them.
        """
        key = id(device)
        with _targets_lock:
            hit = _targets.get(key)
            if hit is not None and hit[0] is device:
                _targets.move_to_end(key)
                return hit[1]
        target = _target_from_device(device)
        with _targets_lock:
            _targets[key] = (device, target)  # holds the device: its id is not reused
            while len(_targets) > _TARGETS_KEPT:
                _targets.popitem(last=False)
        return target

    # -- derived data (cached: a Target is immutable) --------------------------------
    @functools.cached_property
    def oneq_basis(self) -> str:
        """Name of the single-qubit synthesis the basis supports (``ZSX`` on IBM devices)."""
        return one_qubit_basis(self.basis_gates)

    @functools.cached_property
    def entangler(self) -> str:
        """The device's two-qubit gate that every CX is written in."""
        for name in ENTANGLER_PREFERENCE:
            if name in self.basis_gates:
                return name
        raise TranspilerError(
            f"basis {sorted(self.basis_gates)} of {self.name} has no two-qubit gate the "
            f"transpiler can target (one of {', '.join(ENTANGLER_PREFERENCE)})")

    @functools.cached_property
    def neighbors(self) -> tuple[tuple[int, ...], ...]:
        """Undirected adjacency (a gate may be reversed, so routing ignores direction)."""
        adj: list[set[int]] = [set() for _ in range(self.n_qubits)]
        for a, b in self.edges or ():
            adj[a].add(b)
            adj[b].add(a)
        return tuple(tuple(sorted(s)) for s in adj)

    @functools.cached_property
    def edges_of(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """For each qubit, its undirected edges as ``(low, high)`` pairs (SWAP candidates)."""
        return tuple(tuple((min(p, q), max(p, q)) for q in self.neighbors[p])
                     for p in range(self.n_qubits))

    @functools.cached_property
    def distance(self) -> list[list[float]]:
        """Hop distance between physical qubits (``inf`` between disconnected parts)."""
        n = self.n_qubits
        out = [[math.inf] * n for _ in range(n)]
        for s in range(n):
            row = out[s]
            row[s] = 0
            todo = deque([s])
            while todo:
                u = todo.popleft()
                for v in self.neighbors[u]:
                    if row[v] == math.inf:
                        row[v] = row[u] + 1
                        todo.append(v)
        return out

    @functools.cached_property
    def swap_tables(self) -> SwapTables:
        """SABRE's SWAP-scoring tables, so scoring a candidate is a few list lookups.

        For each undirected edge ``e = (p, q)`` (``p < q``, sorted), ``gain_p[e][o]`` is
        how swapping ``e`` changes the distance of a gate between ``p`` and ``o``
        (``dist[q][o] - dist[p][o]``; 0 for ``o == q``, whose gate keeps its distance),
        ``gain_q`` likewise for ``q``. Index ``n_qubits`` stands for "no gate" and holds 0.
        ``around[p]`` lists ``(p, q, gain_p, gain_q, e)`` for the edges of qubit ``p`` in
        edge order (the router walks these for the qubits of the front layer), and
        ``toward`` those of them that bring a gate's qubit closer to its partner.
        """
        dist = self.distance
        n = self.n_qubits
        edges = tuple(sorted({e for es in self.edges_of for e in es}))
        gain_p: list[list[float]] = []
        gain_q: list[list[float]] = []
        for p, q in edges:
            dp, dq = dist[p], dist[q]
            # Floats throughout (distances are small integers, exact either way): the
            # interpreter's float-only fast paths then apply to the scoring arithmetic.
            gp = [float(dq[o] - dp[o]) for o in range(n)] + [0.0]
            gq = [float(dp[o] - dq[o]) for o in range(n)] + [0.0]
            gp[q] = 0.0
            gq[p] = 0.0
            gain_p.append(gp)
            gain_q.append(gq)
        around: list[list[tuple]] = [[] for _ in range(n)]
        for e, (p, q) in enumerate(edges):
            entry = (p, q, gain_p[e], gain_q[e], e)
            around[p].append(entry)
            around[q].append(entry)
        # toward[a * n + b]: the entries of a's edges that bring a closer to b.
        toward = tuple(tuple(entry for entry in around[a]
                             if dist[entry[0] + entry[1] - a][b] < dist[a][b])
                       for a in range(n) for b in range(n))
        return SwapTables(edges, tuple(gain_p), tuple(gain_q),
                          tuple(tuple(a) for a in around), toward,
                          tuple([float(d) for d in row] + [math.inf] for row in dist))

    @functools.cached_property
    def edge_errors(self) -> list[list[float]]:
        """``edge_error(a, b)`` for every pair, as nested lists (0 off the coupling map)."""
        n = self.n_qubits
        return [[self.edge_error(a, b) for b in range(n)] for a in range(n)]

    def is_native_pair(self, a: int, b: int) -> bool:
        """True when a two-qubit basis gate may act with first qubit ``a``, second ``b``."""
        return self.edges is None or (a, b) in self.edges

    def edge_error(self, a: int, b: int) -> float:
        """Calibrated error of the entangler on the pair (either direction), else 0."""
        e = self.two_qubit_error
        return e.get((a, b), e.get((b, a), 0.0))

    def shortest_path(self, a: int, b: int) -> list[int]:
        """Physical qubits from ``a`` to ``b`` along coupled pairs (inclusive)."""
        dist = self.distance
        if dist[a][b] == math.inf:
            raise TranspilerError(f"qubits {a} and {b} of {self.name} are not connected")
        path = [a]
        while path[-1] != b:
            u = path[-1]
            path.append(min(v for v in self.neighbors[u] if dist[v][b] == dist[u][b] - 1))
        return path

    @functools.cached_property
    def cx_in_entangler(self) -> dict[bool, tuple[np.ndarray, ...]]:
        """How ``cx(a, b)`` is written with the entangler on ``(a, b)`` (key False) or on
        ``(b, a)`` (key True): ``(pre_a, pre_b, post_a, post_b)`` single-qubit unitaries.

        Both gates have Weyl coordinates (pi/4, 0, 0), so their KAK forms share the middle
        factor and ``CX = K1c K1g^dag G K2g^dag K2c`` up to global phase.
        """
        if self.entangler == "cz":  # CX = (I x H) CZ (I x H): the control is left alone, where
            h, i = gate_matrix("h"), np.eye(2)  # KAK's local factors would cost it pulses
            return {False: (i, h, i, h), True: (i, h, i, h)}
        g = gate_matrix(self.entangler)
        swap = gate_matrix("swap")
        kc = kak(gate_matrix("cx"))
        out = {}
        for reverse in (False, True):
            kg = kak(swap @ g @ swap if reverse else g)
            if max(abs(kg.a - kc.a), abs(kg.b - kc.b), abs(kg.c - kc.c)) > 1e-9:
                raise TranspilerError(f"{self.entangler} is not locally equivalent to CX")
            out[reverse] = (kg.k2q0.conj().T @ kc.k2q0, kg.k2q1.conj().T @ kc.k2q1,
                            kc.k1q0 @ kg.k1q0.conj().T, kc.k1q1 @ kg.k1q1.conj().T)
        return out

    @functools.cached_property
    def cx_corrections(self) -> dict[bool, tuple[tuple[str, tuple[float, ...]] | None, ...]]:
        """:attr:`cx_in_entangler` as gates: ``(name, params)`` for each of ``pre_a, pre_b,
        post_a, post_b``, None where the factor is an identity (a CZ leaves the control
        alone). Named gates with float parameters, not matrices: the single-qubit
        optimiser looks their matrices up in a cache, and an identity costs nothing."""
        out = {}
        for reverse, factors in self.cx_in_entangler.items():
            gates: list[tuple[str, tuple[float, ...]] | None] = []
            for m in factors:
                if is_identity_up_to_phase(m):
                    gates.append(None)
                elif np.allclose(m, gate_matrix("h")):
                    gates.append(("h", ()))
                else:  # u(theta, phi, lam) equals m up to a global phase
                    theta, phi, lam, _ = euler_zyz(m)
                    gates.append(("u", (float(theta), float(phi), float(lam))))
            out[reverse] = tuple(gates)
        return out

    def cx_correction_ops(self, a: int, b: int, reverse: bool) -> tuple[Any, ...]:
        """:attr:`cx_corrections` for ``cx(a, b)`` as instructions on ``a`` and ``b``
        (None for an identity), built once per qubit and shared: instructions are
        immutable, and a 127-qubit circuit writes thousands of these."""
        key = (a, b, reverse)
        hit = self._correction_ops.get(key)
        if hit is None:
            hit = tuple(None if g is None else fast_instruction(g[0], (q,), g[1])
                        for q, g in zip((a, b, a, b), self.cx_corrections[reverse]))
            self._correction_ops[key] = hit
        return hit

    @functools.cached_property
    def _correction_ops(self) -> dict[tuple[int, int, bool], tuple[Any, ...]]:
        return {}


_TARGETS_KEPT = 16
_targets: OrderedDict[int, tuple[Any, Target]] = OrderedDict()
_targets_lock = threading.Lock()


def _err(value: float | None) -> float:
    return 0.0 if value is None or not math.isfinite(value) else float(value)


def _target_from_device(device: Any) -> Target:
    n = device.n_qubits
    basis = frozenset(device.basis_gates)
    edges = frozenset(tuple(e) for e in device.coupling_map)
    readout = tuple(_err(q.readout_error) for q in device.qubits)
    gates = device.gates
    oneq = []
    for q in range(n):
        errs = [gates[(g, (q,))].error for g in _SINGLE_QUBIT_ERROR_GATES
                if (g, (q,)) in gates and gates[(g, (q,))].error is not None]
        oneq.append(_err(errs[0]) if errs else 0.0)
    twoq: dict[tuple[int, int], float] = {}
    for (gname, qs), props in gates.items():
        if len(qs) == 2 and gname in ENTANGLER_PREFERENCE and props.error is not None:
            twoq[qs] = _err(props.error)
    if not edges and n > 1:
        # A device without a coupling map cannot run two-qubit gates at all; keep routing
        # from treating it as all-to-all.
        edges = frozenset()
    return Target(n, basis, edges, readout, tuple(oneq), twoq, name=str(device.name))

