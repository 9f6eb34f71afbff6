"""`fmops invoke`, `fmops bedrock deploy` and `fmops bedrock undeploy`: serve what was approved.

`invoke` always sends the stage's guardrail: the invokers policy (serving stack) denies
InvokeModel/Converse on the project's models without it, so a call without one would fail anyway.
"""

from __future__ import annotations

from typing import Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError

from pipelines.commands.shared import AsJson, Region, Stage, stage_deployment
from pipelines.console import console, err_console, fail, print_json
from pipelines.serving.bedrock_calls import check_model_arn, converse_request
from pipelines.serving.service import (
    create_model_deployment,
    plan_model_deployment,
    remove_model_deployment,
    stage_guardrail,
)
from pipelines.serving.service import invoke as invoke_model


def invoke(
    model: Annotated[str, typer.Option("--model", help="Model id or ARN (imported, custom, ...).")],
    prompt: Annotated[str, typer.Option("--prompt", help="The user message.")],
    guardrail: Annotated[
        str | None, typer.Option(help="Guardrail id or ARN (default: serving stack output).")
    ] = None,
    guardrail_version: Annotated[
        str | None, typer.Option(help="Guardrail version (default: serving stack output).")
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="Most tokens to generate.")] = 256,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Ask a model through Converse with the stage's guardrail; say when the guardrail intervened.

    Example: [cyan]fmops invoke --model "$IMPORTED_MODEL_ARN" --prompt "Summarize clause 4"[/]
    """
    if (guardrail is None) != (guardrail_version is None):
        raise fail("--guardrail and --guardrail-version go together (or give neither)")
    # Refuse a bad prompt or token count before the stack is read.
    converse_request(model_id=model, prompt=prompt, guardrail_id="-", guardrail_version="-",
                     max_tokens=max_tokens)  # fmt: skip
    deployment = stage_deployment(stage, region)
    chosen = stage_guardrail(deployment, guardrail, guardrail_version)
    try:
        answer = invoke_model(deployment, model, prompt, chosen, max_tokens)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"converse with {model}: {exc}", code=1) from None
    if as_json:
        print_json(
            {
                "text": answer.text,
                "guardrail_intervened": answer.intervened,
                "stop_reason": answer.stop_reason,
                "guardrail_trace": answer.guardrail_trace,
            }
        )
        return
    if answer.intervened:
        err_console.print(
            f"[bold yellow]guardrail {chosen.identifier} v{chosen.version} intervened[/]"
        )
    console.print(answer.text, highlight=False)


def deploy_command(
    model: Annotated[str, typer.Option("--model", help="Custom model ARN (customization output).")],
    name: Annotated[str, typer.Option("--name", help="Deployment name.")],
    mode: Annotated[
        str | None,
        typer.Option(help="on-demand or provisioned (default: on-demand where supported)."),
    ] = None,
    model_units: Annotated[int, typer.Option(help="Provisioned model units.")] = 1,
    yes: Annotated[bool, typer.Option("--yes", help="Create it after showing the cost.")] = False,
    stage: Stage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Deploy a Bedrock-customized model: on-demand where supported, else provisioned throughput
    with no commitment. Prints the hourly cost first; creates only with --yes.

    Example: [cyan]fmops bedrock deploy --model "$CUSTOM_MODEL_ARN" --name support-v3 --yes[/]
    """
    deployment = stage_deployment(stage, region)
    try:
        plan = plan_model_deployment(deployment, model, name, mode, model_units)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"get custom model {model}: {exc}", code=1) from None
    err_console.print(
        f"{plan.mode}: about ${plan.usd_per_hour:.2f}/hour while it exists ({plan.billing}; "
        "dated price table pipelines/advisor/prices.json, verify before budgeting)",
        highlight=False,
    )
    if not yes:
        err_console.print("nothing created: pass --yes to create it")
        return
    try:
        arn = create_model_deployment(deployment, plan)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"deploy {model}: {exc}", code=1) from None
    if as_json:
        print_json({"arn": arn, "mode": plan.mode, "usd_per_hour": plan.usd_per_hour})
    else:
        console.print(f"{plan.mode} deployment: {arn} (remove with: fmops bedrock undeploy {arn})")


def undeploy_command(
    arn: Annotated[str, typer.Argument(help="Deployment or provisioned-model ARN.")],
    stage: Stage = None,
    region: Region = None,
) -> None:
    """Delete an on-demand deployment or a provisioned throughput (its hourly cost stops).

    Example: [cyan]fmops bedrock undeploy "$PROVISIONED_MODEL_ARN"[/]
    """
    check_model_arn(arn)  # before the stage is read: a bad ARN is exit 2 at once
    try:
        what = remove_model_deployment(stage_deployment(stage, region), arn)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"undeploy {arn}: {exc}", code=1) from None
    console.print(f"deleted {what}: {arn}")
