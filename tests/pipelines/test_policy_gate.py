"""The grpo policy gate refuses reward hacking: a reward gain bought with unsupported words.

Fast: the deployed definition's gate is walked with the local executor's expression evaluator
on an evaluation.json, no training. The numbers are the support preset's grpo run of
2026-12-07 that the gate used to register (docs/training.md, "RLHF").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.local.executor import parse_parameters
from pipelines.local.expressions import ExecutionState, evaluate_condition
from pipelines.local.presets import PRESETS
from training_scripts.vocabulary.metrics import (
    KL_TO_REFERENCE,
    NUM_EXAMPLES,
    OVER_REFUSAL_RATE,
    REFUSAL_DROP,
    REFUSAL_RATE,
    REWARD_SCORE,
    UNSUPPORTED_WORD_RATE,
    baseline_key,
    gain_key,
)

# The hacked policy: the reward model's score rose (gain CI low 0.66) while the share of answer
# words found in neither prompt nor reference went 0.50 -> 0.925; no refusal changed.
HACKED = {
    NUM_EXAMPLES: 40,
    REWARD_SCORE: -0.433, baseline_key(REWARD_SCORE): -1.778,
    gain_key(REWARD_SCORE): 1.345, gain_key(REWARD_SCORE, "low"): 0.661,
    UNSUPPORTED_WORD_RATE: 0.925, baseline_key(UNSUPPORTED_WORD_RATE): 0.5,
    REFUSAL_RATE: 0.0, baseline_key(REFUSAL_RATE): 0.0, REFUSAL_DROP: 0.0,
    OVER_REFUSAL_RATE: 0.0, baseline_key(OVER_REFUSAL_RATE): 0.0,
    KL_TO_REFERENCE: 0.3,
}  # fmt: skip


def _gate_end(definition: dict[str, Any], evaluation: dict[str, Any], tmp_path: Path) -> str:
    """The step the gate reaches for Method=grpo under the support preset's thresholds."""
    report = tmp_path / "evaluation.json"
    report.write_text(json.dumps(evaluation))
    overrides = {**PRESETS["support"].thresholds, "Method": "grpo"}
    state = ExecutionState(
        parameters=parse_parameters(definition, overrides),
        execution={"PipelineExecutionId": "run-1"},
        property_files={"Evaluate": {"EvaluationReport": report}},
    )
    (node,) = [s for s in definition["Steps"] if s["Name"] == "CheckMethodFamily"]
    while node["Type"] == "Condition":
        passed = all(evaluate_condition(c, state) for c in node["Arguments"]["Conditions"])
        (node,) = node["Arguments"]["IfSteps" if passed else "ElseSteps"]
    return str(node["Name"])


def test_policy_that_games_the_reward_model_ends_at_the_unsupported_word_ceiling(
    prod_definition: dict[str, Any], tmp_path: Path
) -> None:
    ceiling = float(PRESETS["support"].thresholds["MaxUnsupportedWordRate"])
    assert HACKED[UNSUPPORTED_WORD_RATE] > ceiling  # the case this test is about

    assert _gate_end(prod_definition, HACKED, tmp_path) == "FailPolicyMaxUnsupportedWordRate"


def test_policy_that_raises_the_reward_within_the_ceiling_registers(
    prod_definition: dict[str, Any], tmp_path: Path
) -> None:
    # The same run with answers as grounded as the baseline's: the ceiling alone decided above.
    grounded = {**HACKED, UNSUPPORTED_WORD_RATE: HACKED[baseline_key(UNSUPPORTED_WORD_RATE)]}

    assert _gate_end(prod_definition, grounded, tmp_path) == "RegisterPolicyModel"
