"""Calls AWS services and CloudFormation make for the stacks, read from the resources that cause
them: rule targets, encrypted log groups, custom resources, Lambda functions; plus the
deploy-time findings that are no single call (foreign boundaries, VPC Lambdas racing their
network-interface grant).
"""

from __future__ import annotations

import json
import re
from typing import Any

from infra.runtime_contract import iam_reference
from infra.runtime_contract.evaluator import Call, Decision
from infra.runtime_contract.state_machine_calls import key_arn, topic_key
from infra.runtime_contract.templates import Assembly, StackTemplate

EVENTS = "events.amazonaws.com"
# Targets whose calls EventBridge makes with the target's RoleArn; SNS, SQS and Lambda targets
# are authorized by their resource policy instead ("Using resource-based policies for Amazon
# EventBridge", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html).
_ROLE_TARGETS = {"sagemaker": "sagemaker:StartPipelineExecution", "states": "states:StartExecution"}
_POLICY_TARGETS = {
    "sns": "sns:Publish",
    "sqs": "sqs:SendMessage",
    "lambda": "lambda:InvokeFunction",
}
# What CloudWatch Logs does with a log group's key ("Encrypt log data in CloudWatch Logs using
# AWS KMS", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
LOGS_KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
# What Lambda does with the function's role to attach it to a VPC (Lambda developer guide,
# "Giving Lambda functions access to resources in an Amazon VPC",
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
LAMBDA_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


def _arn(stack: StackTemplate, service: str, resource: str) -> str:
    return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"


def event_target_calls(unit: Assembly) -> list[Call]:
    calls: list[Call] = []
    for stack, lid, resource in unit.resources("AWS::Events::Rule"):
        rule = stack.resolve({"Fn::GetAtt": [lid, "Arn"]})
        for target in stack.resolve(resource["Properties"].get("Targets", [])):
            arn, role = target["Arn"], target.get("RoleArn")
            service = arn.split(":")[2]
            why = f"rule {stack.name}/{lid} target {target['Id']}"
            label = f"{stack.name}/{lid} (EventBridge)"
            if service in _ROLE_TARGETS:
                calls.append(Call(role or EVENTS, _ROLE_TARGETS[service], arn, why, label=label))
                continue
            if service not in _POLICY_TARGETS:
                continue
            source = {"aws:SourceArn": rule, "aws:SourceAccount": stack.account}
            calls.append(
                Call(EVENTS, _POLICY_TARGETS[service], arn, why, context=source, label=label)
            )
            key = topic_key(unit, arn) if service == "sns" else None
            if key:
                # SNS asks KMS as EventBridge, for the rule: the same source context
                # (an assumption not verified against AWS; docs/runtime_contract.md).
                via = {**source, "kms:ViaService": f"sns.{stack.region}.amazonaws.com"}
                calls += [
                    Call(EVENTS, a, key, f"{why} (encrypted topic)", context=via, label=label)
                    for a in ("kms:GenerateDataKey", "kms:Decrypt")
                ]
    return calls


def log_group_key_calls(unit: Assembly) -> list[Call]:
    """CloudWatch Logs must be able to use a log group's key for that group (deploy-time)."""
    calls = []
    for stack, lid, resource in unit.resources("AWS::Logs::LogGroup"):
        key = resource["Properties"].get("KmsKeyId")
        if not key:
            continue
        name = stack.resolve({"Ref": lid})
        group = _arn(stack, "logs", f"log-group:{name}")
        context = {"kms:EncryptionContext:aws:logs:arn": group}
        principal = f"logs.{stack.region}.amazonaws.com"
        calls += [
            Call(
                principal,
                action,
                key_arn(stack, stack.resolve(key)),
                f"log group {name} is encrypted",
                context=context,
                label=f"CloudWatch Logs ({name})",
            )
            for action in LOGS_KEY_ACTIONS
        ]
    return calls


def _functions(unit: Assembly) -> dict[str, tuple[StackTemplate, str, dict[str, Any]]]:
    return {
        stack.resolve({"Fn::GetAtt": [lid, "Arn"]}): (stack, lid, r)
        for stack, lid, r in unit.resources("AWS::Lambda::Function")
    }


def lambda_calls(unit: Assembly) -> list[Call]:
    """A function's logs, and its network interfaces when it runs in a VPC."""
    calls = []
    for stack, lid, r in _functions(unit).values():
        props = stack.resolve(r["Properties"])
        role, label = props["Role"], f"{stack.name}/{lid} (Lambda)"
        name = props.get("FunctionName", stack.resolve({"Ref": lid}))
        group = (props.get("LoggingConfig") or {}).get("LogGroup", f"/aws/lambda/{name}")
        stream = _arn(stack, "logs", f"log-group:{group}:log-stream:2026/01/01/[$LATEST]0")
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            calls.append(Call(role, action, stream, "function logs", label=label))
        if (props.get("TracingConfig") or {}).get("Mode") == "Active":
            calls += [
                Call(role, a, "*", "active tracing", label=label)
                for a in ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
            ]
        queue = (props.get("DeadLetterConfig") or {}).get("TargetArn")
        if queue:
            calls += _dead_letter_calls(unit, stack, role, label, queue)
        vpc = props.get("VpcConfig")
        if vpc:
            literals = [_arn(stack, "ec2", f"subnet/{s}") for s in vpc.get("SubnetIds", [])]
            literals += [
                _arn(stack, "ec2", f"security-group/{g}") for g in vpc.get("SecurityGroupIds", [])
            ]
            for action in LAMBDA_ENI_ACTIONS:
                calls += [
                    Call(role, action, resource, "runs in the VPC", label=label)
                    for resource in iam_reference.resources_for(
                        action, literals, stack.partition, stack.region, stack.account, "eni-0"
                    )
                ]
    return calls


def _dead_letter_calls(
    unit: Assembly, stack: StackTemplate, role: str, label: str, queue: str
) -> list[Call]:
    """Failed async events go to the queue as the function's role, through SQS to its key."""
    calls = [Call(role, "sqs:SendMessage", queue, "dead-letter queue", label=label)]
    for q_stack, lid, r in unit.resources("AWS::SQS::Queue"):
        key = r["Properties"].get("KmsMasterKeyId")
        if key and q_stack.resolve({"Fn::GetAtt": [lid, "Arn"]}) == queue:
            via = {"kms:ViaService": f"sqs.{stack.region}.amazonaws.com"}
            calls += [
                Call(
                    role,
                    a,
                    key_arn(q_stack, q_stack.resolve(key)),
                    "encrypted dead letters",
                    context=via,
                    label=label,
                )
                for a in ("kms:GenerateDataKey", "kms:Decrypt")
            ]
    return calls


def _response_bucket(region: str) -> str:
    # CloudFormation's presigned response URL points at this bucket (regional name, no dashes).
    return f"cloudformation-custom-resource-response-{region.replace('-', '')}"


def custom_resource_calls(unit: Assembly) -> list[Call]:
    """Each custom resource's SDK calls (Custom::AWS) and its answer to CloudFormation, which a
    VPC function sends through the S3 endpoint (only the endpoint policy is ours to check)."""
    calls: list[Call] = []
    functions = _functions(unit)
    for stack, lid, resource in unit.resources(
        "Custom::AWS", "AWS::CloudFormation::CustomResource", *_custom_types(unit)
    ):
        props = resource["Properties"]
        token = stack.resolve(props["ServiceToken"])
        if token not in functions:
            continue  # a provider framework or a function outside the templates
        fn_stack, _, fn = functions[token]
        fn_props = fn_stack.resolve(fn["Properties"])
        role, label = fn_props["Role"], f"{stack.name}/{lid} (custom resource)"
        for phase in ("Create", "Update", "Delete"):
            if phase in props:
                calls += _sdk_calls(
                    stack, role, label, phase, json.loads(stack.resolve(props[phase]))
                )
        if fn_props.get("VpcConfig"):
            bucket = _response_bucket(stack.region)
            calls.append(
                Call(
                    role,
                    "s3:PutObject",
                    f"arn:{stack.partition}:s3:::{bucket}/response",
                    "answers CloudFormation from the VPC",
                    via_vpc=True,
                    label=label,
                    network_only=True,
                )
            )
    return calls


def _custom_types(unit: Assembly) -> list[str]:
    return sorted(
        {
            r["Type"]
            for s in unit.stacks.values()
            for r in s.resources.values()
            if r["Type"].startswith("Custom::") and r["Type"] != "Custom::AWS"
        }
    )


def _sdk_calls(
    stack: StackTemplate, role: str, label: str, phase: str, call: dict[str, Any]
) -> list[Call]:
    service = re.sub(r"^@aws-sdk/client-", "", call["service"]).lower().replace("-", "")
    service = {"cloudwatchlogs": "logs", "sfn": "states"}.get(service, service)
    action = f"{service}:{call['action'][0].upper()}{call['action'][1:]}"
    literals = [v for v in _strings(call.get("parameters", {})) if v.startswith("arn:")]
    return [
        Call(role, action, resource, f"{phase} of the custom resource", label=label)
        for resource in iam_reference.resources_for(
            action, literals, stack.partition, stack.region, stack.account, _name(call)
        )
    ]


def _name(call: dict[str, Any]) -> str:
    names = [
        v
        for k, v in call.get("parameters", {}).items()
        if k.endswith("Name") and isinstance(v, str)
    ]
    return names[0] if names else "from-parameters"


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def boundary_findings(unit: Assembly) -> list[str]:
    """A permissions boundary must be a policy of the role's own account: IAM refuses another
    account's policy as a boundary ("Permissions boundaries for IAM entities", IAM user guide)."""
    found = []
    for stack, lid, r in unit.resources("AWS::IAM::Role"):
        boundary = r["Properties"].get("PermissionsBoundary")
        if boundary is None:
            continue
        arn = stack.resolve(boundary)
        account = arn.split(":")[4]
        if account not in (stack.account, "aws"):
            found.append(f"{stack.name}/{lid}: boundary {arn} is not in account {stack.account}")
    return found


def vpc_lambda_race_findings(unit: Assembly, decisions: list[Decision]) -> list[str]:
    """A VPC function created before its network-interface grant fails to create: the grant
    must be inline in the role or in a policy the function DependsOn."""
    found = []
    for stack, lid, r in unit.resources("AWS::Lambda::Function"):
        if not r["Properties"].get("VpcConfig"):
            continue
        role = stack.resolve(r["Properties"]["Role"])
        depends = set(r.get("DependsOn", []))
        for d in decisions:
            if (
                d.call.principal == role
                and d.call.action == "ec2:CreateNetworkInterface"
                and d.allowed
            ):
                waits = [
                    g
                    for g in d.granted_by
                    if "/inline" in g
                    or g.split("/")[-1].split(":")[0] in depends
                    or g.startswith("aws-managed/")
                ]
                if not waits:
                    found.append(f"{stack.name}/{lid}: created before {', '.join(d.granted_by)}")
    return sorted(set(found))
