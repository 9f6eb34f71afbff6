"""Refusing an approved package Bedrock cannot import, before any Bedrock call.

Runs inside the import workflow's state machine (import_workflow.py), built in its scope. The
package's customer metadata names the architecture and method its registration recorded; the
supported ones come from the serving catalog (pipelines/serving/catalog.py).
"""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

# Customer metadata keys the registration writes (the import's own: import_retirement.py).
from deployment.contract import ARCHITECTURE_KEY, METHOD_KEY
from infra.constructs.workflow_steps import notify
from pipelines.serving.catalog import IMPORT_ARCHITECTURES, NOT_IMPORTABLE_METHODS

C = sfn.Condition


def importable() -> sfn.Condition:
    """The package's metadata names a supported architecture and an importable method."""
    return C.and_(
        C.is_present(f"$.package.metadata.{ARCHITECTURE_KEY}"),
        C.is_present(f"$.package.metadata.{METHOD_KEY}"),
        C.or_(
            *(
                C.string_equals(f"$.package.metadata.{ARCHITECTURE_KEY}", a)
                for a in IMPORT_ARCHITECTURES
            )
        ),
        *(
            C.not_(C.string_equals(f"$.package.metadata.{METHOD_KEY}", m))
            for m in NOT_IMPORTABLE_METHODS
        ),
    )


def refusal(scope: Construct, topic: sns.ITopic) -> sfn.Pass:
    """Refuse what cannot be imported, before any Bedrock call, and say why (notify, fail)."""
    supported = ", ".join(IMPORT_ARCHITECTURES)
    not_importable = sfn.Pass(
        scope,
        "NotImportable",
        state_name="Not importable",
        parameters={
            # JsonToString: the metadata may lack the keys (a package registered elsewhere).
            "reason.$": "States.Format('Model package {} cannot be imported into Bedrock: "
            f"its architecture and method ({{}}) must be one of {supported} and not "
            f"{', '.join(NOT_IMPORTABLE_METHODS)}.', $.package.arn, "
            "States.JsonToString($.package.metadata))"
        },
        result_path="$.refusal",
    )
    refused = sfn.Fail(
        scope,
        "Refused",
        state_name="Architecture not supported",
        error="UnsupportedArchitecture",
        cause_path="$.refusal.reason",
    )
    not_importable.next(
        notify(
            scope,
            "Notify not importable",
            topic,
            "Approved model cannot be imported into Bedrock",
        )
    ).next(refused)
    return not_importable
