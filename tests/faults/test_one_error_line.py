"""Bad input and AWS failures end as one `error:` line with the documented exit code.

Exit 2: bad input, found before anything was sent to AWS or written. Exit 1: AWS or a job
failed. Each case also checks that nothing was uploaded, started or written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.faults.conftest import REGION, TITAN, error_line

runner = CliRunner()
ROLE = ["--role-arn", "arn:aws:iam::123456789012:role/r"]


def _utf16(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes("".join(json.dumps(r) + "\n" for r in rows).encode("utf-16"))
    return path


def _keys(s3: Any, bucket: str = "curated") -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


# --- bedrock -------------------------------------------------------------------------------


def test_submit_to_a_missing_bucket_is_one_line_and_creates_no_job(
    aws: None, pc_dataset: Path
) -> None:
    args = ["bedrock", "submit", *TITAN, "--train", str(pc_dataset), "--bucket", "no-such-bucket",
            "--direct", *ROLE, "--output-s3-uri", "s3://no-such-bucket/out/"]  # fmt: skip
    line = error_line(runner.invoke(app, args), 1)
    assert "AWS" in line and "NoSuchBucket" in line
    listed = boto3.client("bedrock", region_name=REGION).list_model_customization_jobs()
    assert listed["modelCustomizationJobSummaries"] == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--job-name", "../../evil"], "--job-name '../../evil': must be 1 to 63"),
        (["--job-name", "bad name!"], "--job-name 'bad name!': must be 1 to 63"),
        (["--model-name", "x" * 64], "--model-name 'xxxx"),
        (["--output-s3-uri", "notanuri"], "--output-s3-uri 'notanuri': expected s3://BUCKET"),
    ],
)
def test_submit_checks_names_and_uris_before_uploading(
    aws: None, pc_dataset: Path, extra: list[str], message: str
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="curated")
    args = ["bedrock", "submit", *TITAN, "--train", str(pc_dataset), "--bucket", "curated",
            "--direct", *ROLE, "--output-s3-uri", "s3://curated/out/", *extra]  # fmt: skip
    assert message in error_line(runner.invoke(app, args), 2)
    assert _keys(s3) == []


def test_submit_refused_by_the_concurrency_limit_leaves_no_upload(
    aws: None, pc_dataset: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="curated")
    bedrock = boto3.client("bedrock", region_name=REGION)
    for name in ("running-1", "running-2"):  # moto keeps jobs InProgress; the limit is 2
        bedrock.create_model_customization_job(
            jobName=name, customModelName=f"{name}-m", roleArn=ROLE[1],
            baseModelIdentifier="amazon.titan-text-express-v1",
            trainingDataConfig={"s3Uri": "s3://b/t"}, outputDataConfig={"s3Uri": "s3://b/o"},
            hyperParameters={},
        )  # fmt: skip
    args = ["bedrock", "submit", *TITAN, "--train", str(pc_dataset), "--bucket", "curated",
            "--direct", *ROLE, "--output-s3-uri", "s3://curated/out/"]  # fmt: skip
    line = error_line(runner.invoke(app, args), 1)
    assert "2 customization jobs already InProgress (running-1, running-2)" in line
    assert _keys(s3) == []


def test_status_without_a_region_is_one_line(no_aws_region: None) -> None:
    line = error_line(runner.invoke(app, ["bedrock", "status", "some-job"]), 2)
    assert line == "error: no AWS region: pass --region or set AWS_REGION"


def test_list_refuses_a_status_that_is_not_one(aws: None) -> None:
    line = error_line(runner.invoke(app, ["bedrock", "list", "--status", "Running"]), 2)
    assert "--status 'Running': not a job status (allowed: InProgress, Completed, Failed" in line


def test_status_json_has_only_the_jobs_fields(aws: None) -> None:
    boto3.client("bedrock", region_name=REGION).create_model_customization_job(
        jobName="j1", customModelName="m1", roleArn=ROLE[1],
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://b/t"}, outputDataConfig={"s3Uri": "s3://b/o"},
        hyperParameters={},
    )  # fmt: skip
    result = runner.invoke(app, ["bedrock", "status", "j1", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["jobName"] == "j1" and "ResponseMetadata" not in shown


def test_piped_tables_do_not_wrap_identifiers(aws: None) -> None:
    name = "a-customization-job-with-a-long-name-" + "x" * 24
    boto3.client("bedrock", region_name=REGION).create_model_customization_job(
        jobName=name, customModelName="m1", roleArn=ROLE[1],
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://b/t"}, outputDataConfig={"s3Uri": "s3://b/o"},
        hyperParameters={},
    )  # fmt: skip
    result = runner.invoke(app, ["bedrock", "list"])  # CliRunner output is not a terminal
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if name in line)
    assert "arn:aws:bedrock:" in row  # the base model ARN is on the same line, whole
    assert len(row) > 80


# --- pipeline --------------------------------------------------------------------------------


def test_pipeline_start_refuses_a_method_outside_the_definitions_enum(
    no_aws_region: None,
) -> None:
    # No credentials: had the command reached AWS, it would fail with exit 1 instead.
    args = ["pipeline", "start", "--region", REGION, "--param", "Method=foo"]
    line = error_line(runner.invoke(app, args), 2)
    assert "--param Method='foo': must be one of cpt, sft, lora, reft, distill, reward, dpo" in line


def test_local_run_refuses_a_data_task_outside_the_enum(tmp_path: Path) -> None:
    args = ["local", "run", "--runs-dir", str(tmp_path), "--param", "DataTask=images"]
    assert "--param DataTask='images': must be one of cpt, sft" in error_line(
        runner.invoke(app, args), 2
    )
    assert list(tmp_path.iterdir()) == []


def test_an_aws_error_is_one_line_with_exit_1(aws: None) -> None:
    # moto has no pipeline named fmops-dev-training: StartPipelineExecution fails in AWS.
    line = error_line(runner.invoke(app, ["pipeline", "start"]), 1)
    assert "fmops-dev-training" in line


# --- data, eval, feedback --------------------------------------------------------------------


def test_data_validate_failure_is_exit_2_with_an_error_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a"}\n', encoding="utf-8")
    result = runner.invoke(app, ["data", "validate", "--format", "prompt_completion", str(path)])
    assert result.exit_code == 2  # as `fmops bedrock validate` for the same problem
    assert f"{path}:1: missing key 'completion'" in result.stdout
    assert result.stderr.strip() == f"error: {path}: 1 problem(s) (listed above)"


def test_anonymize_into_a_directory_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "notes.jsonl"
    source.write_text('{"text": "Call Jane Doe at 555-0100."}\n', encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    line = error_line(runner.invoke(app, ["data", "anonymize", str(source), str(out_dir)]), 2)
    assert line == f"error: {out_dir}: is a directory; give the JSONL file to write"
    assert list(out_dir.iterdir()) == []


def test_prepare_into_an_unwritable_place_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"prompt": "a b c d", "completion": "e f g h"}\n', encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for out in (Path("/proc/x"), blocker / "out"):
        line = error_line(runner.invoke(app, ["data", "prepare", str(source), str(out)]), 2)
        assert str(out) in line


def test_eval_score_of_utf16_files_names_the_file(tmp_path: Path) -> None:
    predictions = _utf16(tmp_path / "p.jsonl", [{"text": "a cat"}])
    references = tmp_path / "r.jsonl"
    references.write_text('{"text": "a cat"}\n', encoding="utf-8")
    args = ["eval", "score", "-p", str(predictions), "-r", str(references)]
    line = error_line(runner.invoke(app, args), 2)
    assert line.startswith(f"error: {predictions}:1: not valid UTF-8 (byte 0xff)")


def test_feedback_rank_tasks_of_a_utf16_file_names_the_file(tmp_path: Path) -> None:
    candidates = _utf16(
        tmp_path / "c.jsonl", [{"prompt": "p", "response_a": "a", "response_b": "b"}]
    )
    args = ["feedback", "rank-tasks", str(candidates), "--out-dir", str(tmp_path / "job")]
    line = error_line(runner.invoke(app, args), 2)
    assert line.startswith(f"error: {candidates}:1: not valid UTF-8 (byte 0xff)")
    assert not (tmp_path / "job").exists()


def test_missing_input_file_is_named_once(tmp_path: Path) -> None:
    missing = tmp_path / "nofile.jsonl"
    args = ["feedback", "rank-tasks", str(missing), "--out-dir", str(tmp_path / "job")]
    line = error_line(runner.invoke(app, args), 2)
    assert line.count("nofile.jsonl") == 1


def test_an_unexpected_error_is_one_line_and_verbose_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pipelines.cli

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(pipelines.cli, "settings_for_stage", broken)
    line = error_line(runner.invoke(app, ["settings", "show"]), 1)
    assert line.startswith("error: unexpected KeyError: 'surprise'") and "--verbose" in line
    verbose = runner.invoke(app, ["--verbose", "settings", "show"])
    assert isinstance(verbose.exception, KeyError)  # re-raised: the traceback is shown
