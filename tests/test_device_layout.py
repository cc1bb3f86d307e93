"""Where qubits are drawn: IBM's rows-and-bridges form for heavy-hex chips (27-qubit Falcon
to 156-qubit Heron), square lattices as grids, and a fallback for graphs no grid holds."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from pathlib import Path

import pytest

from qfoundry.device_layout import device_positions, grid_layout
from qfoundry.device_render import render_coupling
from qfoundry.devices import Device, DeviceSpecWarning, coupling_shortcut, load_device

REPO = Path(__file__).resolve().parent.parent

# The coupling map of FakeParis as IBM's documentation draws it (arrows as ours).
PARIS_IBM = """\
               06                  17
               ↕                   ↕
00 ↔ 01 ↔ 04 ↔ 07 ↔ 10 ↔ 12 ↔ 15 ↔ 18 ↔ 21 ↔ 23
     ↕                   ↕                   ↕
     02                  13                  24
     ↕                   ↕                   ↕
     03 ↔ 05 ↔ 08 ↔ 11 ↔ 14 ↔ 16 ↔ 19 ↔ 22 ↔ 25 ↔ 26
               ↕                   ↕
               09                  20"""


def device(name: str) -> Device:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceSpecWarning)
        return load_device(REPO / "devices" / f"{name}.toml")


def assert_rows_and_bridges(n: int, edges) -> dict:
    """The IBM form: every coupling joins grid neighbours; each grid row of qubits that
    has a three-coupling qubit is one straight chain; every vertical run is row-bridge-row
    (the bridge has two couplings); qubits with three couplings have one vertical."""
    layout = grid_layout(n, edges)
    assert layout is not None and sorted(layout) == list(range(n))
    assert len(set(layout.values())) == n
    adj = {q: set() for q in range(n)}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
        (ra, ca), (rb, cb) = layout[a], layout[b]
        assert abs(ra - rb) + abs(ca - cb) == 1, (a, b)
    for q, nbs in adj.items():
        vertical = [u for u in nbs if layout[u][0] != layout[q][0]]
        if len(nbs) == 3:
            assert len(vertical) == 1, q
        if len(vertical) == 2:  # a bridge: its neighbours are row qubits, vertical once
            assert len(nbs) == 2
            assert all(len([w for w in adj[u] if layout[w][0] != layout[u][0]]) == 1
                       for u in vertical), q
    return layout


def test_paris_is_drawn_as_ibm_draws_it():
    assert render_coupling(device("paris")) == PARIS_IBM


SHIPPED = sorted(p.stem for p in (REPO / "devices").glob("*.toml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_device_is_drawn_on_a_grid_heavy_hex_as_ibm_does(name):
    d = device(name)
    edges = {tuple(sorted(e)) for e in d.coupling_map}
    if re.search(r"\b(Falcon|Hummingbird|Egret|Eagle|Heron)\b", d.description or ""):
        assert_rows_and_bridges(d.n_qubits, edges)  # IBM's heavy-hex families
        return
    layout = grid_layout(d.n_qubits, edges)  # older lattices, square lattices, lines
    if layout is None:  # no grid holds it (Yorktown's bow tie): every qubit listed
        listing = render_coupling(d)
        for q in range(d.n_qubits):
            neighbours = sorted({b for a, b in edges if a == q} | {a for a, b in edges if b == q})
            assert f"{q}: " + " ".join(f"↔{b}" for b in neighbours) in listing
        return
    assert len(set(layout.values())) == d.n_qubits
    assert all(abs(layout[a][0] - layout[b][0]) + abs(layout[a][1] - layout[b][1]) == 1
               for a, b in edges)


@pytest.mark.parametrize("backend, n, rows, row_length", [
    ("FakeSherbrooke", 127, 7, 15),   # Eagle r3
    ("FakeTorino", 133, 7, 16),       # Heron r1 (the last row has 16)
    ("FakeFez", 156, 8, 16),          # Heron r2
])
def test_eagle_and_heron_coupling_maps_are_rows_and_bridges(backend, n, rows, row_length):
    fake = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    edges = {tuple(sorted(e)) for e in getattr(fake, backend)().coupling_map.get_edges()}
    layout = assert_rows_and_bridges(n, edges)
    per_row = Counter(r for r, _ in layout.values())
    long_rows = [r for r, k in per_row.items() if k >= row_length - 1]
    assert len(long_rows) == rows and max(per_row.values()) == row_length
    # IBM numbers row by row: along every long row the qubit numbers increase
    for r in long_rows:
        qubits = [q for q, _ in sorted(((q, c) for q, (rr, c) in layout.items() if rr == r),
                                       key=lambda qc: qc[1])]
        assert sum(a > b for a, b in zip(qubits, qubits[1:])) <= 1, qubits
    text = render_coupling(Device(name="d", n_qubits=n, basis_gates=("cx",),
                                  coupling_map=tuple(sorted(edges))))
    assert max(len(line) for line in text.splitlines()) <= 6 * (row_length + 1)


def test_rustworkx_heavy_hex_lattices_are_rows_and_bridges():
    rx = pytest.importorskip("rustworkx")
    for d in (3, 5, 7):
        g = rx.generators.directed_heavy_hex_graph(d)
        assert_rows_and_bridges(g.num_nodes(), {tuple(sorted(e)) for e in g.edge_list()})
    edges = coupling_shortcut("heavy_hex", distance=5)
    assert_rows_and_bridges(57, {tuple(sorted(e)) for e in edges})


@pytest.mark.parametrize("rows, cols", [(10, 12), (12, 12), (3, 7)])
def test_square_lattices_are_drawn_as_their_grid(rows, cols):
    layout = grid_layout(rows * cols, coupling_shortcut("grid", rows=rows, cols=cols))
    assert layout == {r * cols + c: (r, c) for r in range(rows) for c in range(cols)} or \
        layout == {r * cols + c: (c, r) for r in range(rows) for c in range(cols)}


def test_lines_and_rings():
    assert grid_layout(5, coupling_shortcut("line", n_qubits=5)) == {q: (0, q) for q in range(5)}
    ring = grid_layout(8, coupling_shortcut("ring", n_qubits=8))
    assert ring is not None and len({r for r, _ in ring.values()}) == 2


def test_positions_for_graphs_no_grid_holds_are_apart_and_repeatable():
    """Qubits at least one unit apart (so the drawn nodes do not overlap), the same
    positions every time."""
    for n, edges in [(5, coupling_shortcut("ring", n_qubits=5)),
                     (6, coupling_shortcut("all_to_all", n_qubits=6)),
                     (40, coupling_shortcut("all_to_all", n_qubits=40)),
                     (30, [(0, q) for q in range(1, 30)]),
                     (30, [(q, q + 1) for q in range(29)] + [(q, q + 3) for q in range(27)])]:
        pos = device_positions(n, edges)
        assert sorted(pos) == list(range(n))
        gaps = [((pos[a][0] - pos[b][0]) ** 2 + (pos[a][1] - pos[b][1]) ** 2) ** 0.5
                for a in range(n) for b in range(a)]
        assert min(gaps) >= 0.99, n
        assert pos == device_positions(n, edges)


def _cells(text: str) -> dict[int, tuple[int, int]]:
    """qubit -> (rank of its line, rank of its column) in a drawing: what a reader sees,
    whatever the spacing."""
    lines = [line for line in text.splitlines() if re.search(r"\d", line)]
    found = {int(m.group()): (r, m.start()) for r, line in enumerate(lines)
             for m in re.finditer(r"\d+", line)}
    xs = sorted({x for _, x in found.values()})
    return {q: (r, xs.index(x)) for q, (r, x) in found.items()}


# Every fake backend of qiskit-ibm-runtime whose documentation draws its coupling map,
# except ibmq_essex and ibmq_london: their coupling map is the very 5-qubit T of Ourense,
# Vigo and Burlington, which IBM's documentation draws the other way (we match those).
IBM_DRAWN = ["paris", "almaden", "boeblingen", "burlington", "cambridge", "johannesburg",
             "ourense", "singapore", "vigo"]


@pytest.mark.oracle
@pytest.mark.parametrize("name", IBM_DRAWN)
def test_device_drawings_place_qubits_as_ibm_documentation_does(name):
    import importlib
    import inspect

    pytest.importorskip("qiskit_ibm_runtime")
    module = importlib.import_module(
        f"qiskit_ibm_runtime.fake_provider.backends.{name}.fake_{name}")
    (doc,) = {cls.__doc__ for _, cls in inspect.getmembers(module, inspect.isclass)
              if "↔" in (cls.__doc__ or "")}
    assert _cells(render_coupling(device(name))) == _cells(doc.split("code-block:: text")[-1])
