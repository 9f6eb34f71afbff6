"""`fmops invoke`, `fmops bedrock deploy/undeploy`: requests and output, AWS stubbed (Stubber:
moto 5.2.5 implements neither Converse nor custom model deployments)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from pipelines.advisor.prices import load_prices
from pipelines.cli import app

ACCOUNT = "123456789012"
CUSTOM = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/titan/abc123"
GUARDRAIL = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/gr1"
FOUNDATION = "arn:aws:bedrock:us-east-1::foundation-model"


@pytest.fixture()
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    clients = {
        name: boto3.client(name, region_name="us-east-1")
        for name in ("bedrock", "bedrock-runtime", "cloudformation")
    }
    stubs = {name: Stubber(client) for name, client in clients.items()}
    monkeypatch.setattr(
        "pipelines.deployment_outputs.regional_client",
        lambda service, region=None: clients[service],
    )
    for stub in stubs.values():
        stub.activate()
    yield stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def _converse_response(text: str, stop: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
        "metrics": {"latencyMs": 5},
    }


def test_invoke_reads_the_guardrail_from_the_serving_stack_and_reports_intervention(
    stubbed: dict[str, Stubber],
) -> None:
    stubbed["cloudformation"].add_response(
        "describe_stacks",
        {"Stacks": [{
            "StackName": "fmops-dev-serving", "CreationTime": datetime.datetime(2026, 1, 1),
            "StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": "InvokeGuardrailId", "OutputValue": GUARDRAIL},
                        {"OutputKey": "InvokeGuardrailVersion", "OutputValue": "3"}],
        }]},
        {"StackName": "fmops-dev-serving"},
    )  # fmt: skip
    stubbed["bedrock-runtime"].add_response(
        "converse",
        _converse_response("Sorry, I can't help with that request.", "guardrail_intervened"),
        {
            "modelId": CUSTOM,
            "messages": [{"role": "user", "content": [{"text": "How do I hide money?"}]}],
            "inferenceConfig": {"maxTokens": 256},
            "guardrailConfig": {
                "guardrailIdentifier": GUARDRAIL,
                "guardrailVersion": "3",
                "trace": "enabled",
            },
        },
    )
    result = CliRunner().invoke(
        app, ["invoke", "--model", CUSTOM, "--prompt", "How do I hide money?"]
    )
    assert result.exit_code == 0, result.output
    assert f"guardrail {GUARDRAIL} v3 intervened" in result.output


def test_invoke_refuses_half_a_guardrail_before_any_call(stubbed: dict[str, Stubber]) -> None:
    result = CliRunner().invoke(
        app, ["invoke", "--model", CUSTOM, "--prompt", "hi", "--guardrail", "gr1"]
    )
    assert result.exit_code == 2 and "go together" in result.output


def test_deploy_prints_the_hourly_cost_and_creates_nothing_without_yes(
    stubbed: dict[str, Stubber],
) -> None:
    stubbed["bedrock"].add_response(
        "get_custom_model",
        {
            "modelArn": CUSTOM, "modelName": "titan-legal",
            "creationTime": datetime.datetime(2026, 1, 1),
            "baseModelArn": f"{FOUNDATION}/amazon.titan-text-express-v1",
        },
        {"modelIdentifier": CUSTOM},
    )  # fmt: skip
    result = CliRunner().invoke(
        app, ["bedrock", "deploy", "--model", CUSTOM, "--name", "legal-v2", "--model-units", "2"]
    )
    assert result.exit_code == 0, result.output
    rate = load_prices().price("bedrock_provisioned_throughput_per_model_unit_hour")
    assert f"provisioned: about ${2 * rate:.2f}/hour" in result.output
    assert "nothing created" in result.output


def test_deploy_with_yes_creates_a_no_commitment_throughput(stubbed: dict[str, Stubber]) -> None:
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/p1"
    stubbed["bedrock"].add_response(
        "create_provisioned_model_throughput",
        {"provisionedModelArn": arn},
        {"provisionedModelName": "legal-v2", "modelId": CUSTOM, "modelUnits": 1},
    )
    result = CliRunner().invoke(
        app,
        ["bedrock", "deploy", "--model", CUSTOM, "--name", "legal-v2", "--mode", "provisioned",
         "--yes", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["arn"] == arn


def test_undeploy_refuses_a_custom_model_arn(stubbed: dict[str, Stubber]) -> None:
    result = CliRunner().invoke(app, ["bedrock", "undeploy", CUSTOM])
    assert result.exit_code == 2 and "not a deployment" in result.output
