"""Code-health counts issue 32 tracks, one column per source tree.

    python bench/code_counts.py                  # this checkout
    git archive 530f531 | tar -x -C /tmp/base && python bench/code_counts.py /tmp/base .

Run it from the repository root (`make bench` does): the shared names are read from this
checkout's home modules (tests/architecture/shared_names.py), so every tree is counted against
the same names. Prints one row per count:

- literal copies of shared names: string literals equal to a vocabulary/contract name outside
  its home module (tests excluded; the architecture test fails on any);
- `Any` outside tests: references to typing's `Any` (imports excluded);
- functions over 60 lines; files over 400 lines (tests included, as the issue lists them);
- AWS client constructions (`.client(`/`.resource(`/`aws_client(` calls) and lines in
  pipelines/commands/.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

# `make bench` runs every bench script as a plain file: the checkout goes on the path first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.architecture.shared_names import SKIPPED_DIRS, literal_copies, python_files

FUNCTION_LINES = 60
FILE_LINES = 400
COMMANDS_DIR = Path("pipelines/commands")


def _trees(root: Path, with_tests: bool = False) -> list[tuple[Path, ast.Module]]:
    skipped = SKIPPED_DIRS - {"tests"} if with_tests else SKIPPED_DIRS
    paths = [
        p for p in sorted(root.rglob("*.py")) if not skipped.intersection(p.relative_to(root).parts)
    ]
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in paths]


def any_references(root: Path) -> int:
    count = 0
    for _, tree in _trees(root):
        for node in ast.walk(tree):
            named = isinstance(node, ast.Name) and node.id == "Any"
            count += named or (isinstance(node, ast.Attribute) and node.attr == "Any")
    return count


def long_functions(root: Path) -> list[str]:
    found = []
    for path, tree in _trees(root):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    found.append(f"{path.relative_to(root)}:{node.name} {length}")
    return found


def long_files(root: Path) -> list[str]:
    found = []
    for path, _ in _trees(root, with_tests=True):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > FILE_LINES:
            found.append(f"{path.relative_to(root)} {lines}")
    return found


def client_constructions(root: Path) -> int:
    count = 0
    for path in python_files(root / COMMANDS_DIR):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            # boto3.client(...), session.resource(...) and the CLI's aws_client(...) helper.
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            count += name in ("client", "resource") or name.endswith("_client")
    return count


def command_lines(root: Path) -> int:
    return sum(
        len(p.read_text(encoding="utf-8").splitlines()) for p in python_files(root / COMMANDS_DIR)
    )


def counts(root: Path) -> dict[str, int]:
    return {
        "literal copies of shared names": len(literal_copies(root)),
        "Any outside tests": any_references(root),
        f"functions over {FUNCTION_LINES} lines": len(long_functions(root)),
        f"files over {FILE_LINES} lines": len(long_files(root)),
        "AWS client constructions in pipelines/commands": client_constructions(root),
        "lines in pipelines/commands": command_lines(root),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[Path(".")], help="default: .")
    parser.add_argument("-v", action="store_true", help="also list the long files")
    args = parser.parse_args()
    roots: list[Path] = args.trees
    columns = [counts(root) for root in roots]
    width = max(len(key) for key in columns[0])
    print(f"{'':{width}}  " + "  ".join(f"{r!s:>14}" for r in roots))
    for key in columns[0]:
        print(f"{key:{width}}  " + "  ".join(f"{c[key]:>14}" for c in columns))
    if args.v:
        for root in roots:
            print(f"\n{root}: long files", *long_files(root), sep="\n  ")


if __name__ == "__main__":
    main()
