"""Retiring Bedrock imports: a group's older imports after a new one, a rejected package's own.

Both run inside the import workflow's state machine (import_workflow.py), built in its scope.
The keys are the package customer metadata the import records and a rejection removes.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.constructs.workflow_steps import notify

IMPORTED_MODEL_KEY, IMPORT_JOB_KEY = "bedrock_imported_model_arn", "bedrock_import_job_arn"
C = sfn.Condition
# The workflow's `sdk(state name, service, action, parameters, IAM resources, **task options)`.
Sdk = Callable[..., tasks.CallAwsService]


def retire_older(
    scope: Construct, sdk: Sdk, group: str, imported_models: str, then: sfn.IChainable
) -> sfn.IChainable:
    """Delete this group's other imported models (named `<name>-v<version>`)."""
    listed = sdk(
        "List group imports",
        "bedrock",
        "listImportedModels",
        {"NameContains": f"{group}-v", "MaxResults": 100},
        ["*"],
        result_selector={"models.$": "$.ModelSummaries"},
        result_path="$.previous",
    )
    delete = sdk(
        "Delete older import",
        "bedrock",
        "deleteImportedModel",
        {"ModelIdentifier.$": "$.modelArn"},
        [imported_models],
        result_path=sfn.JsonPath.DISCARD,
    )
    keep = sfn.Pass(scope, "Keep", state_name="Keep the new import")
    each = sfn.Map(
        scope,
        "RetireEach",
        state_name="Retire older imports",
        items_path="$.previous.models",
        item_selector={
            "modelArn.$": "$$.Map.Item.Value.ModelArn",
            "keep.$": "$.job.ImportedModelArn",
        },
        max_concurrency=1,
        result_path=sfn.JsonPath.DISCARD,
    )
    each.item_processor(
        sfn.Choice(scope, "IsNew", state_name="The new import?")
        .when(C.string_equals_json_path("$.modelArn", "$.keep"), keep)
        .otherwise(delete)
    )
    listed.next(each)
    each.next(then)
    return listed


def retire_rejected(
    scope: Construct, sdk: Sdk, packages: str, imported_models: str, topic: sns.ITopic
) -> sfn.IChainable:
    """A rejected package loses its imported model and the ARN recorded for it."""
    delete = sdk(
        "Delete rejected import",
        "bedrock",
        "deleteImportedModel",
        {"ModelIdentifier.$": f"$.package.metadata.{IMPORTED_MODEL_KEY}"},
        [imported_models],
        result_path=sfn.JsonPath.DISCARD,
    )
    forget = sdk(
        "Forget rejected import",
        "sagemaker",
        "updateModelPackage",
        {
            "ModelPackageArn.$": "$.package.arn",
            "CustomerMetadataPropertiesToRemove": [IMPORTED_MODEL_KEY, IMPORT_JOB_KEY],
        },
        [packages],
        result_path=sfn.JsonPath.DISCARD,
    )
    retired = notify(scope, "Notify retired", topic, "Rejected model's Bedrock import deleted")
    delete.next(forget).next(retired).next(sfn.Succeed(scope, "Retired", state_name="Retired"))
    return delete
