"""Steps both Bedrock workflows (customization, import) build alike: an SNS notice of the
state's JSON, a retry with full-jitter exponential backoff on the service's busy errors, and the
ARN pattern of a resource type their tasks are granted on."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct


def notify(scope: Construct, state_name: str, topic: sns.ITopic, subject: str) -> tasks.SnsPublish:
    """Publish the whole state to `topic`; the state passes through unchanged."""
    return tasks.SnsPublish(
        scope,
        state_name.replace(" ", ""),
        state_name=state_name,
        topic=topic,
        subject=subject,
        message=sfn.TaskInput.from_json_path_at("$"),
        result_path=sfn.JsonPath.DISCARD,
    )


def retry_when_busy(
    task: sfn.TaskStateBase, errors: list[str], first_wait_s: int, max_attempts: int
) -> None:
    """Retry `errors` (throttling, quota) with doubling waits and full jitter."""
    task.add_retry(
        errors=errors,
        interval=cdk.Duration.seconds(first_wait_s),
        backoff_rate=2.0,
        max_attempts=max_attempts,
        jitter_strategy=sfn.JitterType.FULL,
    )


def every(scope: Construct, service: str, resource: str) -> str:
    """The ARN pattern of every `resource` of `service` in `scope`'s account and Region."""
    return cdk.Stack.of(scope).format_arn(
        service=service,
        resource=resource,
        resource_name="*",
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
    )
