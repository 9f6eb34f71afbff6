"""Bedrock model invocation logging, which has one configuration per account and Region.

CloudFormation has no resource for it (aws-cdk-lib's aws_bedrock has no Cfn class for
PutModelInvocationLoggingConfiguration), so a custom resource calls the API in the stage that
owns the setting (`serving.invocation_logging`), built in that stack's scope.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import custom_resources as cr

from infra.constructs.secure_bucket import SecureBucket


def invocation_logging(
    stack: cdk.Stack, name: str, key: kms.IKey, bucket: SecureBucket, prefix: str
) -> cr.AwsCustomResource:
    """PutModelInvocationLoggingConfiguration to the KMS-encrypted artifacts bucket.

    The bucket and key policies let only Bedrock of this account write under the prefix
    ("Model invocation logging", Bedrock user guide,
    https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html).
    """
    _allow_bedrock_delivery(stack, key, bucket, prefix)
    config = {
        "loggingConfig": {
            "s3Config": {"bucketName": bucket.name_in(stack), "keyPrefix": prefix.rstrip("/")},
            "textDataDeliveryEnabled": True,
            "imageDataDeliveryEnabled": False,
            "embeddingDataDeliveryEnabled": False,
        }
    }
    call = cr.AwsSdkCall(
        service="bedrock",
        action="PutModelInvocationLoggingConfiguration",
        parameters=config,
        physical_resource_id=cr.PhysicalResourceId.of(f"{name}-invocation-logging"),
    )
    return cr.AwsCustomResource(
        stack,
        "InvocationLogging",
        on_create=call,
        on_update=call,
        on_delete=cr.AwsSdkCall(
            service="bedrock", action="DeleteModelInvocationLoggingConfiguration"
        ),
        # The logging APIs act on the account's single configuration: no resource ARN exists.
        policy=cr.AwsCustomResourcePolicy.from_statements(
            [
                iam.PolicyStatement(
                    actions=[
                        "bedrock:PutModelInvocationLoggingConfiguration",
                        "bedrock:DeleteModelInvocationLoggingConfiguration",
                    ],
                    resources=["*"],
                )
            ]
        ),
        install_latest_aws_sdk=False,
        log_retention=None,
    )


def _allow_bedrock_delivery(
    stack: cdk.Stack, key: kms.IKey, bucket: SecureBucket, prefix: str
) -> None:
    """Bucket and key statements: Bedrock of this account writes under the prefix only."""
    source_arn = f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:*"
    bedrock_principal = iam.ServicePrincipal("bedrock.amazonaws.com")
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="BedrockInvocationLogs",
            principals=[bedrock_principal],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(f"{prefix}AWSLogs/{stack.account}/*")],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="BedrockInvocationLogsEncrypt",
            principals=[bedrock_principal],
            actions=["kms:GenerateDataKey"],
            resources=["*"],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        )
    )
