"""Every policy of one deployment unit (an app's or a stage's stacks), indexed for evaluation:
identity policies (inline, customer managed, the AWS managed ones the templates attach),
permission boundaries, resource policies (bucket, key, topic, queue, secret, Lambda permission,
model package group) and VPC endpoint policies."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from infra.runtime_contract.conditions import ConditionValue
from infra.runtime_contract.templates import Assembly, StackTemplate

# AWS managed policies the templates attach, as AWS publishes them ("AWS managed policy
# reference": https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html).
# Any other AWS managed policy is unknown here and grants nothing, so a call that needs it fails.
AWS_MANAGED: dict[str, list[dict[str, Any]]] = {
    "service-role/AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ]
}


def _list(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list | tuple) else (value,)


@dataclass(frozen=True)
class Statement:
    origin: str  # "<stack>/<LogicalId>:<Sid or index>"
    kind: str  # identity | boundary | resource | endpoint
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[str, ...] | None = None  # "*", ARNs, service names; None: identity
    conditions: dict[str, dict[str, ConditionValue]] = field(default_factory=dict, hash=False)

    def covers_action(self, action: str) -> bool:
        if self.not_actions:
            return not any(_glob(a, action, case=False) for a in self.not_actions)
        return any(_glob(a, action, case=False) for a in self.actions)

    def covers_resource(self, resource: str) -> bool:
        if self.not_resources:
            return not any(_glob(r, resource) for r in self.not_resources)
        return any(_glob(r, resource) for r in self.resources)


def _glob(pattern: str, value: str, case: bool = True) -> bool:
    pattern = pattern.replace("[", "[[]")
    if not case:
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())
    return fnmatch.fnmatchcase(value, pattern)


def statements(document: dict[str, Any], origin: str, kind: str) -> list[Statement]:
    found = []
    for index, raw in enumerate(_list(document.get("Statement"))):
        principals: tuple[str, ...] | None = None
        if "Principal" in raw:
            principal = raw["Principal"]
            if principal == "*":
                principals = ("*",)
            else:
                principals = tuple(str(v) for vals in principal.values() for v in _list(vals))
        found.append(
            Statement(
                origin=f"{origin}:{raw.get('Sid', index)}",
                kind=kind,
                effect=raw["Effect"],
                actions=tuple(str(a) for a in _list(raw.get("Action"))),
                not_actions=tuple(str(a) for a in _list(raw.get("NotAction"))),
                resources=tuple(str(r) for r in _list(raw.get("Resource", "*"))),
                not_resources=tuple(str(r) for r in _list(raw.get("NotResource"))),
                principals=principals,
                conditions=raw.get("Condition", {}),
            )
        )
    return found


@dataclass
class Role:
    arn: str
    stack: str
    logical_id: str
    identity: list[Statement] = field(default_factory=list)
    boundary_arn: str | None = None
    unknown_managed: list[str] = field(default_factory=list)


@dataclass
class ResourcePolicy:
    scope: tuple[str, ...]  # ARN prefixes the policy governs (a bucket and its objects, a key)
    statements: list[Statement]

    def governs(self, resource: str) -> bool:
        return any(resource == s or resource.startswith(s + "/") for s in self.scope)


@dataclass
class Endpoint:
    service: str  # "s3", "kms", "logs", ...
    origin: str
    statements: list[Statement] | None  # None: the default policy (full access)


@dataclass
class PolicyIndex:
    unit: Assembly
    roles: dict[str, Role] = field(default_factory=dict)
    managed: dict[str, list[Statement]] = field(default_factory=dict)
    resource_policies: list[ResourcePolicy] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)

    @classmethod
    def build(cls, unit: Assembly) -> PolicyIndex:
        index = cls(unit)
        for stack in unit.stacks.values():
            index._roles(stack)
        for stack in unit.stacks.values():
            index._managed(stack)
            index._inline(stack)
            index._resource_policies(stack)
            index._endpoints(stack)
        for role in index.roles.values():
            index._attach_managed(role)
        return index

    def role_by_logical_id(self, stack: str, logical_id: str) -> Role:
        for role in self.roles.values():
            if role.stack == stack and role.logical_id == logical_id:
                return role
        raise KeyError(f"{stack}/{logical_id}: not a role")

    def _roles(self, stack: StackTemplate) -> None:
        for lid, resource in stack.of_type("AWS::IAM::Role"):
            props = resource.get("Properties", {})
            arn = stack.resolve({"Fn::GetAtt": [lid, "Arn"]})
            role = Role(arn=arn, stack=stack.name, logical_id=lid)
            role.boundary_arn = stack.resolve(props.get("PermissionsBoundary"))
            for i, policy in enumerate(props.get("Policies", [])):
                role.identity += statements(
                    stack.resolve(policy["PolicyDocument"]),
                    f"{stack.name}/{lid}/inline{i}",
                    "identity",
                )
            role._managed_arns = [stack.resolve(a) for a in props.get("ManagedPolicyArns", [])]  # type: ignore[attr-defined]
            self.roles[arn] = role

    def _role_arns(self, stack: StackTemplate, names: list[Any]) -> list[str]:
        arns = []
        for name in stack.resolve(names):
            matches = [r.arn for r in self.roles.values() if r.arn.endswith(f":role/{name}")]
            arns += matches
        return arns

    def _managed(self, stack: StackTemplate) -> None:
        for lid, resource in stack.of_type("AWS::IAM::ManagedPolicy"):
            props = resource["Properties"]
            arn = stack.resolve({"Ref": lid})
            found = statements(
                stack.resolve(props["PolicyDocument"]), f"{stack.name}/{lid}", "identity"
            )
            self.managed[arn] = found
            for role_arn in self._role_arns(stack, props.get("Roles", [])):
                self.roles[role_arn].identity += found

    def _inline(self, stack: StackTemplate) -> None:
        for lid, resource in stack.of_type("AWS::IAM::Policy"):
            props = resource["Properties"]
            found = statements(
                stack.resolve(props["PolicyDocument"]), f"{stack.name}/{lid}", "identity"
            )
            for role_arn in self._role_arns(stack, props.get("Roles", [])):
                self.roles[role_arn].identity += found

    def _attach_managed(self, role: Role) -> None:
        for arn in getattr(role, "_managed_arns", []):
            if arn in self.managed:
                role.identity += self.managed[arn]
                continue
            name = re.sub(r"^arn:[^:]+:iam::aws:policy/", "", arn)
            if name in AWS_MANAGED:
                role.identity += statements(
                    {"Statement": AWS_MANAGED[name]}, f"aws-managed/{name}", "identity"
                )
            else:
                role.unknown_managed.append(arn)

    def _resource_policies(self, stack: StackTemplate) -> None:
        def add(scope: list[str], document: Any, origin: str) -> None:
            self.resource_policies.append(
                ResourcePolicy(
                    tuple(scope), statements(stack.resolve(document), origin, "resource")
                )
            )

        for lid, r in stack.of_type("AWS::S3::BucketPolicy"):
            bucket = stack.resolve(r["Properties"]["Bucket"])
            add(
                [f"arn:aws:s3:::{bucket}"], r["Properties"]["PolicyDocument"], f"{stack.name}/{lid}"
            )
        for lid, r in stack.of_type("AWS::KMS::Key"):
            arn = stack.resolve({"Fn::GetAtt": [lid, "Arn"]})
            add([arn], r["Properties"]["KeyPolicy"], f"{stack.name}/{lid}")
        for lid, r in stack.of_type("AWS::SNS::TopicPolicy"):
            add(
                stack.resolve(r["Properties"]["Topics"]),
                r["Properties"]["PolicyDocument"],
                f"{stack.name}/{lid}",
            )
        for lid, r in stack.of_type("AWS::SQS::QueuePolicy"):
            urls = stack.resolve(r["Properties"]["Queues"])
            arns = [
                f"arn:aws:sqs:{stack.region}:{stack.account}:{u.rsplit('/', 1)[-1]}" for u in urls
            ]
            add(arns, r["Properties"]["PolicyDocument"], f"{stack.name}/{lid}")
        for lid, r in stack.of_type("AWS::SecretsManager::ResourcePolicy"):
            add(
                [stack.resolve(r["Properties"]["SecretId"])],
                r["Properties"]["ResourcePolicy"],
                f"{stack.name}/{lid}",
            )
        for lid, r in stack.of_type("AWS::SageMaker::ModelPackageGroup"):
            document = r["Properties"].get("ModelPackageGroupPolicy")
            if document:
                group = stack.resolve({"Fn::GetAtt": [lid, "ModelPackageGroupArn"]})
                package = group.replace(":model-package-group/", ":model-package/")
                add([group, package], document, f"{stack.name}/{lid}")
        for lid, r in stack.of_type("AWS::Lambda::Permission"):
            self.resource_policies.append(_lambda_permission(stack, lid, r["Properties"]))

    def _endpoints(self, stack: StackTemplate) -> None:
        for lid, r in stack.of_type("AWS::EC2::VPCEndpoint"):
            props = r["Properties"]
            service = stack.resolve(props["ServiceName"]).split(f".{stack.region}.", 1)[-1]
            document = props.get("PolicyDocument")
            found = None
            if document:
                found = statements(stack.resolve(document), f"{stack.name}/{lid}", "endpoint")
            self.endpoints.append(Endpoint(service, f"{stack.name}/{lid}", found))


def _lambda_permission(stack: StackTemplate, lid: str, props: dict[str, Any]) -> ResourcePolicy:
    """A Lambda permission as the statement Lambda adds to the function's policy."""
    function = stack.resolve(props["FunctionName"])
    if not function.startswith("arn:"):
        function = f"arn:aws:lambda:{stack.region}:{stack.account}:function:{function}"
    conditions: dict[str, dict[str, ConditionValue]] = {}
    if "SourceArn" in props:
        conditions["ArnLike"] = {"aws:SourceArn": stack.resolve(props["SourceArn"])}
    if "SourceAccount" in props:
        conditions["StringEquals"] = {"aws:SourceAccount": stack.resolve(props["SourceAccount"])}
    statement = Statement(
        origin=f"{stack.name}/{lid}",
        kind="resource",
        effect="Allow",
        actions=(stack.resolve(props["Action"]),),
        resources=(function,),
        principals=(stack.resolve(props["Principal"]),),
        conditions=conditions,
    )
    return ResourcePolicy((function,), [statement])


def without(index: PolicyIndex, origin: str) -> PolicyIndex:
    """The same policies less one statement: what the account would hold had it been dropped."""

    def keep(found: list[Statement]) -> list[Statement]:
        return [s for s in found if s.origin != origin]

    roles = {
        arn: Role(r.arn, r.stack, r.logical_id, keep(r.identity), r.boundary_arn, r.unknown_managed)
        for arn, r in index.roles.items()
    }
    return PolicyIndex(
        unit=index.unit,
        roles=roles,
        managed={arn: keep(found) for arn, found in index.managed.items()},
        resource_policies=[
            ResourcePolicy(p.scope, keep(p.statements)) for p in index.resource_policies
        ],
        endpoints=[
            Endpoint(e.service, e.origin, None if e.statements is None else keep(e.statements))
            for e in index.endpoints
        ],
    )
