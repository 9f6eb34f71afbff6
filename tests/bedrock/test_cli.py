"""`fmops bedrock`: problems printed with line numbers and exit 2, before any AWS call."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
from typer.testing import CliRunner

from pipelines.cli import app
from tests.bedrock.conftest import REGION, claude_record, conversation, write_jsonl

runner = CliRunner()
TITAN = ["--base-model", "amazon.titan-text-express-v1", "--customization", "FINE_TUNING"]
CLAUDE = [
    "--base-model",
    "anthropic.claude-3-haiku-20240307-v1:0:200k",
    "--customization",
    "FINE_TUNING",
]


def test_validate_accepts_a_valid_request(prompt_completion: Path) -> None:
    result = runner.invoke(
        app,
        ["bedrock", "validate", *TITAN, "--train", str(prompt_completion), "--hp", "epochCount=3"],
    )
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_validate_prints_every_problem_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"prompt": "a", "completion": "b"}\n{"prompt": "c"}\nnot json\n', encoding="utf-8"
    )
    result = runner.invoke(
        app, ["bedrock", "validate", *TITAN, "--train", str(path), "--hp", "epochCount=99"]
    )
    assert result.exit_code == 2
    assert f"{path}:2: missing key 'completion'" in result.stderr
    assert f"{path}:3: not valid JSON" in result.stderr
    assert "epochCount=99: must be between 1 and 10" in result.stderr
    assert "3 problem(s)" in result.stderr


def test_invalid_submit_creates_no_job_and_uploads_nothing(aws: None, tmp_path: Path) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="curated")
    path = write_jsonl(tmp_path / "t.jsonl", [{"prompt": "p"}])
    result = runner.invoke(
        app,
        [
            "bedrock",
            "submit",
            *TITAN,
            "--train",
            str(path),
            "--bucket",
            "curated",
            "--direct",
            "--role-arn",
            "arn:aws:iam::123456789012:role/r",
            "--output-s3-uri",
            "s3://curated/out/",
        ],
    )
    assert result.exit_code == 2
    bedrock = boto3.client("bedrock", region_name=REGION)
    assert bedrock.list_model_customization_jobs()["modelCustomizationJobSummaries"] == []
    assert s3.list_objects_v2(Bucket="curated").get("KeyCount") == 0


def test_direct_submit_uploads_the_data_and_creates_the_job(
    aws: None, prepared_prompt_completion: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="curated")
    result = runner.invoke(
        app,
        [
            "bedrock",
            "submit",
            *TITAN,
            "--train",
            str(prepared_prompt_completion),
            "--bucket",
            "curated",
            "--direct",
            "--job-name",
            "cli-job",
            "--role-arn",
            "arn:aws:iam::123456789012:role/r",
            "--output-s3-uri",
            "s3://curated/out/",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    job: dict[str, Any] = boto3.client("bedrock", region_name=REGION).get_model_customization_job(
        jobIdentifier="cli-job"
    )
    uri = json.loads(result.stdout)["trainingDataS3Uri"]
    assert job["trainingDataConfig"]["s3Uri"] == uri
    # A key unique to the submission, under the job's own prefix.
    assert re.fullmatch(r"s3://curated/curated/bedrock/cli-job/[0-9a-f]{12}/train.jsonl", uri)
    s3.head_object(Bucket="curated", Key=uri.removeprefix("s3://curated/"))


def test_list_json_shows_submitted_jobs_and_status_exits_1_when_failed(
    aws: None, prompt_completion: Path
) -> None:
    from tests.bedrock.conftest import set_job_status

    bedrock = boto3.client("bedrock", region_name=REGION)
    bedrock.create_model_customization_job(
        jobName="j1",
        customModelName="m1",
        roleArn="arn:aws:iam::123456789012:role/r",
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://b/t"},
        outputDataConfig={"s3Uri": "s3://b/o"},
        hyperParameters={},
    )
    listed = runner.invoke(app, ["bedrock", "list", "--json"])
    assert listed.exit_code == 0 and '"jobName": "j1"' in listed.stdout
    set_job_status("j1", "Failed")
    assert runner.invoke(app, ["bedrock", "status", "j1"]).exit_code == 1


def test_validate_accepts_a_claude_haiku_dataset(claude_conversations: Path) -> None:
    result = runner.invoke(
        app,
        [
            "bedrock",
            "validate",
            *CLAUDE,
            "--train",
            str(claude_conversations),
            "--validation",
            str(claude_conversations),
            "--hp",
            "batchSize=8",
            "--hp",
            "learningRateMultiplier=0.5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_validate_refuses_converse_records_and_bad_hp_for_claude(tmp_path: Path) -> None:
    records = [claude_record("q", "a")] * 32 + [conversation("q", "a")]
    path = write_jsonl(tmp_path / "mixed.jsonl", records)
    result = runner.invoke(
        app,
        [
            "bedrock",
            "validate",
            *CLAUDE,
            "--train",
            str(path),
            "--hp",
            "batchSize=1",
            "--hp",
            "learningRate=0.001",
        ],
    )
    assert result.exit_code == 2
    assert f"{path}:33: unexpected key(s) 'schemaVersion'" in result.stderr
    assert f"{path}:33: 'messages[0].content' must be a string, got list" in result.stderr
    assert "batchSize=1: must be between 4 and 256" in result.stderr
    assert "learningRate=0.001: unknown hyperparameter" in result.stderr
    assert f"{path}:1" not in result.stderr
