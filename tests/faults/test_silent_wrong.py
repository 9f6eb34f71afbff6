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


def test_resume_repeats_the_original_hp_param_and_preset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README's resume example: the original --hp stays, the new --param wins."""
    from pipelines.commands import local as local_command
    from pipelines.local.executor import RunResult

    calls: list[dict[str, Any]] = []

    def fake_run(preset: Any, **kwargs: Any) -> RunResult:
        calls.append({"preset": preset, **kwargs})
        (kwargs["runs_dir"] / kwargs["run_id"]).mkdir(parents=True, exist_ok=True)
        kwargs["remember"].save(kwargs["runs_dir"] / kwargs["run_id"])
        raise local_command.PipelineError("stop here")

    monkeypatch.setattr(local_command, "local_run", fake_run)
    runs = ["--runs-dir", str(tmp_path), "--run-id", "try1"]
    first = ["local", "run", "--preset", "legal", *runs, "--hp", "max_steps=1",
             "--param", "MinRougeL=0.3"]  # fmt: skip
    error_line(runner.invoke(app, first), 2)
    resumed = ["local", "run", *runs, "--resume", "--param", "MinRougeL=0.2"]
    error_line(runner.invoke(app, resumed), 2)

    again = calls[1]
    assert again["preset"].name == "legal"
    assert again["preset"].hyperparameters["max_steps"] == "1"
    assert again["overrides"] == {"MinRougeL": "0.2"}
    other = runner.invoke(app, [*resumed, "--preset", "healthcare"])
    assert "--preset healthcare: run try1 was started with --preset legal" in error_line(other, 2)


def test_local_run_records_its_inputs_before_any_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.local import run as run_module
    from pipelines.local.presets import PRESETS
    from pipelines.local.run_inputs import RUN_INPUTS_FILE, RunInputs

    seen: list[dict[str, Any]] = []

    def first_step(*args: Any) -> Any:
        run_dir = args[4]
        seen.append(json.loads((run_dir / RUN_INPUTS_FILE).read_text()))
        raise RuntimeError("killed before any step")

    monkeypatch.setattr(run_module, "_run_locked", first_step)
    inputs = RunInputs("legal", None, {"max_steps": "1"}, {"MinRougeL": "0.3"})
    with pytest.raises(RuntimeError):
        run_module.local_run(
            PRESETS["legal"].with_hyperparameters(inputs.hyperparameters),
            overrides=inputs.parameters, runs_dir=tmp_path, run_id="r1", remember=inputs,
        )  # fmt: skip
    assert seen == [
        {"preset": "legal", "stage": None, "hyperparameters": {"max_steps": "1"},
         "parameters": {"MinRougeL": "0.3"}}
    ]  # fmt: skip


def test_serving_docs_offline_flow_approves_the_model_its_own_run_registered() -> None:
    """After `make demo` (default runs dir, its preset registered first), the docs' flow must
    not approve and invoke `make demo`'s model for its own use case."""
    import re
    import shlex

    from tests.faults.conftest import REPO

    block = (REPO / "docs/serving.md").read_text().split("## Offline")[1].split("```")[1]
    lines = [shlex.split(line.split(" # ")[0]) for line in block.splitlines() if "fmops" in line]
    runs_dirs = {line[line.index("--runs-dir") + 1] if "--runs-dir" in line else "runs"
                 for line in lines}  # fmt: skip
    demo = re.search(r"^demo:.*\n\t(.*)$", (REPO / "Makefile").read_text(), re.M)
    assert demo is not None
    demo_dir = "runs" if "--runs-dir" not in demo[1] else demo[1].split("--runs-dir")[1].split()[0]
    assert len(runs_dirs) == 1 and runs_dirs != {demo_dir}, runs_dirs
