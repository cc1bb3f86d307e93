"""The layout rules docs/architecture.md states, checked on the source (AST, no imports):
no module of core/ or plugins/ over 400 lines, and no import cycle inside core/ or between
plugins/ modules, counting imports inside functions (those under TYPE_CHECKING aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"core": "qfoundry", "plugins": "qfoundry.plugins"}
MAX_LINES = 400
# Modules still over the limit, each with the most lines it may have until it is split (a
# ratchet: it may shrink, not grow; once under the limit it must leave this list).
OVERSIZE = {
}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module under core/ and plugins/."""
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The known modules ``name`` imports anywhere (module level or inside functions),
    except under ``if TYPE_CHECKING:``. ``from . import x`` counts x when it is a module."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()

    def target(module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        parent = base[:len(base) - (level - 1)]
        return ".".join(parent + ([module] if module else []))

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            mod = target(node.module, node.level)
            found.add(mod)
            found.update(f"{mod}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    out = set()
    for mod in found:  # a submodule import also runs its parents' __init__: count the module
        while mod and mod not in known:
            mod = mod.rpartition(".")[0]
        if mod and mod != name:
            out.add(mod)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imported(name, path, known) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return out


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_no_import_cycles():
    edges = graph()
    # A package's __init__ importing its own submodules (re-exports) is how a package
    # exposes its names; a submodule importing a sibling does not run back through it.
    # So an edge from a module to a package containing it is not a cycle we count.
    edges = {v: {w for w in ws if w not in _ancestors(v)} for v, ws in edges.items()}
    found = cycles(edges)
    assert not found, "import cycles (imports inside functions count):\n" + "\n".join(
        " <-> ".join(c) for c in found)


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_is_at_most_400_lines(name):
    lines = len(modules()[name].read_text().splitlines())
    where = modules()[name].relative_to(ROOT)
    if name in OVERSIZE:
        ceiling, why = OVERSIZE[name]
        assert MAX_LINES < lines <= ceiling, (
            f"{where} has {lines} lines (allowed {ceiling} until split: {why}); under "
            f"{MAX_LINES + 1} it leaves OVERSIZE")
    else:
        assert lines <= MAX_LINES, f"{where} has {lines} lines; split it along its concepts"


def test_the_checks_see_cycles_and_type_checking(tmp_path):
    """The scanner itself: a cycle through a function-level import is found; one under
    TYPE_CHECKING is not."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("def f():\n    from . import b\n")
    b.write_text("from typing import TYPE_CHECKING\nfrom . import a\n"
                 "if TYPE_CHECKING:\n    from . import c\n")
    (tmp_path / "c.py").write_text("from . import b\n")
    known = {"p.a", "p.b", "p.c"}
    edges = {f"p.{m}": imported(f"p.{m}", tmp_path / f"{m}.py", known) for m in "abc"}
    assert edges == {"p.a": {"p.b"}, "p.b": {"p.a"}, "p.c": {"p.b"}}
    assert cycles(edges) == [["p.a", "p.b"]]
