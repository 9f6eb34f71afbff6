"""The stage's managed MLflow: the server, who may log to it, how jobs reach it, what they get.

Assertions follow what cdk.json configures (tracking on/off, own server or an existing ARN); the
construct's other mode is synthesized alone in a small stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from deployment.contract import (
    MLFLOW_ARTIFACTS_PREFIX,
    MLFLOW_TRACKING_ARN,
    mlflow_server_name,
    placeholder,
)
from deployment.settings import Settings, SettingsError, load_settings, read_cdk_json_context
from infra.constructs.mlflow_tracking import MlflowTracking
from infra.constructs.secure_bucket import SecureBucket, SecureBucketProps
from tests.api_shapes import operation, problems
from tests.api_shapes import placeholder as placeholder_for
from training_scripts.tracking import (
    EXECUTION_ENV,
    EXPERIMENT_ENV,
    JOB_MLFLOW_ACTIONS,
    TRACKING_URI_ENV,
)

SERVER = "AWS::SageMaker::MlflowTrackingServer"


def _tracking_on(settings: Settings) -> None:
    if not settings.tracking.enabled:
        pytest.skip("cdk.json turns tracking off (tracking.enabled = false)")


def _server(template: Template) -> tuple[str, dict[str, Any]]:
    (item,) = template.find_resources(SERVER).items()
    return item


def _server_arn(template: Template, settings: Settings) -> Any:
    if settings.tracking.tracking_server_arn:
        return settings.tracking.tracking_server_arn
    logical_id, _ = _server(template)
    return {"Fn::GetAtt": [logical_id, "TrackingServerArn"]}


def _statements(template: Template, rtype: str, key: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, statement)
        for logical_id, resource in template.find_resources(rtype).items()
        for statement in resource["Properties"].get(key, {}).get("Statement", [])
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else actions


def test_stage_server_keeps_artifacts_in_the_artifacts_bucket_tagged_and_registers_nothing(
    training_template: Template, synthesized: Any
) -> None:
    settings = synthesized.settings
    if not settings.tracking.creates_server:
        assert not training_template.find_resources(SERVER)
        return
    _, server = _server(training_template)
    props = server["Properties"]
    assert props["TrackingServerName"] == mlflow_server_name(settings)
    uri = json.dumps(props["ArtifactStoreUri"])
    # The artifacts bucket's generated name, imported from the data stack.
    assert "ArtifactsBucketName" in uri
    assert MLFLOW_ARTIFACTS_PREFIX in uri
    assert props["AutomaticModelRegistration"] is False  # the SageMaker registry approves
    tags = {t["Key"]: t["Value"] for t in props["Tags"]}
    assert tags["project"] == settings.prefix and tags["stage"] == settings.stage


def test_server_role_reaches_only_its_prefix_and_the_key_only_through_s3(
    training_template: Template, synthesized: Any
) -> None:
    if not synthesized.settings.tracking.creates_server:
        pytest.skip("no server of the stage's own (tracking_server_arn or tracking off)")
    _, server = _server(training_template)
    role_id = server["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for _, policy in training_template.find_resources("AWS::IAM::ManagedPolicy").items()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    for statement in statements:
        resources = json.dumps(statement["Resource"])
        if any(a.startswith("s3:") for a in _actions(statement)):
            assert MLFLOW_ARTIFACTS_PREFIX in json.dumps(statement), statement
        else:
            assert set(_actions(statement)) == {"kms:Decrypt", "kms:GenerateDataKey"}
            assert "kms:ViaService" in json.dumps(statement["Condition"]), resources


def test_only_the_job_role_may_log_and_only_the_calls_the_jobs_make(
    training_template: Template, synthesized: Any
) -> None:
    _tracking_on(synthesized.settings)
    granted = [
        (logical_id, statement)
        for logical_id, statement in _statements(
            training_template, "AWS::IAM::ManagedPolicy", "PolicyDocument"
        )
        if any(a.startswith("sagemaker-mlflow:") for a in _actions(statement))
    ]
    assert len(granted) == 1, granted
    logical_id, statement = granted[0]
    assert sorted(_actions(statement)) == sorted(JOB_MLFLOW_ACTIONS)
    assert statement["Resource"] == _server_arn(training_template, synthesized.settings)
    policy = training_template.find_resources("AWS::IAM::ManagedPolicy")[logical_id]
    job_role = synthesized.stacks.training.roles.job_role
    job_role_id = synthesized.stacks.training.get_logical_id(job_role.node.default_child)
    assert policy["Properties"]["Roles"] == [{"Ref": job_role_id}]


def test_isolated_jobs_reach_mlflow_through_an_endpoint_that_admits_only_this_server(
    training_template: Template, synthesized: Any
) -> None:
    _tracking_on(synthesized.settings)
    endpoints = [
        e
        for e in training_template.find_resources("AWS::EC2::VPCEndpoint").values()
        if "experiments" in json.dumps(e["Properties"]["ServiceName"])
    ]
    assert len(endpoints) == 1
    props = endpoints[0]["Properties"]
    assert props["PrivateDnsEnabled"] is True
    (statement,) = props["PolicyDocument"]["Statement"]
    assert statement["Resource"] == _server_arn(training_template, synthesized.settings)
    assert sorted(_actions(statement)) == sorted(JOB_MLFLOW_ACTIONS)
    assert "Fn::GetAtt" in json.dumps(statement["Principal"])  # the job role, not "*"


def test_train_and_evaluate_get_the_servers_arn_as_their_tracking_uri(
    training_template: Template, synthesized: Any
) -> None:
    _tracking_on(synthesized.settings)
    (pipeline,) = training_template.find_resources("AWS::SageMaker::Pipeline").values()
    body, variables = pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"][
        "Fn::Sub"
    ]
    assert variables[MLFLOW_TRACKING_ARN] == _server_arn(training_template, synthesized.settings)
    steps = {s["Name"]: s for s in json.loads(body)["Steps"]}
    for name in ("Train", "Evaluate"):
        environment = steps[name]["Arguments"]["Environment"]
        assert environment[TRACKING_URI_ENV] == placeholder(MLFLOW_TRACKING_ARN), name
        assert environment[EXECUTION_ENV] == {"Get": "Execution.PipelineExecutionId"}, name
        assert environment[EXPERIMENT_ENV], name


def test_server_request_matches_the_sagemaker_api(
    training_template: Template, synthesized: Any
) -> None:
    if not synthesized.settings.tracking.creates_server:
        pytest.skip("no server of the stage's own (tracking_server_arn or tracking off)")
    _, server = _server(training_template)
    op = operation("sagemaker", "CreateMlflowTrackingServer")
    members = op.input_shape.members
    request = {  # CloudFormation intrinsics (role ARN, bucket name) become typed placeholders
        key: placeholder_for(members[key]) if isinstance(value, dict) and key in members else value
        for key, value in server["Properties"].items()
    }
    assert problems(op, request) == []
    for key in ("TrackingServerName", "WeeklyMaintenanceWindowStart"):
        pattern = op.input_shape.members[key].metadata["pattern"]
        assert re.fullmatch(pattern, request[key]), (key, request[key])
    assert request["TrackingServerSize"] in op.input_shape.members["TrackingServerSize"].enum


def _construct_stack(existing_arn: str) -> Template:
    app = cdk.App()
    stack = cdk.Stack(app, "Probe", env=cdk.Environment(account="123456789012", region="us-east-1"))
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="iso", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    key = kms.Key(stack, "Key")
    tracking = MlflowTracking(
        stack,
        "Mlflow",
        server=None,
        existing_arn=existing_arn,
        artifacts_bucket=SecureBucket(
            stack,
            "Artifacts",
            SecureBucketProps(noncurrent_version_expiry_days=30),
            encryption_key=key,
            access_logs=None,
        ),
        key=key,
        vpc=vpc,
        subnets=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        endpoint_security_group=ec2.SecurityGroup(stack, "Endpoints", vpc=vpc),
    )
    role = iam.Role(stack, "Job", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    tracking.grant_logging(role)
    return Template.from_stack(stack)


def test_an_existing_server_is_used_instead_of_creating_one() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/shared"
    template = _construct_stack(arn)
    assert not template.find_resources(SERVER)
    granted = [
        s
        for _, s in _statements(template, "AWS::IAM::ManagedPolicy", "PolicyDocument")
        if "sagemaker-mlflow:LogBatch" in _actions(s)
    ]
    assert [s["Resource"] for s in granted] == [arn]


@pytest.mark.parametrize(
    "value",
    ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/x", "mlflow-tracking-server/shared"],
)
def test_tracking_server_arn_setting_refuses_what_is_not_an_mlflow_arn(value: str) -> None:
    context = read_cdk_json_context()
    context["fmops"] = {**context["fmops"], "tracking": {"tracking_server_arn": value}}
    with pytest.raises(SettingsError, match=r"tracking\.tracking_server_arn"):
        load_settings(context)


@pytest.fixture(scope="module")
def dev_contract(synthesized: Any) -> Any:
    from infra.runtime_contract.contract import unit_contract
    from infra.runtime_contract.templates import Assembly

    units = Assembly.units(Path(synthesized.outdir))
    return unit_contract("app", units["app"], synthesized.settings)


def _mlflow_decisions(contract: Any) -> list[Any]:
    return [d for d in contract.decisions if d.call.action.startswith("sagemaker-mlflow:")]


def test_runtime_contract_allows_every_mlflow_call_of_the_jobs(
    dev_contract: Any, synthesized: Any
) -> None:
    _tracking_on(synthesized.settings)
    decisions = _mlflow_decisions(dev_contract)
    assert sorted(d.call.action for d in decisions) == sorted(JOB_MLFLOW_ACTIONS)
    assert all(d.call.via_vpc for d in decisions)  # from the isolated subnets
    assert [d for d in decisions if not d.allowed] == []
    unused = [g for g in dev_contract.unused_grants() if g[1].startswith("sagemaker-mlflow:")]
    assert unused == []


def test_without_the_endpoints_statement_the_jobs_cannot_log(
    dev_contract: Any, synthesized: Any
) -> None:
    from infra.runtime_contract.evaluator import evaluate
    from infra.runtime_contract.policies import without

    _tracking_on(synthesized.settings)
    (endpoint,) = [e for e in dev_contract.index.endpoints if e.service == "experiments"]
    (statement,) = endpoint.statements
    reduced = without(dev_contract.index, statement.origin)
    for decision in _mlflow_decisions(dev_contract):
        assert not evaluate(reduced, decision.call).allowed, decision.call.action
