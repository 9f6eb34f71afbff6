"""`fmops bedrock validate` on the rule corpus: every good case exits 0, every bad case exits 2
with its rule's reason on stderr; `submit` of RFT sends the stack's grader and typed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.bedrock.jobs import JobRequest, JobTarget, create_job_request
from pipelines.cli import app
from tests.api_shapes import operation, problems
from tests.bedrock.rule_corpus import CASES, Case

runner = CliRunner()


def _args(case: Case, directory: Path) -> list[str]:
    train, validation = case.write(directory)
    args = ["bedrock", "validate", "--base-model", case.base_model]
    args += ["--customization", case.customization, "--train", str(train)]
    args += ["--validation", str(validation)] if validation else []
    args += [a for name, value in case.hp.items() for a in ("--hp", f"{name}={value}")]
    args += ["--teacher", case.teacher] if case.teacher else []
    args += ["--region", case.region] if case.region else []
    args += ["--media-root", str(directory / "media")] if case.media else []
    args += ["--bucket", case.dataset_bucket] if case.dataset_bucket else []
    return args


def test_validate_accepts_a_valid_nova_2_lite_fine_tuning_file(tmp_path: Path) -> None:
    (case,) = [c for c in CASES if c.rule == "nova2_valid_text_with_reasoning"]
    result = runner.invoke(app, _args(case, tmp_path))
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_validate_accepts_a_valid_rft_file(tmp_path: Path) -> None:
    (case,) = [c for c in CASES if c.rule == "rft_valid_100_prompts"]
    result = runner.invoke(app, [*_args(case, tmp_path), "--hp", "epochCount=2"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("case", [c for c in CASES if not c.good], ids=lambda c: c.rule)
def test_validate_refuses_each_rules_bad_case(case: Case, tmp_path: Path) -> None:
    result = runner.invoke(app, _args(case, tmp_path))
    assert result.exit_code == 2, result.output
    assert case.expect in result.stderr.replace("\n  ", " ")
    assert "nothing was sent to AWS" in result.stderr


GRADER = "arn:aws:lambda:us-east-1:123456789012:function:fmops-dev-rft-grader"


def test_direct_rft_request_carries_the_grader_and_typed_hyperparameters() -> None:
    request = create_job_request(
        JobRequest(
            job_name="rft-1",
            custom_model_name="rft-1-model",
            base_model="amazon.nova-2-lite-v1:0:256k",
            customization_type="REINFORCEMENT_FINE_TUNING",
            training_s3_uri="s3://curated/bedrock/rft-1/train.jsonl",
            hyperparameters={"epochCount": "2", "learningRate": "1e-5", "reasoningEffort": "low"},
            grader_arn=GRADER,
        ),
        JobTarget(role_arn="arn:aws:iam::123456789012:role/svc", output_s3_uri="s3://out/x/"),
    )
    rft: dict[str, Any] = request["customizationConfig"]["rftConfig"]
    assert rft["graderConfig"] == {"lambdaGrader": {"lambdaArn": GRADER}}
    assert rft["hyperParameters"] == {
        "epochCount": 2,
        "learningRate": 1e-5,
        "reasoningEffort": "low",
    }
    assert "hyperParameters" not in request  # RFT takes no string map
    assert problems(operation("bedrock", "CreateModelCustomizationJob"), request) == []
