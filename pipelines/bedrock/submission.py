"""`fmops bedrock submit` as a service: validate → settings → cost estimate → target → upload →
start, removing what it uploaded when the start fails.

The command parses options into a `JobSpec` and a `Destination`, shows the estimate and asks for
confirmation; everything else is here, as functions of a `Deployment` (its region for every
client and for the per-region model rules, each stack output read once).
Refusals before anything is sent are `SubmissionError` (exit 2, every problem listed); AWS and
queue failures after that are `SubmissionFailed` / ConcurrencyLimitError (exit 1).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from deployment.contract import (
    BEDROCK_UPLOADS_PREFIX,
    CURATED_BUCKET_OUTPUT,
    RFT_GRADER_OUTPUT,
    SERVICE_ROLE_OUTPUT,
    STATE_MACHINE_OUTPUT,
)
from pipelines.bedrock.catalog import REINFORCEMENT_FINE_TUNING
from pipelines.bedrock.jobs import BedrockJobs, JobRequest, JobTarget
from pipelines.bedrock.names import (
    bucket_problem,
    job_name_problem,
    model_name_problem,
    s3_uri_problem,
)
from pipelines.bedrock.prepared import UnpreparedDataError, check_prepared
from pipelines.bedrock.rules import Context
from pipelines.bedrock.validation import Problem, check_request, parse_hyperparameters
from pipelines.cost_estimate import CostError
from pipelines.cost_estimate.confirm import price_book
from pipelines.cost_estimate.estimates import Estimate, bedrock_estimate
from pipelines.deployment_outputs import Deployment

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOTHING_SENT = "nothing was sent to AWS"
UPLOAD_NAMES = ("train.jsonl", "validation.jsonl")


class SubmissionError(ValueError):
    """The request is refused before any AWS call; `problems` lists each one the message counts
    (the CLI prints them above the one `error:` line)."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class SubmissionFailed(RuntimeError):
    """AWS refused the upload or the start; what was uploaded has been removed."""


@dataclass(frozen=True)
class JobSpec:
    """What to train: the request as the user gave it (hyperparameters as NAME=VALUE)."""

    base_model: str
    customization: str
    train: Path
    validation: Path | None = None
    hyperparameters: tuple[str, ...] = ()
    teacher: str | None = None
    media_root: Path | None = None

    def datasets(self) -> tuple[tuple[Path, str], ...]:
        """(local file, object name) of each dataset that is given."""
        pairs = zip((self.train, self.validation), UPLOAD_NAMES, strict=True)
        return tuple((path, name) for path, name in pairs if path is not None)


@dataclass(frozen=True)
class Destination:
    """Where the job goes; an unset field comes from the stage's stack outputs."""

    job_name: str | None = None
    model_name: str | None = None
    bucket: str | None = None
    state_machine_arn: str | None = None
    direct: bool = False
    role_arn: str | None = None
    output_s3_uri: str | None = None


@dataclass(frozen=True)
class CheckedJob:
    spec: JobSpec
    destination: Destination
    job_name: str
    model_name: str
    hyperparameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Submitted:
    arn: str
    job_name: str
    training_s3_uri: str


def validate(spec: JobSpec, region: str | None = None, bucket: str | None = None) -> dict[str, str]:
    """The parsed hyperparameters, or SubmissionError listing every problem of the request."""
    values, problems = parse_hyperparameters(list(spec.hyperparameters))
    context = Context(media_root=spec.media_root, dataset_bucket=bucket)
    problems += check_request(
        spec.base_model, spec.customization, spec.train, spec.validation, values, spec.teacher,
        region, context,
    )  # fmt: skip
    if problems:
        raise SubmissionError(f"{len(problems)} problem(s): {NOTHING_SENT}", tuple(problems))
    return values


def check_submission(deployment: Deployment, spec: JobSpec, destination: Destination) -> CheckedJob:
    """Everything that can be refused locally, in the deployment's region: the request, the
    prepare manifests, the stage's allowed teachers and the names."""
    values = validate(spec, deployment.region)
    try:
        for dataset, _ in spec.datasets():
            check_prepared(dataset)
    except UnpreparedDataError as exc:
        raise SubmissionError(f"{exc}: {NOTHING_SENT}") from None
    allowed = deployment.settings.bedrock.teacher_models
    if spec.teacher and spec.teacher not in allowed:
        # The service role may invoke only these (infra/stacks/bedrock.py): fail here, not
        # hours later with AccessDenied.
        raise SubmissionError(
            f"--teacher {spec.teacher}: not in settings.bedrock.teacher_models "
            f"(allowed: {', '.join(allowed) or 'none configured'})"
        )
    if destination.direct and not destination.output_s3_uri:
        raise SubmissionError(
            "--direct needs --output-s3-uri (where Bedrock writes metrics and artifacts)"
        )
    name = destination.job_name or f"{deployment.settings.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    model = destination.model_name or f"{name}-model"
    _check_names(name, model, destination)
    return CheckedJob(spec, destination, name, model, values)


def _check_names(job: str, model: str, destination: Destination) -> None:
    problems = [job_name_problem(job), model_name_problem(model)]
    if destination.bucket:
        problems.append(bucket_problem(destination.bucket))
    if destination.output_s3_uri:
        problems.append(s3_uri_problem("--output-s3-uri", destination.output_s3_uri))
    machine = destination.state_machine_arn
    if machine and ":states:" not in machine:
        problems.append(Problem(f"--state-machine-arn {machine!r}", "not a state machine"))
    found = [str(p) for p in problems if p]
    if found:
        raise SubmissionError("; ".join(found))


def cost_estimate(deployment: Deployment, job: CheckedJob) -> Estimate:
    """The job's estimated cost; Bedrock's prices come from the dated table only."""
    book = price_book(deployment.settings, deployment.region, live=False)
    spec = job.spec
    try:
        return bedrock_estimate(
            spec.base_model, spec.customization, spec.train, job.hyperparameters, book
        )
    except CostError as exc:
        raise SubmissionError(f"cost estimate: {exc}") from None


def bedrock_jobs(deployment: Deployment) -> BedrockJobs:
    """The stage's customization jobs, in the deployment's region."""
    return BedrockJobs(
        deployment.client("bedrock"),
        deployment.settings.bedrock.max_concurrent_jobs,
        deployment.client("stepfunctions"),
    )


@dataclass(frozen=True)
class _Target:
    bucket: str
    target: JobTarget | str  # a direct job's role and output, else the state machine ARN
    grader: str | None


def _target(deployment: Deployment, job: CheckedJob) -> _Target:
    dest = job.destination
    bucket = deployment.output_or(dest.bucket, "data", CURATED_BUCKET_OUTPUT, "--bucket")
    # Nova reads media only from the dataset's own bucket: refuse before uploading.
    validate(job.spec, deployment.region, bucket)
    if not dest.direct:
        machine = deployment.output_or(
            dest.state_machine_arn, "bedrock", STATE_MACHINE_OUTPUT, "--state-machine-arn"
        )
        return _Target(bucket, machine, None)
    grader = None
    if job.spec.customization == REINFORCEMENT_FINE_TUNING:
        grader = deployment.output("bedrock", RFT_GRADER_OUTPUT)
    role = deployment.output_or(dest.role_arn, "bedrock", SERVICE_ROLE_OUTPUT, "--role-arn")
    return _Target(bucket, JobTarget(role_arn=role, output_s3_uri=dest.output_s3_uri or ""), grader)


def submit(deployment: Deployment, job: CheckedJob, jobs: BedrockJobs | None = None) -> Submitted:
    """Find the target, refuse a taken name or a full queue, upload the datasets under a key
    unique to this submission, and start the job; a start that fails removes the uploads."""
    jobs = jobs or bedrock_jobs(deployment)
    target = _target(deployment, job)
    machine = None if isinstance(target.target, JobTarget) else target.target
    taken = jobs.existing(job.job_name, machine)
    if taken:
        raise SubmissionError(f"--job-name {job.job_name}: {taken} already exists; pick another")
    jobs.ensure_capacity()
    settings = deployment.settings
    unique = uuid.uuid4().hex[:12]  # nothing earlier is ever overwritten
    key = f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX}{job.job_name}/{unique}"
    s3 = deployment.client("s3")
    uploaded: list[str] = []
    try:
        for source, name in job.spec.datasets():
            s3.upload_file(str(source), target.bucket, f"{key}/{name}")
            uploaded.append(f"{key}/{name}")
        request = _job_request(job, f"s3://{target.bucket}/{key}", target.grader, settings)
        if isinstance(target.target, JobTarget):
            arn = jobs.submit(request, target.target)
        else:
            arn = jobs.start(request, target.target)
    except ClientError as exc:
        remove_uploads(s3, target.bucket, uploaded)
        if exc.response.get("Error", {}).get("Code") in ("AccessDenied", "403"):
            raise SubmissionFailed(
                f"submission failed: {exc}. Uploading needs s3:PutObject under "
                f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX} of the curated bucket "
                "and kms:GenerateDataKey on the data key"
            ) from None
        raise
    except BaseException:
        remove_uploads(s3, target.bucket, uploaded)
        raise
    return Submitted(arn, job.job_name, request.training_s3_uri)


def _job_request(job: CheckedJob, prefix: str, grader: str | None, settings: Any) -> JobRequest:
    spec = job.spec
    return JobRequest(
        job_name=job.job_name,
        custom_model_name=job.model_name,
        base_model=spec.base_model,
        customization_type=spec.customization,
        training_s3_uri=f"{prefix}/{UPLOAD_NAMES[0]}",
        validation_s3_uri=f"{prefix}/{UPLOAD_NAMES[1]}" if spec.validation else None,
        hyperparameters=job.hyperparameters,
        teacher=spec.teacher,
        teacher_max_response_length=settings.bedrock.teacher_max_response_length,
        grader_arn=grader,
    )


def remove_uploads(s3: S3Client, bucket: str, keys: list[str]) -> None:
    for key in keys:
        # Best effort: the original error is the one to report.
        with contextlib.suppress(ClientError, BotoCoreError):
            s3.delete_object(Bucket=bucket, Key=key)
