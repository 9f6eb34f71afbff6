"""Opt-in promotion pipeline (CDK Pipelines): source -> synth -> dev -> approval -> prod.

- Source: a CodeConnections connection to the repository (`delivery.connection_arn`).
- Synth: `make test`, then `make synth STAGE=<stage>` for every stage (cdk-nag runs in each), on
  a CodeBuild image with Python and Node; the last synth's `cdk.out` is the pipeline's assembly.
- Stages: each deploys `infra.app.build_stacks` for that stage's Settings (the very function
  app.py uses) into the stage's own account/region; every stage after the first waits for a
  manual approval.
- Cross-account: `cross_account_keys=True` gives the artifact bucket a KMS key that the stage
  accounts' CDK deploy roles may use (they must be bootstrapped with `--trust` the pipeline
  account); the key rotates.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct

from deployment.settings import STAGE_KEY, DeliverySettings, Settings, SettingsError, load_settings
from infra.app import FmopsStacks, build_stacks
from infra.constructs.secure_bucket import SecureBucket, SecureBucketProps
from infra.nag import WILDCARD_RULE, acknowledge, acknowledge_justified_wildcards, skip_checkov

# Python 3.11+ and Node 20 (the CDK CLI's jsii runtime), per the CodeBuild image reference
# ("Docker images provided by CodeBuild", standard:7.0).
SYNTH_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0


def check_stage_targets(delivery: DeliverySettings, stages: list[Settings]) -> None:
    """Every pipeline stage needs an account and a region: CDK Pipelines deploys into them."""
    for settings in stages:
        for key in ("account", "region"):
            if getattr(settings, key) is None:
                raise SettingsError(
                    f"settings.{key} (stage {settings.stage}) = None: required when "
                    "delivery.enabled (each stage deploys to its own account/region)"
                )
    if [s.stage for s in stages] != list(delivery.stages):
        raise SettingsError(f"delivery.stages = {list(delivery.stages)}: settings do not match")


def check_account_wide_owners(stages: list[Settings]) -> None:
    """Bedrock invocation logging is one configuration per account and Region: two stages
    there that both set it would overwrite each other, and deleting either would turn it off
    for both."""
    owners: dict[tuple[str | None, str | None], str] = {}
    for settings in stages:
        if not settings.serving.invocation_logging:
            continue
        target = (settings.account, settings.region)
        if target in owners:
            raise SettingsError(
                f"serving.invocation_logging (stage {settings.stage}) = True: stage "
                f"{owners[target]} already owns invocation logging in {target[0]}/{target[1]}; "
                "turn it on in one stage per account and Region"
            )
        owners[target] = settings.stage


def base_image_registries(scope: Construct, stages: list[Settings]) -> list[list[ecr.IRepository]]:
    """The AWS-owned repositories the stages' training images build FROM (Deep Learning
    Containers 763104351884, SMP 658645717510), grouped by registry (account and region): the
    asset jobs log in to each before `docker build` pulls the base image."""
    registries: dict[str, dict[str, ecr.IRepository]] = {}
    partition = cdk.Stack.of(scope).partition
    for settings in stages:
        training = settings.training
        for image in (training.training_image, training.processing_image):
            uri = image.base_image.replace("${AWS::Region}", settings.region or "us-east-1")
            registry, _, path = uri.partition("/")
            account, region = registry.split(".")[0], registry.split(".")[3]
            name = path.split(":")[0]
            arn = f"arn:{partition}:ecr:{region}:{account}:repository/{name}"
            repositories = registries.setdefault(registry, {})
            if arn not in repositories:
                construct_id = f"BaseImage{sum(len(r) for r in registries.values())}"
                repositories[arn] = ecr.Repository.from_repository_attributes(
                    scope, construct_id, repository_arn=arn, repository_name=name
                )
    return [list(repositories.values()) for repositories in registries.values()]


class FmopsStage(cdk.Stage):
    """One stage's stacks, exactly as app.py builds them for `-c stage=<name>`."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings) -> None:
        super().__init__(
            scope,
            construct_id,
            env=cdk.Environment(account=settings.account, region=settings.region),
        )
        # nag packs are applied once, on the app (they cover nested stages).
        self.stacks: FmopsStacks = build_stacks(self, settings, nag=False)


class DeliveryStack(cdk.Stack):
    """The self-mutating CodePipeline that promotes the stages in order."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        delivery: DeliverySettings,
        stages: list[Settings],
        prefix: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        check_stage_targets(delivery, stages)
        assert delivery.connection_arn and delivery.repository  # DeliverySettings checks it
        source = pipelines.CodePipelineSource.connection(
            delivery.repository, delivery.branch, connection_arn=delivery.connection_arn
        )
        synth = pipelines.ShellStep(
            "Synth",
            input=source,
            install_commands=["npm ci"],
            commands=[
                "make test",
                *(f"make synth STAGE={settings.stage}" for settings in stages),
            ],
            primary_output_directory="cdk.out",
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{prefix}-delivery",
            synth=synth,
            cross_account_keys=True,
            enable_key_rotation=True,
            # One login per registry (account and region): a credential covers one domain.
            docker_credentials=[
                pipelines.DockerCredential.ecr(repositories)
                for repositories in base_image_registries(self, stages)
            ],
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=SYNTH_IMAGE)
            ),
        )
        self.stages: list[FmopsStage] = []
        for index, settings in enumerate(stages):
            stage = FmopsStage(self, settings.stage.capitalize(), settings=settings)
            pre = []
            if index > 0:
                pre = [
                    pipelines.ManualApprovalStep(
                        f"PromoteTo{settings.stage.capitalize()}",
                        comment=f"Deploy to {settings.name} "
                        f"({settings.account}/{settings.region}) what {stages[index - 1].name} "
                        "runs now?",
                    )
                ]
            self.pipeline.add_stage(stage, pre=pre)
            self.stages.append(stage)
        self.pipeline.build_pipeline()
        self._grant_use_connection(delivery.connection_arn)
        self._ignore_relabelled_lint_hint()
        self._harden_artifact_bucket()
        self._acknowledge_generated_grants()
        self._skip_checkov_on_generated_asset_policies()
        acknowledge_justified_wildcards(self.pipeline)

    def _grant_use_connection(self, connection_arn: str) -> None:
        """UseConnection under the connection ARN's own service prefix.

        CDK Pipelines grants `codestar-connections:UseConnection`; a connection created since the
        rename has a `codeconnections` ARN, and "the service prefix needs to match that of the
        resource" ("Connections rename - Summary of changes", Developer Tools console guide,
        https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html). Found by the
        runtime contract (the source action's call was denied).
        """
        service = connection_arn.split(":")[2]
        if service == "codestar-connections":
            return
        source_stage = self.pipeline.pipeline.node.find_child("Source")
        (source,) = [
            c
            for c in source_stage.node.find_all()
            if isinstance(c, iam.Role) and c.node.id == "CodePipelineActionRole"
        ]
        source.add_to_principal_policy(
            iam.PolicyStatement(actions=[f"{service}:UseConnection"], resources=[connection_arn])
        )

    def _ignore_relabelled_lint_hint(self) -> None:
        """cfn-lint E3703 off on the CodePipeline resource only, where it is a false positive.

        CDK Pipelines writes each cross-account action's role ARN as
        Fn::Join ["", ["arn:", Ref AWS::Partition, ":iam::<account>:role/..."]]: valid, and the
        ARN it resolves to passes E3703's role-ARN format check. E3703 (cfn-lint 1.58) re-labels
        every finding of that check as its own error, including I1022's informational "prefer
        Fn::Sub over Fn::Join", which cfn-lint itself skips on CDK templates. The Join is CDK's,
        not configurable here. E3703's other check (TemplatePath names an input artifact) is
        lost with it; CDK Pipelines writes both from the same artifact object.
        """
        cfn = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn, cdk.CfnResource)
        cfn.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3703"]}})

    def _harden_artifact_bucket(self) -> None:
        """Versioning and access logs on the artifact bucket CDK Pipelines creates.

        `cross_account_keys=True` needs the bucket (and its key) the pipeline makes itself, so
        the project's SecureBucket defaults are added through the L1 resource.
        """
        bucket = self.pipeline.pipeline.artifact_bucket
        logs = SecureBucket(
            self,
            "AccessLogs",
            SecureBucketProps(
                extra_lifecycle_rules=[
                    s3.LifecycleRule(id="expire-access-logs", expiration=cdk.Duration.days(365))
                ],
            ),
            encryption_key=None,
            access_logs=None,
        )
        # S3 server access logging writes as the logging service principal (S3 user guide,
        # "Permissions for log delivery"), limited to this account and the artifact bucket.
        logs.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                resources=[logs.arn_for_objects("artifacts/*")],
                conditions={
                    "ArnLike": {"aws:SourceArn": bucket.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": self.account},
                },
            )
        )
        cfn = bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        cfn.versioning_configuration = s3.CfnBucket.VersioningConfigurationProperty(
            status="Enabled"
        )
        cfn.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=logs.bucket_name, log_file_prefix="artifacts/"
        )
        acknowledge(
            logs,
            ["HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
            "S3 server access log delivery supports only SSE-S3 on the destination bucket; "
            "the logs hold request metadata, not pipeline artifacts.",
        )
        skip_checkov(
            logs,
            "CKV_AWS_18",
            "This is the access-log destination; logging it to itself would loop.",
        )
        acknowledge(
            logs,
            [
                "AwsSolutions-S1",
                "HIPAA.Security-S3BucketLoggingEnabled",
                "NIST.800.53.R5-S3BucketLoggingEnabled",
            ],
            "This is the access-log destination; logging it to itself would loop.",
        )
        for scope in (self.pipeline, logs):
            acknowledge(
                scope,
                [
                    "HIPAA.Security-S3BucketReplicationEnabled",
                    "NIST.800.53.R5-S3BucketReplicationEnabled",
                ],
                "Pipeline artifacts and their access logs are rebuilt or re-written on every "
                "run; a replica in another region would hold transient copies, no recovery value.",
            )

    def _skip_checkov_on_generated_asset_policies(self) -> None:
        """CKV_AWS_111 on the asset-publishing roles' policies, which CDK Pipelines writes."""
        for construct in self.pipeline.node.find_all():
            path = construct.node.path
            if isinstance(construct, iam.CfnPolicy) and "/Assets/" in path:
                skip_checkov(
                    construct,
                    "CKV_AWS_111",
                    "Generated by CDK Pipelines for its asset-publishing CodeBuild role: "
                    "codebuild:StartBuild/StopBuild on the asset projects it creates and "
                    "ecr:GetAuthorizationToken, which takes no resource; not configurable.",
                )

    def _acknowledge_generated_grants(self) -> None:
        """What CDK Pipelines grants its own roles, scoped as far as it allows; said per concern.

        Attached to the pipeline construct, never the stack: the stages nested in this stack
        must pass the packs on their own.
        """
        acknowledge(
            self.pipeline,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "Each inline policy is generated by CDK Pipelines for exactly one of its roles and "
            "is deleted with it; CDK Pipelines offers no managed-policy option for them.",
        )
        acknowledge(
            self.pipeline,
            "HIPAA.Security-CodeBuildProjectSourceRepoUrl",
            "The CodeBuild projects take their source from CodePipeline artifacts (source type "
            "CODEPIPELINE); the repository is reached through a CodeConnections connection, so no "
            "URL or token is stored in any project.",
        )
        # These policies are generated by CDK Pipelines, with tokens and names only it knows, so
        # exact (action, resource) pairs cannot be declared for them as for our own policies.
        # Each finding inside the pipeline construct that one of these substrings names is
        # acknowledged on its own resource, with the reason for that kind of grant.
        for substrings, reason in GENERATED_WILDCARDS:
            _acknowledge_generated(self.pipeline, substrings, reason)


GENERATED_WILDCARDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("Action::s3:", "Action::kms:", "Resource::<PipelineArtifactsBucket"),
        "CDK Pipelines grants read/write of objects in its own KMS-encrypted artifact bucket "
        "only, with its own key; object keys are generated per execution.",
    ),
    (
        ("log-group:/aws/codebuild/", ":report-group/"),
        "CodeBuild writes logs and reports under its own project-named groups, created at "
        "run time.",
    ),
    (
        (":role/*",),
        "Self-mutation may assume only roles tagged aws-cdk:bootstrap-role (deploy and asset "
        "publishing roles of the CDK bootstrap), a condition on the same statement.",
    ),
    (
        ("Resource::*",),
        "codebuild:StartBuild/BatchGetBuilds for the asset projects this pipeline creates, "
        "and cloudformation:DescribeStacks/s3:ListBucket that `cdk deploy` uses to read the "
        "bootstrap version during self-mutation, are granted by CDK Pipelines unscoped.",
    ),
)


def _acknowledge_generated(scope: Construct, substrings: tuple[str, ...], reason: str) -> None:
    """Acknowledge IAM5 findings of CDK-Pipelines-generated policies under `scope` only."""
    report = AwsSolutionsChecks().validate_scope(scope)
    for violation in report.violations:
        if not violation.rule_name.startswith(WILDCARD_RULE):
            continue
        if not any(part in violation.rule_name for part in substrings):
            continue
        for found in violation.violating_resources:
            if found.construct_path:
                construct: IConstruct = scope.node.root
                for part in found.construct_path.split("/"):
                    construct = construct.node.find_child(part)
                acknowledge(construct, violation.rule_name, reason)


def build_delivery(
    app: cdk.App, context: dict[str, Any], settings: Settings
) -> DeliveryStack | None:
    """The DeliveryStack when `delivery.enabled`, with each stage's Settings from the context."""
    delivery = settings.delivery
    if not delivery.enabled:
        return None
    stages = [load_settings({**context, STAGE_KEY: name}) for name in delivery.stages]
    check_stage_targets(delivery, stages)
    check_account_wide_owners(stages)
    first = stages[0]
    return DeliveryStack(
        app,
        f"{settings.prefix}-delivery",
        delivery=delivery,
        stages=stages,
        prefix=settings.prefix,
        env=cdk.Environment(
            account=delivery.account or first.account, region=delivery.region or first.region
        ),
    )
