"""`fmops pipeline`: print, deploy, start, watch and govern the SageMaker training pipeline.

Input is checked locally first (exit 2, nothing sent to AWS); AWS failures are one line and
exit 1. Region and credentials come from the normal boto3 chain or `--region`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import TypeAdapter, ValidationError
from rich.markup import escape

from deployment.contract import (
    ROLE_OUTPUT,
    pipeline_name,
)
from deployment.settings import Settings
from pipelines.commands import pipeline_approval
from pipelines.commands.shared import AsJson, Region, Stage, input_file, stage_deployment
from pipelines.commands.shared import stage_settings as _settings
from pipelines.console import console, err_console, fail, print_json
from pipelines.cost_estimate.confirm import (
    YesOption,
    estimate_or_fail,
    price_book,
    show_and_confirm,
)
from pipelines.cost_estimate.estimates import pipeline_estimate
from pipelines.deployment_outputs import Deployment
from pipelines.pipeline_ops import (
    DeploymentError,
    check_execution_arn,
    deployment_values,
    stage_models,
    stage_run_status,
    stage_runs,
    start_stage_run,
    upsert_stage_pipeline,
)
from pipelines.pipeline_parameters import (
    PipelineInputError,
    definition_parameters,
    parse_parameter_overrides,
    resolve_placeholders,
)
from pipelines.pipeline_tables import models_table, runs_table, steps_table

app = typer.Typer(
    help="The SageMaker training pipeline: definition, upsert, start, status, approve, list.",
    no_args_is_help=True,
)

ValuesFile = Annotated[
    Path | None,
    typer.Option("--values", help="JSON object: placeholder name -> value (and PipelineRoleArn)."),
]
_VALUES = TypeAdapter(dict[str, str])


def _bad_input(exc: PipelineInputError, code: int = 2) -> typer.Exit:
    return fail(str(exc), code=code)


def _aws_failure(action: str, exc: Exception) -> typer.Exit:
    return fail(f"{action}: {exc}", code=1)


def _read_values(path: Path) -> dict[str, str]:
    input_file(path, "--values")
    try:
        return _VALUES.validate_json(path.read_bytes())
    except OSError as exc:
        raise fail(f"--values {path}: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise fail(
            f"--values {path}: {where}: {first['msg']}; expected a JSON object of strings"
        ) from None


def _builder() -> ModuleType:
    """pipelines.training_pipeline, imported lazily (the SageMaker SDK loads only to build).

    The builder imports and runs the SDK inside `offline_sdk()`, with a fake identity and
    region that are removed again afterwards: they never reach this command's real calls.
    """
    import pipelines.training_pipeline as builder

    return builder


def _definition(settings: Settings, values: dict[str, str] | None = None) -> str:
    """The builder's JSON; with values, built for as many subnets as they name."""
    subnets = sum(1 for name in values or {} if re.fullmatch(r"Subnet\d+", name))
    return _builder().pipeline_definition(settings, subnet_count=subnets or None)


@app.command("definition")
def definition(
    stage: Stage = None,
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Fill ${Name} placeholders from --values.")
    ] = False,
    values: ValuesFile = None,
) -> None:
    """Print the pipeline definition JSON, built offline (same settings -> same bytes).

    Example: [cyan]fmops pipeline definition --stage prod > definition.json[/]
    """
    if resolved and values is None:
        raise fail("--resolved needs --values FILE (a JSON object: placeholder name -> value)")
    settings = _settings(stage)
    given = _read_values(values) if values else None
    text = _definition(settings, given)
    if given is not None:
        try:
            text = resolve_placeholders(text, given)
        except PipelineInputError as exc:
            raise _bad_input(exc) from None
    sys.stdout.write(text + "\n")


@app.command("upsert")
def upsert(
    stage: Stage = None,
    stack: Annotated[
        str | None,
        typer.Option("--stack", help="Training stack to read (default: <name>-training)."),
    ] = None,
    values: ValuesFile = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Create or update the pipeline with the resolved definition.

    Example: [cyan]fmops pipeline upsert --stage dev --stack fmops-dev-training[/]
    """
    if stack and values:
        raise fail("give --stack or --values, not both")
    settings = _settings(stage)
    given = _read_values(values) if values else None
    if given is not None and ROLE_OUTPUT not in given:
        raise fail(f"--values {values}: needs {ROLE_OUTPUT} (the role the pipeline runs as)")
    deployment = Deployment.of(settings, region, {"training": stack} if stack else None)
    try:
        filled = given if given is not None else deployment_values(deployment)
        resolved = resolve_placeholders(_definition(settings, filled), filled)
    except PipelineInputError as exc:  # from the stack: the deployment lacks it, not the user
        raise _bad_input(exc, code=2 if given is not None else 1) from None
    try:
        arn, created = upsert_stage_pipeline(deployment, resolved, filled[ROLE_OUTPUT])
    except (ClientError, BotoCoreError) as exc:
        raise _aws_failure(f"upsert {pipeline_name(settings)}", exc) from None
    if as_json:
        print_json({"pipelineArn": arn, "created": created})
    else:
        console.print(f"{'created' if created else 'updated'} pipeline: {arn}")


@app.command("start")
def start(
    stage: Stage = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Pipeline parameter NAME=VALUE (repeatable)."),
    ] = None,
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline",
            help="What the candidate must beat: 'champion' (the group's latest Approved version "
            "from the same base model, else the base model) or 'base'.",
        ),
    ] = "champion",
    region: Region = None,
    as_json: AsJson = False,
    yes: Annotated[bool, YesOption] = False,
) -> None:
    """Start a run; parameters are checked and the run's cost is estimated first.

    Above cost.confirm_above_usd the run starts only with --yes.

    Example: [cyan]fmops pipeline start --param Method=lora --param MinRougeL=0.3[/]
    """
    if baseline not in ("champion", "base"):
        raise fail(f"--baseline {baseline!r}: allowed: champion, base")
    deployment = stage_deployment(stage, region)
    settings = deployment.settings
    text = _definition(settings)
    try:
        parameters = parse_parameter_overrides(
            param or [], definition_parameters(text), stage=settings.stage,
            require_audit=settings.evaluation.require_audit,
        )  # fmt: skip
    except PipelineInputError as exc:
        raise _bad_input(exc) from None
    book = price_book(settings, region)
    estimate = estimate_or_fail(
        pipeline_estimate, text, book, settings.cost.expected_step_hours,
        title=f"{pipeline_name(settings)} run",
    )  # fmt: skip
    show_and_confirm(estimate, settings, yes, as_json)
    try:
        run = start_stage_run(deployment, parameters, baseline == "champion")
    except (ClientError, BotoCoreError) as exc:
        raise _aws_failure(f"start {pipeline_name(settings)}", exc) from None
    if as_json:
        shown = {"pipelineExecutionArn": run.arn, "parameters": run.parameters,
                 "baselineChampion": run.champion_arn}  # fmt: skip
        print_json({**shown, "estimate": estimate.as_dict()})
    else:
        console.print(f"started: {run.arn}")
        console.print(
            f"baseline: {run.champion_arn or 'the base model (BaselineModelUri default)'}"
        )


@app.command("status")
def status(
    execution_arn: Annotated[
        str | None, typer.Argument(help="Execution ARN (default: the latest run).")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Poll with backoff until the run ends.")
    ] = False,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Show a run and its steps (exit 1 if it Failed or was Stopped).

    Example: [cyan]fmops pipeline status --watch[/]
    """
    if execution_arn:
        try:
            check_execution_arn(execution_arn)
        except PipelineInputError as exc:
            raise _bad_input(exc) from None
    deployment = stage_deployment(stage, region)

    def progress(execution: Mapping[str, object]) -> None:
        err_console.print(f"{execution['PipelineExecutionStatus']}...", highlight=False)

    try:
        arn, execution, steps = stage_run_status(deployment, execution_arn, watch, progress)
    except DeploymentError as exc:
        raise fail(str(exc), code=1) from None
    except (ClientError, BotoCoreError) as exc:
        raise _aws_failure("status", exc) from None
    state = execution["PipelineExecutionStatus"]
    if as_json:
        print_json({"execution": execution, "steps": steps})
    else:
        reason = execution.get("FailureReason") or ""
        console.print(f"{arn}: [bold]{state}[/] {escape(reason)}")
        console.print(steps_table(steps))
    if state in ("Failed", "Stopped"):
        raise typer.Exit(1)


app.command("approve")(pipeline_approval.approve)


@app.command("list")
def list_runs(
    models: Annotated[
        bool, typer.Option("--models", help="List registered model versions instead of runs.")
    ] = False,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """List recent runs, or (--models) the model versions in the group with their approval.

    Example: [cyan]fmops pipeline list --models --json[/]
    """
    deployment = stage_deployment(stage, region)
    try:
        if models:
            packages = stage_models(deployment)
        else:
            runs = stage_runs(deployment)
    except (ClientError, BotoCoreError) as exc:
        raise _aws_failure("list", exc) from None
    if as_json:
        print_json([p.as_dict() for p in packages] if models else runs)
    elif models:
        console.print(models_table(packages))
    else:
        console.print(runs_table(pipeline_name(deployment.settings), runs))
