"""Constructs take small typed props with defaults, never the app's whole Settings (issue 32):
each can be built in a bare stack from its props alone, and no constructor in infra/ is a
long script."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from deployment.platform_settings import ServingSettings
from infra.constructs.import_workflow import ImportWorkflow, ImportWorkflowProps

INFRA = Path(__file__).resolve().parents[2] / "infra"
# STYLE.md: "a constructor that is a 300-line script wants named steps"; issue 32: ~80 lines.
MAX_CONSTRUCTOR_LINES = 80


def _constructors() -> list[tuple[str, int]]:
    found = []
    for path in sorted(INFRA.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        lines = (item.end_lineno or item.lineno) - item.lineno + 1
                        found.append((f"{path.relative_to(INFRA)}:{node.name}", lines))
    return found


def _names_settings(annotation: ast.expr | None) -> bool:
    """`Settings` or one of its sections (`ServingSettings`...): the app's configuration model."""
    return annotation is not None and any(
        isinstance(n, ast.Name) and n.id.endswith("Settings") for n in ast.walk(annotation)
    )


def test_no_construct_takes_the_settings_model() -> None:
    takers = []
    for path in sorted((INFRA / "constructs").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = [*node.args.args, *node.args.kwonlyargs]
                takers += [
                    f"{path.name}:{node.name}({a.arg})"
                    for a in arguments
                    if _names_settings(a.annotation)
                ]
    assert takers == [], f"constructs taking settings (map them to props): {takers}"


def test_no_constructor_in_infra_is_longer_than_80_lines() -> None:
    long = {name: n for name, n in _constructors() if n > MAX_CONSTRUCTOR_LINES}
    assert long == {}, f"constructors over {MAX_CONSTRUCTOR_LINES} lines: {long}"


def test_import_workflow_builds_in_a_bare_stack_from_its_props_and_their_defaults() -> None:
    stack = cdk.Stack(cdk.App(), "Bare")
    key = kms.Key(stack, "Key")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com"))
    props = ImportWorkflowProps(name="reused-import")
    ImportWorkflow(
        stack,
        "Import",
        props=props,
        import_role=role,
        model_key=key,
        topic=sns.Topic(stack, "Topic"),
        topic_key=key,
        log_group=logs.LogGroup(stack, "Logs"),
    )
    (machine,) = (
        Template.from_stack(stack).find_resources("AWS::StepFunctions::StateMachine").values()
    )
    definition = json.loads(
        "".join(
            p
            for p in machine["Properties"]["DefinitionString"]["Fn::Join"][1]
            if isinstance(p, str)
        )
    )
    # The defaults are the settings' own: one home for each (deployment/platform_settings.py).
    defaults = ServingSettings()
    assert dataclasses.is_dataclass(props) and props.max_polls == defaults.max_polls
    assert machine["Properties"]["StateMachineName"] == "reused-import"
    assert definition["States"]["Cap the wait"]["Parameters"]["wait"] == (
        defaults.max_poll_interval_seconds
    )
    assert definition["States"]["Wait for the running import"]["Seconds"] == (
        defaults.queue_wait_seconds
    )
