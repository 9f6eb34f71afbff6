"""Stage a base model: resolve the source, hash every file, upload with SSE-KMS, write a manifest.

The training VPC has no internet route, so the pipeline's `BaseModelUri`
(`s3://<artifacts>/base-models/<name>/`) must hold the weights before a run. The manifest
(`fmops-manifest.json` beside the weights) records each file's size and sha256, the source and
the key, so a run can be traced to the exact bytes it started from.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deployment.contract import BASE_MODELS_PREFIX, base_model_prefix
from pipelines.models import ModelStagingError
from pipelines.models.layout import ModelFile, check_layout, describe_files
from pipelines.models.transaction import (
    MANIFEST_NAME,
    STAGING_PREFIX,
    KmsEncryption,
    StagedManifest,
    list_keys,
    manifest_for,
    read_manifest,
    run_transaction,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["MANIFEST_NAME", "list_staged", "resolve_source", "stage_model"]

HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")
# Hub files a model needs; pickled weights only when allowed.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken"]
_OFF = ("1", "true", "yes", "on")


def check_name(name: str) -> str:
    if not MODEL_NAME.fullmatch(name) or ".." in name:
        raise ModelStagingError(
            f"model name {name!r}: must look like owner/name or name (letters, digits, . _ -)"
        )
    return name


def destination(bucket: str, name: str) -> str:
    """The S3 URI the pipeline's BaseModelUri points at for `name`."""
    return f"s3://{bucket}/{base_model_prefix(check_name(name))}"


def resolve_source(source: str, download_root: Path, *, allow_pickle: bool = False) -> Path:
    """A local model directory, or a hub id downloaded into `download_root` when reachable."""
    path = Path(source).expanduser()
    if path.exists():
        return path
    if not HUB_ID.fullmatch(source):
        raise ModelStagingError(
            f"SOURCE {source!r}: neither a local directory nor a model hub id (owner/name)"
        )
    return download(source, download_root / source.replace("/", "--"), allow_pickle=allow_pickle)


def download(repo_id: str, target: Path, *, allow_pickle: bool = False) -> Path:
    """snapshot_download of a hub repository; one error line when the hub cannot be reached."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in _OFF:
        raise ModelStagingError(
            f"{repo_id}: the model hub is switched off here (HF_HUB_OFFLINE); download the model "
            "on a machine that can reach it and stage the directory"
        )
    from huggingface_hub import snapshot_download

    patterns = HUB_PATTERNS + (["*.bin", "*.pt", "*.pth"] if allow_pickle else [])
    try:
        snapshot_download(repo_id, local_dir=str(target), allow_patterns=patterns, etag_timeout=10)
    except Exception as exc:  # connection, auth (gated models) and not-found errors alike
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelStagingError(
            f"{repo_id}: cannot download from the model hub ({type(exc).__name__}: {reason}); "
            "download it where the hub is reachable and stage the directory"
        ) from None
    return target


def stage_model(
    s3: S3Client,
    root: Path,
    *,
    bucket: str,
    name: str,
    kms_key_id: str,
    source: str,
    allow_pickle: bool = False,
    replace: bool = False,
    now: dt.datetime | None = None,
) -> StagedManifest:
    """Check, hash and upload `root` to the base-model prefix as one transaction (see
    transaction.py); return the manifest written."""
    prefix = base_model_prefix(check_name(name))
    files = check_layout(root, allow_pickle=allow_pickle)
    described: list[ModelFile] = describe_files(root, files)
    existing = list_keys(s3, bucket, prefix)
    # Objects without a manifest are the remnant of an interrupted stage: nothing to protect.
    if existing and not replace and read_manifest(s3, bucket, prefix) is not None:
        raise ModelStagingError(
            f"s3://{bucket}/{prefix} already holds {len(existing)} objects; pass --replace to "
            "overwrite it (files not in this model are then deleted)"
        )
    manifest = manifest_for(
        described, name=name, source=source, uri=f"s3://{bucket}/{prefix}",
        kms_key_id=kms_key_id, allow_pickle=allow_pickle, now=now,
    )  # fmt: skip
    encryption: KmsEncryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    run_transaction(
        s3, root, described, bucket=bucket, name=name, encryption=encryption,
        manifest=manifest, existing=existing,
    )  # fmt: skip
    return manifest


def list_staged(s3: S3Client, bucket: str) -> list[dict[str, Any]]:
    """The manifest of every staged model in the bucket, by name."""
    manifests = []
    for key in list_keys(s3, bucket, BASE_MODELS_PREFIX):
        if key.endswith(f"/{MANIFEST_NAME}") and not key.startswith(STAGING_PREFIX):
            manifest = read_manifest(s3, bucket, key.removesuffix(MANIFEST_NAME))
            if manifest is not None:
                manifests.append(manifest)
    return sorted(manifests, key=lambda m: str(m.get("name")))
