"""A deployed stage as the services see it: its settings, its region, its stacks' outputs.

Every command that talks to AWS builds one `Deployment` (`Deployment.of(settings, region)`)
and hands it to a service; the service asks it for clients and for stack outputs. Each stack
is described at most once per `Deployment` (the first time one of its outputs is needed, so an
output the user passed explicitly costs no call), always in the deployment's region, and a
missing stack or output is one `DeploymentOutputError` naming the stack, the output, the region
and what to do. Output keys and stack names come from deployment/contract.py.

DescribeStacks: AWS CloudFormation API Reference,
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
(a stack that does not exist is a `ValidationError` "Stack with id NAME does not exist").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError, NoRegionError

from deployment.contract import StackKind, stack_name
from deployment.settings import Settings

__all__ = [
    "Deployment",
    "DeploymentOutputError",
    "StackOutputs",
    "default_region",
    "regional_client",
]

NO_REGION = "no AWS region: pass --region or set AWS_REGION"
_STACK_ARN = re.compile(r"arn:(?P<partition>aws[a-z-]*):cloudformation:(?P<region>[a-z0-9-]+):"
                        r"(?P<account>\d{12}):stack/.+")  # fmt: skip


class DeploymentOutputError(ValueError):
    """The stage lacks a stack or output a command needs in this region (exit 2: the user picks
    the stage, the region, or passes the value explicitly)."""


@dataclass(frozen=True)
class StackOutputs:
    """One described stack: its name, its ARN and its outputs (OutputKey -> OutputValue)."""

    name: str
    stack_id: str
    values: Mapping[str, str]

    def pseudo_parameters(self) -> dict[str, str]:
        """AWS::Partition/Region/AccountId: the stack's ARN names where it was deployed."""
        arn = _STACK_ARN.fullmatch(self.stack_id)
        if not arn:
            return {}
        return {
            "AWS::Partition": arn["partition"],
            "AWS::Region": arn["region"],
            "AWS::AccountId": arn["account"],
        }


def default_region(region: str | None = None) -> str:
    """`region`, else the command's session's (aws_patience installs it with AWS_DEFAULT_REGION or
    AWS_REGION), else boto3's chain (the profile's region)."""
    session = boto3.DEFAULT_SESSION or boto3.session.Session()
    found = region or session.region_name
    if not found:
        raise DeploymentOutputError(NO_REGION)
    return found


def regional_client(service: str, region: str | None = None) -> Any:
    """The one way `fmops` makes a boto3 client: in `region` (else boto3's default region),
    from boto3's default session so it carries aws_patience's timeouts and retry deadline.

    Commands make their clients before building a definition: the offline builder defaults
    AWS_DEFAULT_REGION, which must not silently pick the region for real calls.
    """
    try:
        return boto3.client(service, region_name=default_region(region))
    except NoRegionError:  # pragma: no cover - default_region raised first
        raise DeploymentOutputError(NO_REGION) from None


@dataclass(frozen=True, eq=False)
class Deployment:
    """A stage's settings plus its deployed stacks in one region."""

    settings: Settings
    region: str
    # A stack name the user gave instead of the contract's (`fmops pipeline upsert --stack`).
    stack_names: Mapping[StackKind, str] = field(default_factory=dict)
    _described: dict[str, StackOutputs] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        settings: Settings,
        region: str | None = None,
        stack_names: Mapping[StackKind, str] | None = None,
    ) -> Deployment:
        """The deployment in `region` (else boto3's default region); nothing is read yet."""
        return cls(settings, default_region(region), dict(stack_names or {}))

    def client(self, service: str) -> Any:
        return regional_client(service, self.region)

    def stack_name(self, kind: StackKind) -> str:
        return self.stack_names.get(kind) or stack_name(self.settings, kind)

    def stack(self, kind: StackKind) -> StackOutputs:
        """The stack's outputs, described on first use and kept."""
        name = self.stack_name(kind)
        if name not in self._described:
            self._described[name] = self._describe(name)
        return self._described[name]

    def _describe(self, name: str) -> StackOutputs:
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") != "ValidationError" or "does not exist" not in str(
                error.get("Message", "")
            ):
                raise  # AccessDenied, throttling...: AWS failed, exit 1 with its own line
            raise DeploymentOutputError(
                f"stack {name}: not deployed in {self.region}; deploy it (`cdk deploy {name}`) "
                "or pass the right --stage/--region"
            ) from None
        stack = stacks[0]
        values = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return StackOutputs(name, stack.get("StackId", ""), values)

    def output(self, kind: StackKind, key: str, instead: str | None = None) -> str:
        """One output; a missing one names the stack, the region and what to do.

        `instead` names the option that supplies the value without the stack (e.g. `--bucket`).
        """
        found = self.stack(kind)
        if key not in found.values:
            hint = f"; or pass {instead}" if instead else ""
            raise DeploymentOutputError(
                f"stack {found.name} ({self.region}) has no output {key}: redeploy it with the "
                f"current settings{hint}"
            )
        return found.values[key]

    def output_or(self, value: str | None, kind: StackKind, key: str, instead: str) -> str:
        """`value` when the user gave it (no call), else the stack output."""
        return value if value else self.output(kind, key, instead)
