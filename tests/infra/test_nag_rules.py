"""How findings are acknowledged: per resource, wildcards by exact (actions, resource) pairs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from infra.nag import (
    acknowledge,
    acknowledge_justified_wildcards,
    justify_wildcards,
    nag_findings,
    nag_packs,
)

PACKS = ["AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"]


def _policy_app(actions: list[str], resource: str) -> tuple[cdk.App, iam.ManagedPolicy]:
    app = cdk.App()
    stack = cdk.Stack(app, "Wildcards")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    policy = iam.ManagedPolicy(stack, "Policy", roles=[role])
    policy.add_statements(iam.PolicyStatement(actions=actions, resources=[resource]))
    return app, policy


def _iam5(app: cdk.App) -> list[str]:
    return [f for f in nag_findings(nag_packs()[0], app) if f.startswith("AwsSolutions-IAM5")]


REASON = "Objects under one prefix of one bucket, named at run time by the job."
OBJECTS = "arn:aws:s3:::bucket/prefix/*"


def test_declared_wildcard_is_acknowledged() -> None:
    app, policy = _policy_app(["s3:GetObject"], OBJECTS)
    justify_wildcards(policy, [("s3:GetObject", OBJECTS)], REASON)
    acknowledge_justified_wildcards(app)
    assert _iam5(app) == []


def test_new_action_on_a_justified_resource_fails_the_gate() -> None:
    app, policy = _policy_app(["s3:GetObject", "s3:DeleteObject"], OBJECTS)
    justify_wildcards(policy, [("s3:GetObject", OBJECTS)], REASON)
    acknowledge_justified_wildcards(app)
    assert _iam5(app) == [f"AwsSolutions-IAM5[Resource::{OBJECTS}] at Wildcards/Policy/Resource"]


def test_justified_action_on_another_resource_fails_the_gate() -> None:
    app, policy = _policy_app(["s3:GetObject"], "arn:aws:s3:::bucket/*")
    justify_wildcards(policy, [("s3:GetObject", OBJECTS)], REASON)
    acknowledge_justified_wildcards(app)
    assert len(_iam5(app)) == 1


def test_action_wildcard_needs_its_own_declaration() -> None:
    app, policy = _policy_app(["s3:GetObject*"], "arn:aws:s3:::bucket/key")
    justify_wildcards(policy, [("s3:GetObject", "arn:aws:s3:::bucket/key")], REASON)
    acknowledge_justified_wildcards(app)
    assert _iam5(app) == ["AwsSolutions-IAM5[Action::s3:GetObject*] at Wildcards/Policy/Resource"]


@pytest.mark.parametrize("action", ["*", "s3:*"])
def test_whole_service_grants_cannot_be_justified(action: str) -> None:
    _, policy = _policy_app(["s3:GetObject"], OBJECTS)
    with pytest.raises(ValueError, match="whole service"):
        justify_wildcards(policy, [(action, OBJECTS)], REASON)


def test_stack_wide_acknowledgement_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Everything")
    with pytest.raises(ValueError, match="not a stack"):
        acknowledge(stack, "HIPAA.Security-IAMNoInlinePolicy", "Every inline policy is fine here.")


ACKNOWLEDGED = "aws:cdk:acknowledged-rules"  # where cdk.Validations records acknowledgements


def _stack_wide(app: cdk.App) -> list[str]:
    """Stacks with a nag acknowledgement of their own. (aws-cdk-lib itself acknowledges
    CloudFormation-Validate::W3010 on stacks that list AZs; that is not a nag rule.)"""
    return [
        stack.node.path
        for stack in app.node.children
        if isinstance(stack, cdk.Stack)
        and any(
            rule.split("::")[-1].startswith(tuple(f"{pack}-" for pack in PACKS))
            for entry in stack.node.metadata
            if entry.type == ACKNOWLEDGED
            for rule in entry.data
        )
    ]


def test_no_stack_carries_an_acknowledgement(synthesized: Any, hardened: Any) -> None:
    assert _stack_wide(synthesized.app) == [] and _stack_wide(hardened.app) == []


def test_stack_wide_check_sees_a_stack_level_acknowledgement() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Acknowledged")
    cdk.Validations.of(stack).acknowledge(
        cdk.Acknowledgment(id="HIPAA.Security-IAMNoInlinePolicy", reason="any inline policy")
    )
    assert _stack_wide(app) == ["Acknowledged"]


@pytest.mark.parametrize("index", range(len(PACKS)), ids=PACKS)
def test_hardened_stage_has_no_unacknowledged_nag_findings(hardened: Any, index: int) -> None:
    assert nag_findings(nag_packs()[index], hardened.app) == []
