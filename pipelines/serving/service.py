"""Serving against a deployed stage: `fmops invoke`, `fmops bedrock deploy/undeploy` as functions
of a `Deployment` (its region for every client, the serving stack's guardrail outputs).

Requests are built and checked by serving/bedrock_calls.py; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployment.contract import INVOKE_GUARDRAIL_ID_OUTPUT, INVOKE_GUARDRAIL_VERSION_OUTPUT
from pipelines.advisor.prices import load_prices
from pipelines.deployment_outputs import Deployment
from pipelines.serving.bedrock_calls import (
    Answer,
    check_model_arn,
    converse,
    converse_request,
    deploy,
    deployment_request,
    hourly_cost,
    undeploy,
)
from pipelines.serving.catalog import deployment_mode


@dataclass(frozen=True)
class Guardrail:
    identifier: str
    version: str


def stage_guardrail(
    deployment: Deployment, identifier: str | None = None, version: str | None = None
) -> Guardrail:
    """The guardrail given, else the one the serving stack publishes for invokers."""
    instead = "--guardrail and --guardrail-version"
    return Guardrail(
        deployment.output_or(identifier, "serving", INVOKE_GUARDRAIL_ID_OUTPUT, instead),
        deployment.output_or(version, "serving", INVOKE_GUARDRAIL_VERSION_OUTPUT, instead),
    )


def invoke(
    deployment: Deployment, model: str, prompt: str, guardrail: Guardrail, max_tokens: int
) -> Answer:
    """Converse with the guardrail (the invokers policy refuses a call without one)."""
    request = converse_request(
        model_id=model, prompt=prompt, guardrail_id=guardrail.identifier,
        guardrail_version=guardrail.version, max_tokens=max_tokens,
    )  # fmt: skip
    return converse(deployment.client("bedrock-runtime"), request)


@dataclass(frozen=True)
class DeploymentPlan:
    """What `fmops bedrock deploy` would create and what it costs while it exists."""

    mode: str
    request: dict[str, Any]
    usd_per_hour: float
    billing: str


def plan_model_deployment(
    deployment: Deployment, model: str, name: str, mode: str | None, model_units: int
) -> DeploymentPlan:
    """On-demand where the base model supports it (GetCustomModel names the base), else
    provisioned throughput; priced from the dated table."""
    check_model_arn(model)
    bedrock = deployment.client("bedrock")
    if mode is None:
        base = bedrock.get_custom_model(modelIdentifier=model)["baseModelArn"].rsplit("/", 1)[-1]
        mode = deployment_mode(base, deployment.region)
    request = deployment_request(mode, model_arn=model, name=name, model_units=model_units)
    per_hour, billing = hourly_cost(mode, load_prices(), model_units)
    return DeploymentPlan(mode, request, per_hour, billing)


def create_model_deployment(deployment: Deployment, plan: DeploymentPlan) -> str:
    return deploy(deployment.client("bedrock"), plan.mode, plan.request)


def remove_model_deployment(deployment: Deployment, arn: str) -> str:
    """Delete an on-demand deployment or provisioned throughput; returns what was deleted."""
    check_model_arn(arn)
    return undeploy(deployment.client("bedrock"), arn)
