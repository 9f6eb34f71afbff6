"""Inputs that used to give a wrong result without a word: each is now refused in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deployment.settings import STAGES_KEY, read_cdk_json_context
from pipelines.cli import app
from tests.faults.conftest import TITAN, error_line

runner = CliRunner()


def test_local_run_with_an_unknown_stage_is_refused_before_anything_runs(tmp_path: Path) -> None:
    stages = sorted(read_cdk_json_context().get(STAGES_KEY) or {})
    runs = tmp_path / "runs"
    result = runner.invoke(app, ["local", "run", "--stage", "prood", "--runs-dir", str(runs)])
    line = error_line(result, 2)
    assert line == f"error: stage = 'prood': unknown stage (allowed: {', '.join(stages)})"
    assert not runs.exists() or not any(runs.iterdir())


def _dataset(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _validate(path: Path, *extra: str) -> Any:
    return runner.invoke(
        app, ["data", "validate", "--format", "prompt_completion", str(path), *extra]
    )


def test_validate_refuses_a_lone_surrogate_that_prepare_cannot_write(tmp_path: Path) -> None:
    good = json.dumps({"prompt": "Hi?", "completion": "Hello."})
    path = _dataset(tmp_path, [good, '{"prompt": "A \\ud800 B?", "completion": "C."}'])
    result = _validate(path)
    assert result.exit_code == 2
    assert f"{path}:2: holds a lone surrogate \\ud800" in result.stdout
    assert error_line(result, 2) == f"error: {path}: 1 problem(s) (listed above)"


def test_validate_reports_json_nested_too_deeply_as_a_problem(tmp_path: Path) -> None:
    path = _dataset(tmp_path, ["[" * 100_000 + "]" * 100_000])
    result = _validate(path)
    assert f"{path}:1: JSON nested too deeply to read" in result.stdout
    error_line(result, 2)


@pytest.mark.parametrize(
    ("flag", "value", "problem"),
    [
        ("--max-records", "1", "2 records, above the maximum of 1"),
        ("--min-records", "3", "2 records, below the minimum of 3"),
        ("--max-file-bytes", "10", "bytes, above the limit of 10"),
    ],
)
def test_validate_applies_every_given_limit(
    tmp_path: Path, flag: str, value: str, problem: str
) -> None:
    rows = [json.dumps({"prompt": f"Q{i}?", "completion": f"A{i}."}) for i in range(2)]
    result = _validate(_dataset(tmp_path, rows), flag, value)
    assert problem in result.stdout
    error_line(result, 2)


@pytest.mark.parametrize(
    "flag", ["--max-records", "--max-tokens-per-record", "--max-file-bytes", "--max-problems"]
)
@pytest.mark.parametrize("value", ["0", "-5"])
def test_validate_refuses_a_limit_below_one(tmp_path: Path, flag: str, value: str) -> None:
    path = _dataset(tmp_path, [json.dumps({"prompt": "Q?", "completion": "A."})])
    line = error_line(_validate(path, flag, value), 2)
    assert line == f"error: {flag} {value}: must be at least 1"


def test_validate_set_without_a_base_model_is_refused(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [json.dumps({"prompt": "Q?", "completion": "A."})])
    line = error_line(_validate(path, "--validation-set"), 2)
    assert (
        line
        == "error: --validation-set: needs --base-model (the limits it selects are the model's)"
    )


def test_bedrock_validate_refuses_a_hyperparameter_given_twice(pc_dataset: Path) -> None:
    result = runner.invoke(
        app,
        ["bedrock", "validate", *TITAN, "--train", str(pc_dataset),
         "--hp", "epochCount=1", "--hp", "epochCount=9"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--hp epochCount: given more than once" in result.output
