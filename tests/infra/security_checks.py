"""Checks over synthesized templates (plain dicts), shared by the security tests.

Each returns the problems it finds; a test asserts [] on the real templates and a non-empty
list on a copy where the guarantee was removed, so every check is shown to be able to fail.
"""

from __future__ import annotations

import json
from typing import Any

Template = dict[str, Any]

SOURCE_CONDITION_KEYS = ("aws:SourceAccount", "aws:SourceArn")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resources(template: Template, rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.get("Resources", {}).items() if v["Type"] == rtype}


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    return {key for block in statement.get("Condition", {}).values() for key in block}


def unconditioned_key_service_principals(template: Template) -> list[str]:
    """Key-policy statements that let a service principal in without a confused-deputy guard."""
    problems = []
    for key_id, key in resources(template, "AWS::KMS::Key").items():
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            principal = statement.get("Principal", {})
            if not isinstance(principal, dict) or "Service" not in principal:
                continue
            keys = _condition_keys(statement)
            # kms:ViaService confines the principal to requests another service makes for it
            # (SNS encrypting a topic's messages for EventBridge).
            guarded = any(k in keys for k in SOURCE_CONDITION_KEYS) or any(
                k.startswith("kms:EncryptionContext:") or k == "kms:ViaService" for k in keys
            )
            if not guarded:
                problems.append(f"{key_id}: {json.dumps(principal['Service'])} unconditioned")
    return problems


def roles_without_boundary(template: Template, boundary_arn: str) -> list[str]:
    return [
        role_id
        for role_id, role in resources(template, "AWS::IAM::Role").items()
        if role["Properties"].get("PermissionsBoundary") != boundary_arn
    ]


def open_egress(template: Template) -> list[str]:
    """Security-group egress to the internet (any IPv4/IPv6 destination)."""
    problems = []
    rules = [
        (sg_id, rule)
        for sg_id, sg in resources(template, "AWS::EC2::SecurityGroup").items()
        for rule in sg["Properties"].get("SecurityGroupEgress", [])
    ] + [
        (rule_id, rule["Properties"])
        for rule_id, rule in resources(template, "AWS::EC2::SecurityGroupEgress").items()
    ]
    for where, rule in rules:
        if rule.get("CidrIp") == "0.0.0.0/0" or rule.get("CidrIpv6") == "::/0":
            problems.append(f"{where}: egress to {rule.get('CidrIp') or rule.get('CidrIpv6')}")
    return problems


def s3_endpoint_statements(template: Template) -> list[dict[str, Any]]:
    (endpoint,) = [
        e
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType", "Gateway") == "Gateway"
    ]
    policy = endpoint["Properties"].get("PolicyDocument")
    return list(policy["Statement"]) if policy else []


def s3_endpoint_problems(template: Template, allowed_buckets: list[str]) -> list[str]:
    """Endpoint-policy statements reaching beyond `allowed_buckets` (names, `{region}` kept)."""
    statements = s3_endpoint_statements(template)
    if not statements:
        return ["the S3 gateway endpoint has no policy: every bucket is reachable"]
    problems = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement["Action"])
        if any(a in ("*", "s3:*") for a in actions):
            problems.append(f"statement grants {actions}")
        for resource in _as_list(statement["Resource"]):
            text = json.dumps(resource)
            if not any(bucket in text for bucket in allowed_buckets):
                problems.append(f"resource {text} is not an allowed bucket")
    return problems


def curated_writers(data_template: Template) -> list[Any] | None:
    """Principals the curated bucket policy still lets write objects; None if nothing denies."""
    for policy in resources(data_template, "AWS::S3::BucketPolicy").values():
        if "Curated" not in json.dumps(policy["Properties"]["Bucket"]):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if (
                statement["Effect"] == "Deny"
                and statement.get("Principal") in ({"AWS": "*"}, "*")
                and "s3:PutObject" in _as_list(statement["Action"])
                and "aws:PrincipalArn" in statement.get("Condition", {}).get("ArnNotEquals", {})
            ):
                return _as_list(statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])
    return None
