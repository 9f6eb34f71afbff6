"""HumansStack: private workforce (MFA), workteam, least-privilege labeling role, GT Lambdas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint

from deployment.contract import LABELING_ROLE_OUTPUT, WORKTEAM_OUTPUT
from deployment.settings import read_cdk_json_context, settings_for_stage
from infra.nag import acknowledge_justified_wildcards, nag_findings, nag_packs
from infra.stacks.data import DataStack
from infra.stacks.humans import HumansStack
from infra.stacks.network import NetworkStack

EXISTING_TEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/clinicians"
PACKS = ["AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"]


@dataclass(frozen=True)
class HumansApp:
    app: cdk.App
    stack: HumansStack
    outdir: Path

    @property
    def template(self) -> Template:
        return Template.from_stack(self.stack)


def _build(outdir: Path, feedback: dict[str, Any]) -> HumansApp:
    settings = settings_for_stage("dev", overrides={"feedback": {"enabled": True, **feedback}})
    app = cdk.App(context=read_cdk_json_context(), outdir=str(outdir))  # feature flags
    data = DataStack(app, "gt-test-data", settings=settings)
    network = NetworkStack(
        app,
        "gt-test-network",
        network=settings.network,
        flow_logs_bucket=data.access_logs_bucket,
        project_buckets=[data.raw_bucket, data.curated_bucket, data.artifacts_bucket],
    )
    stack = HumansStack(
        app,
        "gt-test-humans",
        name=settings.name,
        feedback=settings.feedback,
        key=data.key,
        artifacts_bucket=data.artifacts_bucket,
        vpc=network.vpc,
        subnets=network.isolated_subnets,
        security_group=network.functions_security_group,
    )
    acknowledge_justified_wildcards(app)
    app.synth()
    return HumansApp(app, stack, outdir)


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> HumansApp:
    return _build(tmp_path_factory.mktemp("humans-created"), {})


@pytest.fixture(scope="module")
def existing(tmp_path_factory: pytest.TempPathFactory) -> HumansApp:
    return _build(tmp_path_factory.mktemp("humans-existing"), {"workteam_arn": EXISTING_TEAM})


def _one(template: Template, rtype: str) -> dict[str, Any]:
    found = template.find_resources(rtype)
    assert len(found) == 1, f"expected one {rtype}, found {sorted(found)}"
    return next(iter(found.values()))


def _policy(template: Template, logical_prefix: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    [policy] = [p for k, p in policies.items() if k.startswith(logical_prefix)]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _text(value: Any) -> str:
    """A resource ARN as text: Fn::Join parts concatenated, tokens as their logical names."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_text(part) for part in value["Fn::Join"][1])
    if isinstance(value, dict) and "Ref" in value:
        return "{" + value["Ref"] + "}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "{" + ".".join(value["Fn::GetAtt"]) + "}"
    return str(value)


def _resources(statement: dict[str, Any]) -> list[str]:
    resources = statement["Resource"]
    return [_text(r) for r in (resources if isinstance(resources, list) else [resources])]


def test_workforce_user_pool_requires_mfa_and_admits_only_invited_workers(
    created: HumansApp,
) -> None:
    pool = _one(created.template, "AWS::Cognito::UserPool")["Properties"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 14


def test_private_workforce_is_created_on_the_user_pool(created: HumansApp) -> None:
    workforce = _one(created.template, "Custom::AWS")["Properties"]
    create = _text(workforce["Create"])
    assert '"action":"createWorkforce"' in create
    assert '"UserPool":"{Labelers' in create
    assert '"deleteWorkforce"' in _text(workforce["Delete"])


def test_workteam_members_are_the_stage_labelers_group(created: HumansApp) -> None:
    team = _one(created.template, "AWS::SageMaker::Workteam")["Properties"]
    group = _one(created.template, "AWS::Cognito::UserPoolGroup")["Properties"]
    member = team["MemberDefinitions"][0]["CognitoMemberDefinition"]
    assert member["CognitoUserGroup"] == group["GroupName"] == "fmops-dev-labelers"
    assert member["CognitoUserPool"]["Ref"].startswith("Labelers")
    assert team["WorkforceName"] == "fmops-dev-workforce"


def test_existing_workteam_is_used_and_no_workforce_is_created(existing: HumansApp) -> None:
    template = existing.template
    assert template.find_resources("AWS::Cognito::UserPool") == {}
    assert template.find_resources("AWS::SageMaker::Workteam") == {}
    assert template.find_outputs(WORKTEAM_OUTPUT)[WORKTEAM_OUTPUT]["Value"] == EXISTING_TEAM


def test_labeling_role_is_trusted_only_by_sagemaker_of_this_account(created: HumansApp) -> None:
    roles = created.template.find_resources("AWS::IAM::Role")
    [role] = [r for k, r in roles.items() if k.startswith("LabelingRole")]
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    output = created.template.find_outputs(LABELING_ROLE_OUTPUT)[LABELING_ROLE_OUTPUT]
    assert output["Value"]["Fn::GetAtt"][0] == next(
        k for k in roles if k.startswith("LabelingRole")
    )


def test_labeling_role_reads_only_tasks_and_writes_only_outputs(created: HumansApp) -> None:
    statements = {s["Sid"]: s for s in _policy(created.template, "LabelingPolicy")}
    reads = [r for s in statements.values() if "s3:GetObject" in s["Action"] for r in _resources(s)]
    writes = [
        r for s in statements.values() if "s3:PutObject" in s["Action"] for r in _resources(s)
    ]
    assert all(r.endswith(("/feedback/tasks/*", "/feedback/output/*")) for r in reads), reads
    assert writes and all(r.endswith("/feedback/output/*") for r in writes), writes
    listing = statements["ListTaskAndOutputPrefixes"]
    assert listing["Condition"]["StringLike"]["s3:prefix"] == [
        "feedback/tasks/*",
        "feedback/output/*",
    ]
    key = statements["UseDataKeyThroughS3"]
    assert key["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Join"][1][0] == "s3."
    invoke = statements["InvokeWorkflowFunctions"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    assert sorted(_resources(invoke)) == sorted(
        "{" + k + ".Arn}"
        for k in created.template.find_resources("AWS::Lambda::Function")
        if k.startswith(("PreAnnotation", "Consolidation"))
    )


def test_ground_truth_lambdas_run_in_the_vpc_with_dead_letters_and_encrypted_logs(
    created: HumansApp,
) -> None:
    functions = {
        k: f["Properties"]
        for k, f in created.template.find_resources("AWS::Lambda::Function").items()
        if k.startswith(("PreAnnotation", "Consolidation"))
    }
    assert len(functions) == 2
    queue = _one(created.template, "AWS::SQS::Queue")["Properties"]
    assert "KmsMasterKeyId" in queue
    log_groups = created.template.find_resources("AWS::Logs::LogGroup")
    for props in functions.values():
        assert props["VpcConfig"]["SubnetIds"], "not in the VPC"
        assert "TargetArn" in props["DeadLetterConfig"]
        assert props["ReservedConcurrentExecutions"] > 0
        group = log_groups[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert "KmsKeyId" in group
    handlers = sorted(p["Handler"] for p in functions.values())
    assert handlers == ["consolidation.handler", "pre_annotation.handler"]


def test_lambda_functions_may_read_only_ground_truth_outputs(created: HumansApp) -> None:
    statements = _policy(created.template, "FunctionPolicy")
    s3_resources = [r for s in statements if str(s["Action"]).count("s3:") for r in _resources(s)]
    assert s3_resources and all(r.endswith("/feedback/output/*") for r in s3_resources)


@pytest.mark.parametrize("index", range(len(PACKS)), ids=PACKS)
def test_nag_pack_has_no_unacknowledged_findings(created: HumansApp, index: int) -> None:
    assert nag_findings(nag_packs()[index], created.stack) == []


def test_cfn_lint_finds_nothing_in_the_template(created: HumansApp) -> None:
    template = created.outdir / f"{created.stack.artifact_id}.template.json"
    matches = lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
    # aws-cdk-lib's Function lists its role in DependsOn and also GetAtt's it: redundant,
    # harmless, and not our code (the same acceptance as the network stack's provider).
    found = [
        str(m)
        for m in matches
        if not (m.rule.id == "W3005" and ("FunctionRole" in str(m) or "ProviderRole" in str(m)))
    ]
    assert found == []
