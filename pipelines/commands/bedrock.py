"""`fmops bedrock`: validate, submit, watch, stop and list Bedrock customization jobs.

Every command that takes a request validates it locally first and fails with exit 2 before
any AWS call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.markup import escape
from rich.table import Table

from pipelines.bedrock.names import status_problem
from pipelines.bedrock.submission import (
    Destination,
    JobSpec,
    SubmissionError,
    bedrock_jobs,
    check_submission,
    cost_estimate,
)
from pipelines.bedrock.submission import submit as submit_job
from pipelines.bedrock.submission import validate as validate_request
from pipelines.bedrock.validation import catalog_notes
from pipelines.commands.shared import AsJson, Region, Stage, stage_deployment
from pipelines.console import console, err_console, fail, print_json
from pipelines.cost_estimate.confirm import YesOption, show_and_confirm

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


JobName = Annotated[str | None, typer.Option(help="Job name (default: <prefix>-<stage>-<time>).")]
ModelName = Annotated[str | None, typer.Option(help="Custom model name (default: <job>-model).")]
CuratedBucket = Annotated[
    str | None, typer.Option(help="Curated bucket to upload to (default: data stack output).")
]
StateMachine = Annotated[str | None, typer.Option(help="Default: bedrock stack output.")]


def _print_notes(base_model: str) -> None:
    for note in catalog_notes(base_model):
        err_console.print(f"note: {escape(note)}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _listing_problems() -> Iterator[None]:
    """Every problem of a refused request on its own line, then the one `error:` line."""
    try:
        yield
    except SubmissionError as exc:
        for problem in exc.problems:
            err_console.print(f"  {escape(str(problem))}", highlight=False, soft_wrap=True)
        raise fail(str(exc)) from None


@app.command("validate")
def validate(
    base_model: BaseModel,
    customization: Customization,
    train: Train,
    validation: Validation = None,
    hp: Hp = None,
    teacher: Teacher = None,
    region: Annotated[
        str | None,
        typer.Option(help="Region the job will run in (checked per model; default: none)."),
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
    spec = JobSpec(base_model, customization, train, validation, tuple(hp or ()), teacher,
                   media_root)  # fmt: skip
    _print_notes(base_model)
    with _listing_problems():
        validate_request(spec, region, bucket)
    console.print(f"[green]ok[/]: {train} is a valid {customization} request for {base_model}")


@app.command("submit")
def submit(
    base_model: BaseModel,
    customization: Customization,
    train: Train,
    validation: Validation = None,
    hp: Hp = None,
    teacher: Teacher = None,
    job_name: JobName = None,
    model_name: ModelName = None,
    bucket: CuratedBucket = None,
    state_machine_arn: StateMachine = None,
    direct: Annotated[
        bool, typer.Option(help="Call CreateModelCustomizationJob instead of the state machine.")
    ] = False,
    role_arn: Annotated[
        str | None, typer.Option(help="--direct: service role (default: stack output).")
    ] = None,
    output_s3_uri: Annotated[str | None, typer.Option(help="--direct: output location.")] = None,
    media_root: MediaRoot = None,
    stage: Stage = None,
    region: Region = None,
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
    spec = JobSpec(base_model, customization, train, validation, tuple(hp or ()), teacher,
                   media_root)  # fmt: skip
    destination = Destination(job_name, model_name, bucket, state_machine_arn, direct, role_arn,
                              output_s3_uri)  # fmt: skip
    _print_notes(base_model)
    deployment = stage_deployment(stage, region)
    with _listing_problems():
        job = check_submission(deployment, spec, destination)
        estimate = cost_estimate(deployment, job)
    show_and_confirm(estimate, deployment.settings, yes, as_json)  # before the upload spends
    with _listing_problems():
        submitted = submit_job(deployment, job)
    if as_json:
        print_json({"arn": submitted.arn, "jobName": submitted.job_name,
                    "trainingDataS3Uri": submitted.training_s3_uri,
                    "estimate": estimate.as_dict()})  # fmt: skip
    else:
        console.print(f"submitted [bold]{submitted.job_name}[/]: {submitted.arn}")


@app.command("status")
def status(
    job: Annotated[str, typer.Argument(help="Job name or ARN.")],
    wait: Annotated[bool, typer.Option(help="Poll with backoff until the job ends.")] = False,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Show a job's status (exit 1 if it Failed or was Stopped).

    Example: [cyan]fmops bedrock status fmops-dev-20250101-120000 --wait[/]
    """
    jobs = bedrock_jobs(stage_deployment(stage, region))
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
def stop(
    job: Annotated[str, typer.Argument(help="Job name or ARN.")],
    stage: Stage = None,
    region: Region = None,
) -> None:
    """Stop a running job.

    Example: [cyan]fmops bedrock stop fmops-dev-20250101-120000[/]
    """
    jobs = bedrock_jobs(stage_deployment(stage, region))
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
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """List customization jobs.

    Example: [cyan]fmops bedrock list --status InProgress --json[/]
    """
    problem = status_problem(status_filter) if status_filter else None
    if problem:
        raise fail(str(problem))
    jobs = bedrock_jobs(stage_deployment(stage, region))
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
