"""The quality gate: one ConditionStep per metric, each failing with a FailStep that names it."""

from __future__ import annotations

from typing import Any

from deployment.settings import Settings
from training_scripts.vocabulary.methods import PAIRWISE_METHODS
from training_scripts.vocabulary.metrics import GATE_RULES, GateRule

# The rules name the keys evaluate.py writes, so the gate reads what the step writes.
GATE_METRICS = GATE_RULES


def threshold_parameters(settings: Settings) -> dict[str, Any]:
    """`Min*`/`Max*` Float parameters defaulting to the stage's evaluation settings."""
    from sagemaker.core.workflow.parameters import ParameterFloat

    return {
        gate.parameter: ParameterFloat(
            name=gate.parameter,
            default_value=float(getattr(settings.evaluation, gate.settings_field)),
        )
        for gate in GATE_METRICS
    }


def family_gate(
    method: Any,
    evaluate_step_name: str,
    report: Any,
    thresholds: dict[str, Any],
    on_pass: dict[str, list[Any]],
) -> Any:
    """`CheckMethodFamily`: reward/dpo models go through the pairwise checks, the others
    through the text checks. Each family's chain ends in its own steps from `on_pass`
    (SageMaker allows a step in only one branch); evaluate.py writes only its family's keys,
    and JsonGet on a missing key would fail the run, so a family never reads the other's keys.
    """
    from sagemaker.core.workflow.conditions import ConditionIn
    from sagemaker.mlops.workflow.condition_step import ConditionStep

    def chain(family: str) -> list[Any]:
        gates = [g for g in GATE_METRICS if g.family == family]
        return gate_steps(evaluate_step_name, report, thresholds, on_pass[family], gates)

    return ConditionStep(
        name="CheckMethodFamily",
        conditions=[ConditionIn(value=method, in_values=list(PAIRWISE_METHODS))],
        if_steps=chain("pairwise"),
        else_steps=chain("text"),
    )


def gate_steps(
    evaluate_step_name: str,
    report: Any,
    thresholds: dict[str, Any],
    on_pass: list[Any],
    gates: tuple[GateRule, ...] | list[GateRule] = GATE_METRICS,
) -> list[Any]:
    """Chained checks: the first failing metric ends the run with its own FailStep."""
    from sagemaker.core.workflow.conditions import (
        ConditionGreaterThanOrEqualTo,
        ConditionLessThanOrEqualTo,
    )
    from sagemaker.core.workflow.functions import Join, JsonGet
    from sagemaker.mlops.workflow.condition_step import ConditionStep
    from sagemaker.mlops.workflow.fail_step import FailStep

    next_steps = on_pass
    for gate in reversed(gates):
        value = JsonGet(step_name=evaluate_step_name, property_file=report, json_path=gate.key)
        threshold = thresholds[gate.parameter]
        compare = ConditionGreaterThanOrEqualTo if gate.minimum else ConditionLessThanOrEqualTo
        word = "below the minimum" if gate.minimum else "above the maximum"
        fail = FailStep(
            name=f"Fail{gate.parameter}",
            error_message=Join(
                on=" ",
                values=[
                    f"Quality gate failed: {gate.key} =",
                    value,
                    f"is {word} {gate.parameter} =",
                    threshold,
                ],
            ),
        )
        next_steps = [
            ConditionStep(
                name=f"Check{gate.parameter}",
                conditions=[compare(left=value, right=threshold)],
                if_steps=next_steps,
                else_steps=[fail],
            )
        ]
    return next_steps
