"""The local model registry: what a RegisterModel step writes when the pipeline runs offline.

runs/model-registry.json holds {group: [versions]} in CreateModelPackage's shape plus where the
local artifacts are (LocalModelData, LocalEvaluation) and their content hash, so a resumed run
that retrained nothing does not register a duplicate version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from deployment.contract import MODEL_DATA_PROPERTY
from pipelines.local.definition import JsonObject, PipelineError
from pipelines.local.model_cards import write_card
from pipelines.local.state_files import locked, write_atomic
from pipelines.local.storage import LocalS3
from training_scripts.governance.writers import sha256_file
from training_scripts.tracking import RUN_ID_KEY


class LocalModelRegistry:
    """Versions per model package group, appended under a file lock (runs may share it)."""

    def __init__(
        self, path: Path, s3: LocalS3, mlflow_run_id: Callable[[], str | None] = lambda: None
    ) -> None:
        self.registry = path
        self.s3 = s3
        self._mlflow_run_id = mlflow_run_id

    def register(self, args: JsonObject, execution_id: str) -> JsonObject:
        """CreateModelPackage's arguments (resolved) -> the registered version's entry."""
        with locked(self.registry.with_name(self.registry.name + ".lock"), "registry", wait=True):
            return self._register_locked(args, execution_id)

    def _read_registry(self) -> JsonObject:
        if not self.registry.exists():
            return {}
        try:
            registry = json.loads(self.registry.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PipelineError(f"{self.registry}: not a valid registry ({exc})") from None
        if not isinstance(registry, dict):
            raise PipelineError(f"{self.registry}: not a valid registry (expected an object)")
        return registry

    def _register_locked(self, args: JsonObject, execution_id: str) -> JsonObject:
        registry = self._read_registry()
        group = args["ModelPackageGroupName"]
        versions = registry.setdefault(group, [])
        metadata = args.get("CustomerMetadataProperties", {})
        containers = args.get("InferenceSpecification", {}).get("Containers", [{}])
        model_data = containers[0].get("ModelDataUrl") or metadata[MODEL_DATA_PROPERTY]
        stats_uri = (
            args.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")
        )
        stats_path = self.s3.path(stats_uri) if stats_uri else None
        model_path = self.s3.path(model_data)
        model_sha256 = _model_sha256(model_path)
        quality = (
            json.loads(stats_path.read_text()) if stats_path and stats_path.is_file() else None
        )
        for existing in versions:
            # Same model bytes and same evaluation: the same version (a resumed run that
            # retrained nothing must not register a duplicate).
            same_model = model_sha256 and existing.get("ModelDataSha256") == model_sha256
            if same_model and existing.get("ModelQuality") == quality:
                return existing
        entry = {
            "ModelPackageGroupName": group,
            "ModelPackageVersion": len(versions) + 1,
            "ModelApprovalStatus": args.get("ModelApprovalStatus", "PendingManualApproval"),
            "ModelDataUrl": model_data,
            "LocalModelData": str(model_path),
            "ModelDataSha256": model_sha256,
            # Where the evaluation outputs live: `fmops eval audit-sample --local-version`.
            "LocalEvaluation": str(stats_path.parent) if stats_path else None,
            "ModelQuality": quality,
            "CustomerMetadataProperties": {
                **args.get("CustomerMetadataProperties", {}),
                # Both ways: the version names its MLflow run, the run gets the version's tag.
                **({RUN_ID_KEY: run_id} if (run_id := self._mlflow_run_id()) else {}),
            },
            "PipelineExecutionId": execution_id,
            "CreationTime": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        card = args.get("ModelCard") or {}
        if card.get("ModelCardContent"):
            entry["ModelCard"] = {
                "ModelCardStatus": card.get("ModelCardStatus", "Draft"),
                **write_card(
                    self.registry, group, entry["ModelPackageVersion"],
                    json.loads(card["ModelCardContent"]),
                ),
            }  # fmt: skip
        versions.append(entry)
        write_atomic(self.registry, json.dumps(registry, indent=2))
        return entry


def _model_sha256(path: Path) -> str | None:
    """Content hash of a model artifact: a model.tar.gz, or an uncompressed model directory."""
    if path.is_file():
        return sha256_file(path)
    if not path.is_dir():
        return None
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(sha256_file(file).encode())
    return digest.hexdigest()
