"""The definition the local executor walks is parsed once into typed steps."""

from __future__ import annotations

import pytest

from pipelines.local.definition import (
    ConditionStep,
    FailStep,
    PipelineError,
    dependency_order,
    parse_definition,
    parse_step,
)

GATE = {
    "Name": "CheckMinRougeL",
    "Type": "Condition",
    "Arguments": {
        "Conditions": [{"Type": "GreaterThanOrEqualTo", "LeftValue": 0.3, "RightValue": 0.1}],
        "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {}}],
        "ElseSteps": [
            {"Name": "FailMinRougeL", "Type": "Fail", "Arguments": {"ErrorMessage": "too low"}}
        ],
    },
}


def test_a_condition_step_carries_typed_branches() -> None:
    step = parse_step(GATE)

    assert isinstance(step, ConditionStep)
    assert [s.name for s in step.if_steps] == ["Register"]
    assert isinstance(step.else_steps[0], FailStep)
    assert step.else_steps[0].error_message == "too low"


def test_a_step_waits_for_every_step_it_reads_and_its_depends_on() -> None:
    step = parse_step({
        "Name": "Evaluate", "Type": "Processing", "DependsOn": ["Audit"],
        "Arguments": {"Model": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}},
    })  # fmt: skip

    assert step.depends_on == {"Train", "Audit"}


def test_a_step_without_a_type_is_refused_naming_it() -> None:
    with pytest.raises(PipelineError, match=r"^step Train: missing 'Type'$"):
        parse_definition({"Steps": [{"Name": "Train", "Arguments": {}}]})


def test_a_circular_dependency_is_refused() -> None:
    steps = [
        parse_step({"Name": "A", "Type": "Processing", "DependsOn": ["B"]}),
        parse_step({"Name": "B", "Type": "Processing", "DependsOn": ["A"]}),
    ]
    with pytest.raises(PipelineError, match="circular dependency"):
        dependency_order(steps)
