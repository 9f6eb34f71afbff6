"""The training pipeline definition's quality gate: one ConditionStep per rule of the family,
FailSteps that name metric and threshold, thresholds as parameters Evaluate also receives."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.quality_gate import STEP_PREFIX
from pipelines.training_pipeline import (
    GATE_METRICS,
)
from tests.pipelines.conftest import step
from training_scripts.vocabulary.metrics import GATE_PARAMETERS, family_rules


def _gate_chain(node: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    chain = []
    while node["Type"] == "Condition":
        chain.append(node["Name"])
        (fail,) = node["Arguments"]["ElseSteps"]
        assert fail["Type"] == "Fail"
        (node,) = node["Arguments"]["IfSteps"]
    return chain, node


@pytest.mark.parametrize(
    ("branches", "family", "register"),
    [
        (("ElseSteps", "ElseSteps"), "text", "RegisterModel"),
        (("IfSteps",), "pairwise", "RegisterPreferenceModel"),
        (("ElseSteps", "IfSteps"), "policy", "RegisterPolicyModel"),
    ],
)
def test_gate_checks_every_metric_of_the_family_in_turn_and_registers_only_at_the_end(
    prod_definition: dict[str, Any], branches: tuple[str, ...], family: str, register: str
) -> None:
    node = prod_definition["Steps"][3]
    for branch in branches:
        (node,) = node["Arguments"][branch]
    chain, end = _gate_chain(node)
    prefix = STEP_PREFIX[family]
    assert chain == [f"Check{prefix}{g.parameter}" for g in family_rules(family)]
    assert (end["Name"], end["Type"]) == (register, "RegisterModel")


def test_grpo_takes_the_policy_gate_with_the_reward_gain_and_the_safety_rules(
    prod_definition: dict[str, Any],
) -> None:
    (condition,) = step(prod_definition, "CheckPolicyMethod")["Arguments"]["Conditions"]
    assert condition["Values"] == ["grpo"]
    assert {g.parameter for g in family_rules("policy")} == {
        "MinEvalExamples", "MaxUnsupportedWordRate", "MinRewardGain", "MinRefusalRate",
        "MaxRefusalDrop", "MaxOverRefusalRate",
    }  # fmt: skip


def test_reward_and_dpo_take_the_preference_gate(prod_definition: dict[str, Any]) -> None:
    (condition,) = step(prod_definition, "CheckMethodFamily")["Arguments"]["Conditions"]
    assert condition == {
        "Type": "In",
        "QueryValue": {"Get": "Parameters.Method"},
        "Values": ["reward", "dpo"],
    }


@pytest.mark.parametrize("gate", GATE_METRICS, ids=lambda g: g.parameter)
def test_gate_condition_reads_evaluation_json_and_its_parameter(
    prod_definition: dict[str, Any], gate: Any
) -> None:
    check = f"Check{STEP_PREFIX[gate.family]}{gate.parameter}"
    (condition,) = step(prod_definition, check)["Arguments"]["Conditions"]
    assert condition["Type"] == ("GreaterThanOrEqualTo" if gate.minimum else "LessThanOrEqualTo")
    assert condition["LeftValue"]["Std:JsonGet"] == {
        "Path": gate.key,
        "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
    }
    assert condition["RightValue"] == {"Get": f"Parameters.{gate.parameter}"}


@pytest.mark.parametrize("gate", GATE_METRICS, ids=lambda g: g.parameter)
def test_fail_step_names_the_metric_and_threshold(
    prod_definition: dict[str, Any], gate: Any
) -> None:
    fail = f"Fail{STEP_PREFIX[gate.family]}{gate.parameter}"
    values = step(prod_definition, fail)["Arguments"]["ErrorMessage"]["Std:Join"]["Values"]
    words = " ".join(v for v in values if isinstance(v, str))
    read = [v["Std:JsonGet"]["Path"] for v in values if isinstance(v, dict) and "Std:JsonGet" in v]
    # metric, its value, the threshold parameter and value, and the baseline's value
    assert gate.metric in words and gate.parameter in words
    assert gate.key in read
    assert {"Get": f"Parameters.{gate.parameter}"} in values
    if gate.baseline:
        assert gate.baseline in read and "baseline" in words
    elif gate.kind == "size":
        assert "baseline is scored on the same examples" in words
    else:  # pairwise models are scored without a baseline
        assert gate.family == "pairwise" and "baseline" not in words


def test_each_gate_family_reads_only_keys_that_evaluate_py_writes_for_it() -> None:
    from training_scripts.metrics.comparison import Comparison, comparison_fields
    from training_scripts.vocabulary.metrics import (
        COMPARED_METRICS,
        EVALUATION_KEYS,
        PAIRWISE_KEYS,
        POLICY_KEYS,
        REWARD_SCORE,
        SAFETY_METRICS,
    )

    compared = comparison_fields(
        {m: Comparison(1, 0, 0, 1, 2) for m in (*COMPARED_METRICS, *SAFETY_METRICS)}
    )
    policy = comparison_fields({REWARD_SCORE: Comparison(1, 0, 0, 1, 2)})
    written = {
        "text": set(EVALUATION_KEYS) | set(compared),
        "pairwise": set(PAIRWISE_KEYS),
        "policy": set(EVALUATION_KEYS) | set(compared) | set(policy) | set(POLICY_KEYS),
    }
    for gate in GATE_METRICS:
        for family in (gate.family, *gate.also):
            assert gate.key in written[family], (gate, family)


def test_evaluation_report_is_the_property_file_of_the_evaluate_step(
    prod_definition: dict[str, Any],
) -> None:
    evaluate = step(prod_definition, "Evaluate")
    assert evaluate["PropertyFiles"] == [
        {
            "PropertyFileName": "EvaluationReport",
            "OutputName": "evaluation",
            "FilePath": "evaluation.json",
        }
    ]
    outputs = evaluate["Arguments"]["ProcessingOutputConfig"]["Outputs"]
    assert [o["OutputName"] for o in outputs] == ["evaluation"]


def test_gate_thresholds_are_parameters_defaulting_to_the_stage_settings(
    prod_definition: dict[str, Any], prod_settings: Any
) -> None:
    params = {p["Name"]: p for p in prod_definition["Parameters"]}
    for gate in GATE_METRICS:
        kind = "Integer" if gate.kind == "size" else "Float"
        assert params[gate.parameter]["Type"] == kind
        assert params[gate.parameter]["DefaultValue"] == getattr(
            prod_settings.evaluation, gate.settings_field
        )
    assert params["Method"]["DefaultValue"] == prod_settings.training.method


def test_evaluate_receives_every_gate_threshold_parameter_as_a_valid_job_argument(
    prod_definition: dict[str, Any],
) -> None:
    # Evaluate logs the gate's decision per rule to MLflow: it must get each rule's threshold,
    # the pipeline parameter itself (a value given at start time), not the stage's default.
    from tests.api_shapes import pipeline_step_problems

    evaluate = step(prod_definition, "Evaluate")
    arguments = evaluate["Arguments"]["AppSpecification"]["ContainerArguments"]
    given = {}
    for at, argument in enumerate(arguments):
        if argument == "--threshold":
            join = arguments[at + 1]["Std:Join"]
            assert join["On"] == "="
            name, value = join["Values"]
            given[name] = value
    assert given == {name: {"Get": f"Parameters.{name}"} for name in GATE_PARAMETERS}
    assert not pipeline_step_problems(evaluate)
