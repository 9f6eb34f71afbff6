"""The Bedrock reinforcement fine-tuning grader: a Lambda running the project's rule rewards.

Bedrock invokes it during a `REINFORCEMENT_FINE_TUNING` job (`rftConfig.graderConfig.lambdaGrader`)
through the job's service role ("Reinforcement fine-tuning access and security", Bedrock user
guide: the service role needs `lambda:InvokeFunction` on the grader). The function's resource
policy lets only `bedrock.amazonaws.com` invoke it, for this account's customization jobs
(`aws:SourceAccount`, `aws:SourceArn`). Logs go to a KMS-encrypted log group, failed async
events to a KMS-encrypted dead-letter queue; reserved concurrency keeps one job from starving
the account. The asset holds `infra/lambdas/rft_grader/handler.py` and
`training_scripts/rule_rewards.py` only: the same file GRPO training scores with.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.encrypted_log_group import encrypted_log_group
from infra.nag import acknowledge, justify_wildcards, skip_checkov

ROOT = Path(__file__).resolve().parents[2]
HANDLER = "infra.lambdas.rft_grader.handler.handler"
# .gitignore-style: everything but the handler package and the rule rewards (and the packages'
# __init__ files the imports need).
ASSET_EXCLUDES = [
    "/*",
    "!/infra/",
    "/infra/*",
    "!/infra/__init__.py",
    "!/infra/lambdas/",
    "/infra/lambdas/*",
    "!/infra/lambdas/__init__.py",
    "!/infra/lambdas/rft_grader/",
    "!/training_scripts/",
    "/training_scripts/*",
    "!/training_scripts/__init__.py",
    "!/training_scripts/rule_rewards.py",
    "__pycache__",
    "*.pyc",
]
# A Lambda in a VPC manages its network interfaces (the Lambda guide's list; no DescribeSubnets,
# which the runtime contract finds no call for); they support no resource-level permissions.
ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


def grader_code() -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(ROOT), exclude=ASSET_EXCLUDES, ignore_mode=cdk.IgnoreMode.GIT
    )


class RftGrader(Construct):
    """Grader Lambda + its role, encrypted logs and dead letters, invocable by Bedrock only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        key: kms.IKey,
        service_role: iam.IRole,
        vpc: ec2.IVpc,
        vpc_subnets: list[ec2.ISubnet],
        security_group: ec2.ISecurityGroup,
        reserved_concurrency: int = 20,
        # Bedrock asks for a timeout above the 3 s default for graders (up to 15 minutes).
        timeout_minutes: int = 5,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        function_name = f"{name}-rft-grader"
        # KMS-encrypted, with the key statement for this group only (encryption context).
        log_group = encrypted_log_group(
            self, "Logs", log_group_name=f"/aws/lambda/{function_name}", key=key
        )
        log_group_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=log_group.log_group_name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This queue is itself the grader's dead-letter queue; a dead-letter queue for it "
            "would only move the same failed events once more.",
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "lambda.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Bedrock RFT grader Lambda",
        )
        self.policy = self._policy(key, log_group_arn)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=HANDLER,
            code=grader_code(),
            role=self.role.without_policy_updates(),
            timeout=cdk.Duration.minutes(timeout_minutes),
            memory_size=512,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=vpc_subnets),
            security_groups=[security_group],
            dead_letter_queue=self.dead_letters,
            reserved_concurrent_executions=reserved_concurrency,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        policy = self.policy.node.default_child
        function = self.function.node.default_child
        assert isinstance(policy, cdk.CfnResource) and isinstance(function, cdk.CfnResource)
        # The role must hold its statements before first use; the role itself is implied by the
        # Role GetAtt (cfn-lint W3005), so DependsOn names the policy only.
        function.add_override("DependsOn", [stack.get_logical_id(policy)])
        job_arns = stack.format_arn(
            service="bedrock",
            resource="model-customization-job",
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        # Resource policy: Bedrock, for this account's customization jobs only.
        self.function.add_permission(
            "BedrockInvoke",
            principal=iam.ServicePrincipal("bedrock.amazonaws.com"),
            action="lambda:InvokeFunction",
            source_account=stack.account,
            source_arn=job_arns,
        )
        # Identity side: the job's service role calls the grader ("Lambda permissions for
        # reward functions").
        self.invoke_statement = iam.PolicyStatement(
            sid="InvokeRftGrader",
            actions=["lambda:InvokeFunction"],
            resources=[self.function.function_arn],
        )
        self.function_arn = self.function.function_arn

    def _policy(self, key: kms.IKey, log_group_arn: str) -> iam.ManagedPolicy:
        stack = cdk.Stack.of(self)
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="DeadLetters",
                    actions=["sqs:SendMessage"],
                    resources=[self.dead_letters.queue_arn],
                ),
                iam.PolicyStatement(
                    sid="DeadLetterKey",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"sqs.{stack.region}.amazonaws.com"}
                    },
                ),
                iam.PolicyStatement(
                    sid="Logs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{log_group_arn}:*"],
                ),
                iam.PolicyStatement(
                    sid="Tracing",
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="VpcNetworkInterfaces", actions=ENI_ACTIONS, resources=["*"]
                ),
            ],
        )
        justify_wildcards(
            policy,
            [
                (["logs:CreateLogStream", "logs:PutLogEvents"], f"{log_group_arn}:*"),
                (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"),
                (ENI_ACTIONS, "*"),
            ],
            "X-Ray segments and VPC network-interface actions support no resource-level "
            "permissions; the grader writes only its own log group's streams.",
        )
        skip_checkov(
            policy,
            "CKV_AWS_111",
            "A Lambda in a VPC creates and deletes its own network interfaces; these EC2 actions "
            "support no resource-level permissions (AWSLambdaVPCAccessExecutionRole grants them "
            "on *).",
        )
        return policy
