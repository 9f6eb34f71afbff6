"""Staging a model as a transaction: a reader of `base-models/<name>/` never sees a mix.

The pipeline's `BaseModelUri` is a fixed prefix baked into the definition at synth time (a
SageMaker `S3Prefix` channel reads every object under it), so there is no pointer the job could
follow. Instead the manifest is the commit marker, and the live prefix changes only by
server-side copies of bytes already uploaded and checked:

1. upload every file under a private version prefix (`base-models/.staging/<name>/<txn>/`; model
   names start with a letter or digit, so no `BaseModelUri` reads it) and check each object;
2. copy the live objects (if any) aside, under the same version prefix, for rollback;
3. delete the live manifest (from here a reader sees "incomplete", never the old manifest over
   new bytes), copy the new files in, check each copy, write the manifest last, drop stale files;
4. delete the version prefix.

Any failure (an S3 error, a disk error, Ctrl-C) restores the previous objects and manifest from
the copies of step 2 and deletes the version prefix: the name holds what it held before, and a
retry starts clean. A prefix with objects but no manifest is the remnant of an interrupted stage
(e.g. a SIGKILL during step 3); the next stage may overwrite it without `--replace`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from deployment.contract import BASE_MODELS_PREFIX, base_model_prefix
from pipelines.models import ModelStagingError, ModelStagingFailed
from pipelines.models.layout import ModelFile

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MANIFEST_NAME = "fmops-manifest.json"
MANIFEST_VERSION = 1
STAGING_PREFIX = f"{BASE_MODELS_PREFIX}.staging/"
SHA256_METADATA = "sha256"  # user metadata each object carries, checked after every copy
_CHUNK = 8 * 1024 * 1024


class ManifestFile(TypedDict):
    path: str
    size: int
    sha256: str


class StagedManifest(TypedDict):
    """What a stage writes as MANIFEST_NAME (read back from S3, a manifest is untrusted JSON)."""

    manifest_version: int
    name: str
    source: str
    uri: str
    staged_at: str
    kms_key_id: str
    allow_pickle: bool
    total_bytes: int
    files: list[ManifestFile]


class KmsEncryption(TypedDict):
    """PutObject/CopyObject arguments that encrypt every staged object with the stage's key."""

    ServerSideEncryption: Literal["aws:kms"]
    SSEKMSKeyId: str


def list_keys(s3: S3Client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def delete_keys(s3: S3Client, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys[start : start + 1000]]}
        )


def read_manifest(s3: S3Client, bucket: str, prefix: str) -> dict[str, Any] | None:
    """The manifest under `prefix`, None when there is none; a corrupt one is an input error."""
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=bucket, Key=prefix + MANIFEST_NAME)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    try:
        manifest = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelStagingError(
            f"s3://{bucket}/{prefix}{MANIFEST_NAME}: not a JSON manifest ({exc})"
        ) from None
    if not isinstance(manifest, dict):
        raise ModelStagingError(f"s3://{bucket}/{prefix}{MANIFEST_NAME}: not a JSON object")
    return manifest


def _check_object(s3: S3Client, bucket: str, key: str, item: ModelFile) -> None:
    """The object's size and recorded sha256 match the file staged (catches a torn copy)."""
    head = s3.head_object(Bucket=bucket, Key=key)
    recorded = head.get("Metadata", {}).get(SHA256_METADATA)
    if head["ContentLength"] != item.size or recorded != item.sha256:
        raise ModelStagingFailed(
            f"s3://{bucket}/{key}: {head['ContentLength']} bytes, sha256 {recorded}; "
            f"expected {item.size} bytes, sha256 {item.sha256}"
        )


class _Transaction:
    """One stage of `files` (already hashed) from `root` to the live prefix of `name`."""

    def __init__(self, s3: S3Client, bucket: str, name: str, encryption: KmsEncryption) -> None:
        self.s3, self.bucket, self.encryption = s3, bucket, encryption
        self.live = base_model_prefix(name)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.version = f"{STAGING_PREFIX}{name}/{stamp}-{uuid.uuid4().hex[:8]}/"
        self.backup: list[str] = []  # live keys copied aside, relative to the live prefix
        self.live_touched = False

    def _copy(self, source: str, target: str) -> None:
        # managed copy: multipart above 8 MB, so weights over CopyObject's 5 GB limit work too
        self.s3.copy(
            {"Bucket": self.bucket, "Key": source},
            self.bucket,
            target,
            ExtraArgs={**self.encryption},
        )

    def upload(self, root: Path, files: list[ModelFile]) -> None:
        for item in files:
            self.s3.upload_file(
                str(root / item.path),
                self.bucket,
                self.version + "new/" + item.path,
                ExtraArgs={**self.encryption, "Metadata": {SHA256_METADATA: item.sha256}},
            )
            _check_object(self.s3, self.bucket, self.version + "new/" + item.path, item)

    def set_aside(self, existing: list[str]) -> None:
        for key in existing:
            relative = key[len(self.live) :]
            self._copy(key, self.version + "old/" + relative)
            self.backup.append(relative)

    def commit(self, files: list[ModelFile], manifest: StagedManifest, existing: list[str]) -> None:
        self.live_touched = True
        self.s3.delete_object(Bucket=self.bucket, Key=self.live + MANIFEST_NAME)
        for item in files:
            self._copy(self.version + "new/" + item.path, self.live + item.path)
            _check_object(self.s3, self.bucket, self.live + item.path, item)
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.live + MANIFEST_NAME,
            Body=json.dumps(manifest, indent=2, sort_keys=True).encode(),
            ContentType="application/json",
            **self.encryption,
        )
        keep = {self.live + item.path for item in files} | {self.live + MANIFEST_NAME}
        delete_keys(self.s3, self.bucket, [key for key in existing if key not in keep])

    def roll_back(self) -> None:
        """Put the live prefix back as it was: the objects set aside, the old manifest last."""
        if not self.live_touched:
            return
        delete_keys(self.s3, self.bucket, list_keys(self.s3, self.bucket, self.live))
        restored_manifest = MANIFEST_NAME in self.backup
        for relative in self.backup:
            if relative != MANIFEST_NAME:
                self._copy(self.version + "old/" + relative, self.live + relative)
        if restored_manifest:
            self._copy(self.version + "old/" + MANIFEST_NAME, self.live + MANIFEST_NAME)

    def clean_up(self) -> None:
        delete_keys(self.s3, self.bucket, list_keys(self.s3, self.bucket, self.version))


def run_transaction(
    s3: S3Client,
    root: Path,
    files: list[ModelFile],
    *,
    bucket: str,
    name: str,
    encryption: KmsEncryption,
    manifest: StagedManifest,
    existing: list[str],
) -> None:
    """Upload, set aside, commit; on any failure roll back and leave no version prefix."""
    txn = _Transaction(s3, bucket, name, encryption)
    try:
        txn.upload(root, files)
        txn.set_aside(existing)
        txn.commit(files, manifest, existing)
    except BaseException as exc:  # Ctrl-C and disk errors too: never leave a torn model
        outcome = _undo(txn)
        where = f"s3://{bucket}/{txn.live}"
        raise ModelStagingFailed(
            f"stage {name} failed ({_reason(exc)}); {where} {outcome}"
        ) from exc
    txn.clean_up()


def _undo(txn: _Transaction) -> str:
    try:
        txn.roll_back()
        txn.clean_up()
    except Exception as exc:  # the network that failed the stage may fail the rollback too
        return (
            f"may be incomplete (rollback failed: {_reason(exc)}); it has no manifest, so "
            f"`fmops models stage` again overwrites it; delete s3://{txn.bucket}/{txn.version}"
        )
    return "is unchanged; nothing was left behind, run the same command again"


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def verify_staged(s3: S3Client, bucket: str, manifest: dict[str, Any]) -> list[str]:
    """Problems with a staged model: files missing, extra, or whose bytes' sha256 differ."""
    prefix = str(manifest.get("uri", "")).removeprefix(f"s3://{bucket}/")
    expected = {f["path"]: f["sha256"] for f in manifest.get("files", [])}
    present = {key[len(prefix) :] for key in list_keys(s3, bucket, prefix)} - {MANIFEST_NAME}
    problems = [f"{path}: missing" for path in sorted(set(expected) - present)]
    problems += [f"{path}: not in the manifest" for path in sorted(present - set(expected))]
    for path in sorted(set(expected) & present):
        digest = hashlib.sha256()
        body = s3.get_object(Bucket=bucket, Key=prefix + path)["Body"]
        while chunk := body.read(_CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != expected[path]:
            problems.append(f"{path}: sha256 {digest.hexdigest()} != manifest {expected[path]}")
    return problems


def incomplete_models(s3: S3Client, bucket: str, manifests: list[dict[str, Any]]) -> list[str]:
    """Names whose prefix holds a config.json but no manifest: an interrupted stage."""
    staged = {str(m.get("name")) for m in manifests}
    names = {
        key[len(BASE_MODELS_PREFIX) : -len("/config.json")]
        for key in list_keys(s3, bucket, BASE_MODELS_PREFIX)
        if key.endswith("/config.json") and not key.startswith(STAGING_PREFIX)
    }
    return sorted(n for n in names if not any(n == s or n.startswith(s + "/") for s in staged))


def manifest_for(
    files: list[ModelFile], *, name: str, source: str, uri: str, kms_key_id: str,
    allow_pickle: bool, now: dt.datetime | None,
) -> StagedManifest:  # fmt: skip
    stamp = now or dt.datetime.now(dt.UTC)
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": name,
        "source": source,
        "uri": uri,
        "staged_at": stamp.isoformat(timespec="seconds"),
        "kms_key_id": kms_key_id,
        "allow_pickle": allow_pickle,
        "total_bytes": sum(item.size for item in files),
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files],
    }
