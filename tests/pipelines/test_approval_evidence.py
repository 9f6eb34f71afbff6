"""Approval needs evidence: a human audit of that exact version, within the stage's bound.

moto 5.2.5 serves DescribeModelPackage/UpdateModelPackage (CustomerMetadataProperties) and S3.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()
GROUP = "fmops-prod-models"
SUPPORTED, UNSUPPORTED = "Fully supported", "Unsupported content"


@pytest.fixture()
def package(aws: None) -> tuple[Any, str]:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    rows = [
        {"prompt": f"question {i}", "reference": f"answer {i}", "output": f"output {i}"}
        for i in range(100)
    ]
    body = "".join(json.dumps(r) + "\n" for r in rows)
    s3.put_object(Bucket="artifacts", Key="run/Evaluate/evaluation/predictions.jsonl", Body=body)
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="PendingManualApproval",
        ModelMetrics={"ModelQuality": {"Statistics": {
            "ContentType": "application/json",
            "S3Uri": "s3://artifacts/run/Evaluate/evaluation/model_quality.json",
        }}},
    )["ModelPackageArn"]  # fmt: skip
    return sagemaker, arn


def _status(sagemaker: Any, arn: str) -> dict[str, Any]:
    return sagemaker.describe_model_package(ModelPackageName=arn)


def _audit(tmp_path: Path, arn: str, size: int, unsupported: int) -> Any:
    """Sample from the version's outputs, label it as Ground Truth would, ingest the result."""
    drawn = runner.invoke(
        app,
        ["eval", "audit-sample", "--model-package", arn, "-o", str(tmp_path / "audit"),
         "--size", str(size), "--json"],
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    lines = (tmp_path / "audit" / "manifest.jsonl").read_text().splitlines()
    labelled = [
        {**json.loads(line), "hallucination-audit": {"verdict": {"label": label}}}
        for line, label in zip(
            lines, [UNSUPPORTED] * unsupported + [SUPPORTED] * len(lines), strict=False
        )
    ]
    output = tmp_path / "output.manifest"
    output.write_text("".join(json.dumps(r) + "\n" for r in labelled))
    return runner.invoke(app, ["eval", "audit-ingest", "-m", str(output), "--model-package", arn])


def test_approval_without_an_audit_is_refused_in_prod(package: tuple[Any, str]) -> None:
    sagemaker, arn = package

    result = runner.invoke(app, ["pipeline", "approve", arn, "--stage", "prod"])

    assert result.exit_code == 1
    assert "no human hallucination audit recorded for this version" in result.stderr
    assert _status(sagemaker, arn)["ModelApprovalStatus"] == "PendingManualApproval"


def test_force_with_a_reason_approves_and_records_the_override(package: tuple[Any, str]) -> None:
    sagemaker, arn = package

    result = runner.invoke(
        app, ["pipeline", "approve", arn, "--stage", "prod", "--force", "--reason", "hotfix"]
    )

    assert result.exit_code == 0, result.output
    described = _status(sagemaker, arn)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["CustomerMetadataProperties"]["approval_override_reason"] == "hotfix"
    assert (
        "no human hallucination audit"
        in (described["CustomerMetadataProperties"]["approval_override_refusal"])
    )


def test_force_without_a_reason_is_bad_input(package: tuple[Any, str]) -> None:
    sagemaker, arn = package

    result = runner.invoke(app, ["pipeline", "approve", arn, "--stage", "prod", "--force"])

    assert result.exit_code == 2
    assert "--force needs --reason" in result.stderr
    assert _status(sagemaker, arn)["ModelApprovalStatus"] == "PendingManualApproval"


def test_dev_does_not_require_an_audit(package: tuple[Any, str]) -> None:
    sagemaker, arn = package

    result = runner.invoke(app, ["pipeline", "approve", arn, "--stage", "dev"])

    assert result.exit_code == 0, result.output
    assert _status(sagemaker, arn)["ModelApprovalStatus"] == "Approved"


def test_clean_audit_of_that_version_allows_prod_approval(
    package: tuple[Any, str], tmp_path: Path
) -> None:
    sagemaker, arn = package
    # 0 of 80 unsupported: Wilson upper bound 0.046, within prod's max_hallucination_rate 0.05.
    ingested = _audit(tmp_path, arn, size=80, unsupported=0)
    assert ingested.exit_code == 0, ingested.output

    result = runner.invoke(app, ["pipeline", "approve", arn, "--stage", "prod"])

    assert result.exit_code == 0, result.output
    described = _status(sagemaker, arn)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["CustomerMetadataProperties"]["audit_model_version"] == arn


def test_audit_whose_upper_bound_exceeds_the_maximum_is_refused(
    package: tuple[Any, str], tmp_path: Path
) -> None:
    sagemaker, arn = package
    # 0 of 40: rate 0 but the Wilson upper bound (0.088) is above 0.05: too few items to tell.
    assert _audit(tmp_path, arn, size=40, unsupported=0).exit_code == 0

    result = runner.invoke(app, ["pipeline", "approve", arn, "--stage", "prod"])

    assert result.exit_code == 1
    assert "95% Wilson upper bound 0.088" in result.stderr
    assert "evaluation.max_hallucination_rate = 0.05" in result.stderr
    # (moto drops the status on a metadata-only UpdateModelPackage; AWS keeps it.)
    assert _status(sagemaker, arn).get("ModelApprovalStatus") != "Approved"


def test_an_audit_of_another_version_cannot_be_recorded(
    package: tuple[Any, str], tmp_path: Path
) -> None:
    sagemaker, arn = package
    other = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP, ModelApprovalStatus="PendingManualApproval"
    )["ModelPackageArn"]
    drawn = runner.invoke(
        app, ["eval", "audit-sample", "--model-package", arn, "-o", str(tmp_path / "a")]
    )
    assert drawn.exit_code == 0, drawn.output
    lines = [
        {**json.loads(line), "hallucination-audit": {"verdict": {"label": SUPPORTED}}}
        for line in (tmp_path / "a" / "manifest.jsonl").read_text().splitlines()
    ]
    output = tmp_path / "out.manifest"
    output.write_text("".join(json.dumps(r) + "\n" for r in lines))

    result = runner.invoke(
        app, ["eval", "audit-ingest", "-m", str(output), "--model-package", other]
    )

    assert result.exit_code == 2
    assert f"was sampled from {arn}, not {other}" in result.stderr
    assert "audit_ci_high" not in (
        _status(sagemaker, other).get("CustomerMetadataProperties") or {}
    )


@pytest.fixture()
def local_registry(tmp_path: Path) -> Path:
    """A local registry with one version, its evaluation outputs and its model card."""
    from pipelines.local.model_cards import write_card

    runs = tmp_path / "runs"
    evaluation = tmp_path / "evaluation"
    evaluation.mkdir(parents=True)
    rows = [{"prompt": f"q{i}", "reference": f"a{i}", "output": f"o{i}"} for i in range(100)]
    (evaluation / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    card = {
        "intended_uses": {"purpose_of_model": "demo", "risk_rating": "High"},
        "evaluation_details": [],
        "additional_information": {"custom_details": {"audit": "{}"}},
    }
    entry = {
        "ModelPackageGroupName": "fmops-dev-models",
        "ModelPackageVersion": 1,
        "ModelApprovalStatus": "PendingManualApproval",
        "LocalEvaluation": str(evaluation),
        "ModelCard": write_card(runs / "model-registry.json", "fmops-dev-models", 1, card),
    }
    (runs / "model-registry.json").write_text(json.dumps({"fmops-dev-models": [entry]}))
    return runs


def _local(runs: Path, *args: str) -> Any:
    return runner.invoke(app, [*args, "--local-version", "1", "--runs-dir", str(runs)])


def test_local_version_needs_its_own_audit_before_prod_approval(
    local_registry: Path, tmp_path: Path
) -> None:
    refused = _local(local_registry, "pipeline", "approve", "--stage", "prod")
    assert refused.exit_code == 1
    assert "local:fmops-dev-models/1: no human hallucination audit" in refused.stderr

    drawn = _local(
        local_registry, "eval", "audit-sample", "-o", str(tmp_path / "a"), "--size", "80"
    )
    assert drawn.exit_code == 0, drawn.output
    lines = [
        {**json.loads(line), "hallucination-audit": {"verdict": {"label": SUPPORTED}}}
        for line in (tmp_path / "a" / "manifest.jsonl").read_text().splitlines()
    ]
    assert {line["model_version"] for line in lines} == {"local:fmops-dev-models/1"}
    output = tmp_path / "out.manifest"
    output.write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert _local(local_registry, "eval", "audit-ingest", "-m", str(output)).exit_code == 0

    approved = _local(local_registry, "pipeline", "approve", "--stage", "prod")

    assert approved.exit_code == 0, approved.output
    (entry,) = json.loads((local_registry / "model-registry.json").read_text())["fmops-dev-models"]
    assert entry["ModelApprovalStatus"] == "Approved"
    assert entry["Audit"]["audited"] == 80
    card = json.loads(Path(entry["ModelCard"]["json"]).read_text())
    assert json.loads(card["additional_information"]["custom_details"]["audit"])["audited"] == 80
    assert "Human audit" in Path(entry["ModelCard"]["html"]).read_text()
