"""Definition expressions evaluate as SageMaker Pipelines would; unknown ones fail loudly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.local.definition import dependency_order, parse_step
from pipelines.local.executor import parse_parameters
from pipelines.local.expressions import (
    ExecutionState,
    ExpressionError,
    evaluate_condition,
    resolve,
)
from pipelines.pipeline_parameters import PipelineInputError


@pytest.fixture
def state(tmp_path: Path) -> ExecutionState:
    report = tmp_path / "evaluation.json"
    report.write_text(json.dumps({"rougeL": 0.42, "nested": {"bleu": 12.5}}))
    return ExecutionState(
        parameters={"MinRougeL": 0.3, "Method": "sft"},
        execution={"PipelineExecutionId": "run-1"},
        step_properties={
            "Prepare": {
                "ProcessingOutputConfig": {
                    "Outputs": [
                        {"OutputName": "train", "S3Output": {"S3Uri": "s3://artifacts/p/train"}}
                    ]
                }
            }
        },
        property_files={"Evaluate": {"EvaluationReport": report}},
    )


def _json_get(path: str) -> dict:
    return {
        "Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
            "Path": path,
        }
    }


def test_parameters_and_execution_variables_resolve(state: ExecutionState) -> None:
    assert resolve({"Get": "Parameters.Method"}, state) == "sft"
    assert resolve({"Get": "Execution.PipelineExecutionId"}, state) == "run-1"


def test_step_properties_resolve_list_members_by_name(state: ExecutionState) -> None:
    ref = {"Get": "Steps.Prepare.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    assert resolve(ref, state) == "s3://artifacts/p/train"


def test_join_renders_its_values(state: ExecutionState) -> None:
    join = {
        "Std:Join": {
            "On": "/",
            "Values": ["s3:/", "artifacts", {"Get": "Execution.PipelineExecutionId"}],
        }
    }
    assert resolve(join, state) == "s3://artifacts/run-1"


def test_json_get_reads_the_file_the_step_wrote(state: ExecutionState) -> None:
    assert resolve(_json_get("rougeL"), state) == 0.42
    assert resolve(_json_get("nested.bleu"), state) == 12.5


def test_conditions_compare_the_written_metric_with_the_parameter(state: ExecutionState) -> None:
    condition = {
        "Type": "GreaterThanOrEqualTo",
        "LeftValue": _json_get("rougeL"),
        "RightValue": {"Get": "Parameters.MinRougeL"},
    }
    assert evaluate_condition(condition, state) is True
    state.parameters["MinRougeL"] = 0.5
    assert evaluate_condition(condition, state) is False
    assert evaluate_condition({"Type": "Not", "Expression": condition}, state) is True


@pytest.mark.parametrize(
    "expression",
    [
        {"Get": "Parameters.Nope"},
        {"Get": "Steps.Missing.ModelArtifacts"},
        {"Std:Unknown": {}},
        {"Get": "Execution.Nope"},
        _json_get("not_a_key"),
    ],
)
def test_unresolvable_expressions_raise(state: ExecutionState, expression: dict) -> None:
    with pytest.raises(ExpressionError):
        resolve(expression, state)


def test_unknown_condition_type_raises(state: ExecutionState) -> None:
    with pytest.raises(ExpressionError, match="unsupported condition type 'Between'"):
        evaluate_condition({"Type": "Between"}, state)


def test_parameters_use_defaults_and_typed_overrides() -> None:
    definition = {
        "Parameters": [
            {"Name": "MinRougeL", "Type": "Float", "DefaultValue": 0.1},
            {"Name": "Method", "Type": "String", "DefaultValue": "cpt"},
        ]
    }
    assert parse_parameters(definition, {"MinRougeL": "0.5"}) == {"MinRougeL": 0.5, "Method": "cpt"}
    with pytest.raises(
        PipelineInputError,
        match=r"--param MinRouge: not a parameter of this pipeline; allowed: MinRougeL, Method",
    ):
        parse_parameters(definition, {"MinRouge": "1"})
    with pytest.raises(PipelineInputError, match=r"--param MinRougeL='high': must be a number"):
        parse_parameters(definition, {"MinRougeL": "high"})


def test_steps_run_after_the_steps_they_reference() -> None:
    steps = [
        {"Name": "Evaluate", "Arguments": {"x": {"Get": "Steps.Train.ModelArtifacts"}}},
        {"Name": "Train", "Arguments": {"x": {"Get": "Steps.Prepare.Outputs"}}},
        {"Name": "Prepare", "Arguments": {}},
    ]
    typed = [parse_step({**step, "Type": "Processing"}) for step in steps]
    assert [s.name for s in dependency_order(typed)] == ["Prepare", "Train", "Evaluate"]


def test_unsupported_step_type_stops_the_run_loudly(tmp_path: Path) -> None:
    from pipelines.local.executor import LocalExecutor, PipelineError
    from pipelines.local.storage import LocalS3

    definition = {
        "Version": "2020-12-01",
        "Parameters": [],
        "Steps": [{"Name": "Notify", "Type": "Lambda", "Arguments": {}}],
    }
    executor = LocalExecutor(
        json.dumps(definition),
        run_dir=tmp_path,
        s3=LocalS3(tmp_path / "s3"),
        registry=tmp_path / "registry.json",
        placeholders={},
    )
    with pytest.raises(PipelineError, match="step Notify: step type 'Lambda' is not supported"):
        executor.run("run-1", {})
