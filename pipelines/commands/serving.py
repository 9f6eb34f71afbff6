"""`fmops invoke`, `fmops bedrock deploy` and `fmops bedrock undeploy`: serve what was approved.

`invoke` always sends the stage's guardrail: the invokers policy (serving stack) denies
InvokeModel/Converse on the project's models without it, so a call without one would fail anyway.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError

from deployment.contract import (
    INVOKE_GUARDRAIL_ID_OUTPUT,
    INVOKE_GUARDRAIL_VERSION_OUTPUT,
    stack_name,
)
from pipelines.advisor import AdvisorError
from pipelines.advisor.prices import load_prices
from pipelines.commands.shared import AsJson, Region, Stage, stage_settings
from pipelines.commands.shared import aws_client as _client
from pipelines.console import console, err_console, fail, print_json
from pipelines.serving import ServingError
from pipelines.serving.bedrock_calls import (
    check_model_arn,
    converse,
    converse_request,
    deploy,
    deployment_request,
    hourly_cost,
    undeploy,
)
from pipelines.serving.catalog import deployment_mode


def _serving_outputs(stage: str | None, region: str | None) -> dict[str, str]:
    name = stack_name(stage_settings(stage), "serving")
    try:
        stack = _client("cloudformation", region).describe_stacks(StackName=name)["Stacks"][0]
    except (ClientError, BotoCoreError) as exc:
        hint = "pass --guardrail and --guardrail-version"
        raise fail(f"stack {name}: {exc}; {hint}", code=1) from None
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


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
    try:
        converse_request(
            model_id=model,
            prompt=prompt,
            guardrail_id="-",
            guardrail_version="-",
            max_tokens=max_tokens,
        )
    except ServingError as exc:
        raise fail(str(exc)) from None
    if guardrail is None or guardrail_version is None:
        outputs = _serving_outputs(stage, region)
        guardrail = outputs.get(INVOKE_GUARDRAIL_ID_OUTPUT)
        guardrail_version = outputs.get(INVOKE_GUARDRAIL_VERSION_OUTPUT)
        if not (guardrail and guardrail_version):
            raise fail("serving stack has no guardrail outputs: redeploy it", code=1)
    request = converse_request(
        model_id=model, prompt=prompt, guardrail_id=guardrail,
        guardrail_version=guardrail_version, max_tokens=max_tokens,
    )  # fmt: skip
    try:
        answer = converse(_client("bedrock-runtime", region), request)
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
        err_console.print(f"[bold yellow]guardrail {guardrail} v{guardrail_version} intervened[/]")
    console.print(answer.text, highlight=False)


def _base_model(bedrock: Any, model_arn: str) -> str:
    """The foundation model a custom model was customized from (GetCustomModel)."""
    base_arn = bedrock.get_custom_model(modelIdentifier=model_arn)["baseModelArn"]
    return base_arn.rsplit("/", 1)[-1]


def deploy_command(
    model: Annotated[str, typer.Option("--model", help="Custom model ARN (customization output).")],
    name: Annotated[str, typer.Option("--name", help="Deployment name.")],
    mode: Annotated[
        str | None,
        typer.Option(help="on-demand or provisioned (default: on-demand where supported)."),
    ] = None,
    model_units: Annotated[int, typer.Option(help="Provisioned model units.")] = 1,
    yes: Annotated[bool, typer.Option("--yes", help="Create it after showing the cost.")] = False,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Deploy a Bedrock-customized model: on-demand where supported, else provisioned throughput
    with no commitment. Prints the hourly cost first; creates only with --yes.

    Example: [cyan]fmops bedrock deploy --model "$CUSTOM_MODEL_ARN" --name support-v3 --yes[/]
    """
    try:
        check_model_arn(model)
    except ServingError as exc:
        raise fail(str(exc)) from None
    bedrock = _client("bedrock", region)
    try:
        chosen = mode or deployment_mode(_base_model(bedrock, model), bedrock.meta.region_name)
        request = deployment_request(chosen, model_arn=model, name=name, model_units=model_units)
        per_hour, billing = hourly_cost(chosen, load_prices(), model_units)
    except (ServingError, AdvisorError) as exc:
        raise fail(str(exc)) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"get custom model {model}: {exc}", code=1) from None
    err_console.print(
        f"{chosen}: about ${per_hour:.2f}/hour while it exists ({billing}; dated price table "
        "pipelines/advisor/prices.json, verify before budgeting)",
        highlight=False,
    )
    if not yes:
        err_console.print("nothing created: pass --yes to create it")
        return
    try:
        arn = deploy(bedrock, chosen, request)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"deploy {model}: {exc}", code=1) from None
    if as_json:
        print_json({"arn": arn, "mode": chosen, "usd_per_hour": per_hour})
    else:
        console.print(f"{chosen} deployment: {arn} (remove with: fmops bedrock undeploy {arn})")


def undeploy_command(
    arn: Annotated[str, typer.Argument(help="Deployment or provisioned-model ARN.")],
    region: Region = None,
) -> None:
    """Delete an on-demand deployment or a provisioned throughput (its hourly cost stops).

    Example: [cyan]fmops bedrock undeploy "$PROVISIONED_MODEL_ARN"[/]
    """
    try:
        check_model_arn(arn)
    except ServingError as exc:
        raise fail(str(exc)) from None
    try:
        what = undeploy(_client("bedrock", region), arn)
    except ServingError as exc:
        raise fail(str(exc)) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"undeploy {arn}: {exc}", code=1) from None
    console.print(f"deleted {what}: {arn}")
