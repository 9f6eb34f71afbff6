"""Deployed stacks for service tests: a moto CloudFormation stack carrying the outputs a stage's
stack would publish (moto models few resource types; an SNS topic is enough to hold Outputs)."""

from __future__ import annotations

import json

import boto3

from deployment.contract import StackKind, stack_name
from deployment.settings import Settings


def deploy_outputs(
    settings: Settings, kind: StackKind, outputs: dict[str, str], region: str = "us-east-1"
) -> str:
    """Create the stage's `kind` stack in moto with these outputs; returns its name."""
    name = stack_name(settings, kind)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )
    return name
