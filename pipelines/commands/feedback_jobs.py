"""`fmops feedback start|status`: Ground Truth labeling jobs on the stage's workteam.

Registered on the `fmops feedback` group by pipelines/commands/feedback.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from pipelines.commands.shared import AsJson, Region, Stage, stage_deployment
from pipelines.console import console, fail, print_json
from pipelines.feedback import FeedbackError
from pipelines.feedback.cloud import job_status, labeling_job, start_job
from pipelines.feedback.labeling import KINDS, Kind, check_job_name, read_task_folder

PiiFree = Annotated[
    bool,
    typer.Option(
        "--pii-free",
        help="Declare the tasks free of PII (anonymized); required for public workforces.",
    ),
]
PriceCents = Annotated[
    float | None, typer.Option(help="Price per task in US cents; public workforces only.")
]
AuditedPackage = Annotated[
    str | None, typer.Option(help="Model package ARN an audit is about (recorded on the job).")
]


def start(
    tasks: Annotated[
        Path,
        typer.Argument(
            help="Task folder: `fmops feedback rank-tasks` or `fmops eval audit-sample` output."
        ),
    ],
    job_name: Annotated[str, typer.Option("--job-name", help="Unique labeling job name.")],
    kind: Annotated[str, typer.Option(help=f"Task kind: {', '.join(KINDS)}.")] = "ranking",
    pii_free: PiiFree = False,
    price_cents: PriceCents = None,
    model_package: AuditedPackage = None,
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
    deployment = stage_deployment(stage, region)
    try:
        request = labeling_job(
            deployment, job_name, folder, pii_free=pii_free, price_cents=price_cents,
            model_package=model_package,
        )  # fmt: skip
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    try:
        arn = start_job(deployment, request, folder)
    except FeedbackError as exc:  # the name is taken in the account: not a malformed input
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
    deployment = stage_deployment(stage, region)
    try:
        summary = job_status(deployment, job)
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
