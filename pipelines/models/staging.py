"""Stage a base model: resolve the source, hash every file, upload with SSE-KMS, write a manifest.

The training VPC has no internet route, so the pipeline's `BaseModelUri`
(`s3://<artifacts>/base-models/<name>/`) must hold the weights before a run. The manifest
(`fmops-manifest.json` beside the weights) records each file's size and sha256, the source and
the key, so a run can be traced to the exact bytes it started from.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from deployment.contract import BASE_MODELS_PREFIX, base_model_prefix
from pipelines.models import ModelStagingError
from pipelines.models.layout import ModelFile, check_layout, describe_files

MANIFEST_NAME = "fmops-manifest.json"
MANIFEST_VERSION = 1
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


def _existing_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def stage_model(
    s3: Any,
    root: Path,
    *,
    bucket: str,
    name: str,
    kms_key_id: str,
    source: str,
    allow_pickle: bool = False,
    replace: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Check, hash and upload `root` to the base-model prefix; return the manifest written."""
    prefix = base_model_prefix(check_name(name))
    files = check_layout(root, allow_pickle=allow_pickle)
    described: list[ModelFile] = describe_files(root, files)
    existing = _existing_keys(s3, bucket, prefix)
    if existing and not replace:
        raise ModelStagingError(
            f"s3://{bucket}/{prefix} already holds {len(existing)} objects; pass --replace to "
            "overwrite it (files not in this model are then deleted)"
        )
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
    for item in described:
        s3.upload_file(
            str(root / item.path),
            bucket,
            prefix + item.path,
            ExtraArgs={**encryption, "Metadata": {"sha256": item.sha256}},
        )
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "name": name,
        "source": source,
        "uri": f"s3://{bucket}/{prefix}",
        "staged_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "kms_key_id": kms_key_id,
        "allow_pickle": allow_pickle,
        "total_bytes": sum(item.size for item in described),
        "files": [asdict(item) for item in described],
    }
    s3.put_object(
        Bucket=bucket,
        Key=prefix + MANIFEST_NAME,
        Body=json.dumps(manifest, indent=2, sort_keys=True).encode(),
        ContentType="application/json",
        **encryption,
    )
    keep = {prefix + item.path for item in described} | {prefix + MANIFEST_NAME}
    stale = [key for key in existing if key not in keep]
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1,000 keys
        s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in stale[start : start + 1000]]},
        )
    return manifest


def list_staged(s3: Any, bucket: str) -> list[dict[str, Any]]:
    """The manifest of every staged model in the bucket, by name."""
    manifests = []
    for key in _existing_keys(s3, bucket, BASE_MODELS_PREFIX):
        if key.endswith(f"/{MANIFEST_NAME}"):
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            manifests.append(json.loads(body))
    return sorted(manifests, key=lambda m: str(m.get("name")))
