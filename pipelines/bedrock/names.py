"""Names, S3 URIs and statuses of a Bedrock request, checked before any upload or API call.

The patterns and enums are read from botocore's Bedrock service model (the API's own shapes),
not copied: `CreateModelCustomizationJob.jobName`, `customModelName`, and
`ListModelCustomizationJobs.statusEquals`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pipelines.bedrock.validation import Problem

# S3 general purpose bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens,
# starting and ending with a letter or digit (Amazon S3 User Guide, "Bucket naming rules",
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
S3_URI = re.compile(rf"s3://(?P<bucket>{BUCKET.pattern})(/(?P<key>.*))?")


@cache
def _member(operation: str, member: str) -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock")
    return model.operation_model(operation).input_shape.members[member]


def _name_problem(option: str, value: str, member: str) -> Problem | None:
    shape = _member("CreateModelCustomizationJob", member)
    pattern, longest = shape.metadata["pattern"], shape.metadata.get("max", 63)
    if len(value) > longest or not re.fullmatch(pattern, value):
        return Problem(
            f"{option} {value!r}",
            f"must be 1 to {longest} letters, digits, '+', '-' or '.', starting with a letter "
            f"or digit (pattern {pattern})",
        )
    return None


def job_name_problem(value: str) -> Problem | None:
    return _name_problem("--job-name", value, "jobName")


def model_name_problem(value: str) -> Problem | None:
    return _name_problem("--model-name", value, "customModelName")


def bucket_problem(value: str) -> Problem | None:
    if BUCKET.fullmatch(value) and ".." not in value:
        return None
    return Problem(f"--bucket {value!r}", "not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')")


def s3_uri_problem(option: str, value: str) -> Problem | None:
    if S3_URI.fullmatch(value):
        return None
    return Problem(f"{option} {value!r}", "expected s3://BUCKET/PREFIX")


def job_statuses() -> tuple[str, ...]:
    """The values `ListModelCustomizationJobs --status-equals` accepts."""
    return tuple(_member("ListModelCustomizationJobs", "statusEquals").enum)


def status_problem(value: str) -> Problem | None:
    allowed = job_statuses()
    if value in allowed:
        return None
    return Problem(f"--status {value!r}", f"not a job status (allowed: {', '.join(allowed)})")
