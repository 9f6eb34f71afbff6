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

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.bedrock_job_role import bedrock_job_arns
from infra.constructs.encrypted_log_group import encrypted_log_group
from infra.constructs.vpc_function import (
    ENI_ACTIONS,
    LOG_ACTIONS,
    TRACING_ACTIONS,
    FunctionPlacement,
    VpcFunctionProps,
    dead_letter_queue,
    execution_statements,
    function_role,
    vpc_function,
)
from infra.nag import justify_wildcards, skip_checkov

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


def grader_code() -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(ROOT), exclude=ASSET_EXCLUDES, ignore_mode=cdk.IgnoreMode.GIT
    )


@dataclass(frozen=True)
class RftGraderProps:
    """The grader function's name prefix and the limits Bedrock's calls run under."""

    name: str
    # One job must not starve the account's concurrency.
    reserved_concurrency: int = 20
    # Bedrock asks for a timeout above the 3 s default for graders (up to 15 minutes).
    timeout_minutes: int = 5


class RftGrader(Construct):
    """Grader Lambda + its role, encrypted logs and dead letters, invocable by Bedrock only."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: RftGraderProps,
        key: kms.IKey,
        placement: FunctionPlacement,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        function_name = f"{props.name}-rft-grader"
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
        self.dead_letters = dead_letter_queue(
            self, "DeadLetters", key=key, owner="grader's dead-letter queue"
        )
        self.role = function_role(self, "Role", description="Bedrock RFT grader Lambda")
        self.policy = self._policy(key, log_group_arn)
        self.function = vpc_function(
            self,
            "Function",
            VpcFunctionProps(
                function_name=function_name,
                handler=HANDLER,
                timeout_seconds=60 * props.timeout_minutes,
                memory_size=512,
                reserved_concurrency=props.reserved_concurrency,
            ),
            code=grader_code(),
            role=self.role,
            placement=placement,
            dead_letters=self.dead_letters,
            log_group=log_group,
        )
        policy = self.policy.node.default_child
        function = self.function.node.default_child
        assert isinstance(policy, cdk.CfnResource) and isinstance(function, cdk.CfnResource)
        # The role must hold its statements before first use; the role itself is implied by the
        # Role GetAtt (cfn-lint W3005), so DependsOn names the policy only.
        function.add_override("DependsOn", [stack.get_logical_id(policy)])
        self._allow_bedrock()
        self.function_arn = self.function.function_arn

    def _allow_bedrock(self) -> None:
        """Resource policy for Bedrock's jobs, and the statement their service role needs."""
        stack = cdk.Stack.of(self)
        job_arns = bedrock_job_arns(stack, "model-customization-job")
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

    def _policy(self, key: kms.IKey, log_group_arn: str) -> iam.ManagedPolicy:
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            roles=[self.role],
            statements=execution_statements(
                dead_letters=self.dead_letters, key=key, log_streams=f"{log_group_arn}:*"
            ),
        )
        justify_wildcards(
            policy,
            [
                (LOG_ACTIONS, f"{log_group_arn}:*"),
                (TRACING_ACTIONS, "*"),
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
