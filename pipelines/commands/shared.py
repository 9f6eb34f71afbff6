"""What several `fmops` command groups share: their common options, the stage's settings and
AWS clients, each failing with the one `error:` line before any AWS call."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Annotated, Any

import boto3
import typer
from botocore.exceptions import NoRegionError

from deployment.settings import Settings, SettingsError, settings_for_stage
from pipelines.console import fail

Stage = Annotated[str | None, typer.Option("--stage", "-s", help="Stage from cdk.json.")]
Region = Annotated[str | None, typer.Option("--region", help="AWS region (default: boto3 chain).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def stage_settings(stage: str | None) -> Settings:
    """The stage's settings (cdk.json), or exit 2 naming what is wrong with them."""
    try:
        return settings_for_stage(stage)
    except SettingsError as exc:
        raise fail(str(exc)) from None


def aws_client(service: str, region: str | None) -> Any:
    """A boto3 client, or exit 2 when no region is configured.

    Commands make their clients before building a definition: the offline builder defaults
    AWS_DEFAULT_REGION, which must not silently pick the region for real calls.
    """
    try:
        return boto3.client(service, region_name=region)
    except NoRegionError:
        raise fail("no AWS region: pass --region or set AWS_REGION") from None


def input_file(path: Path, option: str) -> Path:
    """`path` if it is a regular file (symlinks followed), else exit 2 at once.

    Opening a FIFO with no writer blocks forever, and a device or directory is no dataset:
    refuse them before any read, naming the option and the path.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise fail(f"{option} {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a directory"
            if stat.S_ISDIR(mode)
            else ("a device or socket")
        )
        raise fail(f"{option} {path}: is {kind}, not a regular file")
    return path
