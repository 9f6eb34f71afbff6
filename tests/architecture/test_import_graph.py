"""Imports run one way: infra -> pipelines -> deployment -> training_scripts."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.import_graph import LAYERS, find_cycle, imported_modules, package_graph


def test_packages_import_each_other_without_a_cycle() -> None:
    graph = package_graph()
    cycle = find_cycle(graph)
    assert cycle is None, (
        "package import cycle "
        + " -> ".join(cycle or [])
        + "".join(
            f"\n  {a} -> {b} via {', '.join(sorted(graph[a][b]))}"
            for a, b in zip(cycle or [], (cycle or [])[1:], strict=False)
        )
    )


def test_each_package_imports_only_the_layers_below_it() -> None:
    wrong = [
        f"{package} imports {target} (via {', '.join(sorted(modules))})"
        for package, targets in package_graph().items()
        for target, modules in targets.items()
        if LAYERS.index(target) > LAYERS.index(package)
    ]
    assert not wrong, "\n".join(wrong)


def test_training_scripts_import_no_other_project_package() -> None:
    # The training image ships training_scripts/ alone (no pydantic, no CDK, no SageMaker SDK).
    assert package_graph()["training_scripts"] == {}


def test_cycle_finder_reports_a_two_package_cycle() -> None:
    assert find_cycle({"infra": {"pipelines"}, "pipelines": {"infra"}}) == [
        "infra",
        "pipelines",
        "infra",
    ]
    assert find_cycle({"infra": {"pipelines"}, "pipelines": {"training_scripts"}}) is None


def test_package_graph_sees_function_local_and_relative_imports(tmp_path: Path) -> None:
    # A cycle hidden in a function body or a relative import must still be found.
    for package in ("alpha", "beta"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "alpha" / "a.py").write_text("def f():\n    from beta.b import g\n")
    (tmp_path / "beta" / "b.py").write_text("from alpha import a\nfrom . import c\n")
    assert imported_modules(tmp_path / "beta" / "b.py", tmp_path) == {"alpha", "beta"}
    graph = package_graph(tmp_path, ("alpha", "beta"))
    assert find_cycle(graph) == ["alpha", "beta", "alpha"]
