"""The opt-in delivery pipeline: source -> synth -> dev -> approval -> prod, same stacks as app.py.

One app is synthesized for the module, as app.py builds it with `-c stage=prod` and delivery
enabled: prod's own stacks at the top level, plus the pipeline with its dev and prod stages.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from deployment.settings import Settings, SettingsError, load_settings, read_cdk_json_context
from infra.app import build_stacks, refuse_missing_lookups
from infra.nag import nag_findings, nag_packs
from infra.stacks.budget import BudgetStack
from infra.stacks.delivery import DeliveryStack, build_delivery

TOOLING, DEV, PROD = "111111111111", "222222222222", "333333333333"
CONNECTION = (
    f"arn:aws:codeconnections:us-east-1:{TOOLING}:connection/12345678-1234-1234-1234-123456789012"
)
PURPOSES = ("data", "network", "training", "bedrock", "serving", "budget")
DEV_ZONES = ("us-east-1a", "us-east-1b")
PROD_BOUNDARY = f"arn:aws:iam::{PROD}:policy/platform-boundary"


def delivery_context() -> dict[str, Any]:
    context = read_cdk_json_context()
    context["fmops"]["delivery"] = {
        "enabled": True,
        "connection_arn": CONNECTION,
        "repository": "acme/fmops",
        "account": TOOLING,
        "region": "us-east-1",
    }
    stages = context["fmops:stages"]
    stages["dev"].update(
        account=DEV,
        region="us-east-1",
        models={"share_with_accounts": [PROD]},
        network={"availability_zones": list(DEV_ZONES)},
    )
    stages["prod"].update(
        account=PROD,
        region="us-east-1",
        alarm_email="mlops@example.com",
        cost={"monthly_budget_usd": 5000},
        # A boundary of the prod account: it must reach prod's roles only.
        security={"permissions_boundary_arn": PROD_BOUNDARY},
    )
    context["stage"] = "prod"
    return context


@dataclass(frozen=True)
class Delivered:
    app: cdk.App
    delivery: DeliveryStack
    outdir: Path
    template: dict[str, Any]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Delivered:
    outdir = tmp_path_factory.mktemp("delivery.out")
    context = delivery_context()
    app = cdk.App(context=context, outdir=str(outdir))
    settings = load_settings(app.node.get_all_context())
    build_stacks(app, settings, nag=False)  # app.py, -c stage=prod
    delivery = build_delivery(app, app.node.get_all_context(), settings)
    assert delivery is not None
    app.synth()
    template = json.loads((outdir / "fmops-delivery.template.json").read_text())
    return Delivered(app, delivery, outdir, template)


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def _stages(delivered: Delivered) -> list[dict[str, Any]]:
    (pipeline,) = _resources(delivered.template, "AWS::CodePipeline::Pipeline")
    return pipeline["Stages"]


def test_pipeline_runs_source_synth_dev_then_approval_then_prod(delivered: Delivered) -> None:
    stages = _stages(delivered)
    names = [s["Name"] for s in stages]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]
    assert names.index("Dev") < names.index("Prod") == len(names) - 1
    dev, prod = stages[names.index("Dev")], stages[names.index("Prod")]
    approvals = [a for a in prod["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]
    deploys = [a for a in prod["Actions"] if a["ActionTypeId"]["Category"] == "Deploy"]
    assert [a["Name"] for a in approvals] == ["PromoteToProd"] and deploys  # README's name
    assert approvals[0]["RunOrder"] < min(a["RunOrder"] for a in deploys)
    assert not [a for a in dev["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]


def test_source_is_the_codeconnections_connection(delivered: Delivered) -> None:
    (source,) = _stages(delivered)[0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == CONNECTION
    assert source["Configuration"]["FullRepositoryId"] == "acme/fmops"
    assert source["Configuration"]["BranchName"] == "main"


def test_synth_runs_make_test_and_make_synth_for_every_stage(delivered: Delivered) -> None:
    specs = [
        p["Source"]["BuildSpec"] for p in _resources(delivered.template, "AWS::CodeBuild::Project")
    ]
    synth = next(_buildspec(s) for s in specs if "make test" in json.dumps(s))
    commands = synth["phases"]["build"]["commands"]
    assert commands == ["make test", "make synth STAGE=dev", "make synth STAGE=prod"]


def _buildspec(spec: Any) -> dict[str, Any]:
    """A BuildSpec, with the tokens of an Fn::Join (registry domains) replaced by TOKEN."""
    if isinstance(spec, dict):
        (parts,) = [spec["Fn::Join"][1]]
        spec = "".join(p if isinstance(p, str) else "TOKEN" for p in parts)
    return dict(json.loads(spec))


def test_each_stage_deploys_into_its_own_account(delivered: Delivered) -> None:
    stages = {s["Name"]: s for s in _stages(delivered)}
    for name, account in (("Dev", DEV), ("Prod", PROD)):
        roles = {
            json.dumps(a.get("RoleArn"))
            for a in stages[name]["Actions"]
            if a["ActionTypeId"]["Category"] == "Deploy"
        }
        assert roles and all(f"deploy-role-{account}-us-east-1" in r for r in roles)


def test_artifacts_are_encrypted_with_a_rotating_cross_account_key(delivered: Delivered) -> None:
    template = Template.from_json(delivered.template)
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    key_policy = json.dumps(_resources(delivered.template, "AWS::KMS::Key")[0]["KeyPolicy"])
    assert f"deploy-role-{DEV}" in key_policy and f"deploy-role-{PROD}" in key_policy
    bucket = next(
        b
        for b in _resources(delivered.template, "AWS::S3::Bucket")
        if "BucketEncryption" in b and "aws:kms" in json.dumps(b["BucketEncryption"])
    )
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "artifacts/"


def _templates_by_stack_name(assembly: Path, stage: str) -> dict[str, dict[str, Any]]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    stacks = {
        # stackName is written only where it differs from the artifact id (nested stages)
        artifact["properties"].get("stackName", artifact_id): artifact["properties"]
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    return {
        name: json.loads((assembly / properties["templateFile"]).read_text())
        for name, properties in stacks.items()
        if name.startswith(f"fmops-{stage}-")
    }


def _without_construct_paths(template: dict[str, Any], stage_path: str) -> dict[str, Any]:
    """The template with the stage's place in the app taken out.

    A stack inside a Stage has a longer construct path; CDK writes paths into `Name` tags and
    into the logical ids of self-referencing security-group rules (the peer's path and its
    hash). Nothing else may differ.
    """
    text = json.dumps(template).replace(f"{stage_path}/", "")
    resources = json.loads(text)["Resources"]
    flat = stage_path.replace("/", "").replace("-", "")

    def key(logical_id: str) -> str:
        trimmed = re.sub(r"[0-9A-F]{8}$", "", logical_id.replace(flat, ""))
        # the peer's path hash in security-group rule ids (all traffic, or a port like 443)
        return re.sub(r"[0-9A-F]{8}(?=(ALLTRAFFIC|\d+)$)", "", trimmed)

    keyed = {key(lid): r for lid, r in resources.items()}
    assert len(keyed) == len(resources)
    return {**json.loads(text), "Resources": keyed}


def test_stage_stacks_equal_the_stacks_app_py_builds(delivered: Delivered) -> None:
    top = _templates_by_stack_name(delivered.outdir, "prod")
    staged = _templates_by_stack_name(delivered.outdir / "assembly-fmops-delivery-Prod", "prod")
    assert sorted(top) == sorted(staged) == sorted(f"fmops-prod-{p}" for p in PURPOSES)
    for name, template in top.items():
        assert _without_construct_paths(template, "fmops-delivery/Prod") == (
            _without_construct_paths(staged[name], "fmops-delivery/Prod")
        ), name


def test_prod_can_read_models_registered_in_dev(delivered: Delivered) -> None:
    dev = delivered.outdir / "assembly-fmops-delivery-Dev"
    dev_stacks = _templates_by_stack_name(dev, "dev")
    training = dev_stacks["fmops-dev-training"]
    (group,) = _resources(training, "AWS::SageMaker::ModelPackageGroup")
    (statement,) = group["ModelPackageGroupPolicy"]["Statement"]
    assert statement["Principal"]["AWS"] == [f"arn:aws:iam::{PROD}:root"]
    assert set(statement["Action"]) == {
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:DescribeModelPackage",
        "sagemaker:ListModelPackages",
    }
    data = dev_stacks["fmops-dev-data"]
    policies = json.dumps(_resources(data, "AWS::S3::BucketPolicy"))
    assert f"arn:aws:iam::{PROD}:root" in policies and "/Train/model/*" in policies
    prod_training = json.loads((delivered.outdir / "fmops-prod-training.template.json").read_text())
    (prod_group,) = _resources(prod_training, "AWS::SageMaker::ModelPackageGroup")
    assert "ModelPackageGroupPolicy" not in prod_group  # nobody downstream of prod


@pytest.mark.parametrize("index", range(3), ids=["AwsSolutions", "HIPAA", "NIST"])
def test_nag_packs_find_nothing_unacknowledged(delivered: Delivered, index: int) -> None:
    assert nag_findings(nag_packs()[index], delivered.app) == []


def test_a_stage_without_an_account_is_refused() -> None:
    context = delivery_context()
    del context["fmops:stages"]["prod"]["account"]
    app = cdk.App(context=context)
    settings = load_settings(context)
    with pytest.raises(SettingsError, match=r"settings.account \(stage prod\) = None"):
        build_delivery(app, context, settings)


def test_delivery_is_not_built_unless_enabled() -> None:
    context = read_cdk_json_context()
    assert build_delivery(cdk.App(), context, load_settings(context)) is None


def _budget_settings(**cost: Any) -> Settings:
    context = copy.deepcopy(read_cdk_json_context())
    context["fmops:stages"]["dev"].update(alarm_email="mlops@example.com", cost=cost)
    return load_settings(context)


def test_budget_alerts_the_stage_alarm_email() -> None:
    settings = _budget_settings(monthly_budget_usd=800, budget_alert_percent=75)
    template = Template.from_stack(
        BudgetStack(
            cdk.App(),
            "b",
            name=settings.name,
            cost=settings.cost,
            alarm_email=settings.alarm_email,
        )
    )
    (budget,) = template.find_resources("AWS::Budgets::Budget").values()
    props = budget["Properties"]
    assert props["Budget"]["BudgetLimit"] == {"Amount": 800, "Unit": "USD"}
    assert props["Budget"]["BudgetName"] == "fmops-dev-monthly"
    notes = {
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"]): n["Subscribers"]
        for n in props["NotificationsWithSubscribers"]
    }
    email = [{"SubscriptionType": "EMAIL", "Address": "mlops@example.com"}]
    assert notes == {("ACTUAL", 75): email, ("FORECASTED", 100): email}


def test_budget_without_an_alarm_email_is_refused() -> None:
    context = copy.deepcopy(read_cdk_json_context())
    context["fmops:stages"]["dev"]["cost"] = {"monthly_budget_usd": 800}
    with pytest.raises(SettingsError, match=r"settings\.alarm_email = None: required when"):
        load_settings(context)


def test_delivery_enabled_without_a_source_is_refused() -> None:
    context = copy.deepcopy(read_cdk_json_context())
    context["fmops"]["delivery"] = {"enabled": True}
    with pytest.raises(SettingsError, match="also set connection_arn and repository"):
        load_settings(context)


def test_sharing_with_a_malformed_account_is_refused() -> None:
    context = copy.deepcopy(read_cdk_json_context())
    context["fmops"].setdefault("models", {})["share_with_accounts"] = ["prod"]
    with pytest.raises(SettingsError, match="account 'prod': must be 12 digits"):
        load_settings(context)


def _stage_templates(delivered: Delivered) -> dict[str, dict[str, Any]]:
    """Every stack template of the app: prod at the top level and both pipeline stages."""
    templates = {}
    for assembly, stage in (
        (delivered.outdir, "prod"),
        (delivered.outdir / "assembly-fmops-delivery-Dev", "dev"),
        (delivered.outdir / "assembly-fmops-delivery-Prod", "prod"),
    ):
        for name, template in _templates_by_stack_name(assembly, stage).items():
            templates[f"{assembly.name}/{name}"] = template
    return templates


def test_pinned_stages_use_configured_or_deploy_time_zones_never_placeholders(
    delivered: Delivered,
) -> None:
    prod = load_settings({**delivery_context(), "stage": "prod"})
    assert not prod.network.availability_zones
    count = prod.network.az_count
    deploy_time = [{"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in range(count)]
    checked = 0
    for name, template in _stage_templates(delivered).items():
        zones = [s["AvailabilityZone"] for s in _resources(template, "AWS::EC2::Subnet")]
        if not zones:
            continue
        checked += 1
        if "-Dev/" in name:  # dev configures its zones
            assert set(zones) == set(DEV_ZONES), (name, zones)
        else:  # prod does not: CloudFormation lists the Region's zones at deploy time
            assert sorted(map(json.dumps, zones)) == sorted(map(json.dumps, deploy_time)), name
    assert checked == 3  # prod at the top level, and both pipeline stages


def test_synth_outside_the_cli_refuses_placeholder_lookups(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Pinned", env=cdk.Environment(account=DEV, region="us-east-1"))
    cdk.CfnOutput(stack, "Zones", value=cdk.Fn.join(",", stack.availability_zones))
    assembly = app.synth()
    with pytest.raises(SettingsError, match="availability-zones:account="):
        refuse_missing_lookups(assembly, under_cdk_cli=False)
    refuse_missing_lookups(assembly, under_cdk_cli=True)  # the CLI looks them up itself


def test_asset_jobs_log_in_to_both_aws_base_image_registries(delivered: Delivered) -> None:
    specs = [
        json.dumps(p["Source"]["BuildSpec"])
        for p in _resources(delivered.template, "AWS::CodeBuild::Project")
        if "cdk-assets" in json.dumps(p["Source"]["BuildSpec"])
    ]
    assert specs
    for spec in specs:  # every asset job logs in to both registries
        for registry in ("763104351884", "658645717510"):
            assert f"{registry}.dkr.ecr.us-east-1." in spec, registry
    pulls = [
        s
        for p in _resources(delivered.template, "AWS::IAM::Policy")
        for s in p["PolicyDocument"]["Statement"]
        if "ecr:BatchGetImage" in json.dumps(s["Action"])
    ]
    granted = json.dumps([s["Resource"] for s in pulls])
    assert ":763104351884:repository/pytorch-training" in granted
    assert ":658645717510:repository/smdistributed-modelparallel" in granted


def test_the_delivery_stack_roles_carry_no_stage_boundary(delivered: Delivered) -> None:
    roles = _resources(delivered.template, "AWS::IAM::Role")
    assert roles and not [r for r in roles if "PermissionsBoundary" in r], "delivery roles"
    checked = 0
    for name, template in _stage_templates(delivered).items():
        bounded = {
            json.dumps(r.get("PermissionsBoundary")) for r in _resources(template, "AWS::IAM::Role")
        }
        if "fmops-prod-" in name:
            assert bounded <= {json.dumps(PROD_BOUNDARY)}, name
            checked += len(bounded)
        else:
            assert bounded <= {"null"}, name
    assert checked >= 2  # prod's roles, at the top level and in the pipeline's Prod stage


def test_a_boundary_of_another_account_is_refused() -> None:
    context = delivery_context()
    context["fmops:stages"]["dev"]["security"] = {"permissions_boundary_arn": PROD_BOUNDARY}
    settings = load_settings({**context, "stage": "dev"})
    with pytest.raises(SettingsError, match="must be a policy of the stage's account"):
        build_stacks(cdk.App(context=context), settings, nag=False)
