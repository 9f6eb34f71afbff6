"""Close the loop: ingested safety rankings train a new model through the same pipeline and gate.

The pairs land in the raw bucket (they are unprepared human input: the prepare step governs them
like any other data before training reads them), under a key named after the labeling job, and
the deployed pipeline starts with a preference method on exactly that prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from deployment.contract import DATA_TASK_PARAMETER, INPUT_DATA_PARAMETER, METHOD_PARAMETER
from pipelines.feedback import FeedbackError
from training_scripts.vocabulary.methods import METHODS

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from pipelines.pipeline_parameters import ParameterValue

PREFERENCE_PREFIX = "feedback/preference/"


def preference_methods() -> tuple[str, ...]:
    return tuple(m.name for m in METHODS.values() if m.record_kind == "preference")


def check_method(method: str) -> str:
    allowed = preference_methods()
    if method not in allowed:
        raise FeedbackError(
            f"--train {method!r}: rankings train a preference method "
            f"(allowed: {', '.join(allowed)})"
        )
    return method


def upload_pairs(s3: S3Client, pairs: Path, raw_bucket: str, job: str) -> str:
    """Upload under the job's own prefix (refused if it holds data); return the prefix URI."""
    prefix = f"{PREFERENCE_PREFIX}{job}/"
    if s3.list_objects_v2(Bucket=raw_bucket, Prefix=prefix, MaxKeys=1).get("KeyCount", 0):
        raise FeedbackError(f"s3://{raw_bucket}/{prefix} already holds pairs of job {job}")
    # The bucket's default encryption (the data key) applies; nothing to pass per object.
    s3.put_object(Bucket=raw_bucket, Key=prefix + pairs.name, Body=pairs.read_bytes())
    return f"s3://{raw_bucket}/{prefix}"


def training_parameters(method: str, input_uri: str) -> list[ParameterValue]:
    """StartPipelineExecution parameters: the method, its data task and the pairs' prefix."""
    return [
        {"Name": METHOD_PARAMETER, "Value": method},
        {"Name": DATA_TASK_PARAMETER, "Value": METHODS[method].data_task},
        {"Name": INPUT_DATA_PARAMETER, "Value": input_uri},
    ]
