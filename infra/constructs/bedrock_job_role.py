"""The role Bedrock assumes for one kind of job (customization, model import).

Only Bedrock, on behalf of that kind of job in this account, may assume it: the trust
conditions of the Bedrock user guide's service roles ("Create a service role for model
customization", "Create a service role for importing pre-trained models").
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from infra.constructs.workflow_steps import every

# What a Bedrock customization or import job's role, and whoever creates such a job, does with
# the customer managed key the model is encrypted with ("Encryption of custom models" and
# "Encryption of imported custom models", Bedrock user guide:
# https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-custom-job.html).
MODEL_KEY_ACTIONS = ["kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt"]


def bedrock_job_arns(stack: cdk.Stack, job_resource: str) -> str:
    """Every `job_resource` job of this account and region (e.g. model-customization-job/*)."""
    return every(stack, "bedrock", job_resource)


def bedrock_job_role(
    stack: cdk.Stack, construct_id: str, job_resource: str, description: str
) -> iam.Role:
    """A role trusted by bedrock.amazonaws.com for `job_resource` jobs (e.g.
    "model-customization-job") of this account only; callers add its permissions."""
    return iam.Role(
        stack,
        construct_id,
        description=description,
        assumed_by=iam.ServicePrincipal(
            "bedrock.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnEquals": {"aws:SourceArn": bedrock_job_arns(stack, job_resource)},
            },
        ),
    )
