"""Static scan next to cdk-nag: checkov (pinned, own venv) over the synthesized templates.

One checkov run per session covers the dev stage, the prod stage with RAG and every security
option on, and a deliberately bad template (the positive control that proves the scan runs).
Zero failures; every skip is written on its resource (Metadata.checkov.skip) with a reason.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"

# An open, unencrypted, unlogged bucket and SSH from anywhere: checkov must flag these.
BAD_TEMPLATE = {
    "Resources": {
        "OpenBucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "OpenSsh": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "ssh from anywhere",
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
                ],
            },
        },
    }
}


def _run_checkov(files: list[Path]) -> list[dict[str, Any]]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make setup` (builds .venv-checkov)")
    command = [str(CHECKOV), "--skip-download", "--framework", "cloudformation", "--compact"]
    command += ["-o", "json"] + [arg for f in files for arg in ("-f", str(f))]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    # checkov exits 1 when any check fails (the control always fails some).
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.fixture(scope="session")
def checkov_results(
    synthesized: Any, hardened: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    control = tmp_path_factory.mktemp("checkov-control") / "bad.template.json"
    control.write_text(json.dumps(BAD_TEMPLATE))
    sets = {
        "dev": sorted(synthesized.outdir.glob("*.template.json")),
        "prod+rag": sorted(hardened.outdir.glob("*.template.json")),
        "control": [control],
    }
    owner = {str(f.resolve()): name for name, files in sets.items() for f in files}
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {"passed": [], "failed": [], "skipped": []} for name in sets
    }
    for report in _run_checkov([f for files in sets.values() for f in files]):
        for outcome in ("passed", "failed", "skipped"):
            for check in report["results"][f"{outcome}_checks"]:
                path = str(Path(check["file_abs_path"]).resolve())
                results[owner[path]][outcome].append(check)
    return results


def _summary(checks: list[dict[str, Any]]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(Counter(c["check_id"] for c in checks).items()))


def test_positive_control_is_flagged(checkov_results: Any) -> None:
    failed = {c["check_id"] for c in checkov_results["control"]["failed"]}
    assert "CKV_AWS_24" in failed  # SSH open to 0.0.0.0/0
    assert "CKV_AWS_18" in failed  # bucket without access logging


@pytest.mark.parametrize("stage", ["dev", "prod+rag"])
def test_synthesized_templates_have_no_checkov_failures(checkov_results: Any, stage: str) -> None:
    result = checkov_results[stage]
    assert len(result["passed"]) > 100  # the scan really covered the templates
    failures = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in result["failed"]]
    assert failures == []
    print(
        f"\ncheckov {stage}: {len(result['passed'])} passed, {len(result['failed'])} failed, "
        f"{len(result['skipped'])} skipped ({_summary(result['skipped'])})"
    )


@pytest.mark.parametrize("stage", ["dev", "prod+rag"])
def test_every_checkov_skip_names_its_resource_and_a_reason(
    checkov_results: Any, stage: str
) -> None:
    for check in checkov_results[stage]["skipped"]:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason.split()) >= 5, f"{check['check_id']} on {check['resource']}: {reason!r}"
        assert check["resource"].startswith(
            (
                "AWS::Lambda::Function.",
                "AWS::S3::Bucket.AccessLogs",
                # VPC Lambdas' network-interface actions (no resource-level permissions): the
                # RFT grader, the Ground Truth functions; CDK Pipelines' asset-role policies.
                "AWS::IAM::ManagedPolicy.RftGraderPolicy",
                "AWS::IAM::ManagedPolicy.FunctionPolicy",
                "AWS::IAM::Policy.PipelineAssets",
            )
        )
