"""Inputs that used to give a wrong result without a word: each is now refused in one line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from deployment.settings import STAGES_KEY, read_cdk_json_context
from pipelines.cli import app
from tests.faults.conftest import error_line

runner = CliRunner()


def test_local_run_with_an_unknown_stage_is_refused_before_anything_runs(tmp_path: Path) -> None:
    stages = sorted(read_cdk_json_context().get(STAGES_KEY) or {})
    runs = tmp_path / "runs"
    result = runner.invoke(app, ["local", "run", "--stage", "prood", "--runs-dir", str(runs)])
    line = error_line(result, 2)
    assert line == f"error: stage = 'prood': unknown stage (allowed: {', '.join(stages)})"
    assert not runs.exists() or not any(runs.iterdir())
