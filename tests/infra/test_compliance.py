"""Compliance gates: cdk-nag packs, cfn-lint, and synthesis with no AWS account at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cfnlint.api import ManualArgs, lint

from deployment.contract import STACK_KINDS, stack_name
from deployment.settings import Settings, load_settings, read_cdk_json_context
from infra.nag import acknowledge, nag_findings, nag_packs

ROOT = Path(__file__).resolve().parents[2]
PACKS = ["AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"]


@pytest.mark.parametrize("index", range(len(PACKS)), ids=PACKS)
def test_nag_pack_has_no_unacknowledgednag_findings(synthesized: Any, index: int) -> None:
    pack = nag_packs()[index]
    assert nag_findings(pack, synthesized.app) == []


def test_nag_packs_flag_an_insecure_bucket() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Insecure")
    s3.Bucket(stack, "Open")
    findings = [f for pack in nag_packs() for f in nag_findings(pack, app)]
    assert any(f.startswith("AwsSolutions-S10") for f in findings)  # no SSL-only policy
    assert any(f.startswith("AwsSolutions-S1") for f in findings)  # no access logs


def test_acknowledged_finding_is_not_reported() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Acknowledged")
    bucket = s3.Bucket(stack, "Open", enforce_ssl=True)
    acknowledge(
        bucket, "AwsSolutions-S1", "A throwaway bucket in a unit test needs no access logs."
    )
    assert not any(f.startswith("AwsSolutions-S1 ") for f in nag_findings(nag_packs()[0], app))


def test_acknowledgement_without_a_real_reason_is_refused() -> None:
    bucket = s3.Bucket(cdk.Stack(cdk.App(), "NoReason"), "Open")
    with pytest.raises(ValueError, match="give a reason"):
        acknowledge(bucket, "AwsSolutions-S1", "ok")


def _templates(outdir: Path) -> list[Path]:
    templates = sorted(outdir.glob("*.template.json"))
    assert templates, f"no templates in {outdir}"
    return templates


# Warnings we accept: (rule, template name prefix, text in the finding), each with the reason.
# Errors are never accepted.
ACCEPTED_CFN_LINT_WARNINGS = (
    # aws-cdk-lib's own custom-resource provider (restrict the default security group) lists
    # its role in DependsOn and also GetAtt's it; redundant, harmless, and not our code.
    ("W3005", "fmops-dev-network", "CustomVpcRestrictDefaultSGCustomResourceProvider"),
    # The same in AwsCustomResource's provider (the S3 prefix-list lookup): its Lambda function
    # lists its service role in DependsOn and GetAtt's it.
    ("W3005", "fmops-dev-network", "AWS679f53fac002430cb0da5b7982bd2287ServiceRole"),
    # The training stack republishes the Fn::Sub values it imports (subnets, security group,
    # key) as PipelineVar* outputs on purpose: `fmops pipeline upsert --stack` resolves the
    # definition from one stack with exactly the values CloudFormation used.
    ("W6001", "fmops-dev-training", "is an import from another output"),
    # The serving stack republishes the stage guardrail's ARN and version (from the bedrock
    # stack) so that `fmops invoke` reads everything it sends from one stack.
    ("W6001", "fmops-dev-serving", "GuardrailhealthcareGuardrailArn"),
    ("W6001", "fmops-dev-serving", "GuardrailVersionhealthcareVersion"),
    # aws-cdk-lib's AwsCustomResource provider (invocation logging) lists its role in
    # DependsOn and also GetAtt's it: the same harmless redundancy as the network stack's.
    ("W3005", "fmops-dev-serving", "AWS679f53fac002430cb0da5b7982bd2287ServiceRole"),
)


def _accepted(template: Path, match: Any) -> bool:
    return any(
        match.rule.id == rule and template.name.startswith(prefix) and text in str(match)
        for rule, prefix, text in ACCEPTED_CFN_LINT_WARNINGS
    )


def test_cfn_lint_finds_nothing_in_synthesized_templates(
    synthesized: Any, dev_settings: Settings
) -> None:
    # Zones named in settings.network.availability_zones are the team's own choice (cdk.json):
    # cfn-lint's W3010 (hard-coded zones) is then expected; by default zones come from Fn::GetAZs.
    zones_pinned = bool(dev_settings.network.availability_zones)
    problems = [
        f"{template.name}: {match}"
        for template in _templates(synthesized.outdir)
        for match in lint(template.read_text(), config=ManualArgs(regions=["us-east-1"]))
        if not _accepted(template, match) and not (zones_pinned and match.rule.id == "W3010")
    ]
    assert problems == []


def test_app_py_synthesizes_every_stack_without_credentials(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path), CDK_OUTDIR=str(tmp_path / "out"), AWS_EC2_METADATA_DISABLED="true"
    )
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    stacks = {
        name for name, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"
    }
    # What cdk.json asks for, not the defaults: the Synth step runs this on the team's file.
    settings = load_settings(read_cdk_json_context())
    assert stacks == _expected_stacks(settings)
    pinned = f"aws://{settings.account or 'unknown-account'}/{settings.region or 'unknown-region'}"
    for name in stacks - {f"{settings.prefix}-delivery"}:
        assert manifest["artifacts"][name]["environment"] == pinned


def _expected_stacks(settings: Settings) -> set[str]:
    optional = {
        "rag": settings.rag.enabled,
        "humans": settings.feedback.enabled,
        "budget": settings.cost.monthly_budget_usd is not None,
    }
    kinds = [k for k in STACK_KINDS if optional.get(k, True)]
    names = {stack_name(settings, kind) for kind in kinds}
    return names | ({f"{settings.prefix}-delivery"} if settings.delivery.enabled else set())
