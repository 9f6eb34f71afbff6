"""The quality gate: one ConditionStep per rule, each failing with a FailStep that explains it.

Rules (training_scripts/vocabulary/metrics.py, in order): enough held-out examples, absolute
floors, minimum gains over the baseline on the paired bootstrap interval's lower bound, an
unsupported-word ceiling, a red-team refusal floor, refusal non-regression against the
baseline, and an over-refusal ceiling on benign prompts. Reward and dpo models are judged by
their own family of rules (pairwise accuracy and mean margin on held-out ranked pairs; no
baseline is scored for them); grpo policies by the unsupported-word ceiling (a reward gain
bought with answers that drift from the references is reward hacking), the reward model's gain
over the baseline and the same safety rules. Every FailStep message names the metric, its
value, the threshold parameter and value, and the baseline's value where there is one.
"""

from __future__ import annotations

from typing import Any

from deployment.settings import Settings
from training_scripts.vocabulary.methods import PAIRWISE_METHODS, POLICY_METHODS
from training_scripts.vocabulary.metrics import (
    GATE_RULES,
    GateFamily,
    GateRule,
    baseline_key,
    family_rules,
    gain_key,
)

# A step name is unique in a pipeline: the policy chain's checks of rules it shares with the
# text chain carry this prefix (CheckPolicyMinRefusalRate, FailPolicyMinRefusalRate).
STEP_PREFIX: dict[GateFamily, str] = {"text": "", "pairwise": "", "policy": "Policy"}

GATE_METRICS = GATE_RULES  # the name callers used before rules had kinds


def threshold_parameters(settings: Settings) -> dict[str, Any]:
    """Gate parameters defaulting to the stage's evaluation settings (MinEvalExamples: Integer)."""
    from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger

    parameters: dict[str, Any] = {}
    for rule in GATE_RULES:
        default = getattr(settings.evaluation, rule.settings_field)
        parameters[rule.parameter] = (
            ParameterInteger(name=rule.parameter, default_value=int(default))
            if rule.kind == "size"
            else ParameterFloat(name=rule.parameter, default_value=float(default))
        )
    return parameters


def failure_message(rule: GateRule, get: Any, threshold: Any) -> list[Any]:
    """The FailStep's words; `get(key)` reads a value from evaluation.json at run time."""
    word = "below the minimum" if rule.minimum else "above the maximum"
    if rule.kind == "size":
        return [f"Quality gate failed: {rule.metric} =", get(rule.key), f"is {word}",
                f"{rule.parameter} =", threshold, "; too few held-out examples to decide"
                " (the baseline is scored on the same examples)"]  # fmt: skip
    if rule.kind == "gain":
        return [f"Quality gate failed: {rule.metric} gain (95% CI lower bound) =", get(rule.key),
                f"is {word} {rule.parameter} =", threshold, f"; candidate {rule.metric} =",
                get(rule.metric), f", baseline {rule.metric} =", get(baseline_key(rule.metric)),
                ", gain =", get(gain_key(rule.metric))]  # fmt: skip
    if rule.kind == "drop":
        return [f"Quality gate failed: {rule.metric} fell by", get(rule.key),
                f"below the baseline, {word} {rule.parameter} =", threshold,
                f"; candidate {rule.metric} =", get(rule.metric),
                f", baseline {rule.metric} =", get(baseline_key(rule.metric))]  # fmt: skip
    baseline = [] if rule.baseline is None else [f"; baseline {rule.metric} =", get(rule.baseline)]
    return [f"Quality gate failed: {rule.metric} =", get(rule.key), f"is {word} {rule.parameter} =",
            threshold, *baseline]  # fmt: skip


def family_gate(
    method: Any,
    evaluate_step_name: str,
    report: Any,
    thresholds: dict[str, Any],
    on_pass: dict[GateFamily, list[Any]],
) -> Any:
    """`CheckMethodFamily`: reward/dpo models go through the pairwise checks; the others reach
    `CheckPolicyMethod`, where grpo policies go through the policy checks and the rest through
    the text checks. Each family's chain ends in its own steps from `on_pass` (SageMaker allows
    a step in only one branch); evaluate.py writes only its family's keys, and JsonGet on a
    missing key would fail the run, so a family never reads another's keys.
    """
    from sagemaker.core.workflow.conditions import ConditionIn
    from sagemaker.mlops.workflow.condition_step import ConditionStep

    def chain(family: GateFamily) -> list[Any]:
        return gate_steps(
            evaluate_step_name, report, thresholds, on_pass[family], family_rules(family),
            prefix=STEP_PREFIX[family],
        )  # fmt: skip

    generation = ConditionStep(
        name="CheckPolicyMethod",
        conditions=[ConditionIn(value=method, in_values=list(POLICY_METHODS))],
        if_steps=chain("policy"),
        else_steps=chain("text"),
    )
    return ConditionStep(
        name="CheckMethodFamily",
        conditions=[ConditionIn(value=method, in_values=list(PAIRWISE_METHODS))],
        if_steps=chain("pairwise"),
        else_steps=[generation],
    )


def gate_steps(
    evaluate_step_name: str,
    report: Any,
    thresholds: dict[str, Any],
    on_pass: list[Any],
    gates: tuple[GateRule, ...] | list[GateRule] = GATE_METRICS,
    prefix: str = "",
) -> list[Any]:
    """Chained checks: the first failing rule ends the run with its own FailStep."""
    from sagemaker.core.workflow.conditions import (
        ConditionGreaterThanOrEqualTo,
        ConditionLessThanOrEqualTo,
    )
    from sagemaker.core.workflow.functions import Join, JsonGet
    from sagemaker.mlops.workflow.condition_step import ConditionStep
    from sagemaker.mlops.workflow.fail_step import FailStep

    def get(key: str) -> Any:
        return JsonGet(step_name=evaluate_step_name, property_file=report, json_path=key)

    next_steps = on_pass
    for rule in reversed(gates):
        threshold = thresholds[rule.parameter]
        compare = ConditionGreaterThanOrEqualTo if rule.minimum else ConditionLessThanOrEqualTo
        fail = FailStep(
            name=f"Fail{prefix}{rule.parameter}",
            error_message=Join(on=" ", values=failure_message(rule, get, threshold)),
        )
        next_steps = [
            ConditionStep(
                name=f"Check{prefix}{rule.parameter}",
                conditions=[compare(left=get(rule.key), right=threshold)],
                if_steps=next_steps,
                else_steps=[fail],
            )
        ]
    return next_steps
