"""The one-way flow of STYLE.md: files -> loaders -> graph -> checks -> findings -> reporters -> CLI / adapters.
A module may import only from layers before it."""

from __future__ import annotations

import ast

import pytest

from conftest import ROOT

# the parse cache, the file-system probes, report writing, the progress line and the garbage collector's handling
# serve every layer and know none of them
KNOWS_NO_LAYER = (
    "inputs",
    "model",
    "graph",
    "loaders",
    "check",
    "checks",
    "runner",
    "reporters",
    "cli",
    "adapters",
    "config",
)

# what each part of the code may not import (crosswire.* modules)
FORBIDDEN = {
    # the reader is the first layer: files -> inputs -> loaders
    "plugin/inputs.py": (
        "model",
        "graph",
        "loaders",
        "check",
        "checks",
        "runner",
        "reporters",
        "cli",
        "adapters",
        "config",
        "baseline",
        "suppressions",
    ),
    "plugin/cache.py": KNOWS_NO_LAYER,
    "plugin/fs.py": KNOWS_NO_LAYER,
    "plugin/heap.py": KNOWS_NO_LAYER,
    "plugin/outputs.py": KNOWS_NO_LAYER,
    "plugin/progress.py": KNOWS_NO_LAYER,
    "plugin/model.py": ("loaders", "graph", "check", "checks", "runner", "reporters", "cli", "adapters"),
    "plugin/graph.py": ("loaders", "check", "checks", "runner", "reporters", "cli", "adapters"),
    "plugin/loaders": ("checks", "runner", "reporters", "cli", "adapters"),
    "checks": ("loaders", "runner", "reporters", "cli", "adapters"),
    "plugin/schema.py": ("loaders", "graph", "check", "checks", "runner", "reporters", "cli", "adapters"),
    "plugin/iam.py": ("loaders", "graph", "check", "checks", "runner", "reporters", "cli", "adapters"),
    "plugin/result.py": ("runner", "reporters", "cli", "adapters"),
    # reporters render a ScanResult; they never reach back into the orchestration that made it
    "plugin/reporters": ("loaders", "checks", "runner", "cli", "adapters"),
}


def imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("crosswire.")}


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_imports_flow_one_way(part):
    target = ROOT / part
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert files
    for path in files:
        for name in imports(path):
            layer = name.split(".")[1]
            assert layer not in FORBIDDEN[part], f"{path.relative_to(ROOT)} imports {name}"


def module_name(path) -> str:
    relative = path.relative_to(ROOT / "plugin").with_suffix("")
    parts = [p for p in relative.parts if p != "__init__"]
    return ".".join(["crosswire", *parts])


def test_no_import_cycles_among_modules():
    """Not even for type hints: a cycle means two modules each need the other, so neither reads top-down."""
    modules = {module_name(p): p for p in (ROOT / "plugin").rglob("*.py")}
    graph = {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        for needed in sorted(graph[name]):
            assert needed not in path, "import cycle: " + " -> ".join([*path[path.index(needed) :], needed])
            if needed not in done:
                visit(needed, [*path, needed])
        done.add(name)

    for name in sorted(graph):
        visit(name, [name])
