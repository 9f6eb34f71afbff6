"""`fmops bedrock`: validate, submit, watch, stop and list Bedrock customization jobs.

Every command that takes a request validates it locally first and fails with exit 2 before
any AWS call.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.markup import escape
from rich.table import Table

from deployment.contract import (
    BEDROCK_UPLOADS_PREFIX,
    CURATED_BUCKET_OUTPUT,
    RFT_GRADER_OUTPUT,
    SERVICE_ROLE_OUTPUT,
    STATE_MACHINE_OUTPUT,
    stack_name,
)
from deployment.settings import Settings
from pipelines.bedrock.catalog import REINFORCEMENT_FINE_TUNING
from pipelines.bedrock.jobs import BedrockJobs, ConcurrencyLimitError, JobRequest, JobTarget
from pipelines.bedrock.names import (
    bucket_problem,
    job_name_problem,
    model_name_problem,
    s3_uri_problem,
    status_problem,
)
from pipelines.bedrock.prepared import UnpreparedDataError, check_prepared
from pipelines.bedrock.rules import Context
from pipelines.bedrock.validation import (
    Problem,
    catalog_notes,
    check_request,
    parse_hyperparameters,
)
from pipelines.commands.shared import AsJson, Stage
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, err_console, fail, print_json
from pipelines.cost_estimate.confirm import (
    YesOption,
    estimate_or_fail,
    price_book,
    show_and_confirm,
)
from pipelines.cost_estimate.estimates import bedrock_estimate

app = typer.Typer(
    help="Bedrock model customization: fine-tuning, continued pre-training, distillation, "
    "reinforcement fine-tuning."
)

BaseModel = Annotated[
    str, typer.Option("--base-model", help="Base model id, e.g. amazon.nova-lite-v1:0:300k.")
]
Customization = Annotated[
    str,
    typer.Option(
        "--customization",
        help="FINE_TUNING, CONTINUED_PRE_TRAINING, DISTILLATION or REINFORCEMENT_FINE_TUNING.",
    ),
]
Train = Annotated[Path, typer.Option("--train", help="Training JSONL file.")]
Validation = Annotated[Path | None, typer.Option("--validation", help="Validation JSONL file.")]
Hp = Annotated[
    list[str] | None, typer.Option("--hp", help="Hyperparameter NAME=VALUE (repeatable).")
]
Teacher = Annotated[str | None, typer.Option("--teacher", help="Teacher model id (DISTILLATION).")]
MediaRoot = Annotated[
    Path | None,
    typer.Option(
        "--media-root",
        help="Local copy of the media the dataset references: s3://BUCKET/KEY is read from "
        "MEDIA_ROOT/KEY and checked (size, pixels, duration, true format).",
    ),
]


def _validated(
    base_model: str,
    customization: str,
    train: Path,
    validation: Path | None,
    hp: list[str] | None,
    teacher: str | None,
    region: str | None = None,
    context: Context = Context(),  # noqa: B008 - frozen dataclass, never mutated
) -> dict[str, str]:
    for note in catalog_notes(base_model):
        err_console.print(f"note: {escape(note)}", highlight=False, soft_wrap=True)
    values, problems = parse_hyperparameters(hp or [])
    problems += check_request(
        base_model, customization, train, validation, values, teacher, region, context
    )
    if problems:
        for problem in problems:  # every problem listed, then the one `error:` line
            err_console.print(f"  {escape(str(problem))}", highlight=False, soft_wrap=True)
        raise fail(f"{len(problems)} problem(s): nothing was sent to AWS")
    return values


def _jobs(settings: Settings) -> BedrockJobs:
    return BedrockJobs(
        boto3.client("bedrock"), settings.bedrock.max_concurrent_jobs, boto3.client("stepfunctions")
    )


def _stack_outputs(stack: str) -> dict[str, str]:
    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


@app.command("validate")
def validate(
    base_model: BaseModel,
    customization: Customization,
    train: Train,
    validation: Validation = None,
    hp: Hp = None,
    teacher: Teacher = None,
    region: Annotated[
        str | None, typer.Option(help="Region the job will run in (checked per model).")
    ] = None,
    media_root: MediaRoot = None,
    bucket: Annotated[
        str | None, typer.Option(help="Bucket the dataset will live in (Nova media must too).")
    ] = None,
) -> None:
    """Check a request locally: dataset format and rules per model, hyperparameter ranges.

    Example: [cyan]fmops bedrock validate --base-model amazon.nova-2-lite-v1:0:256k
    --customization REINFORCEMENT_FINE_TUNING --train prompts.jsonl --hp epochCount=2[/]
    """
    context = Context(media_root=media_root, dataset_bucket=bucket)
    _validated(base_model, customization, train, validation, hp, teacher, region, context)
    console.print(f"[green]ok[/]: {train} is a valid {customization} request for {base_model}")


@app.command("submit")
def submit(
    base_model: BaseModel,
    customization: Customization,
    train: Train,
    validation: Validation = None,
    hp: Hp = None,
    teacher: Teacher = None,
    job_name: Annotated[
        str | None, typer.Option(help="Job name (default: <prefix>-<stage>-<time>).")
    ] = None,
    model_name: Annotated[
        str | None, typer.Option(help="Custom model name (default: <job>-model).")
    ] = None,
    bucket: Annotated[
        str | None, typer.Option(help="Curated bucket to upload to (default: data stack output).")
    ] = None,
    state_machine_arn: Annotated[
        str | None, typer.Option(help="Default: bedrock stack output.")
    ] = None,
    direct: Annotated[
        bool, typer.Option(help="Call CreateModelCustomizationJob instead of the state machine.")
    ] = False,
    role_arn: Annotated[
        str | None, typer.Option(help="--direct: service role (default: stack output).")
    ] = None,
    output_s3_uri: Annotated[str | None, typer.Option(help="--direct: output location.")] = None,
    media_root: MediaRoot = None,
    stage: Stage = None,
    as_json: AsJson = False,
    yes: Annotated[bool, YesOption] = False,
) -> None:
    """Validate, estimate the cost, upload the datasets, then start the job.

    The job starts through the state machine, or with --direct through the API. Above
    cost.confirm_above_usd it starts only with --yes.

    Only prepared data is accepted: each file must be an output of `fmops data prepare` with
    its manifest beside it (OUT/governance/manifest.json) and the hash it recorded.

    Example: [cyan]fmops bedrock submit --base-model amazon.nova-micro-v1:0:128k
    --customization DISTILLATION --train prepared/train/data.jsonl --teacher amazon.nova-pro-v1:0[/]
    """
    region = boto3.session.Session().region_name
    values = _validated(
        base_model, customization, train, validation, hp, teacher, region, Context(media_root)
    )
    try:
        for dataset in (train, validation):
            if dataset is not None:
                check_prepared(dataset)
    except UnpreparedDataError as exc:
        raise fail(f"{exc}: nothing was sent to AWS") from None
    settings = _settings(stage)
    allowed = settings.bedrock.teacher_models
    if teacher and teacher not in allowed:
        # The service role may invoke only these (infra/stacks/bedrock.py): fail here, not
        # hours later with AccessDenied.
        raise fail(
            f"--teacher {teacher}: not in settings.bedrock.teacher_models "
            f"(allowed: {', '.join(allowed) or 'none configured'})"
        )
    if direct and not output_s3_uri:
        raise fail("--direct needs --output-s3-uri (where Bedrock writes metrics and artifacts)")
    name = job_name or f"{settings.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    _check_names(name, model_name or f"{name}-model", bucket, output_s3_uri, state_machine_arn)
    jobs = _jobs(settings)  # no region: one error line, before anything is read or written
    estimate = estimate_or_fail(
        bedrock_estimate,
        base_model,
        customization,
        train,
        values,
        price_book(settings, None, live=False),  # Bedrock prices: the table only
    )
    show_and_confirm(estimate, settings, yes, as_json)  # before the upload spends anything
    try:
        bucket = bucket or _stack_outputs(stack_name(settings, "data"))[CURATED_BUCKET_OUTPUT]
        # Nova reads media only from the dataset's own bucket: refuse before uploading.
        _validated(base_model, customization, train, validation, hp, teacher, region,
                   Context(media_root, dataset_bucket=bucket))  # fmt: skip
        grader = None
        if direct and customization == REINFORCEMENT_FINE_TUNING:
            grader = _stack_outputs(stack_name(settings, "bedrock"))[RFT_GRADER_OUTPUT]
        if direct:
            role = role_arn or _stack_outputs(stack_name(settings, "bedrock"))[SERVICE_ROLE_OUTPUT]
            target: JobTarget | str = JobTarget(role_arn=role, output_s3_uri=output_s3_uri or "")
        else:
            target = (
                state_machine_arn
                or _stack_outputs(stack_name(settings, "bedrock"))[STATE_MACHINE_OUTPUT]
            )
        # Refuse before uploading: an existing job keeps its data, a full queue gets none.
        taken = jobs.existing(name, None if direct else str(target))
        if taken:
            raise fail(f"--job-name {name}: {taken} already exists; pick another name")
        jobs.ensure_capacity()
    except ConcurrencyLimitError as exc:
        raise fail(str(exc), code=1) from None
    except KeyError as exc:
        missing = f"stack output {exc} not found: deploy the stacks or pass it explicitly"
        raise fail(missing, 1) from None
    # A key unique to this submission: nothing earlier is ever overwritten.
    key = f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX}{name}/{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3")
    uploaded: list[str] = []
    try:
        for source, object_name in ((train, "train.jsonl"), (validation, "validation.jsonl")):
            if source:
                s3.upload_file(str(source), bucket, f"{key}/{object_name}")
                uploaded.append(f"{key}/{object_name}")
        request = JobRequest(
            job_name=name,
            custom_model_name=model_name or f"{name}-model",
            base_model=base_model,
            customization_type=customization,
            training_s3_uri=f"s3://{bucket}/{key}/train.jsonl",
            validation_s3_uri=f"s3://{bucket}/{key}/validation.jsonl" if validation else None,
            hyperparameters=values,
            teacher=teacher,
            teacher_max_response_length=settings.bedrock.teacher_max_response_length,
            grader_arn=grader,
        )
        if isinstance(target, JobTarget):
            arn = jobs.submit(request, target)
        else:
            arn = jobs.start(request, target)
    except ClientError as exc:
        _remove(s3, bucket, uploaded)  # a submission that did not start leaves nothing behind
        if exc.response.get("Error", {}).get("Code") in ("AccessDenied", "403"):
            raise fail(
                f"submission failed: {exc}. Uploading needs s3:PutObject under "
                f"{settings.data.curated_prefix}{BEDROCK_UPLOADS_PREFIX} of the curated bucket "
                "and kms:GenerateDataKey on the data key",
                code=1,
            ) from None
        raise
    except BaseException:
        _remove(s3, bucket, uploaded)
        raise
    if as_json:
        print_json({"arn": arn, "jobName": name, "trainingDataS3Uri": request.training_s3_uri,
                    "estimate": estimate.as_dict()})  # fmt: skip
    else:
        console.print(f"submitted [bold]{name}[/]: {arn}")


def _check_names(
    job: str, model: str, bucket: str | None, output_uri: str | None, state_machine: str | None
) -> None:
    problems = [job_name_problem(job), model_name_problem(model)]
    problems += [bucket_problem(bucket) if bucket else None]
    problems += [s3_uri_problem("--output-s3-uri", output_uri) if output_uri else None]
    if state_machine and ":states:" not in state_machine:
        problems.append(Problem(f"--state-machine-arn {state_machine!r}", "not a state machine"))
    found = [p for p in problems if p]
    if found:
        raise fail("; ".join(str(p) for p in found))


def _remove(s3: Any, bucket: str, keys: list[str]) -> None:
    for key in keys:
        # Best effort: the original error is the one to report.
        with contextlib.suppress(ClientError, BotoCoreError):
            s3.delete_object(Bucket=bucket, Key=key)


@app.command("status")
def status(
    job: Annotated[str, typer.Argument(help="Job name or ARN.")],
    wait: Annotated[bool, typer.Option(help="Poll with backoff until the job ends.")] = False,
    stage: Stage = None,
    as_json: AsJson = False,
) -> None:
    """Show a job's status (exit 1 if it Failed or was Stopped).

    Example: [cyan]fmops bedrock status fmops-dev-20250101-120000 --wait[/]
    """
    jobs = _jobs(_settings(stage))
    try:
        details = jobs.wait(job, console=err_console) if wait else jobs.status(job)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"status of {job}: {exc}", code=1) from None
    if as_json:
        print_json(details)
    else:
        reason = details.get("failureMessage", "")
        console.print(f"{details.get('jobName', job)}: [bold]{details['status']}[/] {reason}")
    if details["status"] in ("Failed", "Stopped"):
        raise typer.Exit(1)


@app.command("stop")
def stop(job: Annotated[str, typer.Argument(help="Job name or ARN.")], stage: Stage = None) -> None:
    """Stop a running job.

    Example: [cyan]fmops bedrock stop fmops-dev-20250101-120000[/]
    """
    jobs = _jobs(_settings(stage))
    try:
        jobs.stop(job)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"stop {job}: {exc}", code=1) from None
    console.print(f"stopping {job}")


@app.command("list")
def list_jobs(
    status_filter: Annotated[
        str | None,
        typer.Option("--status", help="InProgress, Completed, Failed, Stopping, Stopped."),
    ] = None,
    stage: Stage = None,
    as_json: AsJson = False,
) -> None:
    """List customization jobs.

    Example: [cyan]fmops bedrock list --status InProgress --json[/]
    """
    problem = status_problem(status_filter) if status_filter else None
    if problem:
        raise fail(str(problem))
    jobs = _jobs(_settings(stage))
    try:
        found: list[dict[str, Any]] = jobs.list(status_filter)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"list: {exc}", code=1) from None
    if as_json:
        print_json(found)
        return
    table = Table(title="Bedrock customization jobs")
    for column in ("job", "status", "base model", "created"):
        table.add_column(column)
    for job in found:
        table.add_row(
            job["jobName"],
            job["status"],
            job.get("baseModelArn", ""),
            str(job.get("creationTime", "")),
        )
    console.print(table)
