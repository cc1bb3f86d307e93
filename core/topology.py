"""Generated coupling maps: the ``shortcut`` topologies of the device format.

Each generator gives one direction of every edge, numbered and oriented as Qiskit's
``CouplingMap.from_<kind>(..., bidirectional=False)``, so a device described by a
shortcut has the same qubit numbering users know from Qiskit.
"""

from __future__ import annotations

from .errors import DeviceSpecError

__all__ = ["SHORTCUTS", "shortcut_edges", "coupling_shortcut"]

#: shortcut -> the parameters it takes (besides ``n_qubits``).
SHORTCUTS = {"line": (), "ring": (), "grid": ("rows", "cols"), "heavy_hex": ("distance",),
             "all_to_all": ()}


def coupling_shortcut(kind: str, *, n_qubits: int | None = None, rows: int | None = None,
                      cols: int | None = None, distance: int | None = None,
                      directed: bool = False) -> tuple[tuple[int, int], ...]:
    """The directed edges of a generated topology (``line``, ``ring``, ``grid``,
    ``heavy_hex``, ``all_to_all``), numbered as Qiskit's ``CouplingMap.from_*``.

    With ``directed=False`` every edge appears in both directions (sorted); with True,
    in the single direction Qiskit's ``bidirectional=False`` gives.
    """
    edges = shortcut_edges(kind, n_qubits=n_qubits, rows=rows, cols=cols, distance=distance)
    if directed:
        return edges
    return tuple(sorted(set(edges) | {(b, a) for a, b in edges}))


def shortcut_edges(kind: str, *, n_qubits: int | None = None, rows: int | None = None,
                   cols: int | None = None, distance: int | None = None
                   ) -> tuple[tuple[int, int], ...]:
    """One direction of each edge of a generated topology, as Qiskit's
    ``CouplingMap.from_<kind>(..., bidirectional=False)`` numbers and orients them.

    ``heavy_hex`` is the distance-``d`` heavy-hexagon code lattice of Chamberland et al.
    (PRX 10, 011022), with (5d^2 - 2d - 1)/2 qubits: data qubits first, then syndrome, then
    flag qubits (19 for d = 3, 57 for d = 5). IBM's 27-qubit Falcon chips (Paris) are a
    cut of that lattice, not an instance of it: describe them with explicit edges.
    """
    def need(value: int | None, key: str, minimum: int = 1) -> int:
        if value is None or isinstance(value, bool) or not isinstance(value, int) \
                or value < minimum:
            raise DeviceSpecError(f"shortcut {kind!r} needs an integer {key} >= {minimum}, "
                                  f"got {value!r}", key=f"coupling.{key}")
        return value

    def size_is(expected: int, how: str) -> None:
        if n_qubits is not None and n_qubits != expected:
            raise DeviceSpecError(f"{how} has {expected} qubits, but n_qubits = {n_qubits}",
                                  key="coupling.shortcut")

    if kind == "grid":
        rows, cols = need(rows, "rows"), need(cols, "cols")
        size_is(rows * cols, f"a {rows} x {cols} grid")
        return tuple([(r * cols + c, r * cols + c + 1) for r in range(rows)
                      for c in range(cols - 1)] +
                     [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1)
                      for c in range(cols)])
    if kind == "heavy_hex":
        d = need(distance, "distance")
        if d % 2 == 0:
            raise DeviceSpecError(f"heavy_hex needs an odd distance, got {d}",
                                  key="coupling.distance")
        size_is((5 * d * d - 2 * d - 1) // 2, f"heavy_hex with distance {d}")
        return _heavy_hex(d)
    if kind not in SHORTCUTS:
        raise DeviceSpecError(f"unknown shortcut {kind!r} (known: {', '.join(SHORTCUTS)})",
                              key="coupling.shortcut")
    n = need(n_qubits, "n_qubits")
    if kind == "line":
        return tuple((q, q + 1) for q in range(n - 1))
    if kind == "ring":
        if n < 3:
            raise DeviceSpecError(f"a ring needs at least 3 qubits, got {n}",
                                  key="coupling.shortcut")
        return tuple((q, (q + 1) % n) for q in range(n))
    return tuple((a, b) for a in range(n) for b in range(a + 1, n))  # all_to_all


def _heavy_hex(d: int) -> tuple[tuple[int, int], ...]:
    # d rows of d data qubits; between data (i, j) and (i, j+1) a flag qubit; between
    # rows i and i+1, (d+1)/2 syndrome qubits, each bridging two flags (the first or last
    # bridging the row ends instead), alternating sides from one row gap to the next.
    if d == 1:
        return ()
    n_syn_row = (d + 1) // 2
    syndrome0, flag0 = d * d, d * d + (d - 1) * n_syn_row

    def data(i: int, j: int) -> int:
        return i * d + j

    def flag(i: int, j: int) -> int:
        return flag0 + i * (d - 1) + j

    edges = []
    for i in range(d):
        for j in range(d - 1):
            edges += [(data(i, j), flag(i, j)), (data(i, j + 1), flag(i, j))]
    for i in range(d - 1):
        end = 0 if i % 2 == 0 else n_syn_row - 1
        col = 0 if i % 2 == 0 else d - 1
        s = syndrome0 + i * n_syn_row + end
        edges += [(data(i, col), s), (data(i + 1, col), s)]
    for i in range(d - 1):
        for k in range(n_syn_row):
            s = syndrome0 + i * n_syn_row + k
            if i % 2 == 0 and k > 0:
                j = 2 * (k - 1) + 1
            elif i % 2 == 1 and k < n_syn_row - 1:
                j = 2 * k
            else:
                continue
            edges += [(s, flag(i, j)), (s, flag(i + 1, j))]
    return tuple(edges)
