"""Bedrock model customization as infrastructure: service role, job workflow, guardrails.

There is no CloudFormation resource for a customization job, so the stack deploys what runs one
(a state machine started by `fmops bedrock submit`) and what guards the resulting model at
inference time (one Bedrock Guardrail per use case, with a published version).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from deployment.bedrock_settings import DeniedTopic
from deployment.contract import (
    RFT_GRADER_OUTPUT,
    SERVICE_ROLE_OUTPUT,
    STATE_MACHINE_OUTPUT,
    TOPIC_OUTPUT,
    guardrail_output,
)
from deployment.settings import Settings
from infra.constructs.bedrock_job_role import MODEL_KEY_ACTIONS, bedrock_job_arns, bedrock_job_role
from infra.constructs.customization_workflow import (
    CustomizationWorkflow,
    CustomizationWorkflowProps,
    JobStorage,
    WorkflowOps,
)
from infra.constructs.encrypted_log_group import encrypted_log_group
from infra.constructs.guardrail import guardrail_fingerprint, guardrail_properties
from infra.constructs.model_arns import invocable_models
from infra.constructs.rft_grader import RftGrader, RftGraderProps
from infra.constructs.secure_bucket import SecureBucket
from infra.constructs.vpc_function import FunctionPlacement
from infra.constructs.workflow_role import LOG_DELIVERY_ACTIONS, XRAY_ACTIONS
from infra.nag import justify_wildcards
from pipelines.serving.catalog import ON_DEMAND_BASE_MODELS

VPC_DESCRIBE = [
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
]
ENI_MANAGEMENT = [
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
]


class BedrockStack(cdk.Stack):
    """Service role, customization workflow, notifications and guardrails."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: kms.IKey,
        curated_bucket: SecureBucket,
        artifacts_bucket: SecureBucket,
        subnets: ec2.SelectedSubnets,
        security_group: ec2.ISecurityGroup,
        vpc: ec2.IVpc,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cfg = settings.bedrock

        self.service_role = self._service_role(
            settings, key, curated_bucket, artifacts_bucket, subnets, security_group
        )
        # Imported views of the data stack's resources: grants made through them (by the
        # Step Functions task) stay in this stack's IAM policies instead of editing the data
        # stack's bucket and key policies, which would make the two stacks depend on each other.
        curated = s3.Bucket.from_bucket_attributes(
            self, "CuratedRef", bucket_arn=curated_bucket.arn_in(self)
        )
        artifacts = s3.Bucket.from_bucket_attributes(
            self, "ArtifactsRef", bucket_arn=artifacts_bucket.arn_in(self)
        )
        data_key = kms.Key.from_key_arn(self, "DataKeyRef", key.key_arn)

        log_group = self._operations(settings)
        self._customization(
            settings,
            log_group,
            JobStorage(data_bucket=curated, output_bucket=artifacts, model_key=data_key),
            FunctionPlacement(vpc, subnets.subnets, security_group),
        )
        self._guardrails(settings.name, cfg.denied_topics)
        self._acknowledge_findings(settings)
        cdk.CfnOutput(self, STATE_MACHINE_OUTPUT, value=self.state_machine.state_machine_arn)
        cdk.CfnOutput(self, SERVICE_ROLE_OUTPUT, value=self.service_role.role_arn)
        cdk.CfnOutput(self, TOPIC_OUTPUT, value=self.topic.topic_arn)
        cdk.CfnOutput(self, RFT_GRADER_OUTPUT, value=self.grader.function_arn)

    def _operations(self, settings: Settings) -> logs.LogGroup:
        """The ops key, the workflow's log group and the job-events topic."""
        # Operations key for the log group and the topic: both services must be named in the
        # key policy, which the data key (another stack) should not have to know about.
        self.ops_key = kms.Key(
            self,
            "OpsKey",
            alias=f"alias/{settings.name}-bedrock-ops",
            description=f"{settings.name}: Bedrock workflow logs and notifications",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs may use the key only for the log groups named in its policy.
        log_group = encrypted_log_group(
            self,
            "WorkflowLogs",
            log_group_name=f"/aws/vendedlogs/states/{settings.name}-bedrock-customization",
            key=self.ops_key,
        )
        self.topic = sns.Topic(
            self,
            "JobEvents",
            display_name=f"{settings.name} Bedrock customization jobs",
            master_key=self.ops_key,
            enforce_ssl=True,
        )
        if settings.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        return log_group

    def _customization(
        self,
        settings: Settings,
        log_group: logs.ILogGroup,
        storage: JobStorage,
        placement: FunctionPlacement,
    ) -> None:
        """The RFT grader and the customization workflow that submits jobs to it."""
        # Reinforcement fine-tuning's grader: the project's rule rewards.
        self.grader = RftGrader(
            self,
            "RftGrader",
            props=RftGraderProps(name=settings.name),
            key=self.ops_key,
            placement=placement,
        )
        self.service_policy.add_statements(self.grader.invoke_statement)
        self.workflow = CustomizationWorkflow(
            self,
            "Customization",
            props=customization_workflow_props(settings),
            service_role=self.service_role,
            storage=storage,
            subnets=list(placement.subnets),
            security_group=placement.security_group,
            ops=WorkflowOps(topic=self.topic, topic_key=self.ops_key, log_group=log_group),
            grader_arn=self.grader.function_arn,
        )
        self.state_machine = self.workflow.state_machine

    def _guardrails(self, name: str, denied_topics: Mapping[str, tuple[DeniedTopic, ...]]) -> None:
        """One guardrail and published version per use case, under a key of their own."""
        # Guardrails get a key of their own: invokers need kms:Decrypt on it, which they must
        # not get on the data key that protects raw PHI ("(Optional) Create a customer managed
        # key for your guardrail", Bedrock user guide,
        # https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-kms.html).
        self.guardrail_key = kms.Key(
            self,
            "GuardrailKey",
            alias=f"alias/{name}-guardrails",
            description=f"{name}: Bedrock guardrail configurations",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.guardrails: dict[str, bedrock.CfnGuardrail] = {}
        self.guardrail_versions: dict[str, bedrock.CfnGuardrailVersion] = {}
        for use_case, topics in denied_topics.items():
            guardrail = bedrock.CfnGuardrail(
                self,
                f"Guardrail-{use_case}",
                kms_key_arn=self.guardrail_key.key_arn,
                **guardrail_properties(f"{name}-{use_case}", topics),
            )
            version = bedrock.CfnGuardrailVersion(
                self,
                f"GuardrailVersion-{use_case}",
                guardrail_identifier=guardrail.attr_guardrail_id,
                # A changed guardrail changes this description, which publishes a new version.
                description=f"Published by {name} for {use_case}; "
                f"configuration {guardrail_fingerprint(guardrail)}",
            )
            self.guardrails[use_case] = guardrail
            self.guardrail_versions[use_case] = version
            cdk.CfnOutput(self, guardrail_output(use_case), value=guardrail.attr_guardrail_id)

    def _acknowledge_findings(self, settings: Settings) -> None:
        """Each wildcard below is scoped as far as the service allows; say why, per grant."""
        enis = self.format_arn(service="ec2", resource="network-interface", resource_name="*")
        justify_wildcards(
            self.service_policy,
            [
                ("s3:GetObject", self._curated_objects),
                (["s3:PutObject", "s3:GetObject"], self._output_objects),
                (VPC_DESCRIBE, "*"),
                (["ec2:CreateNetworkInterface", *ENI_MANAGEMENT, "ec2:CreateTags"], enis),
                *((["bedrock:InvokeModel"], arn) for arn in self._cross_region_models),
            ],
            "Jobs read only the curated prefix and write only the Bedrock output prefix (object "
            "keys under a prefix need a trailing wildcard); EC2 Describe* calls support no "
            "resource scoping; network-interface statements are conditioned on Bedrock-managed "
            "tags and this stack's subnets, as the Bedrock VPC guide prescribes; a cross-Region "
            "inference profile routes the configured teacher to its model in any of its Regions.",
        )
        workflow = self.workflow
        region_arn = f"arn:{self.partition}:bedrock:{self.region}"
        job_arns = f"{region_arn}:{self.account}:model-customization-job/*"
        create = ["bedrock:CreateModelCustomizationJob", "bedrock:TagResource"]
        justify_wildcards(
            workflow.policy,
            [
                (create, f"{region_arn}::foundation-model/*"),
                (create, f"{region_arn}:{self.account}:custom-model/*"),
                ([*create, "bedrock:GetModelCustomizationJob"], job_arns),
                # On-demand deployment of the new custom model (Nova bases), named per execution.
                (
                    "bedrock:CreateCustomModelDeployment",
                    f"{region_arn}:{self.account}:custom-model/*",
                ),
                (
                    "bedrock:CreateCustomModelDeployment",
                    f"{region_arn}:{self.account}:custom-model-deployment/*",
                ),
                ([*XRAY_ACTIONS, *LOG_DELIVERY_ACTIONS], "*"),
            ],
            "Base model, job and custom model names come from each execution's input, so the "
            "workflow may create and tag jobs and models of this account and read their status "
            "only; X-Ray and CloudWatch Logs delivery APIs support no resource-level permissions.",
        )

    def _service_role(
        self,
        settings: Settings,
        key: kms.IKey,
        curated_bucket: SecureBucket,
        artifacts_bucket: SecureBucket,
        subnets: ec2.SelectedSubnets,
        security_group: ec2.ISecurityGroup,
    ) -> iam.Role:
        """The role Bedrock assumes for a job; only jobs of this account may assume it.

        Conditions follow "Create a service role for model customization" (Bedrock user guide,
        https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-iam-role.html).
        """
        job_arns = bedrock_job_arns(self, "model-customization-job")
        role = bedrock_job_role(
            self,
            "ServiceRole",
            "model-customization-job",
            "Assumed by Bedrock model customization jobs of this account",
        )
        # Identity-based statements, not bucket/key grants: a grant would edit the data stack's
        # resource policies with this stack's role ARN and create a cross-stack cycle. The
        # data key's policy already delegates to IAM in this account. A managed policy, like
        # the training roles' (HIPAA/NIST IAMNoInlinePolicy).
        prefix = settings.data.curated_prefix
        self._curated_objects = curated_bucket.arn_in(self, f"{prefix}*")
        self._output_objects = artifacts_bucket.arn_in(self, f"{settings.bedrock.output_prefix}*")
        self.service_policy = iam.ManagedPolicy(self, "ServicePolicy", roles=[role])
        self.service_policy.add_statements(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[self._curated_objects]),
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[curated_bucket.arn_in(self)],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            ),
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"], resources=[self._output_objects]
            ),
            # The documented customization role lists the output location too ("Create a service
            # role for model customization", Bedrock user guide).
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[artifacts_bucket.arn_in(self)],
                conditions={"StringLike": {"s3:prefix": [f"{settings.bedrock.output_prefix}*"]}},
            ),
            iam.PolicyStatement(
                actions=MODEL_KEY_ACTIONS,
                resources=[key.key_arn],
            ),
        )
        models = self._invocable_models(settings)
        if models:
            self.service_policy.add_statements(
                iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=models)
            )
        self._vpc_permissions(self.service_policy, subnets, security_group, job_arns)
        return role

    def _invocable_models(self, settings: Settings) -> list[str]:
        """InvokeModel targets of the service role: the configured teachers only.

        Fine-tuning and continued pre-training invoke nothing; distillation invokes its teacher.
        """
        models = invocable_models(self, settings.bedrock.teacher_models)
        self._cross_region_models = models.any_region
        return models.arns

    def _vpc_permissions(
        self,
        policy: iam.ManagedPolicy,
        subnets: ec2.SelectedSubnets,
        security_group: ec2.ISecurityGroup,
        job_arns: str,
    ) -> None:
        """ENI permissions a VPC-attached job needs, scoped to Bedrock-tagged interfaces in our
        subnets ("Protect your model customization jobs using a VPC", Bedrock user guide,
        https://docs.aws.amazon.com/bedrock/latest/userguide/vpc-model-customization.html)."""
        subnet_arns = [
            self.format_arn(service="ec2", resource="subnet", resource_name=subnet.subnet_id)
            for subnet in subnets.subnets
        ]
        sg_arn = self.format_arn(
            service="ec2",
            resource="security-group",
            resource_name=security_group.security_group_id,
        )
        enis = self.format_arn(service="ec2", resource="network-interface", resource_name="*")
        tagged_by_bedrock = {
            "StringEquals": {"aws:RequestTag/BedrockManaged": "true"},
            "ArnEquals": {"aws:RequestTag/BedrockModelCustomizationJobArn": job_arns},
        }
        policy.add_statements(
            iam.PolicyStatement(actions=VPC_DESCRIBE, resources=["*"]),
            iam.PolicyStatement(
                actions=["ec2:CreateNetworkInterface"],
                resources=[enis],
                conditions=tagged_by_bedrock,
            ),
            iam.PolicyStatement(
                actions=["ec2:CreateNetworkInterface"], resources=[*subnet_arns, sg_arn]
            ),
            iam.PolicyStatement(
                actions=ENI_MANAGEMENT,
                resources=[enis],
                conditions={
                    "ArnEquals": {
                        "ec2:Subnet": subnet_arns,
                        "ec2:ResourceTag/BedrockModelCustomizationJobArn": job_arns,
                    },
                    "StringEquals": {"ec2:ResourceTag/BedrockManaged": "true"},
                },
            ),
            iam.PolicyStatement(
                actions=["ec2:CreateTags"],
                resources=[enis],
                conditions={
                    "StringEquals": {"ec2:CreateAction": "CreateNetworkInterface"},
                    "ForAllValues:StringEquals": {
                        "aws:TagKeys": ["BedrockManaged", "BedrockModelCustomizationJobArn"]
                    },
                },
            ),
        )


def customization_workflow_props(settings: Settings) -> CustomizationWorkflowProps:
    """The stage's Bedrock and data settings as the customization workflow's props."""
    cfg = settings.bedrock
    return CustomizationWorkflowProps(
        name=f"{settings.name}-bedrock-customization",
        data_prefix=settings.data.curated_prefix,
        output_prefix=cfg.output_prefix,
        poll_interval_seconds=cfg.poll_interval_seconds,
        max_polls=cfg.max_polls,
        on_demand_base_models=ON_DEMAND_BASE_MODELS
        if settings.serving.deploy_customized_on_demand
        else (),
    )
