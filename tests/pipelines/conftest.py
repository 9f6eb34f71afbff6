"""Pipeline definitions built once per session (the SDK import alone takes seconds)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from deployment.settings import Settings, settings_for_stage
from pipelines.training_pipeline import pipeline_definition


@pytest.fixture(scope="session")
def prod_settings() -> Settings:
    return settings_for_stage("prod")


@pytest.fixture(scope="session")
def prod_definition_text(prod_settings: Settings) -> str:
    return pipeline_definition(prod_settings)


@pytest.fixture(scope="session")
def prod_definition(prod_definition_text: str) -> dict[str, Any]:
    return json.loads(prod_definition_text)


@pytest.fixture(scope="session")
def dev_definition_text() -> str:
    return pipeline_definition(settings_for_stage("dev"))


@pytest.fixture(scope="session")
def dev_definition(dev_definition_text: str) -> dict[str, Any]:
    return json.loads(dev_definition_text)


@pytest.fixture()
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region, every AWS call served by moto."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def placeholder_values(definition: str) -> dict[str, str]:
    """A value for every `${Name}` of a definition, plus the pipeline role, as a stack gives."""
    from deployment.contract import ROLE_OUTPUT
    from pipelines.pipeline_parameters import placeholders

    fixed = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT}
    values = {name: fixed.get(name, f"test-{name.lower()}") for name in placeholders(definition)}
    values[ROLE_OUTPUT] = f"arn:aws:iam::{ACCOUNT}:role/pipeline"
    return values


ACCOUNT = "123456789012"  # moto's default account


def flatten_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every step, including those nested in condition branches, depth first."""
    found = []
    for step in steps:
        found.append(step)
        if step["Type"] == "Condition":
            found += flatten_steps(step["Arguments"]["IfSteps"])
            found += flatten_steps(step["Arguments"]["ElseSteps"])
    return found


def step(definition: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [s for s in flatten_steps(definition["Steps"]) if s["Name"] == name]
    assert len(matches) == 1, f"step {name}: {len(matches)} found"
    return matches[0]
