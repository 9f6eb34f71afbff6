"""cdk-nag rule packs for the app, and the one way this project acknowledges a finding.

cdk-nag 3 runs as a CDK validation plugin: unacknowledged errors make `app.synth()` raise after
the templates are written. Every acknowledgement names its rule and a reason a reviewer would
accept; `acknowledge` refuses an empty or token reason.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks
from constructs import IConstruct


def nag_packs(scope: IConstruct | None = None) -> list[NagPack]:
    """The compliance packs every stage must pass."""
    return [
        AwsSolutionsChecks(scope, verbose=True),
        HIPAASecurityChecks(scope, verbose=True),
        NIST80053R5Checks(scope, verbose=True),
    ]


def nag_findings(pack: NagPack, scope: IConstruct) -> list[str]:
    """Unacknowledged findings of `pack` under `scope`, as `<rule id> at <construct path>`."""
    report = pack.validate_scope(scope)
    return sorted(
        f"{violation.rule_name} at {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    )


def apply_nag_packs(app: IConstruct) -> None:
    cdk.Validations.of(app).add_plugins(*nag_packs(app))


def acknowledge(scope: IConstruct, rule_ids: str | list[str], reason: str) -> None:
    """Suppress findings on `scope` (and its children) with a written reason.

    Never a whole stack: a stack-wide acknowledgement would also cover every resource added
    later, so each acknowledgement names the resource it is about.
    """
    if isinstance(scope, cdk.Stack):
        raise ValueError(f"nag acknowledgement of {rule_ids}: acknowledge a resource, not a stack")
    if len(reason.split()) < 5:
        raise ValueError(f"nag acknowledgement of {rule_ids}: give a reason a reviewer can judge")
    ids = [rule_ids] if isinstance(rule_ids, str) else rule_ids
    cdk.Validations.of(scope).acknowledge(
        *(cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id in ids)
    )


# The construct id aws-cdk-lib gives AwsCustomResource's provider function: one singleton per
# stack, named AWS + the uuid of AwsCustomResource's provider.
AWS_CUSTOM_RESOURCE_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"
# Rules about queued events (a dead-letter queue, a concurrency cap) that a provider Lambda which
# CloudFormation invokes synchronously, once per resource change, has nothing to apply to.
SYNCHRONOUS_PROVIDER_RULES = [
    "HIPAA.Security-LambdaConcurrency",
    "NIST.800.53.R5-LambdaConcurrency",
    "HIPAA.Security-LambdaDLQ",
    "NIST.800.53.R5-LambdaDLQ",
]


def custom_resource_provider(stack: cdk.Stack) -> IConstruct:
    """The stack's AwsCustomResource provider function (exists once an AwsCustomResource does)."""
    return stack.node.find_child(AWS_CUSTOM_RESOURCE_PROVIDER_ID)


WILDCARD_METADATA = "fmops:justified-wildcards"
WILDCARD_RULE = "AwsSolutions-IAM5["


def justify_wildcards(
    scope: IConstruct, grants: list[tuple[str | list[str], str]], reason: str
) -> None:
    """Declare the IAM wildcards under `scope` that are intended: (actions, resource) pairs.

    cdk-nag 3 reports each wildcard as `AwsSolutions-IAM5[Resource::<arn>]` or `[Action::<a>]`.
    `acknowledge_justified_wildcards` acknowledges such a finding only when the wildcard
    resource is exactly a declared one (compared after both are flattened the way cdk-nag does)
    and every action granted on it is declared with it; for an action wildcard, every resource
    it is granted on must be declared with that action. A new action on a justified resource,
    or a justified action on a new resource, fails the nag gate again.
    """
    if len(reason.split()) < 5:
        raise ValueError("justify_wildcards: give a reason a reviewer can judge")
    declared = []
    for actions, resource in grants:
        names = [actions] if isinstance(actions, str) else list(actions)
        for action in names:
            if action == "*" or action.endswith(":*"):
                raise ValueError(f"justify_wildcards: {action!r} grants a whole service")
        # Kept as a token and resolved when checked: a cross-stack reference becomes the
        # Fn::ImportValue that cdk-nag reports only once the app is prepared for synthesis.
        declared.append({"actions": names, "resource": resource})
    scope.node.add_metadata(WILDCARD_METADATA, {"grants": declared, "reason": reason})


def flatten_cfn_reference(node: object) -> str:
    """cdk-nag's `flattenCfnReference`: how a resolved ARN appears in an IAM5 finding id."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_cfn_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(resource)}.{flatten_cfn_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_cfn_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_cfn_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def _allow_statements(resource: cdk.CfnResource) -> list[tuple[set[str], set[str]]]:
    """(actions, flattened resources) of each Allow statement of an IAM resource's policies."""
    stack = cdk.Stack.of(resource)
    documents: list[object] = []
    if isinstance(resource, iam.CfnRole):
        documents = [p["policyDocument"] for p in stack.resolve(resource.policies) or []]
    elif isinstance(resource, (iam.CfnPolicy, iam.CfnManagedPolicy)):
        documents = [resource.policy_document]
    found = []
    for document in documents:
        for statement in stack.resolve(document).get("Statement", []):
            if statement.get("Effect") == "Allow":
                actions = {str(a) for a in _as_list(statement.get("Action", []))}
                resources = {
                    flatten_cfn_reference(r) for r in _as_list(statement.get("Resource", []))
                }
                found.append((actions, resources))
    return found


def _declared_grants(construct: IConstruct) -> list[tuple[set[str], str, str]]:
    grants = []
    current: IConstruct | None = construct
    while current is not None:
        for entry in current.node.metadata:
            if entry.type == WILDCARD_METADATA:
                stack = cdk.Stack.of(current)
                for grant in entry.data["grants"]:
                    resource = flatten_cfn_reference(stack.resolve(grant["resource"]))
                    grants.append((set(grant["actions"]), resource, entry.data["reason"]))
        current = current.node.scope
    return grants


def wildcard_justification(resource: cdk.CfnResource, finding: str) -> str | None:
    """The reason that justifies IAM5 `finding` on `resource` exactly, or None."""
    subject = finding.removeprefix(WILDCARD_RULE).removesuffix("]")
    grants = _declared_grants(resource)
    statements = _allow_statements(resource)
    if subject.startswith("Resource::"):
        target = subject.removeprefix("Resource::")
        granted = set().union(*(a for a, r in statements if target in r))
        matching = [(declared, reason) for declared, res, reason in grants if res == target]
        allowed = set().union(*(declared for declared, _ in matching))
        if not granted or not granted <= allowed:
            return None
        return " ".join(dict.fromkeys(reason for _, reason in matching))
    action = subject.removeprefix("Action::")
    targets = set().union(*(r for a, r in statements if action in a))
    reasons = []
    for target in sorted(targets):
        match = [reason for declared, res, reason in grants if res == target and action in declared]
        if not match:
            return None
        reasons += match
    return " ".join(dict.fromkeys(reasons)) or None


def _construct_at(app: IConstruct, path: str) -> IConstruct:
    # Paths start at the root, also when `app` is a Stage nested in a pipeline stack.
    construct: IConstruct = app.node.root
    for part in path.split("/"):
        construct = construct.node.find_child(part)
    return construct


def acknowledge_justified_wildcards(app: IConstruct) -> None:
    """Acknowledge exactly the IAM5 findings that a `justify_wildcards` declaration covers."""
    report = AwsSolutionsChecks().validate_scope(app)
    for violation in report.violations:
        if not violation.rule_name.startswith(WILDCARD_RULE):
            continue
        for found in violation.violating_resources:
            if not found.construct_path:
                continue
            construct = _construct_at(app, found.construct_path)
            if not isinstance(construct, cdk.CfnResource):
                continue
            reason = wildcard_justification(construct, violation.rule_name)
            if reason:
                acknowledge(construct, violation.rule_name, reason)


CHECKOV_METADATA = "checkov"


def skip_checkov(scope: IConstruct, check_ids: str | list[str], reason: str) -> None:
    """Skip checkov checks on one resource with a reason (template Metadata.checkov.skip).

    checkov reads per-resource skips from the template itself, so the reason ships with the
    resource; the static-scan test lists every skip with its reason.
    """
    if len(reason.split()) < 5:
        raise ValueError(f"checkov skip of {check_ids}: give a reason a reviewer can judge")
    resource = scope if isinstance(scope, cdk.CfnResource) else scope.node.default_child
    if not isinstance(resource, cdk.CfnResource):
        raise ValueError(f"checkov skip of {check_ids}: {scope.node.path} is not one resource")
    ids = [check_ids] if isinstance(check_ids, str) else check_ids
    existing = resource.get_metadata(CHECKOV_METADATA) or {"skip": []}
    existing["skip"] += [{"id": check_id, "comment": reason} for check_id in ids]
    resource.add_metadata(CHECKOV_METADATA, existing)
