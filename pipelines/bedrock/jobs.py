"""Submit, watch, stop and list Bedrock customization jobs (direct API or the state machine).

Bedrock runs only a few customization jobs per account at once; `BedrockJobs` counts the
InProgress jobs before every submission and refuses to exceed `max_concurrent`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pipelines.bedrock.catalog import DISTILLATION, REINFORCEMENT_FINE_TUNING
from pipelines.bedrock.hyperparameters import rft_hyperparameters

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient
    from mypy_boto3_stepfunctions import SFNClient

TERMINAL = ("Completed", "Failed", "Stopped")
THROTTLING = ("ThrottlingException", "TooManyRequestsException")
# How GetModelCustomizationJob / DescribeExecution say "no such name".
_ABSENT = ("ResourceNotFoundException", "ExecutionDoesNotExist", "ValidationException")


class ConcurrencyLimitError(RuntimeError):
    """Submitting now would run more jobs than the account allows."""


@dataclass(frozen=True)
class JobRequest:
    job_name: str
    custom_model_name: str
    base_model: str
    customization_type: str
    training_s3_uri: str
    validation_s3_uri: str | None = None
    hyperparameters: dict[str, str] = field(default_factory=dict)
    teacher: str | None = None
    teacher_max_response_length: int = 1000
    grader_arn: str | None = None  # REINFORCEMENT_FINE_TUNING: the stack's grader Lambda


def rft_hyperparameters_typed(values: dict[str, str]) -> dict[str, str | int | float]:
    """RFT takes typed hyperparameters (RFTHyperParameters), not the string map."""
    kinds = {hp.name: hp for hp in rft_hyperparameters()}
    return {name: kinds[name].typed(raw) for name, raw in values.items()}


@dataclass(frozen=True)
class JobTarget:
    """Where a directly submitted job runs: what the BedrockStack outputs."""

    role_arn: str
    output_s3_uri: str
    kms_key_arn: str | None = None
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()


def create_job_request(req: JobRequest, target: JobTarget) -> dict[str, Any]:
    """Keyword arguments for `bedrock.create_model_customization_job`."""
    request: dict[str, Any] = {
        "jobName": req.job_name,
        "customModelName": req.custom_model_name,
        "roleArn": target.role_arn,
        "baseModelIdentifier": req.base_model,
        "customizationType": req.customization_type,
        "trainingDataConfig": {"s3Uri": req.training_s3_uri},
        "outputDataConfig": {"s3Uri": target.output_s3_uri},
    }
    if req.validation_s3_uri:
        request["validationDataConfig"] = {"validators": [{"s3Uri": req.validation_s3_uri}]}
    if req.customization_type == DISTILLATION:
        request["customizationConfig"] = {
            "distillationConfig": {
                "teacherModelConfig": {
                    "teacherModelIdentifier": req.teacher,
                    "maxResponseLengthForInference": req.teacher_max_response_length,
                }
            }
        }
    elif req.customization_type == REINFORCEMENT_FINE_TUNING:
        rft: dict[str, Any] = {"graderConfig": {"lambdaGrader": {"lambdaArn": req.grader_arn}}}
        if req.hyperparameters:
            rft["hyperParameters"] = rft_hyperparameters_typed(req.hyperparameters)
        request["customizationConfig"] = {"rftConfig": rft}
    else:
        request["hyperParameters"] = dict(req.hyperparameters)
    if target.kms_key_arn:
        request["customModelKmsKeyId"] = target.kms_key_arn
    if target.subnet_ids:
        request["vpcConfig"] = {
            "subnetIds": list(target.subnet_ids),
            "securityGroupIds": list(target.security_group_ids),
        }
    return request


def state_machine_input(req: JobRequest) -> dict[str, Any]:
    """Execution input for the BedrockStack state machine (see its module docstring)."""
    payload: dict[str, Any] = {
        "jobName": req.job_name,
        "customModelName": req.custom_model_name,
        "baseModelIdentifier": req.base_model,
        "customizationType": req.customization_type,
        "trainingDataS3Uri": req.training_s3_uri,
        "hyperParameters": dict(req.hyperparameters),
    }
    if req.validation_s3_uri:
        payload["validationDataS3Uri"] = req.validation_s3_uri
    if req.customization_type == DISTILLATION:
        payload["teacherModelIdentifier"] = req.teacher
        payload["maxResponseLengthForInference"] = req.teacher_max_response_length
    if req.customization_type == REINFORCEMENT_FINE_TUNING:
        # The workflow grades with its own Lambda; only the typed hyperparameters travel.
        payload["hyperParameters"] = {}
        payload["rftHyperParameters"] = rft_hyperparameters_typed(req.hyperparameters)
    return payload


def _throttled(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in THROTTLING


class BedrockJobs:
    """Customization jobs of one account and region."""

    def __init__(
        self,
        bedrock: BedrockClient,
        max_concurrent: int,
        stepfunctions: SFNClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bedrock, self.stepfunctions = bedrock, stepfunctions
        self.max_concurrent, self.sleep = max_concurrent, sleep

    def _call(self, fn: Callable[..., Any], *, attempts: int = 6, **kwargs: Any) -> Any:
        """Call with exponential backoff on throttling (1, 2, 4, ... s)."""
        for attempt in range(attempts):
            try:
                return fn(**kwargs)
            except ClientError as exc:
                if not _throttled(exc) or attempt == attempts - 1:
                    raise
                self.sleep(2.0**attempt)
        raise AssertionError("unreachable")

    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"statusEquals": status} if status else {}
        jobs: list[dict[str, Any]] = []
        while True:
            page = self._call(self.bedrock.list_model_customization_jobs, **kwargs)
            jobs += page.get("modelCustomizationJobSummaries", [])
            if not page.get("nextToken"):
                return jobs
            kwargs["nextToken"] = page["nextToken"]

    def ensure_capacity(self) -> None:
        running = self.list(status="InProgress")
        if len(running) >= self.max_concurrent:
            names = ", ".join(job["jobName"] for job in running)
            raise ConcurrencyLimitError(
                f"{len(running)} customization jobs already InProgress ({names}); the limit is "
                f"{self.max_concurrent} (settings.bedrock.max_concurrent_jobs): wait for one to end"
            )

    def submit(self, req: JobRequest, target: JobTarget) -> str:
        """Create the job directly; returns its ARN."""
        self.ensure_capacity()
        response = self._call(
            self.bedrock.create_model_customization_job,
            attempts=3,
            **create_job_request(req, target),
        )
        return str(response["jobArn"])

    def start(self, req: JobRequest, state_machine_arn: str) -> str:
        """Start the state machine for `req`; returns the execution ARN."""
        if self.stepfunctions is None:
            raise ValueError("no Step Functions client: construct BedrockJobs with stepfunctions=")
        self.ensure_capacity()
        response = self._call(
            self.stepfunctions.start_execution,
            attempts=3,
            stateMachineArn=state_machine_arn,
            name=req.job_name,
            input=json.dumps(state_machine_input(req)),
        )
        return str(response["executionArn"])

    def status(self, job: str) -> dict[str, Any]:
        details = dict(self._call(self.bedrock.get_model_customization_job, jobIdentifier=job))
        details.pop("ResponseMetadata", None)
        return details

    def existing(self, job_name: str, state_machine_arn: str | None = None) -> str | None:
        """What already holds `job_name` (a job, or a state machine execution), or None.

        Checked before anything is uploaded: a second submission under the same name must not
        touch the first one's data.
        """
        try:
            found = self.status(job_name)
            return f"customization job {job_name} ({found.get('status', '?')})"
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _ABSENT:
                raise
        if state_machine_arn and self.stepfunctions is not None:
            execution = f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{job_name}"
            try:
                described = self.stepfunctions.describe_execution(executionArn=execution)
                return f"state machine execution {job_name} ({described.get('status', '?')})"
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in _ABSENT:
                    raise
        return None

    def stop(self, job: str) -> None:
        self._call(self.bedrock.stop_model_customization_job, jobIdentifier=job)

    def wait(
        self,
        job: str,
        *,
        poll_seconds: float = 60.0,
        max_poll_seconds: float = 600.0,
        timeout_seconds: float | None = None,
        console: Console | None = None,
    ) -> dict[str, Any]:
        """Poll until the job ends; the interval grows x1.5 up to `max_poll_seconds`."""
        waited, interval = 0.0, poll_seconds
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{job}: starting")
            while True:
                details = self.status(job)
                state = details["status"]
                progress.update(task, description=f"{details.get('jobName', job)}: {state}")
                if state in TERMINAL:
                    return details
                if timeout_seconds is not None and waited >= timeout_seconds:
                    raise TimeoutError(f"{job}: still {state} after {waited:.0f} s")
                self.sleep(interval)
                waited += interval
                interval = min(interval * 1.5, max_poll_seconds)
