"""DataStack guarantees: one rotating customer key, four locked-down, logged, retained buckets."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

BUCKET_IDS = ["AccessLogs", "Raw", "Curated", "Artifacts"]
KMS_BUCKET_IDS = ["Raw", "Curated", "Artifacts"]


def _resource(template: Template, prefix: str, rtype: str = "AWS::S3::Bucket") -> tuple[str, Any]:
    matches = {k: v for k, v in template.find_resources(rtype).items() if k.startswith(prefix)}
    assert len(matches) == 1, f"expected one {rtype} named {prefix}*, found {sorted(matches)}"
    return next(iter(matches.items()))


def test_customer_managed_key_rotates_and_has_alias(data_template: Template) -> None:
    data_template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    data_template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/fmops-dev-data"})


def test_exactly_the_four_lake_buckets_exist(data_template: Template) -> None:
    found = sorted(data_template.find_resources("AWS::S3::Bucket"))
    assert len(found) == 4
    for bucket_id in BUCKET_IDS:
        _resource(data_template, bucket_id)


@pytest.mark.parametrize("bucket_id", BUCKET_IDS)
def test_bucket_blocks_all_public_access(data_template: Template, bucket_id: str) -> None:
    _, bucket = _resource(data_template, bucket_id)
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


@pytest.mark.parametrize("bucket_id", BUCKET_IDS)
def test_bucket_denies_non_tls_requests(data_template: Template, bucket_id: str) -> None:
    logical_id, _ = _resource(data_template, bucket_id)
    policies = [
        p
        for p in data_template.find_resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    assert len(policies) == 1
    statements = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    deny_insecure = [
        s
        for s in statements
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert deny_insecure and deny_insecure[0]["Action"] == "s3:*"
    deny_old_tls = [
        s
        for s in statements
        if s["Effect"] == "Deny"
        and "s3:TlsVersion" in s.get("Condition", {}).get("NumericLessThan", {})
    ]
    assert deny_old_tls, "TLS < 1.2 must be refused"


@pytest.mark.parametrize("bucket_id", KMS_BUCKET_IDS)
def test_data_buckets_use_the_customer_managed_key(data_template: Template, bucket_id: str) -> None:
    key_id, _ = _resource(data_template, "DataKey", "AWS::KMS::Key")
    _, bucket = _resource(data_template, bucket_id)
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::GetAtt": [key_id, "Arn"]
    }
    assert rule["BucketKeyEnabled"] is True


def test_access_log_bucket_uses_sse_s3_which_log_delivery_supports(data_template: Template) -> None:
    _, bucket = _resource(data_template, "AccessLogs")
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


@pytest.mark.parametrize("bucket_id", BUCKET_IDS)
def test_bucket_is_versioned(data_template: Template, bucket_id: str) -> None:
    _, bucket = _resource(data_template, bucket_id)
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


@pytest.mark.parametrize("bucket_id", KMS_BUCKET_IDS)
def test_bucket_logs_access_to_the_log_bucket(data_template: Template, bucket_id: str) -> None:
    logs_id, _ = _resource(data_template, "AccessLogs")
    _, bucket = _resource(data_template, bucket_id)
    assert bucket["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": logs_id},
        "LogFilePrefix": f"{bucket_id.lower()}/",
    }


@pytest.mark.parametrize("bucket_id", BUCKET_IDS)
def test_bucket_aborts_uploads_and_expires_old_versions(
    data_template: Template, bucket_id: str, dev_settings: Any
) -> None:
    _, bucket = _resource(data_template, bucket_id)
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": dev_settings.data.abort_incomplete_upload_days
    }
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": dev_settings.data.noncurrent_version_expiry_days
    }


def test_raw_data_tiers_to_colder_storage(data_template: Template, dev_settings: Any) -> None:
    _, bucket = _resource(data_template, "Raw")
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["tier-raw-data"]["Transitions"] == [
        {
            "StorageClass": "STANDARD_IA",
            "TransitionInDays": dev_settings.data.raw_infrequent_access_days,
        },
        {"StorageClass": "GLACIER_IR", "TransitionInDays": dev_settings.data.raw_glacier_days},
    ]


@pytest.mark.parametrize("bucket_id", BUCKET_IDS)
def test_bucket_survives_stack_deletion(data_template: Template, bucket_id: str) -> None:
    _, bucket = _resource(data_template, bucket_id)
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"


def test_key_survives_stack_deletion(data_template: Template) -> None:
    data_template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})


def test_other_stacks_get_typed_references(synthesized: Any) -> None:
    data = synthesized.stacks.data
    for bucket in (
        data.raw_bucket,
        data.curated_bucket,
        data.artifacts_bucket,
        data.access_logs_bucket,
    ):
        assert isinstance(bucket, s3.Bucket)
    assert isinstance(data.key, kms.Key)
    assert data.curated_bucket.encryption_key is data.key


def test_buckets_are_tagged_with_project_and_stage(data_template: Template) -> None:
    data_template.has_resource_properties(
        "AWS::S3::Bucket", {"Tags": Match.array_with([{"Key": "stage", "Value": "dev"}])}
    )
