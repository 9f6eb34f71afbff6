"""Pipeline definitions built once per session (the SDK import alone takes seconds)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.settings import Settings, settings_for_stage
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
def dev_definition() -> dict[str, Any]:
    return json.loads(pipeline_definition(settings_for_stage("dev")))


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
