"""Experiment tracking without a pipeline run: the job side, the local writer, `fmops runs`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.experiment_runs import comparison_rows, find_runs, ui_command
from pipelines.local.tracking import ARTIFACTS_DIR, TRACKING_DB, LocalTracking, local_store_uri
from training_scripts.tracking import (
    EXECUTION_ENV,
    EXECUTION_TAG,
    EXPERIMENT_ENV,
    GATE_TAG,
    OUTBOX_ENV,
    TRACKING_URI_ENV,
    MetricLines,
    MlflowSink,
    StepRecord,
    publish,
)

REPO = Path(__file__).resolve().parents[2]


def _record(step: str, method: str, rouge: float) -> StepRecord:
    record = StepRecord(step)
    record.param("method", method)
    record.metric("rougeL", rouge)
    return record


def _unwritable(tmp_path: Path) -> str:
    """A SQLite URI whose directory is a file: the store can be neither created nor opened."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    return f"sqlite:///{blocker}/mlflow.db"


def test_steps_of_one_execution_log_to_one_run_in_the_stage(tmp_path: Path) -> None:
    """The cloud path: each job finds its execution's run by tag (or makes it) and logs there."""
    env = {TRACKING_URI_ENV: local_store_uri(tmp_path), EXECUTION_ENV: "exec-1",
           EXPERIMENT_ENV: "fmops-dev-training"}  # fmt: skip
    train = _record("Train", "sft", 0.0)
    train.metric("train_loss", 2.0, 1)
    train.metric("train_loss", 1.5, 2)
    first = publish(train, env)
    second = publish(_record("Evaluate", "sft", 0.31), env)
    other = publish(_record("Evaluate", "lora", 0.2), {**env, EXECUTION_ENV: "exec-2"})
    assert first and first == second and other != first
    client = MlflowSink(local_store_uri(tmp_path)).client
    run = client.get_run(first)
    assert run.data.tags[EXECUTION_TAG] == "exec-1"
    assert run.data.metrics["rougeL"] == 0.31
    assert [(m.step, m.value) for m in client.get_metric_history(first, "train_loss")] == [
        (1, 2.0),
        (2, 1.5),
    ]


def test_job_with_an_unwritable_store_warns_once_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {TRACKING_URI_ENV: _unwritable(tmp_path), EXECUTION_ENV: "exec-1"}
    assert publish(_record("Train", "sft", 0.1), env) is None
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: experiment tracking:"), lines


def test_local_run_with_an_unwritable_store_warns_once_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tracking = LocalTracking(_unwritable(tmp_path), "exp", "run-1", tmp_path / "run")
    publish(_record("Train", "sft", 0.1), tracking.job_environment())  # the job's outbox
    tracking.step_done()
    tracking.finish([{"threshold_parameter": "MinRougeL", "threshold": 0.1, "passed": True}],
                    None, succeeded=True)  # fmt: skip
    assert tracking.run_id() is None
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "could not be written" in lines[0], lines


def test_jobs_hand_records_to_the_outbox_without_importing_mlflow(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from training_scripts.tracking import StepRecord, publish\n"
        "publish(StepRecord('Train', {'method': 'sft'}), "
        f"{{'{OUTBOX_ENV}': sys.argv[1], '{TRACKING_URI_ENV}': 'sqlite:///never.db'}})\n"
        "print('mlflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, text=True,
                         capture_output=True, check=True).stdout  # fmt: skip
    assert out.strip() == "False"
    assert StepRecord.from_json((tmp_path / "Train.json").read_text()).params == {"method": "sft"}


def test_metric_lines_keep_each_logged_steps_learning_rate(capsys: pytest.CaptureFixture[str]):
    import re

    record = StepRecord("Train")
    lines = MetricLines(record, {"learning_rate": re.compile(r"learning_rate=([0-9.e-]+);")})
    lines("step=5; train_loss=1.2; learning_rate=0.001;")
    lines("resumed from checkpoint at step 3 of 10")
    assert record.metrics == [("learning_rate", 0.001, 5)]
    assert "step=5;" in capsys.readouterr().out  # still printed for SageMaker's regexes


def _two_local_runs(tmp_path: Path) -> list[str]:
    ids = []
    for execution, method, rouge in (("r1", "sft", 0.25), ("r2", "lora", 0.31)):
        tracking = LocalTracking(local_store_uri(tmp_path), "fmops-dev-training", execution,
                                 tmp_path / execution)  # fmt: skip
        record = _record("Train", method, rouge)
        record.param("learning_rate", {"sft": "0.001", "lora": "0.0002"}[method])
        record.param("seed", "13")
        publish(record, tracking.job_environment())
        tracking.finish([{"threshold_parameter": "MinRougeL", "threshold": 0.3,
                          "passed": rouge >= 0.3}], None, succeeded=rouge >= 0.3)  # fmt: skip
        ids.append(execution)
    return ids


def test_compare_shows_key_and_differing_params_and_metrics_per_run(tmp_path: Path) -> None:
    ids = _two_local_runs(tmp_path)
    rows = dict(comparison_rows(find_runs(local_store_uri(tmp_path), ids)))
    assert rows["method"] == ["sft", "lora"]
    assert rows["learning_rate"] == ["0.001", "0.0002"]  # differs: shown
    assert "seed" not in rows  # the same in both: left out
    assert rows["rougeL"] == ["0.25", "0.31"]
    assert rows[GATE_TAG] == ["failed: MinRougeL", "passed"]


def test_runs_compare_command_prints_the_table_and_refuses_an_unknown_run(tmp_path: Path) -> None:
    ids = _two_local_runs(tmp_path)
    runner = CliRunner()
    shown = runner.invoke(app, ["runs", "compare", *ids, "--runs-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "lora" in shown.output and "0.31" in shown.output
    missing = runner.invoke(app, ["runs", "compare", "r1", "nope", "--runs-dir", str(tmp_path)])
    assert missing.exit_code == 2
    assert "run 'nope'" in missing.output


def test_ui_serves_the_runs_dirs_store_on_localhost_only(tmp_path: Path) -> None:
    (tmp_path / TRACKING_DB).write_bytes(b"")
    command = ui_command(tmp_path, 5001)
    assert command[1:4] == ["-m", "mlflow", "ui"]
    assert command[command.index("--backend-store-uri") + 1] == local_store_uri(tmp_path)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    help_text = subprocess.run([*command[:4], "--help"], text=True, capture_output=True).stdout
    assert "--backend-store-uri" in help_text  # the installed mlflow takes these options


def test_local_experiments_keep_artifacts_beside_the_store_not_in_the_working_dir(
    tmp_path: Path,
) -> None:
    _two_local_runs(tmp_path)
    experiment = MlflowSink(local_store_uri(tmp_path)).client.get_experiment_by_name(
        "fmops-dev-training"
    )
    assert experiment is not None
    assert experiment.artifact_location == (tmp_path / ARTIFACTS_DIR).as_uri()
