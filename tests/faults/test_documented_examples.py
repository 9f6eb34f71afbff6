"""Every documented `fmops` example, in a bare environment: success or one `error:` line.

Bare: no HF_* variables, no AWS credentials, no region, an empty working directory. Examples
come from README.md and docs/*.md shell blocks and from each command's `--help`; `fmops local
run` examples are left to tests/local and the network test (they train for minutes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import REPO, bare_environment

RUNNER = Path(__file__).with_name("documented_examples.py")


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("bare")
    (work / "home").mkdir()
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(work / "results.json")],
        cwd=work, env=bare_environment(work / "home"), capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads((work / "results.json").read_text())


def test_every_command_has_a_documented_example(examples: dict[str, Any]) -> None:
    documented = " ".join(r["line"] for r in examples["results"])
    missing = [c for c in examples["commands"] if c not in documented and "local run" not in c]
    assert missing == []


def test_no_example_ends_in_a_traceback(examples: dict[str, Any]) -> None:
    assert len(examples["results"]) >= 25
    broken = [r["line"] for r in examples["results"] if "Traceback" in r["stderr"]]
    assert broken == []


def test_every_failing_example_ends_with_one_error_line(examples: dict[str, Any]) -> None:
    for result in examples["results"]:
        if result["code"] == 0:
            continue
        lines = [line for line in result["stderr"].splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error: ")]
        assert result["code"] in (1, 2), result
        assert len(errors) == 1 and lines[-1] == errors[0], result


def test_no_example_is_refused_as_a_usage_error(examples: dict[str, Any]) -> None:
    # A usage error (an option that does not exist, a missing argument) is also one `error:`
    # line, so the check above would pass a documented example that drifted from the CLI.
    drifted = [r["line"] for r in examples["results"] if "--help`)" in r["stderr"]]
    assert drifted == []


def test_examples_that_need_no_aws_succeed_offline(examples: dict[str, Any]) -> None:
    codes = {r["line"]: r["code"] for r in examples["results"]}
    assert codes["fmops pipeline definition --stage prod > definition.json"] == 0
    assert codes["fmops advise --data-changes daily --goal facts --queries-per-day 5000"] == 0
    # Without a region, AWS commands stop at exit 2 before any call.
    assert codes["fmops pipeline start --param Method=lora --param MinRougeL=0.3"] == 2
    assert codes["fmops bedrock list --status InProgress --json"] == 2


def test_eval_score_runs_in_a_bare_shell(tmp_path: Path) -> None:
    # The default encoder is the bundled MiniLM: the CLI turns hub-offline mode on itself,
    # so a shell without HF_HUB_OFFLINE gets scores, not a hub lookup and a traceback.
    (tmp_path / "home").mkdir()
    for name in ("out.jsonl", "gold.jsonl"):
        (tmp_path / name).write_text('{"text": "the shipment arrived late"}\n', encoding="utf-8")
    done = subprocess.run(
        [str(REPO / ".venv/bin/fmops"), "eval", "score", "-p", "out.jsonl", "-r", "gold.jsonl"],
        cwd=tmp_path, env=bare_environment(tmp_path / "home"), capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    scores = json.loads(done.stdout)
    assert scores["num_examples"] == 1 and scores["rougeL"] == 1.0


def test_the_readme_puts_fmops_on_path_before_its_first_fmops_command(tmp_path: Path) -> None:
    """A newcomer types the README top to bottom in a fresh shell: `fmops` must be found."""
    import re

    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|sh|shell|console)?\n(.*?)```", text, re.S)
    lines = [line.split(" # ")[0].strip() for block in blocks for line in block.splitlines()]
    first_fmops = next(i for i, line in enumerate(lines) if line.startswith("fmops"))
    activation = [line for line in lines[:first_fmops] if "activate" in line]
    assert activation, "no line before the first `fmops` example puts it on PATH"
    done = subprocess.run(
        ["bash", "-c", f"{activation[0]} && command -v fmops"], cwd=REPO,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve().parent == (REPO / ".venv/bin").resolve()
