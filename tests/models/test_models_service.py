"""models/service.py called directly: bucket and key from the stage's data stack (read in the
deployment's region) unless given; the listing marks what it did not verify."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from deployment.contract import ARTIFACTS_BUCKET_OUTPUT, DATA_KEY_OUTPUT
from deployment.settings import settings_for_stage
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from pipelines.models.service import NOT_VERIFIED, stage_base_model, staged_models
from tests.deployed_stacks import deploy_outputs

SETTINGS = settings_for_stage("dev")
REGION = "eu-central-1"  # not the environment's: the deployment's region is the one used
BUCKET = "artifacts-eu"


@pytest.fixture()
def stage_in_region(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The data stack in REGION with its bucket and data key; returns the key ARN."""
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        deploy_outputs(SETTINGS, "data", {ARTIFACTS_BUCKET_OUTPUT: BUCKET, DATA_KEY_OUTPUT: key},
                       REGION)  # fmt: skip
        yield key


def test_staging_uses_the_data_stacks_bucket_and_key_in_the_deployments_region(
    stage_in_region: str, tiny_model_dir: Path, tmp_path: Path
) -> None:
    root = Path(shutil.copytree(tiny_model_dir, tmp_path / "tiny"))
    deployment = Deployment.of(SETTINGS, REGION)

    manifest = stage_base_model(deployment, root, name="acme/tiny", source=str(root))

    assert manifest["uri"] == f"s3://{BUCKET}/base-models/acme/tiny/"
    head = boto3.client("s3", region_name=REGION).head_object(
        Bucket=BUCKET, Key=f"base-models/acme/tiny/{manifest['files'][0]['path']}"
    )
    assert head["SSEKMSKeyId"] == stage_in_region
    bucket, listed = staged_models(deployment)
    assert (bucket, [(m["name"], m["status"]) for m in listed]) == (
        BUCKET, [("acme/tiny", NOT_VERIFIED)],
    )  # fmt: skip


def test_listing_where_the_stack_is_not_deployed_names_stack_and_region(
    stage_in_region: str,
) -> None:
    with pytest.raises(DeploymentOutputError, match=r"not deployed in eu-west-3.*--stage/--region"):
        staged_models(Deployment.of(SETTINGS, "eu-west-3"))


def test_a_given_bucket_is_listed_without_reading_the_stack(stage_in_region: str) -> None:
    deployment = Deployment.of(SETTINGS, REGION, {"data": "no-such-stack"})
    assert staged_models(deployment, bucket=BUCKET) == (BUCKET, [])
