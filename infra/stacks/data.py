"""The encrypted data lake: one customer-managed key, raw/curated/artifacts buckets, access logs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from deployment.contract import (
    ARTIFACTS_BUCKET_OUTPUT,
    CURATED_BUCKET_OUTPUT,
    DATA_KEY_OUTPUT,
    RAW_BUCKET_OUTPUT,
)
from deployment.settings import Settings
from infra.constructs.secure_bucket import SecureBucket
from infra.nag import acknowledge


class DataStack(cdk.Stack):
    """Buckets and key that every other stack reads from or writes to.

    Other stacks take the typed attributes (`data.curated_bucket`, `data.key`), never names.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        lake = settings.data

        def name(purpose: str) -> str:
            return f"{settings.name}-{purpose}"

        self.key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{settings.name}-data",
            description=f"{settings.name}: data lake, models, pipeline outputs",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

        self.access_logs_bucket = SecureBucket(
            self,
            "AccessLogs",
            name_prefix=name("access-logs"),
            encryption_key=None,
            access_logs=None,
            noncurrent_version_expiry_days=lake.noncurrent_version_expiry_days,
            abort_incomplete_upload_days=lake.abort_incomplete_upload_days,
            extra_lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=cdk.Duration.days(lake.access_log_expiry_days),
                )
            ],
        )

        acknowledge(
            self.access_logs_bucket,
            ["HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
            "S3 server access log delivery supports only SSE-S3 on the destination bucket; "
            "the logs hold request metadata, not training data.",
        )
        acknowledge(
            self.access_logs_bucket,
            "AwsSolutions-S1",
            "This is the access-log destination; logging it to itself would loop.",
        )

        common: dict[str, Any] = {
            "encryption_key": self.key,
            "access_logs": self.access_logs_bucket,
            "noncurrent_version_expiry_days": lake.noncurrent_version_expiry_days,
            "abort_incomplete_upload_days": lake.abort_incomplete_upload_days,
        }
        # Raw data is read once by the prepare step and rarely after: tier it down.
        self.raw_bucket = SecureBucket(
            self,
            "Raw",
            name_prefix=name("raw"),
            extra_lifecycle_rules=[
                s3.LifecycleRule(
                    id="tier-raw-data",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(lake.raw_infrequent_access_days),
                        ),
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=cdk.Duration.days(lake.raw_glacier_days),
                        ),
                    ],
                )
            ],
            **common,
        )
        self.curated_bucket = SecureBucket(self, "Curated", name_prefix=name("curated"), **common)
        # S3 -> EventBridge natively (no notification custom resource): new curated data can
        # start the training pipeline.
        cfn_curated = self.curated_bucket.node.default_child
        assert isinstance(cfn_curated, s3.CfnBucket)
        cfn_curated.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
                event_bridge_enabled=True
            )
        )
        self.artifacts_bucket = SecureBucket(
            self, "Artifacts", name_prefix=name("artifacts"), **common
        )

        for output, bucket in {
            RAW_BUCKET_OUTPUT: self.raw_bucket,
            CURATED_BUCKET_OUTPUT: self.curated_bucket,
            ARTIFACTS_BUCKET_OUTPUT: self.artifacts_bucket,
        }.items():
            cdk.CfnOutput(self, output, value=bucket.bucket_name)
        cdk.CfnOutput(self, DATA_KEY_OUTPUT, value=self.key.key_arn)

        # Cross-region replication is a data-residency decision, not a default: it copies
        # regulated data (PHI, contracts) into a second region and doubles storage cost.
        # Versioning plus RETAIN already protect against deletion and overwrite.
        acknowledge(
            self,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
            ],
            "Replication would copy regulated data to a second region; residency policies "
            "decide that per organisation. Versioning and RETAIN guard against loss.",
        )
