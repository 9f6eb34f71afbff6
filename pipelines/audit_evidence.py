"""Evidence before approval: a human audit tied to one model version, checked at approve time.

The audit result (`fmops eval audit-ingest`) is stored with the version it audited: in the model
package's CustomerMetadataProperties on AWS (UpdateModelPackage; keys and values are strings),
in the version's entry of the local registry offline. `fmops pipeline approve` reads it back and
refuses, where the stage requires an audit (`evaluation.require_audit`), unless the audit's
Wilson 95 % upper bound is within `evaluation.max_hallucination_rate`; `--force --reason`
approves anyway and records the override next to the audit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.local.registry_file import read_registry
from pipelines.pipeline_parameters import PipelineInputError
from training_scripts.vocabulary.metrics import HALLUCINATION_RATE

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# CustomerMetadataProperties key -> audit result field (see audit.ingest_output_manifest).
_FIELDS = {
    "audit_hallucination_rate": HALLUCINATION_RATE,
    "audit_ci_low": "hallucination_rate_ci_low",
    "audit_ci_high": "hallucination_rate_ci_high",
    "audit_audited": "audited",
    "audit_unsupported": "unsupported",
    "audit_model_version": "model_version",
}


class ApprovalRefused(RuntimeError):
    """Approval without the evidence the stage requires (exit 1, names the version and why)."""


def audit_metadata(result: dict[str, Any]) -> dict[str, str]:
    """The audit as CustomerMetadataProperties (string values)."""
    return {key: str(result[field]) for key, field in _FIELDS.items() if field in result}


def record_on_package(sagemaker: SageMakerClient, arn: str, result: dict[str, Any]) -> None:
    """Store an audit result with the model package it audited (CustomerMetadataProperties)."""
    metadata = (
        sagemaker.describe_model_package(ModelPackageName=arn).get("CustomerMetadataProperties")
        or {}
    )
    # The complete map is sent: the update replaces what it is given.
    sagemaker.update_model_package(
        ModelPackageArn=arn, CustomerMetadataProperties={**metadata, **audit_metadata(result)}
    )


def record_audit_in_region(region: str | None, arn: str, result: dict[str, Any]) -> None:
    """`record_on_package` with the region's SageMaker client (`fmops eval audit-ingest`)."""
    from pipelines.deployment_outputs import regional_client

    record_on_package(regional_client("sagemaker", region), arn, result)


def package_predictions(region: str | None, arn: str, target: Path) -> Path:
    """Download the predictions.jsonl Evaluate wrote beside the version's ModelQuality report."""
    from pipelines.deployment_outputs import regional_client
    from training_scripts.evaluation_outputs import PREDICTIONS_FILE

    sagemaker, s3 = regional_client("sagemaker", region), regional_client("s3", region)
    detail = sagemaker.describe_model_package(ModelPackageName=arn)
    uri = detail.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")
    if not uri:
        raise ApprovalRefused(f"{arn}: has no ModelQuality statistics to find its outputs")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3.download_file(bucket, f"{key.rsplit('/', 1)[0]}/{PREDICTIONS_FILE}", str(target))
    return target


def audit_from_metadata(properties: dict[str, str] | None) -> dict[str, Any] | None:
    properties = properties or {}
    if "audit_ci_high" not in properties:
        return None
    audit: dict[str, Any] = {}
    for key, field in _FIELDS.items():
        if key in properties:
            value = properties[key]
            audit[field] = value if field == "model_version" else float(value)
    return audit


def check_audit(
    audit: dict[str, Any] | None, *, version: str, max_rate: float, required: bool
) -> None:
    """Raise ApprovalRefused when the evidence does not allow approving `version`."""
    if audit is None:
        if required:
            raise ApprovalRefused(
                f"{version}: no human hallucination audit recorded for this version; this stage "
                "requires one (evaluation.require_audit). Run `fmops eval audit-sample` and "
                "`fmops eval audit-ingest` for it, or approve with --force --reason"
            )
        return
    audited = audit.get("model_version")
    if audited is not None and str(audited) != version:
        raise ApprovalRefused(f"{version}: the recorded audit is for {audited}, not this version")
    high = float(audit["hallucination_rate_ci_high"])
    if high > max_rate:
        raise ApprovalRefused(
            f"{version}: audited hallucination rate {audit[HALLUCINATION_RATE]:.3f} "
            f"(95% Wilson upper bound {high:.3f}, {int(audit.get('audited', 0))} items) is above "
            f"evaluation.max_hallucination_rate = {max_rate}"
        )


# --- the local registry (runs/model-registry.json) -------------------------------------------


def local_entry(registry: Path, version: int, group: str | None) -> tuple[dict, dict, str]:
    """(whole registry, the version's entry, its group) or a one-line input error."""
    if not registry.is_file():
        raise PipelineInputError(f"local registry {registry}: no such file (run fmops local run)")
    data = read_registry(registry)
    groups = [group] if group else sorted(data)
    if group and group not in data:
        raise PipelineInputError(f"--group {group}: not in {registry} (have: {', '.join(data)})")
    if len(groups) != 1:
        raise PipelineInputError(
            f"{registry} holds several groups ({', '.join(groups)}): pass --group"
        )
    (name,) = groups
    for entry in data[name]:
        if entry.get("ModelPackageVersion") == version:
            return data, entry, name
    have = ", ".join(str(e.get("ModelPackageVersion")) for e in data[name])
    raise PipelineInputError(f"--local-version {version}: not in group {name} (have: {have})")


def save_registry(registry: Path, data: dict) -> None:
    temporary = registry.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    temporary.replace(registry)  # atomic: a crash never leaves half a registry


def local_version_id(group: str, version: int) -> str:
    return f"local:{group}/{version}"
