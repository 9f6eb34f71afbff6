"""cdk-nag rule packs for the app, and the one way this project acknowledges a finding.

cdk-nag 3 runs as a CDK validation plugin: unacknowledged errors make `app.synth()` raise after
the templates are written. Every acknowledgement names its rule and a reason a reviewer would
accept; `acknowledge` refuses an empty or token reason.
"""

from __future__ import annotations

import aws_cdk as cdk
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


def apply_nag_packs(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(*nag_packs(app))


def acknowledge(scope: IConstruct, rule_ids: str | list[str], reason: str) -> None:
    """Suppress findings on `scope` (and its children) with a written reason."""
    if len(reason.split()) < 5:
        raise ValueError(f"nag acknowledgement of {rule_ids}: give a reason a reviewer can judge")
    ids = [rule_ids] if isinstance(rule_ids, str) else rule_ids
    cdk.Validations.of(scope).acknowledge(
        *(cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id in ids)
    )


WILDCARD_METADATA = "fmops:justified-wildcards"
WILDCARD_RULE = "AwsSolutions-IAM5["


def justify_wildcards(scope: IConstruct, patterns: list[str], reason: str) -> None:
    """Declare which IAM wildcards under `scope` are intended, and why.

    cdk-nag 3 acknowledges IAM5 findings only by their full id (`AwsSolutions-IAM5[Resource::
    arn:...:training-job/*]`), which embeds synthesized tokens. We declare the intent here
    (substrings of the finding ids, e.g. "training-job/*", "Resource::*") and
    `acknowledge_justified_wildcards` turns each matching finding into an exact acknowledgement.
    A wildcard nobody declared still fails the nag gate.
    """
    if len(reason.split()) < 5:
        raise ValueError("justify_wildcards: give a reason a reviewer can judge")
    scope.node.add_metadata(WILDCARD_METADATA, {"patterns": patterns, "reason": reason})


def _wildcard_justification(construct: IConstruct, finding: str) -> str | None:
    current: IConstruct | None = construct
    while current is not None:
        for entry in current.node.metadata:
            data = entry.data
            if entry.type == WILDCARD_METADATA and any(p in finding for p in data["patterns"]):
                return str(data["reason"])
        current = current.node.scope
    return None


def acknowledge_justified_wildcards(app: cdk.App) -> None:
    """Acknowledge exactly the IAM5 findings that a `justify_wildcards` call covers."""
    report = AwsSolutionsChecks().validate_scope(app)
    for violation in report.violations:
        if not violation.rule_name.startswith(WILDCARD_RULE):
            continue
        for resource in violation.violating_resources:
            first, *rest = (resource.construct_path or "").split("/")
            construct = app.node.find_child(first)
            for part in rest:
                construct = construct.node.find_child(part)
            reason = _wildcard_justification(construct, violation.rule_name)
            if reason:
                acknowledge(construct, violation.rule_name, reason)
