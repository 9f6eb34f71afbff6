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
