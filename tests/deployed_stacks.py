"""Deployed stacks for service tests: a moto CloudFormation stack carrying the outputs a stage's
stack would publish (moto models few resource types; an SNS topic is enough to hold Outputs)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest

from deployment.contract import StackKind, stack_name
from deployment.settings import Settings


def deploy_outputs(
    settings: Settings, kind: StackKind, outputs: dict[str, str], region: str = "us-east-1"
) -> str:
    """Create the stage's `kind` stack in moto with these outputs; returns its name."""
    name = stack_name(settings, kind)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
    return name


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, us-east-1, every AWS call served by moto (import it into a test module
    that has no such fixture in its conftest)."""
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield
