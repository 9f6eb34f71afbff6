#!/usr/bin/env python3
"""CDK entrypoint: read Settings, instantiate stacks, apply cdk-nag. No logic lives here."""

import os
import sys

import aws_cdk as cdk

from deployment.settings import SettingsError, load_settings, read_cdk_json_context
from infra.app import build_stacks

if __name__ == "__main__":
    # The CDK CLI injects cdk.json context itself; `python app.py` (make synth) does not, so
    # pass it as defaults. `-c key=value` still wins: CDK_CONTEXT_JSON is applied last.
    app = cdk.App(context=read_cdk_json_context(), outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    try:
        settings = load_settings(app.node.get_all_context())
    except SettingsError as exc:
        sys.exit(f"error: {exc}")
    build_stacks(app, settings)
    app.synth()
