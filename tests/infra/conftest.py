"""The synthesized dev app, shared by every infrastructure test."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
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


# A second app with every optional guard rail on: prod stage, RAG (Knowledge Base + Q Business),
# a permissions boundary, a break-glass role and two teachers (a model id, an inference profile).
# A boundary must be a policy of the stage's own account: prod's, when cdk.json pins it.
_PROD_ACCOUNT = (
    read_cdk_json_context().get("fmops:stages", {}).get("prod", {}).get("account") or "111122223333"
)
BOUNDARY_ARN = f"arn:aws:iam::{_PROD_ACCOUNT}:policy/platform-boundary"
BREAK_GLASS_ARN = f"arn:aws:iam::{_PROD_ACCOUNT}:role/incident-response"
TEACHER_MODEL = "amazon.nova-pro-v1:0"
TEACHER_PROFILE = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
IDENTITY_CENTER_ARN = "arn:aws:sso:::instance/ssoins-1234567890abcdef"


def hardened_context() -> dict:
    context = read_cdk_json_context()
    context["stage"] = "prod"
    stages = context["fmops:stages"]
    stages["prod"] = {
        **stages["prod"],
        "rag": {
            "enabled": True,
            "q_business": True,
            "identity_center_instance_arn": IDENTITY_CENTER_ARN,
        },
        "security": {
            "permissions_boundary_arn": BOUNDARY_ARN,
            "break_glass_role_arn": BREAK_GLASS_ARN,
        },
        "bedrock": {"teacher_models": [TEACHER_MODEL, TEACHER_PROFILE]},
    }
    return context


@pytest.fixture(scope="session")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """prod with RAG and every security option set, synthesized once for the whole session."""
    context = hardened_context()
    settings = load_settings(context)
    outdir = tmp_path_factory.mktemp("cdk.out-hardened")
    app = cdk.App(context=context, outdir=str(outdir))
    stacks = build_stacks(app, settings, nag=False)
    app.synth()
    templates = {
        "data": Template.from_stack(stacks.data),
        "network": Template.from_stack(stacks.network),
        "training": Template.from_stack(stacks.training),
        "bedrock": Template.from_stack(stacks.bedrock),
    }
    assert stacks.rag is not None
    templates["rag"] = Template.from_stack(stacks.rag)
    return SynthesizedApp(app, settings, stacks, outdir, templates)


# The configuration matrix (tests/infra/configurations.py): dev, prod and everything on, each
# synthesized once per session and shared by the runtime-contract, cfn-lint and checkov tests.
@dataclass(frozen=True)
class Configuration:
    name: str
    settings: Settings
    outdir: Path


@pytest.fixture(scope="session")
def matrix(
    synthesized: SynthesizedApp, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Configuration]:
    from tests.infra.configurations import CONFIGURATIONS

    built = {}
    for name, make_context in CONFIGURATIONS.items():
        context = make_context()
        settings = load_settings(context)
        same_as_dev_app = context == read_cdk_json_context() and not settings.delivery.enabled
        if same_as_dev_app:
            outdir = synthesized.outdir  # the session's app is exactly this configuration
        else:
            outdir = _synthesized_once(tmp_path_factory, name, context)
        built[name] = Configuration(name, settings, outdir)
    return built


def _synthesized_once(tmp_path_factory: pytest.TempPathFactory, name: str, context: dict) -> Path:
    """`synthesize` once per test run, whatever the number of xdist workers: the first worker
    that needs a configuration writes it under the run's shared temp dir, the others wait on a
    lock and read it (four workers each synthesized the two extra configurations, ~1 min of CPU).
    Keyed by the run (xdist's test-run id) and the context, so no run reads another's."""
    from tests.infra.configurations import synthesize

    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:  # one process: nothing to share
        outdir = tmp_path_factory.mktemp(f"cdk.out-{name}")
        synthesize(context, outdir)
        return outdir
    key = hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()[:16]
    shared = tmp_path_factory.getbasetemp().parent / f"cdk-matrix-{run}"
    shared.mkdir(exist_ok=True)
    outdir = shared / f"{name}-{key}"
    with (shared / f"{name}-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (outdir / "manifest.json").exists():
            synthesize(context, outdir)
    return outdir


# Every optional stack and run-time feature on (issue 26's audit configuration): prod with RAG,
# feedback with a created workforce, a multi-instance prepare, an LLM judge, teachers, a
# permissions boundary and a break-glass role. Region and account stay unpinned.
JUDGE_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def everything_on_context() -> dict:
    context = hardened_context()
    prod = context["fmops:stages"]["prod"]
    prod["feedback"] = {"enabled": True}
    prod["alarm_email"] = "mlops@example.com"
    prod["training"] = {**prod.get("training", {}), "prepare_instance_count": 2}
    prod["evaluation"] = {**prod.get("evaluation", {}), "judge_model_id": JUDGE_MODEL}
    prod["serving"] = {**prod.get("serving", {}), "invocation_logging": True}
    return context


@dataclass(frozen=True)
class TemplateSet:
    settings: Settings
    stacks: FmopsStacks
    outdir: Path
    # Synthesized templates as plain dicts, by stack purpose (data, network, ..., humans).
    json: dict[str, dict]


def synthesize_dicts(context: dict, outdir: Path) -> TemplateSet:
    import json

    settings = load_settings(context)
    app = cdk.App(context=context, outdir=str(outdir))
    stacks = build_stacks(app, settings, nag=False)
    app.synth()
    templates = {}
    for purpose in ("data", "network", "training", "rag", "bedrock", "serving", "humans"):
        stack = getattr(stacks, purpose)
        if stack is not None:
            path = outdir / f"{stack.artifact_id}.template.json"
            templates[purpose] = json.loads(path.read_text())
    return TemplateSet(settings, stacks, outdir, templates)


@pytest.fixture(scope="session")
def everything_on(tmp_path_factory: pytest.TempPathFactory) -> TemplateSet:
    return synthesize_dicts(everything_on_context(), tmp_path_factory.mktemp("cdk.out-all"))
