"""Run AWS's own Nova dataset validator (amzn-nova-forge, in .venv-nova) on corpus files.

Invoked by test_nova_forge_crosscheck.py as `.venv-nova/bin/python nova_forge_runner.py JOBS`
where JOBS is a JSON file of [{"id", "path", "model", "method", "media": {uri: local file}}];
prints {"id": {"accepted", "reason"}} as JSON. The validator reads media from S3 (head_object,
download): moto stands in for S3, holding the corpus's local media under their URIs. Nothing
here imports the project: this runs under the validator's own stack.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from typing import Any


def _stage_media(media: dict[str, str]) -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    for uri, local in media.items():
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=bucket)
        if local:
            s3.upload_file(local, bucket, key)


def run(job: dict[str, Any]) -> dict[str, object]:
    from moto import mock_aws

    with mock_aws():
        _stage_media(job.get("media") or {})
        return _validate(job)


def _validate(job: dict[str, Any]) -> dict[str, object]:
    from amzn_nova_forge.core.enums import Model, Platform, TrainingMethod
    from amzn_nova_forge.dataset.dataset_validator import RFTDatasetValidator, SFTDatasetValidator
    from amzn_nova_forge.validation.dataset_row_count_validator import validate_row_counts

    model, method = Model[job["model"]], TrainingMethod[job["method"]]
    with open(job["path"], encoding="utf-8") as handle:
        samples = [json.loads(line) for line in handle if line.strip()]
    try:
        validator = (
            RFTDatasetValidator(model) if method.name.startswith("RFT") else SFTDatasetValidator()
        )
        with contextlib.redirect_stdout(io.StringIO()):
            validator.validate(
                iter(samples),
                model,
                platform=Platform.BEDROCK,
                training_method=method,
                region="us-east-1",
            )
        # The sample bounds run on the pre-training path (before a Bedrock job is created),
        # which collects them in a list rather than raising.
        errors: list[str] = []
        validate_row_counts(validator.num_samples, model, Platform.BEDROCK, method, errors=errors)
        if errors:
            return {"accepted": False, "reason": "; ".join(errors)}
    except Exception as exc:  # the validator reports every refusal as an exception
        return {"accepted": False, "reason": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return {"accepted": True, "reason": ""}


if __name__ == "__main__":
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"  # moto's fake credentials; nothing leaves the process
    with open(sys.argv[1], encoding="utf-8") as handle:
        jobs = json.load(handle)
    print(json.dumps({job["id"]: run(job) for job in jobs}))
