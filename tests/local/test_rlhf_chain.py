"""The RLHF chain through the deployed definition, as a user types it:
`fmops local run --preset support --param Method=grpo` -- ranked pairs -> reward model (fitted
in the Train job) -> GRPO from the local base LM -> Evaluate -> policy gate -> register; and a
one-step grpo model (`--hp max_steps=1`, resuming the same run so prepare is reused) is refused
by the reward-gain rule. Times and numbers: docs/training.md, "RLHF".
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
from training_scripts.vocabulary.metrics import (
    GATE_RULES,
    KL_TO_REFERENCE,
    REWARD_SCORE,
    baseline_key,
    family_rules,
    gain_key,
)

# Two whole pipeline runs: the end-to-end lane (`make test-e2e`).
pytestmark = pytest.mark.e2e

runner = CliRunner()
RULES = {rule.parameter: rule for rule in GATE_RULES}


def _run(runs_dir: Path, *extra: str) -> Any:
    return runner.invoke(
        app,
        ["local", "run", "--preset", "support", "--param", "Method=grpo",
         "--runs-dir", str(runs_dir), "--run-id", "rlhf", *extra],
    )  # fmt: skip


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory):
    runs_dir = tmp_path_factory.mktemp("rlhf")
    full = _run(runs_dir)
    evaluation = _evaluation(runs_dir)
    registry = (
        json.loads((runs_dir / "model-registry.json").read_text()) if full.exit_code == 0 else {}
    )
    report = (runs_dir / "rlhf" / "report.html").read_text()
    one_step = _run(runs_dir, "--resume", "--hp", "max_steps=1")
    return runs_dir, full, evaluation, registry, report, one_step


def _evaluation(runs_dir: Path) -> dict:
    (path,) = (runs_dir / "rlhf").rglob("output/evaluation/evaluation.json")
    return json.loads(path.read_text())


def test_grpo_chain_registers_the_policy(chain) -> None:
    _, full, evaluation, registry, _, _ = chain

    assert full.exit_code == 0, full.output
    (versions,) = registry.values()
    assert versions[-1]["ModelApprovalStatus"] == "PendingManualApproval"
    assert versions[-1]["CustomerMetadataProperties"]["method"] == "grpo"
    threshold = float(PRESETS["support"].thresholds["MinRewardGain"])
    assert evaluation[gain_key(REWARD_SCORE, "low")] >= threshold
    assert evaluation[REWARD_SCORE] > evaluation[baseline_key(REWARD_SCORE)]


def test_grpo_chain_checks_the_policy_rules_only(chain) -> None:
    _, full, _, _, _, _ = chain
    text = " ".join(full.output.split())

    checked = re.findall(r"CheckPolicy(\w+) → (true|false)", text)
    assert [name for name, _ in checked] == [r.parameter for r in family_rules("policy")]
    assert "CheckMinRougeL" not in text and "CheckMinPairwiseAccuracy" not in text


def test_grpo_chain_reports_reward_kl_and_refusals(chain) -> None:
    runs_dir, _, evaluation, _, report, _ = chain

    for key in (REWARD_SCORE, baseline_key(REWARD_SCORE), KL_TO_REFERENCE, "refusal_rate",
                "baseline_refusal_rate", "over_refusal_rate", "rougeL"):  # fmt: skip
        assert isinstance(evaluation[key], float), key
    assert (runs_dir / "rlhf" / "reward.png").is_file()
    assert "reward.png" in report and "MinRewardGain" in report


def test_one_step_grpo_model_is_refused_by_the_reward_gain_rule(chain) -> None:
    _, _, _, _, _, one_step = chain

    assert one_step.exit_code == 1, one_step.output
    text = " ".join(one_step.output.split())
    failed = re.search(r"Failed at FailPolicy(\w+): (.*?) report:", text)
    assert failed, one_step.output
    rule = RULES[failed[1]]
    assert rule.parameter == "MinRewardGain"
    assert rule.metric in failed[2] and "baseline" in failed[2]
