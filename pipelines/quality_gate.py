"""The quality gate: one ConditionStep per metric, each failing with a FailStep that names it."""

from __future__ import annotations

from typing import Any

from deployment.settings import Settings
from training_scripts.vocabulary.metrics import GATE_RULES

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


def gate_steps(
    evaluate_step_name: str, report: Any, thresholds: dict[str, Any], on_pass: list[Any]
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
    for gate in reversed(GATE_METRICS):
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
