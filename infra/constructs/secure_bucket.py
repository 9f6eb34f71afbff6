"""An S3 bucket with the project's non-negotiable defaults, so each use is one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from deployment.settings import DataSettings

# The props' defaults are the data lake settings' own (one home: deployment/settings.py).
_DATA = DataSettings()


@dataclass(frozen=True)
class SecureBucketProps:
    """How long the bucket keeps what it no longer needs (it is named by CloudFormation)."""

    noncurrent_version_expiry_days: int = _DATA.noncurrent_version_expiry_days
    abort_incomplete_upload_days: int = _DATA.abort_incomplete_upload_days
    extra_lifecycle_rules: Sequence[s3.LifecycleRule] = ()


class SecureBucket(s3.Bucket):
    """Private, TLS-only, versioned, encrypted, access-logged bucket that outlives its stack.

    CloudFormation names it: a retained bucket keeps its name after the stack is deleted, so a
    fixed name would make the next deploy of the same stage fail ("already exists"). Consumers
    get the generated name and ARN as references (outputs, Fn::ImportValue).

    `encryption_key=None` means SSE-S3, which only the access-log bucket should use: S3 server
    access logging cannot deliver to an SSE-KMS bucket (S3 user guide, "Enabling Amazon S3
    server access logging").
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        props: SecureBucketProps | None = None,
        *,
        encryption_key: kms.IKey | None,
        access_logs: s3.IBucket | None,
    ) -> None:
        props = props or SecureBucketProps()
        super().__init__(
            scope,
            construct_id,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            encryption=s3.BucketEncryption.KMS
            if encryption_key
            else s3.BucketEncryption.S3_MANAGED,
            encryption_key=encryption_key,
            # Bucket keys cut KMS request costs by ~99% for high-volume training reads.
            bucket_key_enabled=encryption_key is not None,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{construct_id.lower()}/" if access_logs else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(
                        props.abort_incomplete_upload_days
                    ),
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-versions",
                    noncurrent_version_expiration=cdk.Duration.days(
                        props.noncurrent_version_expiry_days
                    ),
                ),
                *props.extra_lifecycle_rules,
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def arn_in(self, scope: Construct, objects: str | None = None) -> str:
        """This bucket's ARN (or `objects` key pattern's) for a policy in `scope`'s stack.

        In another stack it is `Fn::ImportValue` of an export named after this bucket: the same
        value at construction and in the template, so cdk-nag's findings and the project's
        wildcard justifications (`infra/nag.py`) name it alike.
        """
        arn = self._imported(scope, "BucketArn", self.bucket_arn)
        return f"{arn}/{objects}" if objects else arn

    def name_in(self, scope: Construct) -> str:
        """This bucket's generated name for `scope`'s stack (see `arn_in`)."""
        return self._imported(scope, "BucketName", self.bucket_name)

    def _imported(self, scope: Construct, attribute: str, value: str) -> str:
        own, consumer = cdk.Stack.of(self), cdk.Stack.of(scope)
        if consumer is own:
            return value
        export = f"{own.stack_name}:{self.node.id}{attribute}"
        if own.node.try_find_child(export) is None:
            cdk.CfnOutput(own, export, value=value, export_name=export)
        consumer.add_stack_dependency(own)
        return cdk.Fn.import_value(export)
