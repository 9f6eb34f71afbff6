"""Every training method runs the deployed definition to registration (`fmops local run
--preset P --param Method=m`), adapting the local base model through the `model` channel.

A few steps each: this proves the wiring the cloud run needs (ranked pairs routed by the prepare
step, the teacher channel, pair scoring and the preference gate); the preset thresholds' own
runs are measured in docs/training.md.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pipelines.local.presets import PRESETS
from pipelines.local.run import local_run
from pipelines.quality_gate import GATE_METRICS

# Runs whole pipelines or resolves images against the package index: the end-to-end lane
# (`make test-e2e`), minutes each on 2 cores.
pytestmark = pytest.mark.e2e

# Which preset carries each method's data.
PRESET_FOR = {"cpt": "healthcare", "sft": "support", "lora": "support", "reft": "support",
              "distill": "support", "reward": "support", "dpo": "support"}  # fmt: skip
QUICK = {"max_steps": "6", "max_seq_length": "256", "batch_size": "4"}
OPEN = {"MinRougeL": "0", "MinBleu": "0", "MinBertscoreF1": "0", "MinRefusalRate": "0",
        "MaxHallucinationRate": "1", "MinPairwiseAccuracy": "0",
        "MinMeanMargin": "-1e9"}  # fmt: skip


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("method-runs")


@pytest.mark.parametrize("method", list(PRESET_FOR))
def test_method_runs_the_definition_to_registration(runs_dir: Path, method: str) -> None:
    preset = dataclasses.replace(PRESETS[PRESET_FOR[method]], hyperparameters=QUICK)
    overrides = OPEN | {"Method": method}
    result = local_run(preset, runs_dir=runs_dir, run_id=method, overrides=overrides)
    assert result.status == "Succeeded", result.failure_reason
    family = "pairwise" if method in ("reward", "dpo") else "text"
    assert [row["metric"] for row in result.gate] == [
        g.key for g in GATE_METRICS if g.family == family
    ]
    assert result.registered and result.registered["ModelDataUrl"].endswith("model.tar.gz")
    summary = _training_summary(result.run_dir)
    assert summary["method"] == method
    if method == "distill":
        assert summary["teacher_parameters"] > summary["total_parameters"]
    if family == "pairwise":
        assert result.evaluation["num_pairs"] >= 1
        assert 0.0 <= result.evaluation["pairwise_accuracy"] <= 1.0


def _training_summary(run_dir: Path) -> dict:
    (path,) = run_dir.glob("jobs/Train/**/opt/ml/model/training_summary.json")
    return json.loads(path.read_text())
