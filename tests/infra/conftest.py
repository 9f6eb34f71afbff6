"""The synthesized dev app, shared by every infrastructure test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from deployment.settings import Settings, load_settings, read_cdk_json_context
from infra.app import FmopsStacks, build_stacks


@dataclass(frozen=True)
class SynthesizedApp:
    app: cdk.App
    settings: Settings
    stacks: FmopsStacks
    outdir: Path
    templates: dict[str, Template]


@pytest.fixture(scope="session")
def dev_settings() -> Settings:
    return load_settings(read_cdk_json_context())


@pytest.fixture(scope="session")
def synthesized(dev_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(context=read_cdk_json_context(), outdir=str(outdir))
    # nag runs in its own test (validate_scope) so one finding does not fail every test here.
    stacks = build_stacks(app, dev_settings, nag=False)
    app.synth()
    templates = {
        "data": Template.from_stack(stacks.data),
        "network": Template.from_stack(stacks.network),
        "training": Template.from_stack(stacks.training),
        "bedrock": Template.from_stack(stacks.bedrock),
    }
    return SynthesizedApp(app, dev_settings, stacks, outdir, templates)


@pytest.fixture(scope="session")
def data_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.templates["data"]


@pytest.fixture(scope="session")
def network_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.templates["network"]


@pytest.fixture(scope="session")
def training_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.templates["training"]


@pytest.fixture(scope="session")
def bedrock_template(synthesized: SynthesizedApp) -> Template:
    return synthesized.templates["bedrock"]
