"""A synthesized cloud assembly with CloudFormation intrinsics resolved to concrete strings.

Physical names CloudFormation generates at deploy time are stood in for by names derived from
the logical id (stable, unique per stack), so an ARN built by `Fn::GetAtt` in one stack and by
`Fn::ImportValue` / `Fn::Join` in another resolve to the same string, as they would in an account.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Environment-agnostic stacks deploy wherever the CLI points; evaluate them in one placeholder
# account and region (the delivery configuration pins real ones).
AGNOSTIC_ACCOUNT = "123456789012"
AGNOSTIC_REGION = "us-east-1"


class UnresolvedIntrinsic(Exception):
    """An intrinsic the resolver does not know: widen the resolver, never guess."""


@dataclass
class StackTemplate:
    name: str
    account: str
    region: str
    template: dict[str, Any]
    assembly: Assembly = field(repr=False)
    partition: str = "aws"

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})

    def of_type(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        return [(lid, r) for lid, r in self.resources.items() if r["Type"] in types]

    def resolve(self, value: Any) -> Any:
        return _Resolver(self).value(value)

    def props(self, logical_id: str) -> dict[str, Any]:
        return self.resources[logical_id].get("Properties", {})


@dataclass
class Assembly:
    """Every stack template of a synthesized app, nested stage assemblies included."""

    stacks: dict[str, StackTemplate] = field(default_factory=dict)
    directory: Path | None = None  # the assembly directory (asset manifests live there)

    @classmethod
    def units(cls, outdir: Path) -> dict[str, Assembly]:
        """The app's own stacks ("app") and each nested stage (a delivery pipeline's dev and
        prod, deployed to their own accounts), each resolved on its own: a stage's exports are
        its own stacks', like the app's."""
        found: dict[str, Assembly] = {}
        pending = [("app", outdir)]
        while pending:
            name, directory = pending.pop()
            assembly = cls(directory=directory)
            found[name] = assembly
            for nested in assembly._load_dir(directory):
                pending.append((nested.name, nested))
        return {name: a for name, a in found.items() if a.stacks}

    def _load_dir(self, directory: Path) -> list[Path]:
        """Load the stacks of one assembly directory; return its nested assembly directories."""
        nested: list[Path] = []
        manifest = json.loads((directory / "manifest.json").read_text())
        for artifact_id, artifact in manifest.get("artifacts", {}).items():
            if artifact["type"] == "cdk:cloud-assembly":
                nested.append(directory / artifact["properties"]["directoryName"])
            elif artifact["type"] == "aws:cloudformation:stack":
                _, _, env = artifact["environment"].partition("aws://")
                account, _, region = env.partition("/")
                template = json.loads(
                    (directory / artifact["properties"]["templateFile"]).read_text()
                )
                name = artifact["properties"].get("stackName", artifact_id)
                self.stacks[name] = StackTemplate(
                    name=name,
                    account=AGNOSTIC_ACCOUNT if account == "unknown-account" else account,
                    region=AGNOSTIC_REGION if region == "unknown-region" else region,
                    template=template,
                    assembly=self,
                )
        return nested

    def export(self, name: str) -> Any:
        for stack in self.stacks.values():
            for output in stack.template.get("Outputs", {}).values():
                export = output.get("Export")
                if export and stack.resolve(export["Name"]) == name:
                    return stack.resolve(output["Value"])
        raise UnresolvedIntrinsic(f"Fn::ImportValue {name!r}: no stack exports it")

    def resources(self, *types: str) -> list[tuple[StackTemplate, str, dict[str, Any]]]:
        return [
            (stack, lid, resource)
            for stack in self.stacks.values()
            for lid, resource in stack.of_type(*types)
        ]


def physical_name(stack: StackTemplate, logical_id: str) -> str:
    """CloudFormation's generated name, stood in for by stack and logical id."""
    return f"{stack.name}-{logical_id}".lower()[:63]


# Type -> (name property, how Ref reads, ARN template). {n}: name, {p} partition, {r} region,
# {a} account. Ref kinds: "name", "arn", "id".
_TYPES: dict[str, tuple[str | None, str, str]] = {
    "AWS::S3::Bucket": ("BucketName", "name", "arn:{p}:s3:::{n}"),
    "AWS::IAM::Role": ("RoleName", "name", "arn:{p}:iam::{a}:role/{n}"),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "arn", "arn:{p}:iam::{a}:policy/{n}"),
    "AWS::KMS::Key": (None, "name", "arn:{p}:kms:{r}:{a}:key/{n}"),
    "AWS::SNS::Topic": ("TopicName", "arn", "arn:{p}:sns:{r}:{a}:{n}"),
    "AWS::SQS::Queue": ("QueueName", "name", "arn:{p}:sqs:{r}:{a}:{n}"),
    "AWS::Lambda::Function": ("FunctionName", "name", "arn:{p}:lambda:{r}:{a}:function:{n}"),
    "AWS::Logs::LogGroup": ("LogGroupName", "name", "arn:{p}:logs:{r}:{a}:log-group:{n}:*"),
    "AWS::StepFunctions::StateMachine": (
        "StateMachineName",
        "arn",
        "arn:{p}:states:{r}:{a}:stateMachine:{n}",
    ),
    "AWS::SecretsManager::Secret": (
        "Name",
        "arn",
        "arn:{p}:secretsmanager:{r}:{a}:secret:{n}-AbCdEf",
    ),
    "AWS::SageMaker::ModelPackageGroup": (
        "ModelPackageGroupName",
        "name",
        "arn:{p}:sagemaker:{r}:{a}:model-package-group/{n}",
    ),
    "AWS::SageMaker::Pipeline": ("PipelineName", "name", "arn:{p}:sagemaker:{r}:{a}:pipeline/{n}"),
    "AWS::SageMaker::MlflowTrackingServer": (
        "TrackingServerName",
        "name",
        "arn:{p}:sagemaker:{r}:{a}:mlflow-tracking-server/{n}",
    ),
    "AWS::Events::Rule": ("Name", "name", "arn:{p}:events:{r}:{a}:rule/{n}"),
    "AWS::Bedrock::Guardrail": ("Name", "arn", "arn:{p}:bedrock:{r}:{a}:guardrail/{n}"),
    "AWS::Bedrock::KnowledgeBase": (None, "id", "arn:{p}:bedrock:{r}:{a}:knowledge-base/{n}"),
    "AWS::SageMaker::Workteam": (
        "WorkteamName",
        "arn",
        "arn:{p}:sagemaker:{r}:{a}:workteam/private-crowd/{n}",
    ),
    "AWS::Cognito::UserPool": ("UserPoolName", "id", "arn:{p}:cognito-idp:{r}:{a}:userpool/{n}"),
    "AWS::CodeBuild::Project": ("Name", "name", "arn:{p}:codebuild:{r}:{a}:project/{n}"),
    "AWS::CodePipeline::Pipeline": ("Name", "name", "arn:{p}:codepipeline:{r}:{a}:{n}"),
    "AWS::S3Vectors::VectorBucket": (
        "VectorBucketName",
        "arn",
        "arn:{p}:s3vectors:{r}:{a}:bucket/{n}",
    ),
    # {b}: the index's vector bucket name (from its VectorBucketArn/VectorBucketName).
    "AWS::S3Vectors::Index": ("IndexName", "arn", "arn:{p}:s3vectors:{r}:{a}:bucket/{b}/index/{n}"),
    "AWS::QBusiness::Application": (None, "id", "arn:{p}:qbusiness:{r}:{a}:application/{n}"),
    # {b}: the index's application id.
    "AWS::QBusiness::Index": (None, "id", "arn:{p}:qbusiness:{r}:{a}:application/{b}/index/{n}"),
    "AWS::EC2::VPC": (None, "id", "arn:{p}:ec2:{r}:{a}:vpc/{n}"),
    "AWS::EC2::Subnet": (None, "id", "arn:{p}:ec2:{r}:{a}:subnet/{n}"),
    "AWS::EC2::SecurityGroup": (None, "id", "arn:{p}:ec2:{r}:{a}:security-group/{n}"),
    "AWS::EC2::VPCEndpoint": (None, "id", "arn:{p}:ec2:{r}:{a}:vpc-endpoint/{n}"),
}
_ID_PREFIX = {
    "AWS::EC2::VPC": "vpc-",
    "AWS::EC2::Subnet": "subnet-",
    "AWS::EC2::SecurityGroup": "sg-",
    "AWS::EC2::VPCEndpoint": "vpce-",
}


@dataclass
class _Resolver:
    stack: StackTemplate

    def _fmt(self, template: str, name: str, parent: str = "") -> str:
        s = self.stack
        return template.format(p=s.partition, r=s.region, a=s.account, n=name, b=parent)

    def _parent(self, logical_id: str) -> str:
        """A child resource's parent name in its ARN (vector bucket, Q Business application)."""
        props = self.stack.resources[logical_id].get("Properties", {})
        if "VectorBucketArn" in props:
            return str(self.value(props["VectorBucketArn"])).rsplit("/", 1)[-1]
        if "VectorBucketName" in props:
            return str(self.value(props["VectorBucketName"]))
        if "ApplicationId" in props:
            return str(self.value(props["ApplicationId"]))
        return ""

    def _name(self, logical_id: str) -> str:
        resource = self.stack.resources[logical_id]
        name_prop = _TYPES.get(resource["Type"], (None, "", ""))[0]
        if name_prop and name_prop in resource.get("Properties", {}):
            return str(self.value(resource["Properties"][name_prop]))
        return _ID_PREFIX.get(resource["Type"], "") + physical_name(self.stack, logical_id)

    def arn(self, logical_id: str) -> str:
        kind = self.stack.resources[logical_id]["Type"]
        if kind not in _TYPES:
            raise UnresolvedIntrinsic(f"{self.stack.name}/{logical_id}: no ARN form for {kind}")
        return self._fmt(_TYPES[kind][2], self._name(logical_id), self._parent(logical_id))

    def ref(self, name: str) -> Any:
        s = self.stack
        pseudo = {
            "AWS::AccountId": s.account,
            "AWS::Region": s.region,
            "AWS::Partition": s.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": s.name,
            "AWS::NoValue": None,
            # The UUID part differs per stack (names made unique with it must not match
            # another stack's).
            "AWS::StackId": (
                f"arn:{s.partition}:cloudformation:{s.region}:{s.account}:stack/{s.name}/"
                f"uuid-of-{s.name}"
            ),
        }
        if name in pseudo:
            return pseudo[name]
        if name in s.template.get("Parameters", {}):
            return s.template["Parameters"][name].get("Default", f"{{param:{name}}}")
        resource = s.resources.get(name)
        if resource is None:
            raise UnresolvedIntrinsic(f"{s.name}: Ref {name!r} names nothing")
        kind = resource["Type"]
        how = _TYPES.get(kind, (None, "name", ""))[1]
        if how == "arn":
            return self.arn(name)
        if kind == "AWS::IAM::Role" or kind in _TYPES:
            return self._name(name)
        return physical_name(s, name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self.stack.resources.get(logical_id)
        if resource is None:
            raise UnresolvedIntrinsic(f"{self.stack.name}: GetAtt {logical_id!r} names nothing")
        kind = resource["Type"]
        if (
            attribute
            in (
                "Arn",
                "TopicArn",
                "StateMachineArn",
                "GuardrailArn",
                "WorkteamArn",
                "ModelPackageGroupArn",
                "KnowledgeBaseArn",
                "PipelineArn",
                "TrackingServerArn",
                "VectorBucketArn",
                "IndexArn",
                "ApplicationArn",
            )
            and kind in _TYPES
        ):
            return self.arn(logical_id)
        if attribute in (
            "GroupId",
            "VpcId",
            "KnowledgeBaseId",
            "GuardrailId",
            "UserPoolId",
            "ApplicationId",
            "IndexId",
            "DataSourceId",
        ):
            return self.ref(logical_id)
        if attribute == "RoleId":
            return f"AROA{physical_name(self.stack, logical_id).upper()}"
        if attribute == "Version":
            return "1"
        return f"{physical_name(self.stack, logical_id)}.{attribute}"

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.value(variables[name]))
            if "." in name:
                logical_id, _, attribute = name.partition(".")
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(p) for p in self.value(parts) if p is not None)
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                return self._sub(text, variables)
            if key == "Fn::ImportValue":
                return self.stack.assembly.export(self.value(arg))
            if key == "Fn::Select":
                index, items = self.value(arg)
                return items[int(index)]
            if key == "Fn::Split":
                separator, text = self.value(arg)
                return text.split(separator)
            if key == "Fn::GetAZs":
                return [f"{self.stack.region}{z}" for z in "abc"]
            if key == "Fn::If":
                return self.value(arg[1] if self._condition(arg[0]) else arg[2])
            if key == "Fn::Base64":
                return self.value(arg)
            if key.startswith("Fn::"):
                raise UnresolvedIntrinsic(f"{self.stack.name}: {key} is not resolved")
        return {k: self.value(v) for k, v in node.items()}

    def _condition(self, name: str) -> bool:
        return bool(self._test(self.stack.template.get("Conditions", {})[name]))

    def _test(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Fn::Equals":
                left, right = (self._test(a) for a in arg)
                return left == right
            if key == "Fn::Not":
                return not self._test(arg[0])
            if key == "Fn::And":
                return all(self._test(a) for a in arg)
            if key == "Fn::Or":
                return any(self._test(a) for a in arg)
            if key == "Condition":
                return self._condition(arg)
        return self.value(node)
