"""The calls each state machine makes, read from its synthesized definition (ASL), never restated.

Every Task state's resource names its API (`arn:aws:states:::aws-sdk:bedrock:getModelImportJob`,
`arn:aws:states:::sns:publish`); the resources it acts on are the literal ARNs of its Parameters
that fit the action's resource types (IAM reference), or, where the execution input names them
(job and model names), an ARN of that type in the stack's account and region. A `RoleArn`
parameter is passed to the service (iam:PassRole with iam:PassedToService); a publish to a
KMS-encrypted topic needs the topic's key through SNS; logging and tracing need the delivery and
X-Ray actions the Step Functions guide lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from infra.runtime_contract import iam_reference
from infra.runtime_contract.evaluator import Call
from infra.runtime_contract.templates import Assembly, StackTemplate

# Optimized integrations whose IAM action differs from the integration's name.
_OPTIMIZED = {"lambda:invoke": "lambda:InvokeFunction"}
# The service principal each integration passes its RoleArn to.
_PASSED_TO = {
    "bedrock": "bedrock.amazonaws.com",
    "sagemaker": "sagemaker.amazonaws.com",
    "states": "states.amazonaws.com",
}
# "Using CloudWatch Logs to log execution history in Step Functions" and "Trace Step Functions
# request data in AWS X-Ray" (Step Functions developer guide): what the execution role needs.
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
# Who creates a customization or import job with a customer managed key needs these on it
# ("Encryption of custom models", Bedrock user guide,
# https://docs.aws.amazon.com/bedrock/latest/userguide/encryption-custom-job.html).
MODEL_KEY_PARAMETERS = ("CustomModelKmsKeyId", "ImportedModelKmsKeyId")
CREATOR_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant")
XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


def task_action(resource: str) -> str | None:
    """The IAM action of a Task state's Resource, or None for an activity/Lambda ARN."""
    match = re.fullmatch(r"arn:[^:]+:states:::(?:aws-sdk:)?([a-z0-9-]+):(\w+)(?:\.\w+)?", resource)
    if not match:
        return None
    service, api = match.groups()
    key = f"{service}:{api}"
    if key in _OPTIMIZED:
        return _OPTIMIZED[key]
    service = {"sfn": "states"}.get(service, service)
    return f"{service}:{api[0].upper()}{api[1:]}"


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def task_states(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from task_states(branch)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from task_states(processor)


def task_calls(
    stack: StackTemplate, role: str, label: str, state: str, task: dict[str, Any]
) -> list[Call]:
    action = task_action(task["Resource"])
    if action is None:
        return []
    parameters = task.get("Parameters") or task.get("Arguments") or {}
    literals = [s for s in _strings(parameters) if s.startswith("arn:")]
    why = f"state {state!r}"
    calls = [
        Call(role, action, resource, why, label=label)
        for resource in iam_reference.resources_for(
            action, literals, stack.partition, stack.region, stack.account, "from-execution-input"
        )
    ]
    service = action.split(":")[0]
    role_arn = parameters.get("RoleArn")
    if isinstance(role_arn, str) and service in _PASSED_TO:
        calls.append(
            Call(
                role,
                "iam:PassRole",
                role_arn,
                f"{why} passes its role",
                label=label,
                context={"iam:PassedToService": _PASSED_TO[service]},
            )
        )
    for key_param in MODEL_KEY_PARAMETERS:
        if isinstance(parameters.get(key_param), str):
            calls += [
                Call(role, a, parameters[key_param], f"{why} names a model key", label=label)
                for a in CREATOR_KEY_ACTIONS
            ]
    if action == "sns:Publish":
        calls += _topic_key_calls(stack, role, label, why, parameters.get("TopicArn"))
    return calls


def _topic_key_calls(
    stack: StackTemplate, role: str, label: str, why: str, topic_arn: Any
) -> list[Call]:
    """A publisher to a KMS-encrypted topic needs the key through SNS (SNS developer guide,
    "Configure AWS KMS permissions for Amazon SNS")."""
    key = topic_key(stack.assembly, topic_arn)
    if key is None:
        return []
    via = {"kms:ViaService": f"sns.{stack.region}.amazonaws.com"}
    return [
        Call(role, action, key, f"{why} publishes to an encrypted topic", context=via, label=label)
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    ]


def topic_key(unit: Assembly, topic_arn: Any) -> str | None:
    for stack, lid, resource in unit.resources("AWS::SNS::Topic"):
        if stack.resolve({"Ref": lid}) == topic_arn:
            key = resource.get("Properties", {}).get("KmsMasterKeyId")
            return key_arn(stack, stack.resolve(key)) if key else None
    return None


def key_arn(stack: StackTemplate, key: str) -> str:
    if key.startswith("arn:"):
        return key
    return f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/{key}"


def state_machine_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("AWS::StepFunctions::StateMachine"):
        props = resource["Properties"]
        role = stack.resolve(props["RoleArn"])
        label = f"{stack.name}/{lid} (state machine)"
        definition = json.loads(stack.resolve(props["DefinitionString"]))
        for state, task in task_states(definition):
            calls += task_calls(stack, role, label, state, task)
        if props.get("LoggingConfiguration"):
            calls += [
                Call(role, a, "*", "execution logging", label=label) for a in LOG_DELIVERY_ACTIONS
            ]
        if props.get("TracingConfiguration", {}).get("Enabled"):
            calls += [Call(role, a, "*", "X-Ray tracing", label=label) for a in XRAY_ACTIONS]
    return calls
