"""What several `fmops` command groups share: their common options, the stage's settings and
deployment, each failing with the one `error:` line before any AWS call."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Annotated

import typer

from deployment.settings import Settings, SettingsError, settings_for_stage
from pipelines.console import fail
from pipelines.deployment_outputs import Deployment

Stage = Annotated[str | None, typer.Option("--stage", "-s", help="Stage from cdk.json.")]
Region = Annotated[
    str | None,
    typer.Option("--region", help="AWS region (default: $AWS_REGION, else the profile's region)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def stage_settings(stage: str | None) -> Settings:
    """The stage's settings (cdk.json), or exit 2 naming what is wrong with them."""
    try:
        return settings_for_stage(stage)
    except SettingsError as exc:
        raise fail(str(exc)) from None


def stage_deployment(stage: str | None, region: str | None) -> Deployment:
    """The stage's deployment in `region` (else boto3's default region); nothing read yet."""
    return Deployment.of(stage_settings(stage), region)


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
