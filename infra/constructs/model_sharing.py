"""Promotion by sharing: later stages' accounts may read this stage's registered models.

The model a reviewer approved in dev is the model prod serves: prod reads the dev model package
group (resource policy) and the artifacts the packages point at (bucket policy + key policy,
decrypt only through S3), instead of retraining (a different model) or copying (a second
lineage). See docs/decisions.md, "Promotion shares the approved model".
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker

from deployment.contract import PIPELINE_RUNS_PREFIX

# What a registered package points at: the trained model and its evaluation report
# (pipelines/sagemaker_jobs.py writes run outputs under pipeline-runs/<execution>/<step>/).
SHARED_OBJECTS = (
    f"{PIPELINE_RUNS_PREFIX}*/Train/model/*",
    f"{PIPELINE_RUNS_PREFIX}*/Evaluate/evaluation/*",
)
READ_ACTIONS = (
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:DescribeModelPackage",
    "sagemaker:ListModelPackages",
)


def _principals(accounts: Sequence[str]) -> list[iam.IPrincipal]:
    return [iam.AccountPrincipal(account) for account in accounts]


def share_model_package_group(
    group: sagemaker.CfnModelPackageGroup, group_name: str, accounts: Sequence[str]
) -> None:
    """Resource policy: the accounts may describe and list the group's model packages."""
    if not accounts:
        return
    stack = cdk.Stack.of(group)
    group_arn = stack.format_arn(
        service="sagemaker", resource="model-package-group", resource_name=group_name
    )
    packages_arn = stack.format_arn(
        service="sagemaker", resource="model-package", resource_name=f"{group_name}/*"
    )
    group.model_package_group_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "LaterStagesReadModels",
                "Effect": "Allow",
                "Principal": {
                    "AWS": [f"arn:{stack.partition}:iam::{account}:root" for account in accounts]
                },
                "Action": list(READ_ACTIONS),
                "Resource": [group_arn, packages_arn],
            }
        ],
    }


def share_model_artifacts(bucket: s3.IBucket, key: kms.IKey, accounts: Sequence[str]) -> None:
    """The accounts may read model artifacts and evaluation reports, and decrypt them via S3."""
    if not accounts:
        return
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="LaterStagesReadModelArtifacts",
            actions=["s3:GetObject"],
            principals=_principals(accounts),
            resources=[bucket.arn_for_objects(pattern) for pattern in SHARED_OBJECTS],
        )
    )
    stack = cdk.Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="LaterStagesDecryptModelArtifactsThroughS3",
            actions=["kms:Decrypt", "kms:DescribeKey"],
            principals=_principals(accounts),
            resources=["*"],  # a key policy's resource is the key itself
            conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
        )
    )
