"""The role a project state machine runs as, with every statement in one managed policy.

The state machine gets the role without policy updates (HIPAA/NIST IAMNoInlinePolicy), so what
StateMachine would add itself for tracing and log delivery is listed here, and the tasks' own
statements are copied over with iam:PassRole narrowed to Bedrock.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

BEDROCK_SERVICE = "bedrock.amazonaws.com"
XRAY_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]


def workflow_role(scope: Construct, name: str) -> iam.Role:
    """Our own role (HIPAA/NIST IAMNoInlinePolicy: its statements go in a managed policy),
    for Step Functions running the machine `name` of this account only."""
    stack = cdk.Stack.of(scope)
    return iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal(
            "states.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="states",
                        resource="stateMachine",
                        resource_name=name,
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                },
            },
        ),
        description=f"Runs the {name} state machine",
    )


def pass_roles_only_to_bedrock(
    statements: list[iam.PolicyStatement],
) -> list[iam.PolicyStatement]:
    """The tasks' statements, with iam:PassRole allowed only to Bedrock (iam:PassedToService).

    CDK's task grants PassRole on the service role without a condition; the role could then be
    passed to any service that accepts a role.
    """
    result = []
    for statement in statements:
        if "iam:PassRole" not in statement.actions:
            result.append(statement)
            continue
        rest = [action for action in statement.actions if action != "iam:PassRole"]
        if rest:
            result.append(
                iam.PolicyStatement(
                    actions=rest, resources=statement.resources, conditions=statement.conditions
                )
            )
        result.append(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=statement.resources,
                conditions={
                    **statement.conditions,
                    "StringEquals": {"iam:PassedToService": BEDROCK_SERVICE},
                },
            )
        )
    return result
