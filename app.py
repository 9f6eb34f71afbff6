#!/usr/bin/env python3
"""CDK entrypoint: read Settings, instantiate stacks, apply cdk-nag. No logic lives here."""

import os
import shutil
import sys
from pathlib import Path

import aws_cdk as cdk

from deployment.settings import (
    SettingsError,
    load_settings,
    read_cdk_json_context,
    read_lookup_context,
)
from infra.app import build_stacks, refuse_missing_lookups
from infra.stacks.delivery import build_delivery


def _synth(outdir: Path) -> None:
    # The CDK CLI injects cdk.json context itself; `python app.py` (make synth) does not, so
    # pass it as defaults. `-c key=value` still wins: CDK_CONTEXT_JSON is applied last.
    # Cached lookups (cdk.context.json) too: without them a pinned stage gets placeholder zones.
    context = {**read_lookup_context(), **read_cdk_json_context()}
    app = cdk.App(context=context, outdir=str(outdir))
    context = app.node.get_all_context()
    settings = load_settings(context)
    # Checked before any stack stages an asset, so a bad value leaves nothing behind.
    from pipelines.sagemaker_jobs import check_training_settings

    check_training_settings(settings)
    build_stacks(app, settings)
    build_delivery(app, context, settings)  # only when delivery.enabled
    refuse_missing_lookups(app.synth(), under_cdk_cli="CDK_CLI_VERSION" in os.environ)


if __name__ == "__main__":
    outdir = Path(os.environ.get("CDK_OUTDIR", "cdk.out"))
    before = set(outdir.iterdir()) if outdir.is_dir() else set()
    try:
        _synth(outdir)
    except SettingsError as exc:
        # Asset folders staged by this attempt would otherwise pile up in cdk.out.
        for path in set(outdir.iterdir()) - before if outdir.is_dir() else ():
            if path.name.startswith("asset."):
                shutil.rmtree(path, ignore_errors=True)
        sys.exit(f"error: {exc}")
