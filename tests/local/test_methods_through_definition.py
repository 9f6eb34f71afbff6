"""Every training method runs the deployed definition to registration, exactly as a user types
it: `fmops local run --preset P --param Method=m`, with the preset's own hyperparameters and
gate thresholds, adapting the local base model through the `model` channel.

This proves the wiring the cloud run needs (ranked pairs routed by the prepare step, the teacher
channel, pair scoring and the preference gate) and that each method clears the same gate the
preset's own method does. Per-method run times are in docs/training.md (not timed here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.local.presets import PRESETS
from pipelines.local.run import local_run
from pipelines.quality_gate import GATE_METRICS

# Runs whole pipelines: the end-to-end lane (`make test-e2e`), about a minute each on 2 cores.
pytestmark = pytest.mark.e2e

# Which preset carries each method's data.
PRESET_FOR = {"cpt": "healthcare", "sft": "support", "lora": "support", "reft": "support",
              "distill": "support", "reward": "support", "dpo": "support"}  # fmt: skip


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("method-runs")


@pytest.mark.parametrize("method", list(PRESET_FOR))
def test_method_runs_the_definition_to_registration(runs_dir: Path, method: str) -> None:
    result = local_run(
        PRESETS[PRESET_FOR[method]], runs_dir=runs_dir, run_id=method, overrides={"Method": method}
    )
    assert result.status == "Succeeded", result.failure_reason
    family = "pairwise" if method in ("reward", "dpo") else "text"
    assert [row["metric"] for row in result.gate] == [
        g.key for g in GATE_METRICS if g.family == family
    ]
    assert all(row["passed"] for row in result.gate), result.gate
    # Uncompressed (CompressionType NONE): the model prefix Bedrock's import reads.
    assert result.registered and result.registered["ModelDataUrl"].endswith("/output/model/")
    summary = _training_summary(result.run_dir)
    assert summary["method"] == method
    if method == "distill":
        assert summary["teacher_parameters"] > summary["total_parameters"]
    if family == "pairwise":
        assert result.evaluation["num_pairs"] >= 1
        assert result.evaluation["pairwise_accuracy"] >= float(
            PRESETS["support"].thresholds["MinPairwiseAccuracy"]
        )


def _training_summary(run_dir: Path) -> dict:
    (path,) = run_dir.glob("jobs/Train/**/opt/ml/model/training_summary.json")
    return json.loads(path.read_text())
