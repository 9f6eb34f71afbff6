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


RFT_SUBMIT = ["bedrock", "submit", "--base-model", "amazon.nova-2-lite-v1:0:256k"]
RFT_SUBMIT += ["--customization", "REINFORCEMENT_FINE_TUNING", "--bucket", "curated"]


def _machine() -> str:
    import boto3

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    return sfn.create_state_machine(
        name="fmops-dev-bedrock-customization",
        definition='{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}',
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]


@pytest.mark.parametrize(
    ("records", "base_model", "expect"),
    [(99, "amazon.nova-2-lite-v1:0:256k", "minimum of 100"),
     (100, "amazon.nova-lite-v1:0:300k", "not offered")],
)  # fmt: skip
def test_rft_submit_validates_before_any_upload_or_job(
    aws: None, tmp_path: Path, records: int, base_model: str, expect: str
) -> None:
    import boto3

    from tests.bedrock.conftest import as_prepared, write_jsonl
    from tests.bedrock.rule_corpus import rft_prompt

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="curated")
    machine = _machine()
    train = as_prepared(write_jsonl(tmp_path / "p.jsonl", [rft_prompt(i) for i in range(records)]))
    args = [*RFT_SUBMIT, "--train", str(train), "--state-machine-arn", machine, "--yes"]
    args[3] = base_model
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert expect in result.stderr
    assert s3.list_objects_v2(Bucket="curated").get("KeyCount") == 0
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    assert sfn.list_executions(stateMachineArn=machine)["executions"] == []


def test_rft_submit_starts_the_workflow_with_typed_hyperparameters(
    aws: None, tmp_path: Path
) -> None:
    import json

    import boto3

    from tests.bedrock.conftest import as_prepared, write_jsonl
    from tests.bedrock.rule_corpus import rft_prompt

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="curated")
    machine = _machine()
    train = as_prepared(write_jsonl(tmp_path / "p.jsonl", [rft_prompt(i) for i in range(100)]))
    result = runner.invoke(
        app,
        [*RFT_SUBMIT, "--train", str(train), "--state-machine-arn", machine, "--yes",
         "--hp", "epochCount=2", "--hp", "reasoningEffort=low", "--job-name", "rft-job"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
    payload = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    assert payload["customizationType"] == "REINFORCEMENT_FINE_TUNING"
    assert payload["rftHyperParameters"] == {"epochCount": 2, "reasoningEffort": "low"}
