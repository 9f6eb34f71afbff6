"""`Deployment`: each stack described once, in its region, one error for whatever is missing."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from deployment.contract import (
    CURATED_BUCKET_OUTPUT,
    ROLE_OUTPUT,
    STATE_MACHINE_OUTPUT,
    stack_name,
)
from deployment.settings import settings_for_stage
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from tests.deployed_stacks import deploy_outputs

SETTINGS = settings_for_stage("dev")


def _count_describes(deployment: Deployment) -> list[str]:
    """Names passed to DescribeStacks by the deployment's clients (a botocore hook)."""
    calls: list[str] = []
    real = deployment.client

    def client(service: str) -> object:
        made = real(service)
        made.meta.events.register(
            "provide-client-params.cloudformation.DescribeStacks",
            lambda params, **_: calls.append(params["StackName"]),
        )
        return made

    object.__setattr__(deployment, "client", client)
    return calls


def test_each_stack_is_described_once_whatever_number_of_outputs_is_read(aws: None) -> None:
    deploy_outputs(SETTINGS, "data", {CURATED_BUCKET_OUTPUT: "curated", "Other": "x"})
    deployment = Deployment.of(SETTINGS, "us-east-1")
    calls = _count_describes(deployment)

    first = deployment.output("data", CURATED_BUCKET_OUTPUT)
    second = deployment.output("data", "Other")

    assert (first, second) == ("curated", "x")
    assert calls == [stack_name(SETTINGS, "data")]


def test_outputs_are_read_in_the_deployments_region_not_the_environments(aws: None) -> None:
    deploy_outputs(SETTINGS, "data", {CURATED_BUCKET_OUTPUT: "west"}, region="us-west-2")

    west = Deployment.of(SETTINGS, "us-west-2").output("data", CURATED_BUCKET_OUTPUT)

    assert west == "west"
    with pytest.raises(DeploymentOutputError, match="not deployed in us-east-1"):
        Deployment.of(SETTINGS).output("data", CURATED_BUCKET_OUTPUT)


def test_a_missing_stack_names_the_stack_region_and_what_to_do(aws: None) -> None:
    name = stack_name(SETTINGS, "bedrock")
    with pytest.raises(DeploymentOutputError) as raised:
        Deployment.of(SETTINGS, "us-east-1").output("bedrock", STATE_MACHINE_OUTPUT)
    assert str(raised.value) == (
        f"stack {name}: not deployed in us-east-1; deploy it (`cdk deploy {name}`) "
        "or pass the right --stage/--region"
    )


def test_a_missing_output_names_the_output_and_the_option_that_replaces_it(aws: None) -> None:
    name = deploy_outputs(SETTINGS, "training", {"PipelineVarSubnet1": "subnet-1"})
    with pytest.raises(DeploymentOutputError) as raised:
        Deployment.of(SETTINGS).output("training", ROLE_OUTPUT, instead="--values")
    assert str(raised.value) == (
        f"stack {name} (us-east-1) has no output {ROLE_OUTPUT}: redeploy it with the current "
        "settings; or pass --values"
    )


def test_a_value_the_user_gave_costs_no_call(aws: None) -> None:
    deployment = Deployment.of(SETTINGS, "us-east-1")
    calls = _count_describes(deployment)

    value = deployment.output_or("given", "data", CURATED_BUCKET_OUTPUT, "--bucket")

    assert (value, calls) == ("given", [])


def test_aws_refusing_the_read_stays_an_aws_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # AccessDenied is not "stack missing": the CLI reports it as AWS's error (exit 1).
    deployment = Deployment.of(SETTINGS, "eu-west-1")
    cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
    stubber = Stubber(cloudformation)
    stubber.add_client_error("describe_stacks", "AccessDenied", "not allowed")
    object.__setattr__(deployment, "client", lambda service: cloudformation)
    with stubber, pytest.raises(ClientError, match="AccessDenied"):
        deployment.output("data", CURATED_BUCKET_OUTPUT)


def test_no_region_anywhere_is_one_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # a command's session, from a test before
    with pytest.raises(DeploymentOutputError, match="pass --region or set AWS_REGION"):
        Deployment.of(SETTINGS)


def test_the_cli_reports_a_missing_stack_as_one_line_and_exit_2(aws: None) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    name = stack_name(SETTINGS, "serving")
    result = CliRunner().invoke(
        app, ["invoke", "--model", "m", "--prompt", "hi", "--stage", "dev", "--region", "eu-west-1"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: stack {name}: not deployed in eu-west-1; deploy it (`cdk deploy {name}`) "
        "or pass the right --stage/--region\n"
    )


# Commands that never call AWS (local files, the local registry, the offline builder).
OFFLINE_COMMANDS = {
    "advise", "settings show", "eval score", "data prepare", "data rft-prompts",
    "data anonymize", "data validate", "local ui", "local run", "local approve", "local invoke",
    "pipeline definition",
}  # fmt: skip


def test_every_command_that_calls_aws_takes_region() -> None:
    from typer.main import get_command

    from pipelines.cli import app

    def commands(group: object, path: str = "") -> dict[str, object]:
        found: dict[str, object] = {}
        for name, sub in getattr(group, "commands", {}).items():
            full = f"{path} {name}".strip()
            found |= commands(sub, full) if hasattr(sub, "commands") else {full: sub}
        return found

    every = commands(get_command(app))
    lacking = sorted(
        name
        for name, command in every.items()
        if name not in OFFLINE_COMMANDS
        and "--region" not in {o for p in command.params for o in p.opts}  # type: ignore[attr-defined]
    )
    assert lacking == [] and set(every) >= OFFLINE_COMMANDS
