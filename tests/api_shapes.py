"""Validate hand-composed AWS requests against botocore's service models.

Two sources of requests are composed by hand in this project:
- Step Functions Task states (`aws-sdk:<service>:<action>` and optimized integrations such as
  `bedrock:createModelCustomizationJob` or `sns:publish`): Parameters name the API's members in
  PascalCase, and a key ending in `.$` takes its value from JSONPath or an intrinsic function.
- SageMaker pipeline steps: Arguments are CreateProcessingJob / CreateTrainingJob /
  CreateModelPackage requests whose values may be pipeline expressions (`Get`, `Std:Join`,
  `Std:JsonGet`).

Both are mapped onto the operation's input shape (PascalCase -> member name; expressions and
paths -> a typed placeholder for the member's shape) and checked with botocore's own
ParamValidator: unknown members, missing required members, wrong types and too-short values all
fail. Patterns and enums are not checked (botocore does not check them either).
"""

from __future__ import annotations

import datetime
import json
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

# Step Functions' aws-sdk service names that differ from botocore's.
SDK_SERVICES = {"sfn": "stepfunctions", "sagemakerruntime": "sagemaker-runtime"}
PIPELINE_EXPRESSIONS = ("Get", "Std:Join", "Std:JsonGet")
# Pipeline step type -> the API call SageMaker makes for it.
STEP_OPERATIONS = {
    "Processing": "CreateProcessingJob",
    "Training": "CreateTrainingJob",
    "RegisterModel": "CreateModelPackage",
}
# Names SageMaker Pipelines generates itself for each job, so steps never carry them.
PIPELINE_NAMED = {
    "CreateProcessingJob": "ProcessingJobName",
    "CreateTrainingJob": "TrainingJobName",
}


@cache
def operation(service: str, name: str) -> OperationModel:
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(name)


def task_operation(resource: str) -> OperationModel | None:
    """The API a Task's Resource calls, or None for a non-AWS-API resource (Lambda ARN, ...)."""
    if ":states:::" not in resource:
        return None
    integration = resource.split(":states:::", 1)[1].split(".")[0]
    parts = integration.split(":")
    if parts[0] == "aws-sdk":
        service, action = SDK_SERVICES.get(parts[1], parts[1]), parts[2]
    else:
        service, action = parts[0], parts[1]
    return operation(service, action[0].upper() + action[1:])


def placeholder(shape: Shape) -> Any:
    """A value of the right type for `shape`, long enough for its minimum."""
    kind = shape.type_name
    if kind == "structure":
        return {name: placeholder(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return [placeholder(shape.member)] * max(1, shape.metadata.get("min", 1))
    if kind == "map":
        return {}
    if kind in ("integer", "long"):
        return int(shape.metadata.get("min", 1))
    if kind in ("float", "double"):
        return float(shape.metadata.get("min", 1))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime.datetime(2026, 1, 1)
    if kind == "blob":
        return b"x"
    return "x" * max(1, int(shape.metadata.get("min", 1)))


def _member(shape: Shape, key: str) -> str:
    """The member a (PascalCase) key names; unknown keys stay as they are, to be reported."""
    if key in shape.members:
        return key
    camel = key[:1].lower() + key[1:]
    return camel if camel in shape.members else key


def _is_expression(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in PIPELINE_EXPRESSIONS


def to_request(value: Any, shape: Shape) -> Any:
    """`value` with keys renamed to members and every path/expression replaced by a placeholder."""
    if _is_expression(value):
        return placeholder(shape)
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            dynamic = key.endswith(".$")
            name = _member(shape, key.removesuffix(".$"))
            if name not in shape.members:
                out[name] = item  # reported by the validator as an unknown parameter
            elif dynamic:
                out[name] = placeholder(shape.members[name])
            else:
                out[name] = to_request(item, shape.members[name])
        return out
    if kind == "map" and isinstance(value, dict):
        return {
            key.removesuffix(".$"): placeholder(shape.value)
            if key.endswith(".$")
            else to_request(item, shape.value)
            for key, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [to_request(item, shape.member) for item in value]
    return value


def problems(op: OperationModel, request: dict[str, Any]) -> list[str]:
    report = ParamValidator().validate(to_request(request, op.input_shape), op.input_shape)
    return [report.generate_report()] if report.has_errors() else []


def result_selector_problems(op: OperationModel, selector: dict[str, Any]) -> list[str]:
    """`$.Member...` paths of a ResultSelector must start with a member of the API's output."""
    found = []
    output = op.output_shape
    for key, path in selector.items():
        if not (key.endswith(".$") and isinstance(path, str) and path.startswith("$.")):
            continue
        first = path[2:].split(".")[0].split("[")[0]
        if output is None or _member(output, first) not in output.members:
            found.append(f"ResultSelector {key}: {path!r} is not an output of {op.name}")
    return found


def task_states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every Task state, including those inside Map and Parallel states."""
    found: dict[str, dict[str, Any]] = {}
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            found[name] = state
        for nested in (
            state.get("ItemProcessor"),
            state.get("Iterator"),
            *state.get("Branches", []),
        ):
            if nested:
                found.update(task_states(nested))
    return found


def state_machine_problems(definition: dict[str, Any]) -> list[str]:
    found = []
    for name, state in task_states(definition).items():
        op = task_operation(state["Resource"])
        if op is None:
            continue
        for problem in problems(op, state.get("Parameters", {})):
            found.append(f"{name} ({op.name}): {problem}")
        found += [
            f"{name}: {p}" for p in result_selector_problems(op, state.get("ResultSelector", {}))
        ]
    return found


def pipeline_step_problems(step: dict[str, Any]) -> list[str]:
    name = STEP_OPERATIONS.get(step["Type"])
    if name is None:
        return []
    request = dict(step["Arguments"])
    if name in PIPELINE_NAMED:
        request.setdefault(PIPELINE_NAMED[name], "named-by-the-pipeline")
    return [
        f"{step['Name']} ({name}): {p}" for p in problems(operation("sagemaker", name), request)
    ]


PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}


def render_definition(definition_string: Any) -> dict[str, Any]:
    """A synthesized DefinitionString (maybe an Fn::Join): pseudo parameters get example values,
    other tokens (ARNs and names from other resources) become TOKEN."""
    if isinstance(definition_string, dict) and "Fn::Join" in definition_string:
        parts = definition_string["Fn::Join"][1]
        text = "".join(
            p if isinstance(p, str) else PSEUDO.get(p.get("Ref", ""), "TOKEN") for p in parts
        )
    else:
        text = definition_string
    return json.loads(text)
