"""`s3://bucket/key` mapped onto a local directory, with S3Prefix copy semantics."""

from __future__ import annotations

import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path


class StorageError(RuntimeError):
    """A URI is not an s3:// URI, or nothing exists under it."""


@dataclass(frozen=True)
class LocalS3:
    root: Path

    def path(self, uri: str) -> Path:
        if not uri.startswith("s3://") or len(uri) <= len("s3://"):
            raise StorageError(f"{uri!r}: not an s3:// URI")
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return self.root / bucket / key

    def download(self, uri: str, destination: Path) -> None:
        """Copy what an S3Prefix input would deliver: one object, or everything under a prefix."""
        source = self.path(uri)
        destination.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            shutil.copy2(source, destination / source.name)
        elif source.is_dir() and any(source.iterdir()):
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            raise StorageError(f"{uri}: no objects (local path {source})")

    def upload(self, source: Path, uri: str) -> None:
        target = self.path(uri)
        target.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)

    def upload_model(self, model_dir: Path, uri: str) -> str:
        """Package a model dir the way SageMaker does: <uri>/model.tar.gz; returns its URI."""
        target = self.path(uri)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target / "model.tar.gz", "w:gz") as archive:
            for item in sorted(model_dir.iterdir()):
                archive.add(item, arcname=item.name)
        return f"{uri.rstrip('/')}/model.tar.gz"
