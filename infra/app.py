"""Instantiate the project's stacks for one stage; shared by app.py, the delivery pipeline's
stages (infra/stacks/delivery.py) and the tests, so every route deploys the same stacks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import cx_api
from constructs import Construct

from deployment.contract import StackKind, stack_name
from deployment.settings import Settings, SettingsError
from infra.constructs.training_roles import PipelineData
from infra.nag import acknowledge_justified_wildcards, apply_nag_packs
from infra.stacks.bedrock import BedrockStack
from infra.stacks.budget import BudgetStack
from infra.stacks.data import DataStack
from infra.stacks.humans import HumansStack
from infra.stacks.network import NetworkStack
from infra.stacks.rag import RagStack
from infra.stacks.serving import ServingStack
from infra.stacks.training import TrainingPipelineStack


@dataclass(frozen=True)
class FmopsStacks:
    data: DataStack
    network: NetworkStack
    training: TrainingPipelineStack
    rag: RagStack | None
    bedrock: BedrockStack
    serving: ServingStack
    budget: BudgetStack | None = None
    humans: HumansStack | None = None

    def all(self) -> list[cdk.Stack]:
        """The stage's stacks that exist, in the order they are tagged and bounded."""
        stacks = (self.data, self.network, self.training, self.rag, self.bedrock, self.serving)
        return [s for s in (*stacks, self.budget, self.humans) if s is not None]


def refuse_missing_lookups(assembly: cx_api.CloudAssembly, *, under_cdk_cli: bool) -> None:
    """Refuse an assembly synthesized with placeholder lookups (outside the CDK CLI).

    The CDK CLI performs missing context lookups and synthesizes again; `python app.py` (make
    synth, the delivery pipeline's Synth step) cannot, and CDK has then written placeholder
    values (availability zones dummy1a...) into the templates.
    """
    # manifest.json itself: jsii cannot hand the typed manifest back to Python.
    manifest = json.loads((Path(assembly.directory) / "manifest.json").read_text())
    missing = [entry["key"] for entry in manifest.get("missing", [])]
    if missing and not under_cdk_cli:
        raise SettingsError(
            f"context lookups {missing}: not cached; set network.availability_zones for the "
            "stage, or run `npx cdk synth` once with credentials and commit cdk.context.json"
        )


def check_boundary_account(settings: Settings, boundary_arn: str) -> None:
    """A boundary must be a policy of the stage's own account (or an AWS managed policy): IAM
    refuses a role whose boundary lives in another account."""
    owner = boundary_arn.split(":")[4]
    if settings.account and owner not in ("aws", settings.account):
        raise SettingsError(
            f"security.permissions_boundary_arn = {boundary_arn!r}: must be a policy of the "
            f"stage's account {settings.account} (stage {settings.stage})"
        )


def build_stacks(scope: Construct, settings: Settings, *, nag: bool = True) -> FmopsStacks:
    """The stage's stacks under `scope`: the app itself, or a `cdk.Stage` of the delivery pipeline.

    Stack names are explicit so that inside a Stage they stay `<prefix>-<stage>-<purpose>` (a
    Stage would otherwise prefix them), which the CLI reads outputs by.
    """
    stacks = _stage_stacks(scope, settings)
    _tag_and_bound(stacks, settings)
    acknowledge_justified_wildcards(scope)
    if nag:
        apply_nag_packs(scope)
    return stacks


def _named(settings: Settings, kind: StackKind) -> dict[str, Any]:
    """Name and environment of one stack. Without account/region the stacks stay
    environment-agnostic: synth needs no credentials."""
    env = cdk.Environment(account=settings.account, region=settings.region)
    return {"stack_name": stack_name(settings, kind), "env": env}


def _stage_stacks(app: Construct, settings: Settings) -> FmopsStacks:
    """Each stack from the settings it needs and the typed attributes of the stacks before it."""
    data = DataStack(
        app, stack_name(settings, "data"), settings=settings, **_named(settings, "data")
    )
    network = NetworkStack(
        app,
        stack_name(settings, "network"),
        network=settings.network,
        flow_logs_bucket=data.access_logs_bucket,
        project_buckets=[data.raw_bucket, data.curated_bucket, data.artifacts_bucket],
        **_named(settings, "network"),
    )
    training = _training_stack(app, settings, data, network)
    rag = None
    if settings.rag.enabled:
        rag = RagStack(
            app,
            stack_name(settings, "rag"),
            rag=settings.rag,
            name=settings.name,
            key=data.key,
            curated_bucket=data.curated_bucket,
            **_named(settings, "rag"),
        )
    bedrock = _bedrock_stack(app, settings, data, network)
    serving = ServingStack(
        app,
        stack_name(settings, "serving"),
        settings=settings,
        key=data.key,
        artifacts_bucket=data.artifacts_bucket,
        bedrock_stack=bedrock,
        **_named(settings, "serving"),
    )
    humans = _humans_stack(app, settings, data, network) if settings.feedback.enabled else None
    budget = None
    if settings.cost.monthly_budget_usd is not None:
        budget = BudgetStack(
            app,
            stack_name(settings, "budget"),
            name=settings.name,
            cost=settings.cost,
            alarm_email=settings.alarm_email,
            **_named(settings, "budget"),
        )
    return FmopsStacks(data, network, training, rag, bedrock, serving, budget, humans)


def _training_stack(
    app: Construct, settings: Settings, data: DataStack, network: NetworkStack
) -> TrainingPipelineStack:
    return TrainingPipelineStack(
        app,
        stack_name(settings, "training"),
        settings=settings,
        data=PipelineData(
            data.key, data.raw_bucket, data.curated_bucket, data.artifacts_bucket, data.pii_salt
        ),
        vpc=network.vpc,
        subnets=network.isolated_subnets,
        training_security_group=network.training_security_group,
        endpoint_security_group=network.endpoint_security_group,
        **_named(settings, "training"),
    )


def _bedrock_stack(
    app: Construct, settings: Settings, data: DataStack, network: NetworkStack
) -> BedrockStack:
    return BedrockStack(
        app,
        stack_name(settings, "bedrock"),
        settings=settings,
        key=data.key,
        curated_bucket=data.curated_bucket,
        artifacts_bucket=data.artifacts_bucket,
        subnets=network.isolated_subnets,
        security_group=network.bedrock_jobs_security_group,
        vpc=network.vpc,
        **_named(settings, "bedrock"),
    )


def _humans_stack(
    app: Construct, settings: Settings, data: DataStack, network: NetworkStack
) -> HumansStack:
    return HumansStack(
        app,
        stack_name(settings, "humans"),
        name=settings.name,
        feedback=settings.feedback,
        key=data.key,
        artifacts_bucket=data.artifacts_bucket,
        vpc=network.vpc,
        subnets=network.isolated_subnets,
        security_group=network.functions_security_group,
        **_named(settings, "humans"),
    )


def _tag_and_bound(stacks: FmopsStacks, settings: Settings) -> None:
    """Tag the stage's stacks and put the permissions boundary on every role in them."""
    # Tag the stage's stacks, not the whole app: a delivery pipeline in the same app deploys
    # other stages, whose tags must not be overwritten.
    for stack in stacks.all():
        cdk.Tags.of(stack).add("project", settings.prefix)
        cdk.Tags.of(stack).add("stage", settings.stage)
    boundary_arn = settings.security.permissions_boundary_arn
    if boundary_arn:
        check_boundary_account(settings, boundary_arn)
        # An Aspect on each of this stage's stacks: every AWS::IAM::Role in them gets it,
        # including the ones CDK generates for custom-resource providers. Never on `scope`:
        # the app also holds the delivery stack (another account) and the other stages.
        boundary = iam.ManagedPolicy.from_managed_policy_arn(
            stacks.data, "PermissionsBoundary", boundary_arn
        )
        for stack in stacks.all():
            iam.PermissionsBoundary.of(stack).apply(boundary)
