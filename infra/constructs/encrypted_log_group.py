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


def allow_logs_for_group(key: kms.IKey, log_group_name: str) -> None:
    """Add to `key`'s policy: CloudWatch Logs may use it for `log_group_name` only.

    The ARN is built with the key's own stack's pseudo parameters, so a log group in another
    stack of the same account and region adds no cross-stack reference.
    """
    stack = cdk.Stack.of(key)
    arn = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name=log_group_name,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    sid = "CloudWatchLogs" + "".join(
        p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", log_group_name)
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=LOGS_KEY_ACTIONS,
            resources=["*"],
            conditions={"ArnEquals": {LOGS_ARN_CONTEXT: arn}},
        )
    )


def encrypted_log_group(
    scope: Construct, construct_id: str, *, log_group_name: str, key: kms.IKey
) -> logs.LogGroup:
    """A one-year, retained log group encrypted with `key`, whose policy now allows it."""
    allow_logs_for_group(key, log_group_name)
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        encryption_key=key,
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
