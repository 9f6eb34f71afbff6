"""The boto3 layer behind `fmops pipeline`: moto, and a botocore Stubber where moto lacks an API."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from deployment.contract import ROLE_OUTPUT
from deployment.settings import settings_for_stage
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from pipelines.pipeline_ops import (
    DeploymentError,
    check_execution_arn,
    check_model_package_arn,
    deployment_values,
    describe_execution,
    execution_steps,
    latest_execution_arn,
    list_model_packages,
    set_approval,
    stage_runs,
    start_execution,
    start_stage_run,
    upsert_pipeline,
    upsert_stage_pipeline,
    wait_for_execution,
)
from pipelines.pipeline_parameters import (
    PipelineInputError,
    definition_parameters,
    parse_parameter_overrides,
    resolve_placeholders,
)
from pipelines.quality_gate import GATE_METRICS
from tests.deployed_stacks import deploy_outputs
from tests.pipelines.conftest import ACCOUNT, placeholder_values

ROLE = f"arn:aws:iam::{ACCOUNT}:role/pipeline"
GROUP = "fmops-dev-models"


# --- placeholders and parameters (offline) -------------------------------------------------


def test_resolve_fills_every_placeholder_including_pseudo_parameters(
    dev_definition_text: str,
) -> None:
    values = placeholder_values(dev_definition_text)
    resolved = resolve_placeholders(dev_definition_text, values)
    assert "${" not in resolved
    assert f"arn:aws:iam::{ACCOUNT}:role/{values['TrainingRoleName']}" in resolved
    assert json.loads(resolved)["Steps"]  # still a valid document


def test_resolve_refuses_a_half_resolved_definition_and_names_the_missing(
    dev_definition_text: str,
) -> None:
    values = placeholder_values(dev_definition_text)
    del values["Subnet1"], values["AWS::AccountId"]
    with pytest.raises(PipelineInputError, match=r"AWS::AccountId, Subnet1"):
        resolve_placeholders(dev_definition_text, values)


def test_resolve_keeps_fn_sub_escaped_literals() -> None:
    assert resolve_placeholders('"${!Literal} ${A}"', {"A": "x"}) == '"${Literal} x"'


def test_resolve_escapes_values_so_the_json_stays_valid() -> None:
    assert json.loads(resolve_placeholders('{"k": "${A}"}', {"A": 'a"b'})) == {"k": 'a"b'}


def test_parameters_are_read_from_the_definition_with_types_and_defaults(
    dev_definition_text: str,
) -> None:
    parameters = definition_parameters(dev_definition_text)
    assert parameters["Method"].type == "String"
    for gate in GATE_METRICS:
        # MinEvalExamples counts examples: an Integer; every other threshold is a Float.
        expected = ("Integer", int) if gate.kind == "size" else ("Float", float)
        assert parameters[gate.parameter].type == expected[0]
        assert isinstance(parameters[gate.parameter].default, expected[1])


def test_overrides_become_pipeline_parameters(dev_definition_text: str) -> None:
    parameters = definition_parameters(dev_definition_text)
    assert parse_parameter_overrides(["MinRougeL=0.3", "Method=lora"], parameters) == [
        {"Name": "MinRougeL", "Value": "0.3"},
        {"Name": "Method", "Value": "lora"},
    ]


def test_unknown_parameter_is_refused_with_the_allowed_names(dev_definition_text: str) -> None:
    parameters = definition_parameters(dev_definition_text)
    with pytest.raises(PipelineInputError) as raised:
        parse_parameter_overrides(["MinRouge=0.3"], parameters)
    assert "MinRouge" in str(raised.value)
    assert all(name in str(raised.value) for name in parameters)


@pytest.mark.parametrize("value", ["high", "nan", ""])
def test_float_parameter_refuses_a_non_number(dev_definition_text: str, value: str) -> None:
    with pytest.raises(PipelineInputError, match="MinRougeL"):
        parse_parameter_overrides(
            [f"MinRougeL={value}"], definition_parameters(dev_definition_text)
        )


@pytest.mark.parametrize("pair", ["MinRougeL", "=0.3"])
def test_pair_without_name_and_equals_sign_is_refused(dev_definition_text: str, pair: str) -> None:
    with pytest.raises(PipelineInputError, match="expected NAME=VALUE"):
        parse_parameter_overrides([pair], definition_parameters(dev_definition_text))


def test_approval_status_parameter_accepts_only_the_api_values(dev_definition_text: str) -> None:
    with pytest.raises(PipelineInputError, match="PendingManualApproval"):
        parse_parameter_overrides(
            ["ModelApprovalStatus=Yes"], definition_parameters(dev_definition_text)
        )


@pytest.mark.parametrize(
    "arn",
    [
        "fmops-dev-models/1",
        "arn:aws:sagemaker:us-east-1:123456789012:model-package/fmops-dev-models",
        "arn:aws:sagemaker:us-east-1:12345:model-package/fmops-dev-models/1",
    ],
)
def test_model_package_arn_must_be_a_versioned_package(arn: str) -> None:
    with pytest.raises(PipelineInputError, match="model-package/GROUP/VERSION"):
        check_model_package_arn(arn)


def test_execution_arn_shape_is_checked() -> None:
    good = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/fmops-dev-training/execution/abc123"
    assert check_execution_arn(good) == good
    with pytest.raises(PipelineInputError, match="execution/ID"):
        check_execution_arn("fmops-dev-training/abc123")


# --- moto-backed calls ---------------------------------------------------------------------


@pytest.fixture()
def sagemaker(aws: None) -> Any:
    return boto3.client("sagemaker", region_name="us-east-1")


@pytest.fixture()
def resolved(dev_definition_text: str) -> str:
    return resolve_placeholders(dev_definition_text, placeholder_values(dev_definition_text))


def test_upsert_creates_the_pipeline_with_the_resolved_definition(
    sagemaker: Any, resolved: str
) -> None:
    _, created = upsert_pipeline(sagemaker, "fmops-dev-training", resolved, ROLE)
    stored = sagemaker.describe_pipeline(PipelineName="fmops-dev-training")
    assert created
    assert stored["PipelineDefinition"] == resolved
    assert stored["RoleArn"] == ROLE


def test_upsert_updates_an_existing_pipeline(sagemaker: Any, resolved: str) -> None:
    upsert_pipeline(sagemaker, "fmops-dev-training", '{"Version": "2020-12-01"}', ROLE)
    _, created = upsert_pipeline(sagemaker, "fmops-dev-training", resolved, ROLE)
    assert not created
    stored = sagemaker.describe_pipeline(PipelineName="fmops-dev-training")
    assert stored["PipelineDefinition"] == resolved


def test_start_sends_the_parameters_to_the_execution(sagemaker: Any, resolved: str) -> None:
    upsert_pipeline(sagemaker, "fmops-dev-training", resolved, ROLE)
    sent = [{"Name": "MinRougeL", "Value": "0.3"}]
    arn = start_execution(sagemaker, "fmops-dev-training", sent)
    got = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
    assert got["PipelineParameters"] == sent


def test_latest_execution_is_described(sagemaker: Any, resolved: str) -> None:
    upsert_pipeline(sagemaker, "fmops-dev-training", resolved, ROLE)
    arn = start_execution(sagemaker, "fmops-dev-training", [])
    assert latest_execution_arn(sagemaker, "fmops-dev-training") == arn
    # moto: executions are Succeeded at once.
    assert describe_execution(sagemaker, arn)["PipelineExecutionStatus"] == "Succeeded"


def test_pipeline_without_runs_has_no_latest_execution(sagemaker: Any, resolved: str) -> None:
    upsert_pipeline(sagemaker, "fmops-dev-training", resolved, ROLE)
    with pytest.raises(DeploymentError, match="no executions"):
        latest_execution_arn(sagemaker, "fmops-dev-training")


def _registered(sagemaker: Any) -> str:
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="PendingManualApproval",
        ModelMetrics={
            "ModelQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": "s3://artifacts/eval/model_quality.json",
                }
            }
        },
    )["ModelPackageArn"]


def test_model_packages_list_their_approval_and_quality_report(sagemaker: Any) -> None:
    arn = _registered(sagemaker)
    (package,) = list_model_packages(sagemaker, GROUP)
    assert (package.arn, package.version) == (arn, 1)
    assert package.approval_status == "PendingManualApproval"
    assert package.model_quality_uri == "s3://artifacts/eval/model_quality.json"


def test_approval_sets_status_and_reason(sagemaker: Any) -> None:
    arn = _registered(sagemaker)
    check_model_package_arn(arn)  # moto's ARN has the shape the CLI accepts
    set_approval(sagemaker, arn, approved=False, reason="hallucination audit failed")
    described = sagemaker.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "Rejected"
    assert described["ApprovalDescription"] == "hallucination audit failed"


def test_deployment_values_come_from_the_stack_outputs_and_its_arn(aws: None) -> None:
    settings = settings_for_stage("dev")
    deploy_outputs(
        settings,
        "training",
        {"PipelineRoleArn": ROLE, "PipelineVarSubnet1": "subnet-1", "JobRoleArn": "ignored"},
    )
    assert deployment_values(Deployment.of(settings, "us-east-1")) == {
        "PipelineRoleArn": ROLE,
        "Subnet1": "subnet-1",
        "AWS::Partition": "aws",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": ACCOUNT,
    }


def test_stack_without_the_role_output_is_reported(aws: None) -> None:
    settings = settings_for_stage("dev")
    deploy_outputs(settings, "training", {"PipelineVarSubnet1": "subnet-1"})
    with pytest.raises(DeploymentOutputError, match="PipelineRoleArn"):
        deployment_values(Deployment.of(settings, "us-east-1"))


# --- calls moto does not implement: botocore Stubber -----------------------------------------

EXECUTION = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/fmops-dev-training/execution/abc123"


def test_execution_steps_are_read_across_pages() -> None:
    # moto 5.2.5 does not implement ListPipelineExecutionSteps: stub exactly that call.
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        expected = {"PipelineExecutionArn": EXECUTION, "SortOrder": "Ascending"}
        stub.add_response(
            "list_pipeline_execution_steps",
            {"PipelineExecutionSteps": [{"StepName": "PrepareData"}], "NextToken": "t"},
            expected,
        )
        stub.add_response(
            "list_pipeline_execution_steps",
            {"PipelineExecutionSteps": [{"StepName": "Train", "StepStatus": "Executing"}]},
            {**expected, "NextToken": "t"},
        )
        steps = execution_steps(client, EXECUTION)
        stub.assert_no_pending_responses()
    assert [s["StepName"] for s in steps] == ["PrepareData", "Train"]


def test_wait_polls_with_backoff_until_a_terminal_status() -> None:
    # moto's executions are Succeeded at once, so a running execution needs a stub.
    client = boto3.client("sagemaker", region_name="us-east-1")
    delays: list[float] = []
    with Stubber(client) as stub:
        for state in ("Executing", "Executing", "Executing", "Failed"):
            stub.add_response(
                "describe_pipeline_execution",
                {"PipelineExecutionArn": EXECUTION, "PipelineExecutionStatus": state},
                {"PipelineExecutionArn": EXECUTION},
            )
        final = wait_for_execution(client, EXECUTION, sleep=delays.append, first_delay=5)
    assert final["PipelineExecutionStatus"] == "Failed"
    assert delays == [5, 10, 20]


# --- the stage's pipeline through a Deployment (services, no Typer) ---------------------------


def _register(sagemaker: Any, group: str, base_model: str, data: str) -> str:
    """An Approved version built from `base_model` whose model data is `data`."""
    from deployment.contract import BASE_MODEL_KEY

    arn = sagemaker.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": "img", "ModelDataUrl": data}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        CustomerMetadataProperties={BASE_MODEL_KEY: base_model},
    )["ModelPackageArn"]
    sagemaker.update_model_package(  # moto drops metadata it is not given again
        ModelPackageArn=arn,
        ModelApprovalStatus="Approved",
        CustomerMetadataProperties={BASE_MODEL_KEY: base_model},
    )
    return str(arn)


def test_a_stage_run_beats_the_approved_champion_from_the_same_base_model(
    aws: None, dev_definition_text: str
) -> None:
    from deployment.contract import BASELINE_PARAMETER, model_package_group_name

    settings = settings_for_stage("dev")
    deployment = Deployment.of(settings, "us-east-1")
    values = placeholder_values(dev_definition_text)
    resolved = resolve_placeholders(dev_definition_text, values)
    upsert_stage_pipeline(deployment, resolved, values[ROLE_OUTPUT])
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    group = model_package_group_name(settings)
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    base = settings.models.sagemaker_base_model
    champion = _register(sagemaker, group, base, "s3://a/champion/model.tar.gz")
    _register(sagemaker, group, f"{base}-other", "s3://a/other/model.tar.gz")  # newer, other base

    against = start_stage_run(deployment, [], against_champion=True)
    plain = start_stage_run(deployment, [], against_champion=False)

    assert against.champion_arn == champion
    assert against.parameters == [
        {"Name": BASELINE_PARAMETER, "Value": "s3://a/champion/model.tar.gz"}
    ]
    assert (plain.champion_arn, plain.parameters) == (None, [])
    assert len(stage_runs(deployment)) == 2
