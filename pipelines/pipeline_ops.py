"""The boto3 calls behind `fmops pipeline`: clients come in as arguments (moto in tests).

Nothing here validates user input beyond ARN shapes (pipeline_parameters.py does that) and
nothing prints: the CLI decides how to show results and errors.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from deployment.contract import (
    ROLE_OUTPUT,
    VARIABLE_OUTPUT_PREFIX,
    model_package_group_name,
    pipeline_name,
)
from pipelines.deployment_outputs import Deployment
from pipelines.pipeline_parameters import (
    ParameterValue,
    PipelineInputError,
    resolve_placeholders,
)

if TYPE_CHECKING:
    # Stub-only packages (requirements-dev.txt): the images never import them.
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import (
        DescribePipelineExecutionResponseTypeDef,
        PipelineExecutionStepTypeDef,
        PipelineExecutionSummaryTypeDef,
        UpdateModelPackageInputTypeDef,
    )

__all__ = [
    "TERMINAL_STATUSES",
    "DeploymentError",
    "ModelPackage",
    "StartedRun",
    "approve_version",
    "check_execution_arn",
    "check_model_package_arn",
    "deployment_values",
    "describe_execution",
    "execution_steps",
    "latest_execution_arn",
    "list_executions",
    "list_model_packages",
    "resolve_placeholders",
    "set_approval",
    "stage_models",
    "stage_run_status",
    "stage_runs",
    "start_execution",
    "start_stage_run",
    "upsert_pipeline",
    "upsert_stage_pipeline",
    "wait_for_execution",
]


# PipelineExecutionStatus values that no longer change (SageMaker API Reference,
# DescribePipelineExecution, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribePipelineExecution.html).
TERMINAL_STATUSES = ("Succeeded", "Failed", "Stopped")

_MODEL_PACKAGE_ARN = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[A-Za-z0-9](-*[A-Za-z0-9]){0,62}/\d+"
)
_EXECUTION_ARN = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline/[A-Za-z0-9-]{1,256}/execution/[a-z0-9]+"
)


class DeploymentError(RuntimeError):
    """The deployed account does not hold what the command needs (exit 1, not bad input)."""


@dataclass(frozen=True)
class ModelPackage:
    arn: str
    version: int | None
    approval_status: str
    created: str
    model_quality_uri: str | None
    approval_description: str | None

    def as_dict(self) -> dict[str, str | int | None]:
        return asdict(self)


def check_model_package_arn(arn: str) -> str:
    if not _MODEL_PACKAGE_ARN.fullmatch(arn):
        raise PipelineInputError(
            f"model package ARN {arn!r}: expected "
            "arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/VERSION"
        )
    return arn


def check_execution_arn(arn: str) -> str:
    if not _EXECUTION_ARN.fullmatch(arn):
        raise PipelineInputError(
            f"execution ARN {arn!r}: expected "
            "arn:aws:sagemaker:REGION:ACCOUNT:pipeline/NAME/execution/ID"
        )
    return arn


def deployment_values(deployment: Deployment) -> dict[str, str]:
    """Fn::Sub values of the deployed training stack, pseudo parameters and role included."""
    stack = deployment.stack("training")
    values = {
        key.removeprefix(VARIABLE_OUTPUT_PREFIX): value
        for key, value in stack.values.items()
        if key.startswith(VARIABLE_OUTPUT_PREFIX)
    }
    values[ROLE_OUTPUT] = deployment.output("training", ROLE_OUTPUT)
    return values | stack.pseudo_parameters()


def upsert_pipeline(
    sagemaker: SageMakerClient, name: str, definition: str, role_arn: str, description: str = ""
) -> tuple[str, bool]:
    """Create the pipeline, or update it when it exists. Returns (ARN, created)."""
    # list_pipelines by prefix, not describe_pipeline: "not found" has no stable error code.
    existing = {
        summary["PipelineName"]
        for page in sagemaker.get_paginator("list_pipelines").paginate(PipelineNamePrefix=name)
        for summary in page["PipelineSummaries"]
    }
    if name in existing:
        updated = sagemaker.update_pipeline(
            PipelineName=name,
            PipelineDefinition=definition,
            RoleArn=role_arn,
            PipelineDescription=description,
        )
        return updated["PipelineArn"], False
    # ClientRequestToken: the stubs call it required; botocore fills this idempotency token
    # with a uuid4 when omitted (and Stubber tests expect it omitted).
    created = sagemaker.create_pipeline(  # type: ignore[call-arg]
        PipelineName=name,
        PipelineDefinition=definition,
        RoleArn=role_arn,
        PipelineDescription=description,
    )
    return created["PipelineArn"], True


def start_execution(sagemaker: SageMakerClient, name: str, parameters: list[ParameterValue]) -> str:
    """Start a run; parameters not given keep the definition's defaults."""
    # ClientRequestToken: the stubs call it required; botocore fills this idempotency token
    # with a uuid4 when omitted (and Stubber tests expect it omitted).
    response = sagemaker.start_pipeline_execution(  # type: ignore[call-arg]
        PipelineName=name, PipelineParameters=parameters
    )
    return response["PipelineExecutionArn"]


def list_executions(
    sagemaker: SageMakerClient, name: str, limit: int = 20
) -> list[PipelineExecutionSummaryTypeDef]:
    """Newest first (sorted here too: not every backend honours SortOrder)."""
    summaries = sagemaker.list_pipeline_executions(
        PipelineName=name, SortBy="CreationTime", SortOrder="Descending", MaxResults=limit
    )["PipelineExecutionSummaries"]
    return sorted(summaries, key=lambda s: s["StartTime"], reverse=True)[:limit]


def latest_execution_arn(sagemaker: SageMakerClient, name: str) -> str:
    executions = list_executions(sagemaker, name, limit=1)
    if not executions:
        raise DeploymentError(f"pipeline {name} has no executions yet: run `fmops pipeline start`")
    return executions[0]["PipelineExecutionArn"]


def describe_execution(
    sagemaker: SageMakerClient, arn: str
) -> DescribePipelineExecutionResponseTypeDef:
    response = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    # The stubs call ResponseMetadata required; callers print the execution, not the envelope.
    response.pop("ResponseMetadata", None)  # type: ignore[misc]
    return response


def execution_steps(sagemaker: SageMakerClient, arn: str) -> list[PipelineExecutionStepTypeDef]:
    """Steps in the order they started."""
    pages = sagemaker.get_paginator("list_pipeline_execution_steps").paginate(
        PipelineExecutionArn=arn, SortOrder="Ascending"
    )
    return [step for page in pages for step in page["PipelineExecutionSteps"]]


def wait_for_execution(
    sagemaker: SageMakerClient,
    arn: str,
    *,
    sleep: Callable[[float], None] | None = None,
    on_poll: Callable[[DescribePipelineExecutionResponseTypeDef], None] | None = None,
    first_delay: float = 5.0,
    max_delay: float = 60.0,
) -> DescribePipelineExecutionResponseTypeDef:
    """Poll with exponential backoff (pipelines run for hours) until a terminal status."""
    delay = first_delay
    while True:
        execution = describe_execution(sagemaker, arn)
        if on_poll:
            on_poll(execution)
        if execution["PipelineExecutionStatus"] in TERMINAL_STATUSES:
            return execution
        (sleep or time.sleep)(delay)
        delay = min(delay * 2, max_delay)


def list_model_packages(sagemaker: SageMakerClient, group: str) -> list[ModelPackage]:
    """Versions in the group, newest first, with the ModelQuality report each one points to."""
    summaries = [
        summary
        for page in sagemaker.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
        )
        for summary in page["ModelPackageSummaryList"]
    ]
    packages = []
    for summary in summaries:
        detail = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        quality = detail.get("ModelMetrics", {}).get("ModelQuality", {})
        packages.append(
            ModelPackage(
                arn=summary["ModelPackageArn"],
                version=summary.get("ModelPackageVersion"),
                approval_status=summary.get("ModelApprovalStatus", ""),
                created=str(summary.get("CreationTime", "")),
                model_quality_uri=quality.get("Statistics", {}).get("S3Uri"),
                approval_description=detail.get("ApprovalDescription"),
            )
        )
    return sorted(packages, key=lambda p: p.version or 0, reverse=True)


def set_approval(
    sagemaker: SageMakerClient,
    arn: str,
    approved: bool,
    reason: str | None,
    metadata: dict[str, str] | None = None,
) -> str:
    """Approve or reject a registered model; the reason is kept as its ApprovalDescription.

    `metadata` is the version's complete CustomerMetadataProperties (e.g. with an override
    recorded), sent in the same UpdateModelPackage call.
    """
    request: UpdateModelPackageInputTypeDef = {
        "ModelPackageArn": arn,
        "ModelApprovalStatus": "Approved" if approved else "Rejected",
    }
    if reason:
        request["ApprovalDescription"] = reason
    if metadata:
        request["CustomerMetadataProperties"] = metadata
    return sagemaker.update_model_package(**request)["ModelPackageArn"]


# -- The stage's pipeline, for `fmops pipeline` (one Deployment: its region, its stacks) -------


@dataclass(frozen=True)
class StartedRun:
    arn: str
    parameters: list[ParameterValue]  # as sent, the champion's BaselineModelUri included
    champion_arn: str | None


def start_stage_run(
    deployment: Deployment, parameters: list[ParameterValue], against_champion: bool
) -> StartedRun:
    """Start the stage's pipeline with `parameters`.

    With `against_champion` and no baseline given, the group's newest Approved version from the
    same base model becomes BaselineModelUri.
    """
    from deployment.contract import BASELINE_PARAMETER
    from pipelines.champion import aws_champion

    settings, sagemaker = deployment.settings, deployment.client("sagemaker")
    champion = None
    if against_champion and all(p["Name"] != BASELINE_PARAMETER for p in parameters):
        group = model_package_group_name(settings)
        champion = aws_champion(sagemaker, group, settings.models.sagemaker_base_model)
        if champion:
            parameters = [*parameters, {"Name": BASELINE_PARAMETER, "Value": champion[1]}]
    arn = start_execution(sagemaker, pipeline_name(settings), parameters)
    return StartedRun(arn, parameters, champion[0] if champion else None)


def stage_run_status(
    deployment: Deployment,
    arn: str | None,
    watch: bool = False,
    on_poll: Callable[[DescribePipelineExecutionResponseTypeDef], None] | None = None,
) -> tuple[str, DescribePipelineExecutionResponseTypeDef, list[PipelineExecutionStepTypeDef]]:
    """(ARN, execution, steps) of a run, the stage's latest by default; `watch` waits for it."""
    sagemaker = deployment.client("sagemaker")
    arn = arn or latest_execution_arn(sagemaker, pipeline_name(deployment.settings))
    if watch:
        execution = wait_for_execution(sagemaker, arn, on_poll=on_poll)
    else:
        execution = describe_execution(sagemaker, arn)
    return arn, execution, execution_steps(sagemaker, arn)


def stage_runs(deployment: Deployment) -> list[PipelineExecutionSummaryTypeDef]:
    return list_executions(deployment.client("sagemaker"), pipeline_name(deployment.settings))


def stage_models(deployment: Deployment) -> list[ModelPackage]:
    group = model_package_group_name(deployment.settings)
    return list_model_packages(deployment.client("sagemaker"), group)


def upsert_stage_pipeline(
    deployment: Deployment, definition: str, role_arn: str
) -> tuple[str, bool]:
    """Create or update the stage's pipeline with a resolved definition: (ARN, created)."""
    return upsert_pipeline(
        deployment.client("sagemaker"),
        pipeline_name(deployment.settings),
        definition,
        role_arn,
        "prepare -> train -> evaluate -> quality gate -> register",
    )


def approve_version(
    deployment: Deployment,
    arn: str,
    approved: bool,
    reason: str | None,
    override_for: Callable[[dict[str, str]], dict[str, str] | None],
) -> tuple[dict[str, str], dict[str, str] | None]:
    """Approve or reject a version: (its metadata, the override recorded or None).

    `override_for(metadata)` checks the audit the stage requires before an approval (it raises
    to refuse, or returns the override to record beside the approval).
    """
    sagemaker = deployment.client("sagemaker")
    described = sagemaker.describe_model_package(ModelPackageName=arn)
    metadata: dict[str, str] = described.get("CustomerMetadataProperties") or {}
    override = override_for(metadata) if approved else None
    # The version's whole metadata goes back with the update, so the audit stays beside the
    # approval whatever the service does with keys it is not given.
    set_approval(sagemaker, arn, approved, reason, {**metadata, **(override or {})})
    return metadata, override
