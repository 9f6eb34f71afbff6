"""`make bench` runs every bench script, and each one starts from a bare shell.

The target once looped over bench/*.py with no arguments: a script that needs arguments
(tracking_overhead) or the checkout on the import path (code_counts) stopped the whole run. Each
script named by the target must exist, every script in bench/ must be named, and each must parse
its `--help` when started as `make` starts it (the checkout's venv python, a bare environment, no
PYTHONPATH), which imports everything it imports.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench_lines() -> list[str]:
    """The recipe lines of the Makefile's `bench` target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index("bench: setup") + 1
    recipe = []
    for line in lines[start:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def scripts_in(recipe: list[str]) -> list[str]:
    return [m for line in recipe for m in re.findall(r"bench/\w+\.py", line)]


def test_bench_target_runs_every_bench_script_once() -> None:
    named = scripts_in(bench_lines())
    present = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "bench").glob("*.py"))
    assert sorted(named) == present, "make bench must name each script in bench/ exactly once"


def test_a_recipe_without_a_script_is_noticed() -> None:
    assert scripts_in(["$(PY) bench/data_prep.py", "echo done"]) == ["bench/data_prep.py"]


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "bench").glob("*.py")))
def test_each_bench_script_starts_from_a_bare_shell(script: str) -> None:
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--help"],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
