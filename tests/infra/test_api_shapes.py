"""Every AWS request we compose by hand validates against botocore's service model, and every
state machine passes the Amazon States Language validator (asl-validator, pinned in package.json,
installed by `make setup`)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from deployment.settings import settings_for_stage
from pipelines.training_pipeline import pipeline_definition
from tests.api_shapes import (
    pipeline_step_problems,
    render_definition,
    state_machine_problems,
    task_states,
)
from tests.pipelines.conftest import flatten_steps

ROOT = Path(__file__).resolve().parents[2]
ASL_VALIDATOR = ROOT / "node_modules" / "asl-validator" / "dist" / "bin" / "asl-validator.js"


@pytest.fixture(scope="module")
def machines(synthesized: Any) -> dict[str, dict[str, Any]]:
    """Every synthesized state machine of the app, by stack and logical id."""
    found = {}
    for stack in (synthesized.stacks.bedrock, synthesized.stacks.serving):
        template = Template.from_stack(stack)
        for logical_id, machine in template.find_resources(
            "AWS::StepFunctions::StateMachine"
        ).items():
            found[f"{stack.stack_name}/{logical_id}"] = render_definition(
                machine["Properties"]["DefinitionString"]
            )
    return found


@pytest.fixture(scope="module")
def pipeline_steps() -> list[dict[str, Any]]:
    steps = []
    for stage in ("dev", "prod"):
        definition = json.loads(pipeline_definition(settings_for_stage(stage)))
        steps += flatten_steps(definition["Steps"])
    return steps


def test_every_task_of_every_state_machine_matches_its_api(
    machines: dict[str, dict[str, Any]],
) -> None:
    resources = set()
    for definition in machines.values():
        resources |= {s["Resource"].split(":::")[-1] for s in task_states(definition).values()}
        assert state_machine_problems(definition) == []
    # customization, import, deployment, polling and notification calls are all covered
    assert {
        "bedrock:createModelCustomizationJob",
        "aws-sdk:bedrock:getModelCustomizationJob",
        "aws-sdk:bedrock:createModelImportJob",
        "aws-sdk:bedrock:getModelImportJob",
        "aws-sdk:bedrock:createCustomModelDeployment",
        "aws-sdk:sagemaker:updateModelPackage",
        "sns:publish",
    } <= resources


def test_every_pipeline_step_matches_its_api(pipeline_steps: list[dict[str, Any]]) -> None:
    checked = {s["Type"] for s in pipeline_steps if s["Type"] in ("Processing", "Training")}
    assert checked == {"Processing", "Training"}
    assert "RegisterModel" in {s["Type"] for s in pipeline_steps}
    assert [p for s in pipeline_steps for p in pipeline_step_problems(s)] == []


def _import_machine(machines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (definition,) = [d for d in machines.values() if "Create import job" in d["States"]]
    return copy.deepcopy(definition)


def test_a_misspelt_task_parameter_fails(machines: dict[str, dict[str, Any]]) -> None:
    definition = _import_machine(machines)
    params = definition["States"]["Create import job"]["Parameters"]
    params["ImportedModelNam.$"] = params.pop("ImportedModelName.$")
    (problem,) = state_machine_problems(definition)
    assert "ImportedModelNam" in problem and "Missing required parameter" in problem


def test_a_mistyped_task_parameter_fails(machines: dict[str, dict[str, Any]]) -> None:
    definition = _import_machine(machines)
    definition["States"]["List running imports"]["Parameters"]["MaxResults"] = "1"
    (problem,) = state_machine_problems(definition)
    assert "maxResults" in problem and "Invalid type" in problem


def test_a_misspelt_result_selector_path_fails(machines: dict[str, dict[str, Any]]) -> None:
    definition = _import_machine(machines)
    definition["States"]["Create import job"]["ResultSelector"] = {"jobArn.$": "$.JobArm"}
    (problem,) = state_machine_problems(definition)
    assert "$.JobArm" in problem


def test_a_mistyped_pipeline_argument_fails(pipeline_steps: list[dict[str, Any]]) -> None:
    (train,) = [copy.deepcopy(s) for s in pipeline_steps if s["Type"] == "Training"][:1]
    train["Arguments"]["ResourceConfig"]["InstanceCount"] = "two"
    train["Arguments"]["OutputDataConfig"]["CompressionTyp"] = "NONE"
    (problem,) = pipeline_step_problems(train)
    assert "InstanceCount" in problem and "CompressionTyp" in problem


def test_state_machines_pass_the_states_language_validator(
    machines: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    node = shutil.which("node")
    assert node and ASL_VALIDATOR.is_file(), "run `make setup` (npm ci installs asl-validator)"
    paths = []
    for index, definition in enumerate(machines.values()):
        path = tmp_path / f"machine-{index}.json"
        path.write_text(json.dumps(definition))
        paths += ["--json-path", str(path)]
    result = subprocess.run(
        [node, str(ASL_VALIDATOR), *paths], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_states_language_validator_rejects_a_broken_machine(
    machines: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    definition = _import_machine(machines)
    definition["States"]["Wait"]["Next"] = "No such state"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(definition))
    node = shutil.which("node") or "node"
    result = subprocess.run(
        [node, str(ASL_VALIDATOR), "--json-path", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
