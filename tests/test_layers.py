"""The package's plan, enforced: stages import only stages below them, and no module imports one
that imports it back (``assistant/__init__.py`` names the stages)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
# lowest first; a module may import its own stage and the stages before it
STAGES = ("shared", "language", "documents", "indexing", "answering", "core", "interfaces")
SHARED = {"records", "settings", "errors", "progress", "offline"}
FACADES = {"assistant", "assistant.__main__"}  # the public front door may name any stage, lazily


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def stage(module: str) -> str:
    """The stage a module belongs to.

    >>> stage("assistant.indexing.store"), stage("assistant.records"), stage("assistant.core")
    ('indexing', 'shared', 'core')
    """
    parts = module.split(".")
    if len(parts) == 2 and parts[1] in SHARED:
        return "shared"
    if parts[1:2] == ["core"]:
        return "core"
    if len(parts) >= 2 and parts[1] in STAGES:
        return parts[1]
    raise ValueError(f"{module} belongs to no stage: put it in a stage folder or name it in SHARED")


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Every assistant module ``module`` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # "from . import lexical" imports a module
                out.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m in known and m != module}


MODULES = _modules()
GRAPH = {m: imports(m, p, set(MODULES)) for m, p in MODULES.items()}


def test_every_module_has_a_stage() -> None:
    for m in MODULES:
        if m not in FACADES:
            stage(m)


@pytest.mark.parametrize("module", sorted(set(MODULES) - FACADES))
def test_a_stage_imports_only_stages_below_it(module: str) -> None:
    rank = STAGES.index(stage(module))
    higher = sorted(t for t in GRAPH[module] if t not in FACADES and STAGES.index(stage(t)) > rank)
    assert not higher, f"{module} ({stage(module)}) imports a higher stage: {higher}"


def test_no_import_cycles() -> None:
    """Packages' own ``__init__`` re-exports aside (a package imports its modules by design), no
    module reaches itself through its imports."""
    def edges(m: str) -> set[str]:
        return {t for t in GRAPH[m] if t not in FACADES and not m.startswith(t + ".")}

    seen: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(m: str) -> None:
        seen[m] = 1
        path.append(m)
        for t in sorted(edges(m)):
            if seen.get(t) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(t):] + [t]))
            if t not in seen:
                visit(t)
        path.pop()
        seen[m] = 2

    for m in sorted(set(MODULES) - FACADES):
        if m not in seen:
            visit(m)


def test_the_check_sees_a_lazy_upward_import(tmp_path: Path) -> None:
    """The rule reads imports inside functions too (the one core <-> distributed had was lazy)."""
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from ..core import build\n")
    assert imports("assistant.indexing.x", f, set(MODULES) | {"assistant.indexing.x"}) == {"assistant.core"}
