"""The training image's asset hash follows its sources, not the bytecode Python leaves beside
them: a `.pyc` written by any import (a test, a local run) must not change what `cdk deploy`
builds, nor make two syntheses of one tree disagree."""

from __future__ import annotations

import shutil
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ecr_assets as ecr_assets

from pipelines.training_pipeline import TRAINING_SCRIPTS


def _image_hash(directory: Path) -> str:
    stack = cdk.Stack(cdk.App(), "ImageHash")
    return ecr_assets.DockerImageAsset(stack, "Image", directory=str(directory)).asset_hash


def test_bytecode_caches_do_not_change_the_training_image_hash(tmp_path: Path) -> None:
    copy = tmp_path / "training_scripts"
    shutil.copytree(TRAINING_SCRIPTS, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    before = _image_hash(copy)
    nested = copy / "methods" / "__pycache__"
    nested.mkdir()
    (nested / "reft.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (copy / "stray.pyc").write_bytes(b"\x00bytecode")
    assert _image_hash(copy) == before
    (copy / "methods" / "reft.py").write_text("# changed\n", encoding="utf-8")  # sources do count
    assert _image_hash(copy) != before
