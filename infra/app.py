"""Instantiate the project's stacks for one stage; shared by app.py and the tests."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from deployment.contract import stack_name
from deployment.settings import Settings
from infra.nag import acknowledge_justified_wildcards, apply_nag_packs
from infra.stacks.bedrock import BedrockStack
from infra.stacks.data import DataStack
from infra.stacks.network import NetworkStack
from infra.stacks.rag import RagStack
from infra.stacks.training import TrainingPipelineStack


@dataclass(frozen=True)
class FmopsStacks:
    data: DataStack
    network: NetworkStack
    training: TrainingPipelineStack
    rag: RagStack | None
    bedrock: BedrockStack


def build_stacks(app: cdk.App, settings: Settings, *, nag: bool = True) -> FmopsStacks:
    # Without account/region the stacks stay environment-agnostic: synth needs no credentials.
    env = cdk.Environment(account=settings.account, region=settings.region)
    data = DataStack(app, stack_name(settings, "data"), settings=settings, env=env)
    network = NetworkStack(
        app,
        stack_name(settings, "network"),
        settings=settings,
        flow_logs_bucket=data.access_logs_bucket,
        project_buckets=[data.raw_bucket, data.curated_bucket, data.artifacts_bucket],
        env=env,
    )
    training = TrainingPipelineStack(
        app,
        stack_name(settings, "training"),
        settings=settings,
        key=data.key,
        raw_bucket=data.raw_bucket,
        curated_bucket=data.curated_bucket,
        artifacts_bucket=data.artifacts_bucket,
        pii_salt=data.pii_salt,
        vpc=network.vpc,
        subnets=network.isolated_subnets,
        training_security_group=network.training_security_group,
        env=env,
    )
    rag = None
    if settings.rag.enabled:
        rag = RagStack(
            app,
            stack_name(settings, "rag"),
            rag=settings.rag,
            name=settings.name,
            key=data.key,
            curated_bucket=data.curated_bucket,
            env=env,
        )
    bedrock = BedrockStack(
        app,
        stack_name(settings, "bedrock"),
        settings=settings,
        key=data.key,
        curated_bucket=data.curated_bucket,
        artifacts_bucket=data.artifacts_bucket,
        subnets=network.isolated_subnets,
        security_group=network.training_security_group,
        env=env,
    )
    if settings.security.permissions_boundary_arn:
        # An Aspect over the whole app: every AWS::IAM::Role of every stack gets it, including
        # the ones CDK generates for custom-resource providers.
        boundary = iam.ManagedPolicy.from_managed_policy_arn(
            data, "PermissionsBoundary", settings.security.permissions_boundary_arn
        )
        iam.PermissionsBoundary.of(app).apply(boundary)
    cdk.Tags.of(app).add("project", settings.prefix)
    cdk.Tags.of(app).add("stage", settings.stage)
    acknowledge_justified_wildcards(app)
    if nag:
        apply_nag_packs(app)
    return FmopsStacks(data=data, network=network, training=training, bedrock=bedrock, rag=rag)
