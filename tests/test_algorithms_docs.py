"""docs/algorithms.md stays true: every python example in it runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "algorithms.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_guide_has_vqe_and_qaoa():
    assert len(BLOCKS) >= 7
    assert any("A complete VQE" in part for part in DOC.read_text().split("```"))
    assert any("minimize(" in b and "rzz" in b for b in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index, capsys):
    exec(compile(BLOCKS[index], f"{DOC}:example {index}", "exec"), {})


@pytest.mark.parametrize("name,heading", [("vqe", "A complete VQE"), ("qaoa", "A complete QAOA")])
def test_examples_are_the_guides_code(name, heading):
    example = (DOC.parents[1] / "examples" / f"{name}.py").read_text(encoding="utf-8")
    section = DOC.read_text(encoding="utf-8").split(f"## {heading}")[1]
    code = re.findall(r"```python\n(.*?)```", section, re.DOTALL)[0]
    assert code in example
