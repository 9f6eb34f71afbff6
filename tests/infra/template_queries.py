"""Small queries over synthesized templates (plain dicts) for the deploy/run defect tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

Template = dict[str, Any]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def of_type(template: Template, rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.get("Resources", {}).items() if v["Type"] == rtype}


def text(value: Any) -> str:
    """A template value as one string (tokens included), for substring checks."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return as_list(document.get("Statement", []))


def actions(statement: dict[str, Any]) -> list[str]:
    return [str(a) for a in as_list(statement.get("Action", []))]


def role_statements(template: Template, role_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(policy logical id, statement) of every identity policy attached to `role_id`."""
    ref = {"Ref": role_id}
    role = template["Resources"][role_id]
    for policy in role["Properties"].get("Policies", []):
        for statement in statements(policy["PolicyDocument"]):
            yield role_id, statement
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy_id, policy in of_type(template, kind).items():
            if ref in policy["Properties"].get("Roles", []):
                for statement in statements(policy["Properties"]["PolicyDocument"]):
                    yield policy_id, statement
    for arn in role["Properties"].get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Ref" in arn:
            policy = template["Resources"][arn["Ref"]]
            for statement in statements(policy["Properties"]["PolicyDocument"]):
                yield arn["Ref"], statement


def role_of(resource: dict[str, Any]) -> str | None:
    """The logical id of a resource's role (Role: Fn::GetAtt [id, Arn]), or None."""
    role = resource["Properties"].get("Role") or resource["Properties"].get("RoleArn")
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        return str(role["Fn::GetAtt"][0])
    return None


def depends_on(resource: dict[str, Any]) -> list[str]:
    return as_list(resource.get("DependsOn", []))


def exported_value(templates: dict[str, Template], import_name: Any) -> tuple[str, Any] | None:
    """(purpose, Output value) of the stack output exported under `import_name`."""
    for purpose, template in templates.items():
        for output in template.get("Outputs", {}).values():
            if output.get("Export", {}).get("Name") == import_name:
                return purpose, output["Value"]
    return None


def resolve_getatt(
    templates: dict[str, Template], purpose: str, value: Any
) -> tuple[str, str] | None:
    """(purpose, logical id) that `value` (a GetAtt or an import of one) points at."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return purpose, str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return purpose, str(value["Ref"])
    if isinstance(value, dict) and "Fn::ImportValue" in value:
        found = exported_value(templates, value["Fn::ImportValue"])
        if found:
            return resolve_getatt(templates, found[0], found[1])
    return None
