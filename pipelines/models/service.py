"""`fmops models` against a deployed stage: stage base-model weights in the artifacts bucket and
list what is there, as functions of a `Deployment` (its region, its data stack's outputs).

The layout and name checks (models/layout.py, models/staging.py) run before any of this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deployment.contract import ARTIFACTS_BUCKET_OUTPUT, DATA_KEY_OUTPUT
from pipelines.deployment_outputs import Deployment
from pipelines.models.staging import list_staged, stage_model
from pipelines.models.transaction import StagedManifest, incomplete_models, verify_staged

INCOMPLETE = "incomplete: no manifest (an interrupted stage; stage it again)"
NOT_VERIFIED = "not verified"
HEALTHY = ("ok", NOT_VERIFIED)


def stage_base_model(
    deployment: Deployment,
    root: Path,
    *,
    name: str,
    source: str,
    bucket: str | None = None,
    kms_key: str | None = None,
    allow_pickle: bool = False,
    replace: bool = False,
) -> StagedManifest:
    """Upload a checked model directory with SSE-KMS and its manifest; returns the manifest.

    Bucket and key default to the data stack's outputs (read only when not given).
    """
    return stage_model(
        deployment.client("s3"),
        root,
        bucket=deployment.output_or(bucket, "data", ARTIFACTS_BUCKET_OUTPUT, "--bucket"),
        name=name,
        kms_key_id=deployment.output_or(kms_key, "data", DATA_KEY_OUTPUT, "--kms-key"),
        source=source,
        allow_pickle=allow_pickle,
        replace=replace,
    )


def staged_models(
    deployment: Deployment, bucket: str | None = None, verify: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """(bucket, one manifest per staged model with a `status`), interrupted stagings included."""
    s3 = deployment.client("s3")
    name = deployment.output_or(bucket, "data", ARTIFACTS_BUCKET_OUTPUT, "--bucket")
    manifests = list_staged(s3, name)
    for m in manifests:
        m["status"] = _status(verify_staged(s3, name, m)) if verify else NOT_VERIFIED
    manifests += [{"name": n, "status": INCOMPLETE} for n in incomplete_models(s3, name, manifests)]
    return name, manifests


def _status(problems: list[str]) -> str:
    if not problems:
        return "ok"
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"corrupt: {problems[0]}{more}"
