"""A project Lambda in the isolated VPC: its role, KMS dead-letter queue and execution statements.

The RFT grader (rft_grader.py) and the Ground Truth workflow Lambdas (stacks/humans.py) are the
same kind of function: Python, in the VPC behind a no-ingress security group, traced, a reserved
concurrency, an encrypted log group of its own, failed async events to a KMS-encrypted queue, and
an immutable role whose statements live in one managed policy the caller creates (so the
function can wait for it: Lambda checks the ENI permissions when it creates the function).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge

# A Lambda in a VPC manages its network interfaces (the Lambda guide's list; no DescribeSubnets,
# which the runtime contract finds no call for); they support no resource-level permissions.
ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]
TRACING_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


@dataclass(frozen=True)
class VpcFunctionProps:
    """What differs between the project's VPC Lambdas."""

    function_name: str
    handler: str
    timeout_seconds: int = 60
    memory_size: int = 256
    # Keeps one caller from starving the account's concurrency.
    reserved_concurrency: int = 10


@dataclass(frozen=True)
class FunctionPlacement:
    """Where the function runs: the isolated subnets, behind a group with no ingress."""

    vpc: ec2.IVpc
    subnets: Sequence[ec2.ISubnet]
    security_group: ec2.ISecurityGroup


def dead_letter_queue(
    scope: Construct, construct_id: str, *, key: kms.IKey, owner: str
) -> sqs.Queue:
    """A KMS-encrypted, TLS-only queue for the failed async events of `owner`."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is itself the {owner}; a dead-letter queue for it would only move the "
        "same failed events once more.",
    )
    return queue


def function_role(scope: Construct, construct_id: str, *, description: str) -> iam.Role:
    """Assumed by Lambda for this account only; its name is left to CloudFormation (a fixed
    name collides with the same stage in a second region of the account)."""
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(
            "lambda.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account}},
        ),
        description=description,
    )


def execution_statements(
    *,
    dead_letters: sqs.IQueue,
    key: kms.IKey,
    log_streams: str,
    eni_actions: Sequence[str] = ENI_ACTIONS,
) -> list[iam.PolicyStatement]:
    """Dead letters (and their key, through SQS only), log streams, X-Ray, VPC interfaces."""
    region = cdk.Stack.of(dead_letters).region
    return [
        iam.PolicyStatement(
            sid="DeadLetters", actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn]
        ),
        iam.PolicyStatement(
            sid="DeadLetterKey",
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
        ),
        iam.PolicyStatement(sid="Logs", actions=LOG_ACTIONS, resources=[log_streams]),
        iam.PolicyStatement(sid="Tracing", actions=TRACING_ACTIONS, resources=["*"]),
        iam.PolicyStatement(sid="VpcNetworkInterfaces", actions=list(eni_actions), resources=["*"]),
    ]


def vpc_function(
    scope: Construct,
    construct_id: str,
    props: VpcFunctionProps,
    *,
    code: lambda_.Code,
    role: iam.Role,
    placement: FunctionPlacement,
    dead_letters: sqs.IQueue,
    log_group: logs.ILogGroup,
) -> lambda_.Function:
    """The function; `role` is used as is (CDK's own grants would land in an inline policy)."""
    return lambda_.Function(
        scope,
        construct_id,
        function_name=props.function_name,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler=props.handler,
        code=code,
        role=role.without_policy_updates(),
        timeout=cdk.Duration.seconds(props.timeout_seconds),
        memory_size=props.memory_size,
        vpc=placement.vpc,
        vpc_subnets=ec2.SubnetSelection(subnets=list(placement.subnets)),
        security_groups=[placement.security_group],
        dead_letter_queue=dead_letters,
        reserved_concurrent_executions=props.reserved_concurrency,
        log_group=log_group,
        tracing=lambda_.Tracing.ACTIVE,
    )
