"""AWS's policy evaluation logic for one request, over a deployment unit's policies.

Order, as in the IAM user guide's "Policy evaluation logic" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny in any applicable policy (identity, boundary, resource, VPC endpoint) wins; then
an Allow is needed from the identity policies or from a resource policy naming the principal
(same account), from both when the accounts differ, and from the key policy for every KMS call
(a key policy that delegates to the account root lets identity policies grant it); a permissions
boundary and the VPC endpoint's policy must allow it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from infra.runtime_contract import iam_reference
from infra.runtime_contract.conditions import holds
from infra.runtime_contract.policies import PolicyIndex, Statement

# The endpoint service an action's calls go through from an isolated subnet (PrivateLink names).
ENDPOINT_SERVICES: dict[str, tuple[str, ...]] = {
    "s3": ("s3",),
    "kms": ("kms",),
    "logs": ("logs",),
    "ecr": ("ecr.api", "ecr.dkr"),
    "sts": ("sts",),
    "secretsmanager": ("secretsmanager",),
    "cloudwatch": ("monitoring",),
    "sagemaker": ("sagemaker.api",),
    "bedrock": ("bedrock-runtime", "bedrock"),
    # MLflow tracking servers: aws.sagemaker.<region>.experiments (aws-cdk-lib
    # InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS); the region split leaves "experiments".
    "sagemaker-mlflow": ("sagemaker.experiments", "experiments"),
}


@dataclass(frozen=True)
class Call:
    """One request a runtime principal makes: who, what, on which ARN, with which context."""

    principal: str  # a role ARN, or a service principal such as "logs.us-east-1.amazonaws.com"
    action: str
    resource: str
    why: str  # what makes the call ("pipeline step Train reads its train channel")
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict, hash=False)
    via_vpc: bool = False  # made from an isolated subnet: only through the VPC's endpoints
    label: str = ""  # the principal's name in the contract table
    # Authorized by someone else (a presigned URL): only the network path is ours to check.
    network_only: bool = False
    # A resource of another account whose policy is AWS's (e.g. the Deep Learning Containers
    # registry): only our side (identity, boundary, endpoint) is ours to check.
    foreign_resource: bool = False
    # A role of another account whose identity policy is not in the templates (e.g. a stage's
    # CDK deploy role reading the delivery pipeline's artifacts): only the resource side (bucket
    # and key policies) is ours to check.
    foreign_principal: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.label or self.principal, self.action, self.resource)


@dataclass(frozen=True)
class Decision:
    call: Call
    allowed: bool
    reason: str
    granted_by: tuple[str, ...] = ()


def _principal_matches(statement: Statement, principal: str, account: str) -> tuple[bool, bool]:
    """(matches, by_account_root): a statement naming the account root only delegates."""
    for name in statement.principals or ():
        if name == "*" or name == principal:
            return True, False
        if name in (account, f"arn:aws:iam::{account}:root"):
            return True, True
    return False, False


def _account_of(principal: str) -> str | None:
    match = re.match(r"arn:[^:]+:iam::(\d{12}):", principal)
    return match.group(1) if match else None


def _resource_account(resource: str) -> str | None:
    parts = resource.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def evaluate(index: PolicyIndex, call: Call) -> Decision:
    action = call.action
    resource = call.resource
    if not iam_reference.has_resource_types(action):
        resource = "*"  # e.g. bedrock:CreateModelImportJob: only `"Resource": "*"` grants it
    elif not iam_reference.resource_fits(action, resource):
        return Decision(call, False, f"{resource} is no resource type of {action} (IAM reference)")
    for key in call.context:
        if not iam_reference.supports_condition_key(action, key):
            return Decision(call, False, f"{action} has no condition key {key} (IAM reference)")
    account = _account_of(call.principal)
    context: dict[str, str | tuple[str, ...]] = {"aws:SecureTransport": "true", **call.context}
    if account:
        context.setdefault("aws:PrincipalArn", call.principal)
        context.setdefault("aws:PrincipalAccount", account)

    def applicable(found: list[Statement], principal_check: bool) -> list[tuple[Statement, bool]]:
        out = []
        for s in found:
            if not (s.covers_action(action) and s.covers_resource(resource)):
                continue
            by_root = False
            if principal_check:
                matches, by_root = _principal_matches(s, call.principal, account or "")
                if not matches:
                    continue
            if holds(s.conditions, context):
                out.append((s, by_root))
        return out

    role = index.roles.get(call.principal)
    identity = applicable(role.identity, False) if role else []
    boundary: list[tuple[Statement, bool]] | None = None
    if role and role.boundary_arn and role.boundary_arn in index.managed:
        boundary = applicable(index.managed[role.boundary_arn], False)
    resources = [
        hit
        for policy in index.resource_policies
        if policy.governs(call.resource)
        for hit in applicable(policy.statements, True)
    ]
    endpoint: list[tuple[Statement, bool]] = []
    endpoint_needed = False
    if call.via_vpc:
        service = action.split(":")[0]
        names = ENDPOINT_SERVICES.get(service, (service,))
        found = [e for e in index.endpoints if e.service in names]
        if not found:
            return Decision(call, False, f"no VPC endpoint for {service} (isolated subnets)")
        if all(e.statements is not None for e in found):
            endpoint_needed = True
            for e in found:
                endpoint += applicable(e.statements or [], True)

    if call.network_only:
        if endpoint_needed and not any(s.effect == "Allow" for s, _ in endpoint):
            return Decision(call, False, "the VPC endpoint policy does not allow it")
        return Decision(call, True, "allowed", tuple(s.origin for s, _ in endpoint))
    every = identity + resources + endpoint + (boundary or [])
    denies = [s.origin for s, _ in every if s.effect == "Deny"]
    if denies:
        return Decision(call, False, f"explicit deny: {', '.join(sorted(set(denies)))}")
    identity_allows = [s.origin for s, _ in identity if s.effect == "Allow"]
    direct = [s.origin for s, root in resources if s.effect == "Allow" and not root]
    delegated = [s.origin for s, root in resources if s.effect == "Allow" and root]
    if boundary is not None and not any(s.effect == "Allow" for s, _ in boundary):
        identity_allows = []  # the boundary caps what identity policies grant
    if endpoint_needed and not any(s.effect == "Allow" for s, _ in endpoint):
        return Decision(call, False, "the VPC endpoint policy does not allow it")

    if call.foreign_principal:
        if not (direct or delegated):
            return Decision(call, False, "no resource policy admits the other account's role")
        return Decision(call, True, "allowed", tuple(direct + delegated))
    is_key = action.startswith("kms:")
    same_account = _resource_account(call.resource) in (None, "", account)
    if is_key:
        if direct:
            granted = tuple(direct)
        elif delegated and identity_allows:
            granted = tuple(identity_allows + delegated)
        else:
            why = "the key policy neither names the principal nor delegates to IAM"
            if delegated:
                why = "no identity policy allows it (the key policy delegates to IAM)"
            return Decision(call, False, why)
    elif not account:  # a service principal: only resource policies can grant it
        if not direct:
            return Decision(call, False, "no resource policy allows the service principal")
        granted = tuple(direct)
    elif same_account:
        if not (identity_allows or direct):
            return Decision(call, False, "no identity or resource policy allows it")
        granted = tuple(identity_allows + direct)
    else:
        if call.foreign_resource and identity_allows:
            return Decision(call, True, "allowed", tuple(identity_allows))
        if not identity_allows or not (direct or delegated):
            return Decision(call, False, "cross-account: identity and resource policy must allow")
        granted = tuple(identity_allows + direct + delegated)
    return Decision(call, True, "allowed", granted)
