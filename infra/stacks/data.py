"""The encrypted data lake: one customer-managed key, raw/curated/artifacts buckets, access logs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from deployment.contract import (
    ARTIFACTS_BUCKET_OUTPUT,
    BEDROCK_UPLOADS_PREFIX,
    CURATED_BUCKET_OUTPUT,
    DATA_KEY_OUTPUT,
    PII_SALT_SECRET_OUTPUT,
    RAW_BUCKET_OUTPUT,
    prepare_job_role_name,
    regional_role_name,
)
from deployment.settings import DataSettings, Settings
from infra.constructs.model_sharing import share_model_artifacts
from infra.constructs.secure_bucket import SecureBucket, SecureBucketProps
from infra.nag import acknowledge, skip_checkov


class DataStack(cdk.Stack):
    """Buckets and key that every other stack reads from or writes to.

    Other stacks take the typed attributes (`data.curated_bucket`, `data.key`), never names.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        lake = settings.data
        self.key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{settings.name}-data",
            description=f"{settings.name}: data lake, models, pipeline outputs",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.access_logs_bucket = self._access_logs_bucket(lake)
        self._allow_flow_log_delivery()
        self.raw_bucket = self._lake_bucket("Raw", raw_bucket_props(settings))
        self.curated_bucket = self._lake_bucket("Curated", lake_bucket_props(settings))
        # S3 -> EventBridge natively (no notification custom resource): new raw data can start
        # the training pipeline; curated events feed whoever consumes prepared data.
        for bucket in (self.raw_bucket, self.curated_bucket):
            cfn_bucket = bucket.node.default_child
            assert isinstance(cfn_bucket, s3.CfnBucket)
            cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
                    event_bridge_enabled=True
                )
            )
        self.curated_writers = curated_writer_arns(self, settings)
        self.curated_bucket.add_to_resource_policy(
            deny_curated_writes(
                self.curated_bucket, self.curated_writers, routine_write_prefixes(settings)
            )
        )
        self.pii_salt = self._pii_salt_secret(settings)
        self.artifacts_bucket = self._lake_bucket("Artifacts", lake_bucket_props(settings))
        share_model_artifacts(self.artifacts_bucket, self.key, settings.models.share_with_accounts)
        self._outputs_for_the_cli()
        self._acknowledge_no_replication()

    def _access_logs_bucket(self, lake: DataSettings) -> SecureBucket:
        """SSE-S3 (the only encryption log delivery supports), expiring, not logged itself."""
        bucket = SecureBucket(
            self,
            "AccessLogs",
            SecureBucketProps(
                noncurrent_version_expiry_days=lake.noncurrent_version_expiry_days,
                abort_incomplete_upload_days=lake.abort_incomplete_upload_days,
                extra_lifecycle_rules=[
                    s3.LifecycleRule(
                        id="expire-access-logs",
                        expiration=cdk.Duration.days(lake.access_log_expiry_days),
                    )
                ],
            ),
            encryption_key=None,
            access_logs=None,
        )
        acknowledge(
            bucket,
            ["HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
            "S3 server access log delivery supports only SSE-S3 on the destination bucket; "
            "the logs hold request metadata, not training data.",
        )
        acknowledge(
            bucket,
            "AwsSolutions-S1",
            "This is the access-log destination; logging it to itself would loop.",
        )
        skip_checkov(
            bucket,
            "CKV_AWS_18",
            "This is the access-log destination; logging it to itself would loop.",
        )
        return bucket

    def _lake_bucket(self, construct_id: str, props: SecureBucketProps) -> SecureBucket:
        """A data lake bucket: the data key, access-logged to the access-logs bucket."""
        return SecureBucket(
            self,
            construct_id,
            props,
            encryption_key=self.key,
            access_logs=self.access_logs_bucket,
        )

    def _outputs_for_the_cli(self) -> None:
        """Bucket names, the key and the salt's ARN (names from deployment/contract.py)."""
        for output, bucket in {
            RAW_BUCKET_OUTPUT: self.raw_bucket,
            CURATED_BUCKET_OUTPUT: self.curated_bucket,
            ARTIFACTS_BUCKET_OUTPUT: self.artifacts_bucket,
        }.items():
            cdk.CfnOutput(self, output, value=bucket.bucket_name)
        cdk.CfnOutput(self, DATA_KEY_OUTPUT, value=self.key.key_arn)
        cdk.CfnOutput(self, PII_SALT_SECRET_OUTPUT, value=self.pii_salt.secret_arn)

    def _acknowledge_no_replication(self) -> None:
        """Cross-region replication is a data-residency decision, not a default: it copies
        regulated data (PHI, contracts) into a second region and doubles storage cost.
        Versioning plus RETAIN already protect against deletion and overwrite."""
        for bucket in (self.access_logs_bucket, self.raw_bucket, self.curated_bucket,
                       self.artifacts_bucket):  # fmt: skip
            acknowledge(
                bucket,
                [
                    "HIPAA.Security-S3BucketReplicationEnabled",
                    "NIST.800.53.R5-S3BucketReplicationEnabled",
                ],
                "Replication would copy regulated data to a second region; residency policies "
                "decide that per organisation. Versioning and RETAIN guard against loss.",
            )

    def _allow_flow_log_delivery(self) -> None:
        """The bucket-policy statements VPC flow logs need, owned here.

        Without them AWS adds its own statements outside CloudFormation when the flow log is
        created, and the next stack update, which rewrites the whole policy, drops them
        ("Amazon S3 bucket permissions for flow logs", VPC user guide,
        https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html).
        """
        delivery = iam.ServicePrincipal("delivery.logs.amazonaws.com")
        source = {
            "StringEquals": {"aws:SourceAccount": self.account},
            "ArnLike": {
                "aws:SourceArn": f"arn:{self.partition}:logs:{self.region}:{self.account}:*"
            },
        }
        bucket = self.access_logs_bucket
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AWSLogDeliveryWrite",
                principals=[delivery],
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{FLOW_LOGS_PREFIX}AWSLogs/{self.account}/*")],
                conditions={
                    **source,
                    "StringEquals": {
                        "aws:SourceAccount": self.account,
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    },
                },
            )
        )
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AWSLogDeliveryAclCheck",
                principals=[delivery],
                actions=["s3:GetBucketAcl", "s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions=source,
            )
        )

    def _pii_salt_secret(self, settings: Settings) -> secretsmanager.Secret:
        """The pseudonym salt: whoever holds it can rebuild the PII surrogate mapping.

        Generated at deploy time, encrypted with the data key, never in a template or an
        environment variable; the prepare job reads it at start through the Secrets Manager
        interface endpoint.
        """
        secret = secretsmanager.Secret(
            self,
            "PiiSalt",
            # No fixed name: the secret is retained, and a redeploy after a stack delete would
            # collide with it. Jobs get its ARN (pipeline substitution, stack output).
            description=f"{settings.name}: salt of the PII pseudonyms (prepare step)",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            secret,
            [
                "AwsSolutions-SMG4",
                "HIPAA.Security-SecretsManagerRotationEnabled",
                "NIST.800.53.R5-SecretsManagerRotationEnabled",
                "NIST.800.53.R5-SecretsManagerRotationPeriod",
                "HIPAA.Security-SecretsManagerRotationPeriod",
            ],
            "Rotating the salt changes every pseudonym, so datasets prepared before and after "
            "no longer share surrogates; rotation is a deliberate, documented operator step "
            "(docs/data_governance.md), not a schedule.",
        )
        return secret


# Where the VPC's flow logs go in the access-log bucket (the network stack's flow log).
FLOW_LOGS_PREFIX = "vpc-flow-logs/"

# What "writing" a curated object means: creating, overwriting, re-tagging or deleting it.
CURATED_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging",
)


def curated_writer_arns(scope: Construct, settings: Settings) -> list[str]:
    """The only principals that may write curated objects: prepare role, break-glass role."""
    stack = cdk.Stack.of(scope)
    # Built from the contract's name: the role lives in the training stack, which depends on
    # this one.
    prepare_role = regional_role_name(prepare_job_role_name(settings), stack.region)
    writers = [f"arn:{stack.partition}:iam::{stack.account}:role/{prepare_role}"]
    if settings.security.break_glass_role_arn:
        writers.append(settings.security.break_glass_role_arn)
    return writers


def routine_write_prefixes(settings: Settings) -> list[str]:
    """Curated prefixes that routine work writes without the break-glass role: the Knowledge
    Base's documents (when RAG is on) and `fmops bedrock submit`'s dataset uploads. Writers
    there still need an identity policy allowing it and the data key; the prepared data under
    every other prefix stays the prepare step's alone."""
    prefixes = [f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX}"]
    if settings.rag.enabled:
        prefixes.append(settings.rag.documents_prefix)
    return prefixes


def deny_curated_writes(
    bucket: s3.IBucket, writers: list[str], open_prefixes: list[str] | None = None
) -> iam.PolicyStatement:
    # aws:PrincipalArn is the role ARN for an assumed-role session (IAM user guide, "AWS
    # global condition context keys"), so one name covers every session of the role.
    # NotResource: the deny covers every object except those under the routine prefixes.
    open_objects = [bucket.arn_for_objects(f"{p}*") for p in open_prefixes or []]
    return iam.PolicyStatement(
        sid="OnlyThePrepareStepWritesCuratedData",
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=list(CURATED_WRITE_ACTIONS),
        conditions={"ArnNotEquals": {"aws:PrincipalArn": writers}},
        resources=None if open_objects else [bucket.arn_for_objects("*")],
        not_resources=open_objects or None,
    )


def lake_bucket_props(settings: Settings) -> SecureBucketProps:
    """The data settings' version and upload expiry."""
    lake = settings.data
    return SecureBucketProps(
        noncurrent_version_expiry_days=lake.noncurrent_version_expiry_days,
        abort_incomplete_upload_days=lake.abort_incomplete_upload_days,
    )


def raw_bucket_props(settings: Settings) -> SecureBucketProps:
    """Raw data is read once by the prepare step and rarely after: tier it down."""
    lake = settings.data
    tiering = s3.LifecycleRule(
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
    return replace(lake_bucket_props(settings), extra_lifecycle_rules=[tiering])
