"""docs/qiskit.md and docs/pennylane.md stay true: every python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
CASES = [(name, k, block) for name, module in (("qiskit.md", "qiskit"),
                                               ("pennylane.md", "pennylane"))
         for k, block in enumerate(re.findall(r"```python\n(.*?)```",
                                              (DOCS / name).read_text(encoding="utf-8"),
                                              re.DOTALL))]


def test_both_guides_have_examples():
    assert {name for name, _, _ in CASES} == {"qiskit.md", "pennylane.md"}


@pytest.mark.parametrize("name, index, block", CASES, ids=[f"{n}-{k}" for n, k, _ in CASES])
def test_example_runs(name, index, block):
    pytest.importorskip(name.removesuffix(".md"))
    exec(compile(block, f"{DOCS / name}:example {index}", "exec"), {})
