"""A KMS-encrypted CloudWatch Logs log group together with the key statement that lets
CloudWatch Logs use the key for exactly that group.

CloudWatch Logs calls KMS as `logs.<region>.amazonaws.com` with the encryption context
`kms:EncryptionContext:aws:logs:arn` = the log group's ARN; without a key-policy statement for
that group, creating the log group fails ("Encrypt log data in CloudWatch Logs using AWS Key
Management Service", CloudWatch Logs user guide,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). Creating
both in one call means no encrypted log group can be added without its statement.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

# The actions the CloudWatch Logs guide's key policy example grants the service.
LOGS_KEY_ACTIONS = [
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
]
LOGS_ARN_CONTEXT = "kms:EncryptionContext:aws:logs:arn"


def deployment_unique_name(scope: Construct, base: str) -> str:
    """`base` + the id CloudFormation gave `scope`'s stack when it was created.

    A retained log group outlives its stack, so a fixed name makes the next deploy of the same
    stage fail ("already exists"). The name cannot be left to CloudFormation: the key policy
    must name the group (encryption context) while the group names the key, a cycle. The
    stack id's UUID part is known before any resource and differs after every delete.
    """
    stack_id = cdk.Stack.of(scope).stack_id
    return f"{base}-" + cdk.Fn.select(2, cdk.Fn.split("/", stack_id))


def allow_logs_for_group(key: kms.IKey, base: str, name: str | None = None) -> None:
    """Add to `key`'s policy: CloudWatch Logs may use it for the group `name` only, or, when the
    group lives in another stack, for `<base>-*` (that group's deployments only).

    The ARN is built with the key's own stack's pseudo parameters, so a log group in another
    stack of the same account and region adds no cross-stack reference.
    """
    stack = cdk.Stack.of(key)
    arn = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name=name or f"{base}-*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    sid = "CloudWatchLogs" + "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", base))
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=LOGS_KEY_ACTIONS,
            resources=["*"],
            conditions={"ArnEquals" if name else "ArnLike": {LOGS_ARN_CONTEXT: arn}},
        )
    )


def encrypted_log_group(
    scope: Construct, construct_id: str, *, log_group_name: str, key: kms.IKey
) -> logs.LogGroup:
    """A one-year, retained log group `<log_group_name>-<stack id>` encrypted with `key`,
    whose policy now allows it."""
    name = deployment_unique_name(scope, log_group_name)
    same_stack = cdk.Stack.of(key) is cdk.Stack.of(scope)
    allow_logs_for_group(key, log_group_name, name if same_stack else None)
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        encryption_key=key,
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
