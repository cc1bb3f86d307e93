"""docs/visualization.md stays true: every python example runs as written (writing its
pictures into a temporary directory), and the text drawings it shows are what we print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib").use("Agg")

import qfoundry  # noqa: E402
from qfoundry.device_render import render_coupling  # noqa: E402
from qfoundry.devices import load_device  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "visualization.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)
TEXT_BLOCKS = re.findall(r"```text\n(.*?)\n```", TEXT, re.DOTALL)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"{DOC}:example {index}", "exec"), {})
    assert list(tmp_path.glob("*.png")), "each example writes a picture"


def test_every_image_is_in_the_repo():
    for name in re.findall(r"\]\((images/[^)]+)\)", TEXT):
        assert (ROOT / "docs" / name).is_file(), name


def test_text_drawings_shown_are_the_ones_printed():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paris = load_device(ROOT / "devices" / "paris.toml")
    assert render_coupling(paris) in TEXT_BLOCKS
    eagle = render_coupling(qfoundry.get_backend("fake_sherbrooke").device).splitlines()
    assert "\n".join(eagle[:9]) in TEXT_BLOCKS
    ghz = qfoundry.Circuit(3, 3).h(0).cx(0, 1).cx(1, 2).measure([0, 1, 2], [0, 1, 2])
    mapped = qfoundry.transpile(ghz, qfoundry.get_backend("fake_paris"), seed=7)
    assert mapped.draw(fold=80) in TEXT_BLOCKS
    wide = qfoundry.Circuit(2)
    for k in range(8):
        wide.rx(0.1 * k, 0).cx(0, 1)
    assert wide.draw(fold=50).split("\n\n«q_0: ─RX(0.6)")[0] in TEXT_BLOCKS
