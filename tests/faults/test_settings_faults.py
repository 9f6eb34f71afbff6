"""cdk.json mistakes fail synthesis with one line and leave no asset folders behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deployment.settings import CDK_JSON, SettingsError, settings_for_stage
from tests.faults.conftest import REPO, stderr_error_line


def _cdk_json(tmp_path: Path, edit: Any) -> Path:
    document = json.loads(CDK_JSON.read_text())
    edit(document["context"])
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps(document))
    return path


def _stage(stage: str, **training: Any) -> Any:
    def edit(context: dict[str, Any]) -> None:
        context["fmops:stages"][stage].setdefault("training", {}).update(training)

    return edit


def _shared(section: str, **values: Any) -> Any:
    """A bad shared value is refused whatever the stages override (_check_shared)."""

    def edit(context: dict[str, Any]) -> None:
        context["fmops"].setdefault(section, {}).update(values)

    return edit


def _shared_count_hidden_by_every_stage(context: dict[str, Any]) -> None:
    context["fmops"].setdefault("training", {})["instance_count"] = -1
    for stage in context["fmops:stages"].values():
        stage.setdefault("training", {})["instance_count"] = 1


CASES = [
    (lambda c: c.update({"fmops": [1, 2]}), "context 'fmops': must be an object, got a list"),
    (lambda c: c["fmops:stages"].update({"dev": ["x"]}), "'fmops:stages'.dev: must be an object"),
    (lambda c: c.update({"stage": ["dev"]}), "stage = ['dev']: unknown stage"),
    (
        _shared_count_hidden_by_every_stage,
        "settings.training.instance_count = -1: must be greater than or equal to 1 (shared",
    ),
    (_stage("dev", use_spot="yes"), "settings.training.use_spot = 'yes': must be a valid boolean"),
    (
        _shared("training", instance_count=True),
        "settings.training.instance_count = True: must be a number, not a boolean",
    ),
    (
        _shared("training", instance_type="ml.bogus.huge"),
        "settings.training.instance_type = 'ml.bogus.huge': must be a SageMaker "
        "TrainingInstanceType",
    ),
    (
        _shared("training", processing_instance_type="ml.m5.huge"),
        "settings.training.processing_instance_type = 'ml.m5.huge': must be a SageMaker "
        "ProcessingInstanceType",
    ),
    (
        _shared("training", hyperparameters={"learning_rte": "0.1"}),
        "settings.training.hyperparameters.learning_rte = '0.1': not used by any method",
    ),
    (
        _shared("training", hyperparameters={"learning_rate": "fast"}),
        "settings.training.hyperparameters.learning_rate = 'fast': must be float",
    ),
    (
        _shared("cost", expected_step_hours={"Train": -2}),
        "settings.cost.expected_step_hours.Train = -2: must be greater than 0",
    ),
]


@pytest.mark.parametrize(("edit", "message"), CASES)
def test_wrong_shapes_and_values_are_one_line(tmp_path: Path, edit: Any, message: str) -> None:
    path = _cdk_json(tmp_path, edit)
    with pytest.raises(SettingsError) as raised:
        settings_for_stage(None, path=path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_cdk_json_syntax_error_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "cdk.json"
    path.write_text('{"context": {"fmops": {,}}}')
    with pytest.raises(SettingsError, match=r"cdk.json: not valid JSON \(Expecting"):
        settings_for_stage(None, path=path)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The CDK app's files in a scratch directory, so its cdk.json can be broken."""
    root = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("deployment", "infra", "pipelines", "training_scripts"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    for name in ("app.py", "cdk.json"):
        shutil.copy2(REPO / name, root / name)
    return root


def _synth(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CDK_OUTDIR": str(root / "cdk.out"), "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "app.py"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


def test_synth_with_a_broken_cdk_json_is_one_line(project_copy: Path) -> None:
    (project_copy / "cdk.json").write_text('{"context": {"fmops": [1, 2]')
    done = _synth(project_copy)
    assert done.returncode == 1
    assert "cdk.json: not valid JSON" in stderr_error_line(done.stderr)


def test_synth_with_bad_training_hyperparameters_leaves_no_assets(project_copy: Path) -> None:
    path = project_copy / "cdk.json"
    document = json.loads(path.read_text())
    document["context"]["fmops"].setdefault("training", {})["hyperparameters"] = {
        "learning_rate": "fast"
    }
    path.write_text(json.dumps(document))
    done = _synth(project_copy)
    assert done.returncode == 1
    line = stderr_error_line(done.stderr)
    assert "settings.training.hyperparameters.learning_rate = 'fast'" in line
    out = project_copy / "cdk.out"
    assert not out.exists() or not [p for p in out.iterdir() if p.name.startswith("asset.")]
