"""What the first `cdk deploy` would trip over, checked on the everything-on templates.

Each check is a function returning the problems it finds; the test asserts none on the real
templates, and a companion test removes the fix from a copy and asserts the check fires.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from typing import Any

from tests.infra.conftest import TemplateSet
from tests.infra.template_queries import (
    Template,
    actions,
    as_list,
    depends_on,
    of_type,
    resolve_getatt,
    role_of,
    role_statements,
    statements,
    text,
)

LOGS_CONTEXT = "kms:EncryptionContext:aws:logs:arn"


def _logs_statements(key: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for s in statements(key["Properties"]["KeyPolicy"])
        if "logs." in text(s.get("Principal", {})) and s.get("Effect") == "Allow"
    ]


def rendered(value: Any) -> str:
    """A name or ARN as one string: pseudo parameters as `${AWS::...}`, the stack id's UUID
    (what makes a retained log group's name unique per deployment) as `${StackUuid}`."""
    if isinstance(value, str):
        return value
    if value == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}:
        return "${StackUuid}"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(rendered(p) for p in parts)
    if isinstance(value, dict) and str(value.get("Ref", "")).startswith("AWS::"):
        return "${" + value["Ref"] + "}"
    return text(value)


def _names_group(statement: dict[str, Any], group_name: str) -> bool:
    for operator, block in statement.get("Condition", {}).items():
        for arn in as_list(block.get(LOGS_CONTEXT, [])):
            flat = rendered(arn)
            exact = re.search(f':log-group:{re.escape(group_name)}("|$)', flat)
            if operator.startswith("ArnEquals") and exact:
                return True
            if operator.startswith("ArnLike"):
                pattern = flat.rsplit(":log-group:", 1)[-1].rstrip('"]}')
                if fnmatch.fnmatchcase(group_name, pattern):
                    return True
    return False


def log_groups_their_keys_refuse(templates: dict[str, Template]) -> list[str]:
    """Encrypted log groups whose key policy has no CloudWatch Logs statement for them."""
    problems = []
    for purpose, template in templates.items():
        for group_id, group in of_type(template, "AWS::Logs::LogGroup").items():
            key_ref = group["Properties"].get("KmsKeyId")
            if key_ref is None:
                continue
            name = rendered(group["Properties"].get("LogGroupName"))
            found = resolve_getatt(templates, purpose, key_ref)
            if "{" in name.replace("${", "") or found is None:
                problems.append(f"{purpose}/{group_id}: name or key not resolvable: {key_ref}")
                continue
            key = templates[found[0]]["Resources"][found[1]]
            if not any(_names_group(s, name) for s in _logs_statements(key)):
                problems.append(f"{purpose}/{group_id} ({name}): {found[1]} does not allow it")
    return problems


def test_every_encrypted_log_group_is_allowed_by_its_key(everything_on: TemplateSet) -> None:
    groups = [
        g
        for t in everything_on.json.values()
        for g in of_type(t, "AWS::Logs::LogGroup").values()
        if "KmsKeyId" in g["Properties"]
    ]
    assert len(groups) >= 4  # customization, import workflow, two Ground Truth Lambdas
    assert log_groups_their_keys_refuse(everything_on.json) == []


def test_log_group_check_fires_without_the_serving_statement(everything_on: TemplateSet) -> None:
    templates = copy.deepcopy(everything_on.json)
    for key in of_type(templates["bedrock"], "AWS::KMS::Key").values():
        policy = key["Properties"]["KeyPolicy"]
        policy["Statement"] = [s for s in policy["Statement"] if "model-import" not in text(s)]
    problems = log_groups_their_keys_refuse(templates)
    assert len(problems) == 1 and "model-import" in problems[0]


def lambdas_that_cannot_answer(template: Template) -> list[str]:
    """Custom resources whose Lambda runs in a VPC: it cannot PUT CloudFormation's response
    (the S3 endpoint policy admits only the project's buckets)."""
    problems = []
    for resource_id, resource in template["Resources"].items():
        kind = resource["Type"]
        if not (kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"):
            continue
        token = resource["Properties"]["ServiceToken"]
        if not (isinstance(token, dict) and "Fn::GetAtt" in token):
            continue
        function = template["Resources"][token["Fn::GetAtt"][0]]
        if function["Type"] == "AWS::Lambda::Function" and "VpcConfig" in function["Properties"]:
            problems.append(f"{resource_id}: provider {token['Fn::GetAtt'][0]} is in a VPC")
    return problems


def test_every_custom_resource_lambda_can_answer_cloudformation(
    everything_on: TemplateSet,
) -> None:
    customs = [
        r
        for t in everything_on.json.values()
        for r in t["Resources"].values()
        if r["Type"].startswith("Custom::")
    ]
    assert any(r["Type"] == "Custom::AWS" for r in customs)  # CreateWorkforce among them
    for purpose, template in everything_on.json.items():
        assert lambdas_that_cannot_answer(template) == [], purpose


def test_custom_resource_check_fires_on_a_provider_in_the_vpc(everything_on: TemplateSet) -> None:
    humans = copy.deepcopy(everything_on.json["humans"])
    workforce = next(
        r for r in of_type(humans, "Custom::AWS").values() if "createWorkforce" in text(r)
    )
    provider = humans["Resources"][workforce["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    provider["Properties"]["VpcConfig"] = {"SubnetIds": ["subnet-1"], "SecurityGroupIds": []}
    assert lambdas_that_cannot_answer(humans)


def vpc_lambdas_racing_their_eni_policy(template: Template) -> list[str]:
    """VPC Lambdas whose ENI permissions sit in a policy the function does not wait for."""
    problems = []
    for function_id, function in of_type(template, "AWS::Lambda::Function").items():
        if "VpcConfig" not in function["Properties"]:
            continue
        role_id = role_of(function)
        assert role_id, function_id
        granting = {
            policy_id
            for policy_id, s in role_statements(template, role_id)
            if "ec2:CreateNetworkInterface" in actions(s) and s.get("Effect") == "Allow"
        }
        if not granting:
            problems.append(f"{function_id}: no ENI permissions on {role_id}")
        elif not granting & ({role_id} | set(depends_on(function))):
            problems.append(f"{function_id}: does not depend on {sorted(granting)}")
    return problems


def test_vpc_lambdas_wait_for_the_policy_with_their_eni_actions(
    everything_on: TemplateSet,
) -> None:
    humans = everything_on.json["humans"]
    in_vpc = [
        f
        for f in of_type(humans, "AWS::Lambda::Function").values()
        if "VpcConfig" in f["Properties"]
    ]
    assert len(in_vpc) == 2
    for purpose, template in everything_on.json.items():
        assert vpc_lambdas_racing_their_eni_policy(template) == [], purpose


def test_eni_dependency_check_fires_without_the_dependency(everything_on: TemplateSet) -> None:
    humans = copy.deepcopy(everything_on.json["humans"])
    for function in of_type(humans, "AWS::Lambda::Function").values():
        function.pop("DependsOn", None)
    assert len(vpc_lambdas_racing_their_eni_policy(humans)) == 2
