"""Text drawings of circuits: folding at a width, idle wires of transpiled circuits."""

from __future__ import annotations

import re

import pytest

import qfoundry
from qfoundry.errors import DrawingError


def wide_circuit() -> qfoundry.Circuit:
    c = qfoundry.Circuit(3, 3)
    for k in range(12):
        c.h(0).cx(0, 1).rz(0.125 * k, 2).cx(1, 2)
    return c.measure([0, 1, 2], [0, 1, 2])


def parts_of(text: str) -> list[str]:
    """The parts of a folded drawing: each after the first starts with «q_0."""
    return re.split(r"\n\n(?=«q_0)", text)


@pytest.mark.parametrize("fold", [40, 60, 100])
def test_wide_circuits_fold_at_the_width_into_parts_that_read_as_one(fold):
    c = wide_circuit()
    whole = c.draw(fold=0)
    assert "«" not in whole and "»" not in whole
    folded = c.draw(fold=fold)
    parts = parts_of(folded)
    assert len(parts) > 1 and all(len(line) <= fold for line in folded.splitlines())
    assert all(p.splitlines()[0].endswith("»") for p in parts[:-1])
    assert all(p.startswith("«q_0: ") for p in parts[1:])
    # every gate is in exactly one part: the labels on q_2 add up to the unfolded ones
    labels = [f"RZ({0.125 * k:.4g})" for k in range(12)]
    for label in labels:
        assert sum(p.count(label + "─") for p in parts) == whole.count(label + "─") == 1
    assert sum(p.count("■") for p in parts) == whole.count("■") == 24


def test_default_fold_is_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    assert max(len(line) for line in wide_circuit().draw().splitlines()) <= 50
    monkeypatch.setenv("COLUMNS", "500")
    assert "»" not in wide_circuit().draw()


def test_a_narrow_circuit_is_unchanged_by_folding():
    c = qfoundry.Circuit(2, 2).h(0).cx(0, 1).measure([0, 1], [0, 1])
    assert c.draw(fold=80) == c.draw(fold=0) == str(c)


def test_transpiled_circuits_hide_idle_wires_unless_asked():
    c = qfoundry.Circuit(3, 3).h(0).cx(0, 1).cx(1, 2).measure([0, 1, 2], [0, 1, 2])
    mapped = qfoundry.transpile(c, qfoundry.get_backend("fake_paris"), seed=7)
    assert mapped.num_qubits == 27
    physical = sorted(mapped.metadata["initial_layout"])
    text = mapped.draw(fold=0)
    wires = [line.split(":")[0].strip() for line in text.splitlines() if ":" in line]
    used = sorted({q for inst in mapped.data for q in inst.qubits})
    assert wires == [f"q_{q}" for q in used] + ["c"]
    assert set(physical) <= set(used) and len(used) < 27
    full = mapped.draw(fold=0, idle_wires=True)
    assert [line.split(":")[0].strip() for line in full.splitlines() if ":" in line] == [
        f"q_{q}" for q in range(27)] + ["c"]
    # a plain circuit keeps its idle wires unless told otherwise
    idle = qfoundry.Circuit(3).h(0)
    assert idle.draw().count("q_") == 3 and idle.draw(idle_wires=False).count("q_") == 1


def test_barriers_on_hidden_wires_only_shrink_with_them():
    c = qfoundry.Circuit(4, 1, metadata={"initial_layout": [2]}).x(2).barrier().measure(2, 0)
    text = c.draw(fold=0)
    assert text.splitlines()[0].startswith("q_2: ─X──░──M")
    assert "q_0" not in text and "q_3" not in text


def test_unknown_outputs_and_options_are_errors():
    c = qfoundry.Circuit(1).h(0)
    with pytest.raises(DrawingError, match="unknown drawing output 'latex'"):
        c.draw("latex")
    with pytest.raises(DrawingError, match="not scale"):
        c.draw("text", scale=2)
    with pytest.raises(DrawingError, match="fold must be a width in characters .* not 'x'"):
        c.draw(fold="x")
    with pytest.raises(DrawingError, match="not 2.5"):
        c.draw(fold=2.5)
    with pytest.raises(DrawingError, match="idle_wires must be True, False or None, not 'no'"):
        c.draw(idle_wires="no")
