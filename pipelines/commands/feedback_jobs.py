"""`fmops feedback start|status`: Ground Truth labeling jobs on the stage's workteam.

Registered on the `fmops feedback` group by pipelines/commands/feedback.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from deployment.contract import stack_name
from deployment.settings import Settings
from pipelines.commands.shared import AsJson, Region, Stage
from pipelines.commands.shared import aws_client as _client
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, fail, print_json
from pipelines.feedback import FeedbackError
from pipelines.feedback.labeling import (
    KINDS,
    HumansDeployment,
    Kind,
    check_job_name,
    deployment_from_outputs,
    describe_job,
    labeling_job_request,
    read_task_folder,
    start_labeling_job,
)


def _deployment(settings: Settings, region: str | None) -> HumansDeployment:
    """The humans stack's outputs plus the data stack's bucket and key (each output once)."""
    stack = stack_name(settings, "humans")
    cloudformation = _client("cloudformation", region)
    outputs: dict[str, str] = {}
    for name in (stack_name(settings, "data"), stack):
        try:
            described = cloudformation.describe_stacks(StackName=name)
        except (ClientError, BotoCoreError) as exc:
            raise fail(f"read stack {name}: {exc}", code=1) from None
        outputs |= {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0]["Outputs"]}
    try:
        return deployment_from_outputs(outputs, stack)
    except FeedbackError as exc:
        raise fail(str(exc), code=1) from None


def start(
    tasks: Annotated[
        Path,
        typer.Argument(
            help="Task folder: `fmops feedback rank-tasks` or `fmops eval audit-sample` output."
        ),
    ],
    job_name: Annotated[str, typer.Option("--job-name", help="Unique labeling job name.")],
    kind: Annotated[str, typer.Option(help=f"Task kind: {', '.join(KINDS)}.")] = "ranking",
    pii_free: Annotated[
        bool,
        typer.Option(
            "--pii-free",
            help="Declare the tasks free of PII (anonymized); required for public workforces.",
        ),
    ] = False,
    price_cents: Annotated[
        float | None,
        typer.Option(help="Price per task in US cents; public workforces only."),
    ] = None,
    model_package: Annotated[
        str | None,
        typer.Option(help="Model package ARN an audit is about (recorded on the job)."),
    ] = None,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Upload a task folder and start a Ground Truth labeling job on the stage's workteam.

    Reads the HumansStack's outputs (deploy it with feedback.enabled = true). Workers per item,
    time limits and prefixes come from the stage's `feedback` settings.

    Example: [cyan]fmops feedback start job/ --job-name safety-rank-1 --stage dev[/]
    """
    if kind not in KINDS:
        raise fail(f"--kind = {kind!r}: unknown (allowed: {', '.join(KINDS)})")
    typed_kind: Kind = "ranking" if kind == "ranking" else "audit"
    if model_package is not None and typed_kind != "audit":
        raise fail("--model-package: only audits are about one model version")
    try:
        check_job_name(job_name)
        folder = read_task_folder(tasks, typed_kind)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    settings = _settings(stage)
    sagemaker, s3 = _client("sagemaker", region), _client("s3", region)
    deployment = _deployment(settings, region)
    try:
        request = labeling_job_request(
            job_name=job_name,
            tasks=folder,
            deployment=deployment,
            feedback=settings.feedback,
            pii_free=pii_free,
            price_cents=price_cents,
            model_package_arn=model_package,
        )
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    try:
        arn = start_labeling_job(sagemaker, s3, request, folder, settings.feedback, deployment)
    except FeedbackError as exc:
        raise fail(str(exc), code=1) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"start labeling job {job_name}: {exc}", code=1) from None
    result = {"job": job_name, "arn": arn, "kind": typed_kind, "tasks": folder.items}
    if as_json:
        print_json(result)
        return
    console.print(f"started {typed_kind} job {job_name}: {folder.items} tasks", soft_wrap=True)
    console.print(arn, soft_wrap=True)


def status(
    job: Annotated[str, typer.Argument(help="Labeling job name.")],
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Status and label counters of a labeling job.

    Example: [cyan]fmops feedback status safety-rank-1[/]
    """
    try:
        check_job_name(job)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    _settings(stage)
    try:
        summary = describe_job(_client("sagemaker", region), job)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"describe labeling job {job}: {exc}", code=1) from None
    if as_json:
        print_json(summary)
        return
    counters = summary["counters"]
    console.print(
        f"{summary['job']}: {summary['status']} ({summary['kind'] or 'unknown kind'}) — "
        f"labeled {counters.get('TotalLabeled', 0)}, "
        f"unlabeled {counters.get('Unlabeled', 0)}, "
        f"failed {counters.get('FailedNonRetryableError', 0)}",
        soft_wrap=True,
    )
    if summary["failure_reason"]:
        console.print(f"failure: {summary['failure_reason']}", soft_wrap=True)
    if summary["output_manifest"]:
        console.print(f"output manifest: {summary['output_manifest']}", soft_wrap=True)
