"""Serving what was approved: import on approval, guardrail-enforced invocation, invocation logs.

- EventBridge: "SageMaker Model Package State Change" (Approved/Rejected) for the project's
  model package group starts the import workflow (infra/constructs/import_workflow.py).
- Bedrock assumes an import role that reads only the pipeline's model artifacts.
- The "invokers" managed policy allows InvokeModel (which also authorizes Converse) and the
  streaming variants on this account's custom, imported, deployed and provisioned models only
  with the stage's guardrail: an explicit Deny when `bedrock:GuardrailIdentifier` is not that
  guardrail's ARN and version ("Enforce the use of specific guardrails in model inference
  requests", Bedrock user guide,
  https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-id.html).
- Model invocation logging to the artifacts bucket (SSE-KMS with the data key). CloudFormation
  has no resource for it (aws-cdk-lib 2.275's aws_bedrock has no Cfn class for
  PutModelInvocationLoggingConfiguration), so a custom resource calls the API.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from deployment.contract import (
    IMPORT_ROLE_OUTPUT,
    IMPORT_STATE_MACHINE_OUTPUT,
    INVOKE_GUARDRAIL_ID_OUTPUT,
    INVOKE_GUARDRAIL_VERSION_OUTPUT,
    INVOKERS_POLICY_OUTPUT,
    PIPELINE_RUNS_PREFIX,
    model_package_group_name,
)
from deployment.settings import Settings
from infra.constructs.bedrock_job_role import MODEL_KEY_ACTIONS, bedrock_job_role
from infra.constructs.encrypted_log_group import encrypted_log_group
from infra.constructs.import_workflow import ImportWorkflow, ImportWorkflowProps
from infra.constructs.invocation_logging import invocation_logging
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import acknowledge, custom_resource_provider, justify_wildcards, skip_checkov
from infra.stacks.bedrock import BedrockStack
from pipelines.serving.catalog import IMPORT_REGIONS

# Model resources an invoker may call, all in this account and region.
INVOKABLE_RESOURCES = (
    "custom-model",
    "imported-model",
    "custom-model-deployment",
    "provisioned-model",
)
# Converse/ConverseStream are authorized by these two actions (Bedrock API reference, Converse:
# "requires permission for the bedrock:InvokeModel action").
INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
GUARDRAIL_CONDITION_KEY = "bedrock:GuardrailIdentifier"
PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"


class ServingStack(cdk.Stack):
    """Import workflow and its trigger, invokers policy, invocation logging."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        key: kms.IKey,
        artifacts_bucket: SecureBucket,
        bedrock_stack: BedrockStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        cfg = settings.serving
        # Only where Bedrock offers Custom Model Import: decided at synth time for a pinned
        # Region, by a CloudFormation condition for an environment-agnostic stack.
        self.import_condition = self._where_import_is_offered()
        self.state_machine: sfn.StateMachine | None = None
        self.import_role: iam.Role | None = None
        if self.import_condition is not False:
            self._import_on_approval(key, artifacts_bucket, bedrock_stack)

        self.invokers_policy = None
        use_case = settings.invoke_guardrail
        if use_case is not None:
            guardrail = bedrock_stack.guardrails[use_case]
            version = bedrock_stack.guardrail_versions[use_case]
            self.invokers_policy = self._invokers_policy(
                settings,
                guardrail.attr_guardrail_arn,
                version.attr_version,
                bedrock_stack.guardrail_key.key_arn,
            )
            cdk.CfnOutput(self, INVOKE_GUARDRAIL_ID_OUTPUT, value=guardrail.attr_guardrail_arn)
            cdk.CfnOutput(self, INVOKE_GUARDRAIL_VERSION_OUTPUT, value=version.attr_version)
            cdk.CfnOutput(
                self, INVOKERS_POLICY_OUTPUT, value=self.invokers_policy.managed_policy_arn
            )
        self.invocation_logging = None
        if cfg.invocation_logging:
            self.invocation_logging = invocation_logging(
                self, settings.name, key, artifacts_bucket, cfg.invocation_log_prefix
            )
        self._acknowledge_findings()

    def _import_on_approval(
        self, key: kms.IKey, artifacts_bucket: SecureBucket, bedrock_stack: BedrockStack
    ) -> None:
        """Import role, workflow, its log group and the approval rule (and their outputs)."""
        settings, cfg = self.settings, self.settings.serving
        self.import_role = self._import_role(key, artifacts_bucket)
        # The ops key's policy gets a statement for this log group too (same account/region).
        log_group = encrypted_log_group(
            self,
            "WorkflowLogs",
            log_group_name=f"/aws/vendedlogs/states/{settings.name}-model-import",
            key=bedrock_stack.ops_key,
        )
        self.workflow = ImportWorkflow(
            self,
            "Import",
            props=import_workflow_props(settings),
            import_role=self.import_role,
            model_key=key,
            topic=bedrock_stack.topic,
            topic_key=bedrock_stack.ops_key,
            log_group=log_group,
        )
        self.state_machine = self.workflow.state_machine
        self.approval_rule = events.Rule(
            self,
            "ModelPackageDecision",
            description="An approved or rejected model version starts the Bedrock import workflow",
            enabled=cfg.import_on_approval,
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[PACKAGE_STATE_CHANGE],
                detail={
                    "ModelPackageGroupName": [model_package_group_name(settings)],
                    "ModelApprovalStatus": ["Approved", "Rejected"],
                },
            ),
            targets=[targets.SfnStateMachine(self.state_machine)],
        )
        condition = (
            self.import_condition if isinstance(self.import_condition, cdk.CfnCondition) else None
        )
        outputs = [
            cdk.CfnOutput(
                self, IMPORT_STATE_MACHINE_OUTPUT, value=self.state_machine.state_machine_arn
            ),
            cdk.CfnOutput(self, IMPORT_ROLE_OUTPUT, value=self.import_role.role_arn),
        ]
        if condition is not None:
            for construct in (self.import_role, log_group, self.workflow, self.approval_rule):
                for child in construct.node.find_all():
                    if isinstance(child, cdk.CfnResource):
                        child.cfn_options.condition = condition
            for output in outputs:
                output.condition = condition

    def _where_import_is_offered(self) -> cdk.CfnCondition | bool:
        """True in the Regions that offer Custom Model Import (IMPORT_REGIONS).

        A pinned Region is decided here; an environment-agnostic stack learns its Region only
        at deploy time, so it gets a condition. Elsewhere the import workflow, its role, log
        group, rule and outputs are not created; the rest of the stack still is.
        """
        if not cdk.Token.is_unresolved(self.region):
            if self.region in IMPORT_REGIONS:
                return True
            cdk.Annotations.of(self).add_warning_v2(
                "fmops:serving:NoCustomModelImport",
                f"{self.region} does not offer Bedrock Custom Model Import (offered in: "
                f"{', '.join(IMPORT_REGIONS)}): the import workflow is not deployed",
            )
            return False
        equals = [cdk.Fn.condition_equals(self.region, region) for region in IMPORT_REGIONS]
        # Fn::Or takes 2 to 10 conditions: nest groups of ten.
        while len(equals) > 1:
            equals = [
                cdk.Fn.condition_or(*equals[i : i + 10])
                if len(equals[i : i + 10]) > 1
                else equals[i]
                for i in range(0, len(equals), 10)
            ]
        return cdk.CfnCondition(self, "CustomModelImportOffered", expression=equals[0])

    def _import_role(self, key: kms.IKey, artifacts: SecureBucket) -> iam.Role:
        """Assumed by Bedrock model import jobs of this account; reads pipeline model artifacts.

        Trust conditions follow "Create a service role for importing pre-trained models"
        (Bedrock user guide, https://docs.aws.amazon.com/bedrock/latest/userguide/model-import-iam-role.html).
        """
        role = bedrock_job_role(
            self,
            "ImportRole",
            "model-import-job",
            "Assumed by Bedrock model import jobs of this account",
        )
        self._run_objects = artifacts.arn_in(self, f"{PIPELINE_RUNS_PREFIX}*")
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[self._run_objects])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[artifacts.arn_in(self)],
                conditions={"StringLike": {"s3:prefix": [f"{PIPELINE_RUNS_PREFIX}*"]}},
            )
        )
        # The imported model is encrypted with the data key (ImportedModelKmsKeyId): the job
        # role reads the artifacts and writes the model with it ("Encryption of imported custom
        # models", Bedrock user guide, https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-import-model.html).
        role.add_to_policy(
            iam.PolicyStatement(
                actions=MODEL_KEY_ACTIONS,
                resources=[key.key_arn],
            )
        )
        return role

    def _model_arns(self) -> list[str]:
        return [
            self.format_arn(
                service="bedrock",
                resource=kind,
                resource_name="*",
                arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
            )
            for kind in INVOKABLE_RESOURCES
        ]

    def _invokers_policy(
        self, settings: Settings, guardrail_arn: str, guardrail_version: str, guardrail_key: str
    ) -> iam.ManagedPolicy:
        required = cdk.Fn.join(":", [guardrail_arn, guardrail_version])
        models = self._model_arns()
        return iam.ManagedPolicy(
            self,
            "InvokersPolicy",
            # No fixed name (IAM names are account-wide: a second Region would collide); the
            # ARN is the stack's InvokersPolicy output.
            description=f"Invoke {settings.name} models only through the stage's guardrail",
            statements=[
                iam.PolicyStatement(
                    sid="InvokeWithTheStageGuardrail",
                    actions=INVOKE_ACTIONS,
                    resources=models,
                    conditions={"StringEquals": {GUARDRAIL_CONDITION_KEY: required}},
                ),
                # The explicit deny wins over any other Allow the caller may hold.
                iam.PolicyStatement(
                    sid="DenyWithoutTheStageGuardrail",
                    effect=iam.Effect.DENY,
                    actions=INVOKE_ACTIONS,
                    resources=models,
                    conditions={"StringNotEquals": {GUARDRAIL_CONDITION_KEY: required}},
                ),
                iam.PolicyStatement(
                    sid="ApplyTheStageGuardrail",
                    actions=["bedrock:ApplyGuardrail"],
                    resources=[guardrail_arn],
                ),
                # The guardrail is encrypted with its own key; users of an encrypted guardrail
                # need kms:Decrypt on it ("(Optional) Create a customer managed key for your
                # guardrail", Bedrock user guide). Only through Bedrock.
                iam.PolicyStatement(
                    sid="ReadTheGuardrailThroughBedrock",
                    actions=["kms:Decrypt"],
                    resources=[guardrail_key],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"bedrock.{self.region}.amazonaws.com"}
                    },
                ),
            ],
        )

    def _acknowledge_import(
        self, iam5: Any, partition: str, region: str, account: str, account_arn: str
    ) -> None:
        assert self.state_machine is not None and self.import_role is not None
        acknowledge(
            self.state_machine.role,
            [
                iam5(f"{account_arn}:model-import-job/*"),
                iam5(f"{account_arn}:imported-model/*"),
                iam5(f"arn:{partition}:sagemaker:{region}:{account}:model-package/*"),
                iam5("*"),
            ],
            "Job, model and package names come from each approval event; List* calls and X-Ray/"
            "CloudWatch Logs delivery support no resource-level permissions.",
        )
        justify_wildcards(
            self.import_role,
            [("s3:GetObject", self._run_objects)],
            "Bedrock import jobs read only the pipeline's model artifacts under pipeline-runs/; "
            "object keys under a prefix can only be granted with a trailing wildcard.",
        )

    def _acknowledge_findings(self) -> None:
        iam5 = "AwsSolutions-IAM5[Resource::{}]".format

        # Finding ids show pseudo parameters as <AWS::...>, or their values once the stage pins
        # an account and region (app.py with account/region set, the delivery pipeline's stages).
        def shown(value: str, token: str) -> str:
            return token if cdk.Token.is_unresolved(value) else value

        partition = shown(self.partition, "<AWS::Partition>")
        region, account = (
            shown(self.region, "<AWS::Region>"),
            shown(self.account, "<AWS::AccountId>"),
        )
        account_arn = f"arn:{partition}:bedrock:{region}:{account}"
        if self.state_machine is not None and self.import_role is not None:
            self._acknowledge_import(iam5, partition, region, account, account_arn)
        if self.invokers_policy is not None:
            acknowledge(
                self.invokers_policy,
                [iam5(f"{account_arn}:{kind}/*") for kind in INVOKABLE_RESOURCES],
                "Invokers may call any of this account's custom, imported, deployed or "
                "provisioned models, and only with the stage's guardrail (explicit Deny).",
            )
        if self.invocation_logging is not None:
            acknowledge(
                self.invocation_logging,
                [iam5("*")],
                "PutModelInvocationLoggingConfiguration and its Delete act on the account-wide "
                "logging configuration and support no resource-level permissions.",
            )
            self._acknowledge_logging_provider()
        # Per resource, never the stack: each inline policy here is generated by CDK grants
        # (Step Functions tasks, the import role's three statements) for exactly one role.
        for construct in self.node.find_all():
            if isinstance(construct, iam.CfnPolicy):
                acknowledge(
                    construct,
                    ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
                    "Generated by CDK grants for exactly one role of this stack and deleted with "
                    "it; not yet moved to managed policies like the training roles' (follow-up).",
                )

    def _acknowledge_logging_provider(self) -> None:
        """aws-cdk-lib's singleton provider function behind AwsCustomResource: why it is
        synchronous, outside the VPC and on the managed basic execution policy."""
        provider = custom_resource_provider(self)
        skip_checkov(
            provider,
            ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"],
            "CloudFormation invokes this deploy-time custom-resource handler once per update "
            "and retries it itself (no concurrency to reserve, no events to dead-letter); it "
            "must reach CloudFormation's response URL, which the isolated VPC cannot.",
        )
        acknowledge(
            provider,
            [
                # The managed policy ARN keeps the partition token even in a pinned stage.
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                *(
                    f"{pack}-Lambda{rule}"
                    for pack in ("HIPAA.Security", "NIST.800.53.R5")
                    for rule in ("Concurrency", "DLQ", "InsideVPC")
                ),
            ],
            "aws-cdk-lib's AwsCustomResource provider runs only on CloudFormation events "
            "to set the invocation logging configuration; it handles no data, needs no retry "
            "queue or reserved concurrency, and must reach CloudFormation's response URL, "
            "which the isolated VPC cannot.",
        )


def import_workflow_props(settings: Settings) -> ImportWorkflowProps:
    """The stage's serving settings as the import workflow's props."""
    cfg = settings.serving
    return ImportWorkflowProps(
        name=f"{settings.name}-model-import",
        tags={"project": settings.prefix, "stage": settings.stage},
        queue_wait_seconds=cfg.queue_wait_seconds,
        poll_interval_seconds=cfg.poll_interval_seconds,
        max_poll_interval_seconds=cfg.max_poll_interval_seconds,
        max_polls=cfg.max_polls,
        retire_previous=cfg.retire_previous,
    )
