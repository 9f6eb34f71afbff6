"""Every preset's gate can say no: a one-step model fails, the full preset run passes.

Slow by nature (each preset trains 60-120 CPU steps and evaluates two models); the runs are shared
by every assertion through module-scoped fixtures, and the one-step run resumes the full run's
directory so the prepare step is reused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.local.presets import PRESETS
from training_scripts.vocabulary.metrics import GATE_RULES

# Runs whole pipelines or resolves images against the package index: the end-to-end lane
# (`make test-e2e`), minutes each on 2 cores.
pytestmark = pytest.mark.e2e

runner = CliRunner()
RULES = {rule.parameter: rule for rule in GATE_RULES}


def _local_run(runs_dir: Path, preset: str, *extra: str) -> Any:
    return runner.invoke(
        app,
        ["local", "run", "--preset", preset, "--runs-dir", str(runs_dir), "--run-id", preset,
         *extra],
    )  # fmt: skip


@pytest.fixture(scope="module", params=sorted(PRESETS))
def preset_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    runs_dir = tmp_path_factory.mktemp(f"gate-{request.param}")
    full = _local_run(runs_dir, request.param)
    registry = (
        json.loads((runs_dir / "model-registry.json").read_text()) if full.exit_code == 0 else {}
    )
    report = (runs_dir / request.param / "report.html").read_text()
    one_step = _local_run(runs_dir, request.param, "--resume", "--hp", "max_steps=1")
    return request.param, runs_dir, full, registry, report, one_step


def test_full_preset_run_passes_its_gate(preset_runs) -> None:
    _, _, full, registry, _, _ = preset_runs

    assert full.exit_code == 0, full.output
    (versions,) = registry.values()
    assert versions[-1]["ModelApprovalStatus"] == "PendingManualApproval"


def test_one_step_model_fails_a_gain_or_floor_rule(preset_runs) -> None:
    _, _, _, _, _, one_step = preset_runs

    assert one_step.exit_code == 1, one_step.output
    text = " ".join(one_step.output.split())  # the console wraps long lines
    failed = re.search(r"Failed at Fail(\w+): (.*?) report:", text)
    assert failed, one_step.output
    rule = RULES[failed[1]]
    assert rule.kind in ("floor", "gain"), failed[0]
    # The message names the metric, the value, the threshold and the baseline.
    assert rule.metric in failed[2] and rule.parameter in failed[2] and "baseline" in failed[2]


def test_report_shows_candidate_baseline_gain_threshold_decision_and_the_model_card(
    preset_runs,
) -> None:
    _, _, _, registry, report, _ = preset_runs

    for text in ("Candidate vs baseline", "gain [95 % CI]", "MinRougeLGain", "pass",
                 "Model card", "precision"):  # fmt: skip
        assert text in report, text
    card = registry[next(iter(registry))][-1]["ModelCard"]
    assert Path(card["html"]).is_file()
    assert json.loads(Path(card["json"]).read_text())["evaluation_details"]
    assert Path(card["html"]).name in report


def test_hp_override_is_checked_against_the_hyperparameter_schema(tmp_path: Path) -> None:
    result = _local_run(tmp_path, "legal", "--hp", "max_steps=many")

    assert result.exit_code == 2
    assert "--hp: hyperparameter max_steps" in result.stderr
    assert not (tmp_path / "legal").exists()


def test_hp_override_of_an_unknown_name_is_refused(tmp_path: Path) -> None:
    result = _local_run(tmp_path, "healthcare", "--hp", "max_stepz=1")

    assert result.exit_code == 2
    assert "max_stepz" in result.stderr and "allowed:" in result.stderr


def test_a_model_collapsed_by_a_ten_times_too_high_learning_rate_is_refused(
    tmp_path: Path,
) -> None:
    # A realistic bad case (docs/training.md): support sft at learning rate 0.03 instead of the
    # preset's 0.003 diverges and says one of a handful of fragments ("ad", "Glad", "My
    # pleasure.") to every customer. The job itself ends normally (training loss 6.4 after 5
    # steps, 2.9 at the end, where the preset's rate ends near 1.0): only the gate stops it.
    result = _local_run(tmp_path, "support", "--hp", "learning_rate=0.03")

    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    failed = re.search(r"Failed at Fail(\w+): ", text)
    assert failed and RULES[failed[1]].kind in ("floor", "gain"), result.output
    (path,) = (tmp_path / "support").glob("jobs/Evaluate/**/evaluation/evaluation.json")
    scores = json.loads(path.read_text())
    assert scores["rougeL_gain_ci_low"] < float(PRESETS["support"].thresholds["MinRougeLGain"])
    predictions = (path.parent / "predictions.jsonl").read_text().splitlines()
    replies = {json.loads(line)["output"] for line in predictions}
    assert len(replies) <= len(predictions) // 4, replies
