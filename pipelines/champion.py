"""The baseline a new model must beat: the group's approved champion, else the base model.

`BaselineModelUri` defaults to the base model (the training `model` channel). When the model
package group already has an Approved version built from the same base model, that champion is
the fairer bar: `fmops pipeline start` and `fmops local run` pass its model data as
`BaselineModelUri` unless the user gave one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployment.contract import BASE_MODEL_KEY
from pipelines.local.registry_file import RegistryError, read_registry

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = ["RegistryError", "aws_champion", "local_champion"]


def aws_champion(sagemaker: SageMakerClient, group: str, base_model: str) -> tuple[str, str] | None:
    """(model package ARN, ModelDataUrl) of the newest Approved version from `base_model`."""
    paginator = sagemaker.get_paginator("list_model_packages")
    for page in paginator.paginate(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
    ):
        for summary in page["ModelPackageSummaryList"]:
            detail = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
            metadata = detail.get("CustomerMetadataProperties") or {}
            if metadata.get(BASE_MODEL_KEY) != base_model:
                continue
            containers = detail.get("InferenceSpecification", {}).get("Containers", [])
            if containers and containers[0].get("ModelDataUrl"):
                return summary["ModelPackageArn"], containers[0]["ModelDataUrl"]
    return None


def local_champion(registry: Path, group: str, base_model: str) -> dict[str, Any] | None:
    """The newest Approved entry of the local registry's group built from `base_model`.

    Its `LocalModelData` is a model.tar.gz or, for an uncompressed output (the local runs'
    default), the model directory itself: both are a champion.
    """
    if not registry.is_file():
        return None
    entries = read_registry(registry).get(group, [])
    approved = [
        e
        for e in entries
        if e.get("ModelApprovalStatus") == "Approved"
        and (e.get("CustomerMetadataProperties") or {}).get(BASE_MODEL_KEY) == base_model
        and str(e.get("LocalModelData") or "")
        and Path(e["LocalModelData"]).exists()
    ]
    return max(approved, key=lambda e: e["ModelPackageVersion"]) if approved else None
