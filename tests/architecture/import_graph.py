"""The project's import graph, read from source with `ast` (nothing is imported or run)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Lower layers first: a package may import only packages listed before it.
# training_scripts/ is the bottom: the image ships it alone, and its vocabulary is what every
# other package names things by.
LAYERS = ("training_scripts", "deployment", "pipelines", "infra")
PACKAGES = frozenset(LAYERS)


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = REPO) -> set[str]:
    """Every module `path` imports, at any depth (function-local imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
    return found


def package_graph(
    root: Path = REPO, packages: Iterable[str] = PACKAGES
) -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the modules that import it (for the failure message)."""
    packages = frozenset(packages)
    graph: dict[str, dict[str, set[str]]] = {name: {} for name in packages}
    for name in packages:
        for path in sorted((root / name).rglob("*.py")):
            for target in imported_modules(path, root):
                top = target.split(".")[0]
                if top in packages and top != name:
                    graph[name].setdefault(top, set()).add(module_name(path, root))
    return graph


def find_cycle(edges: dict[str, Iterable[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None when the graph is acyclic."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None
