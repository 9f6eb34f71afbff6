"""`fmops bedrock submit`'s service called directly (no Typer): moto for S3, CloudFormation,
Step Functions and Bedrock; a botocore Stubber where a failure must be forced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from deployment.contract import CURATED_BUCKET_OUTPUT, STATE_MACHINE_OUTPUT
from deployment.settings import settings_for_stage
from pipelines.bedrock.submission import (
    Destination,
    JobSpec,
    SubmissionError,
    SubmissionFailed,
    bedrock_jobs,
    check_submission,
    submit,
)
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from tests.bedrock.conftest import ACCOUNT, REGION
from tests.deployed_stacks import deploy_outputs

SETTINGS = settings_for_stage("dev")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bedrock-workflow"


def _titan(train: Path) -> JobSpec:
    return JobSpec("amazon.titan-text-express-v1", "FINE_TUNING", train)


def _workflow(region: str = REGION) -> str:
    """The stage's data and bedrock stacks with a real (moto) state machine behind them."""
    boto3.client("s3", region_name=region).create_bucket(
        Bucket="curated",
        **(
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        ),
    )
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    machine = boto3.client("stepfunctions", region_name=region).create_state_machine(
        name="workflow", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    deploy_outputs(SETTINGS, "data", {CURATED_BUCKET_OUTPUT: "curated"}, region)
    deploy_outputs(SETTINGS, "bedrock", {STATE_MACHINE_OUTPUT: machine}, region)
    return machine


def _objects(region: str = REGION) -> list[str]:
    listed = boto3.client("s3", region_name=region).list_objects_v2(Bucket="curated")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_submit_starts_the_stacks_workflow_on_data_uploaded_to_the_stacks_bucket(
    aws: None, prepared_prompt_completion: Path
) -> None:
    machine = _workflow("us-west-2")  # not the environment's region: --region decides
    deployment = Deployment.of(SETTINGS, "us-west-2")
    job = check_submission(deployment, _titan(prepared_prompt_completion), Destination("svc-1"))

    submitted = submit(deployment, job)

    execution = boto3.client("stepfunctions", region_name="us-west-2").describe_execution(
        executionArn=submitted.arn
    )
    assert execution["stateMachineArn"] == machine
    sent = json.loads(execution["input"])
    assert sent["trainingDataS3Uri"] == submitted.training_s3_uri
    assert _objects("us-west-2") == [submitted.training_s3_uri.removeprefix("s3://curated/")]


def test_unprepared_data_is_refused_before_any_aws_call(aws: None, prompt_completion: Path) -> None:
    deployment = Deployment.of(SETTINGS, REGION)
    object.__setattr__(deployment, "client", lambda service: pytest.fail(f"{service} called"))
    with pytest.raises(SubmissionError, match="no prepare manifest"):
        check_submission(deployment, _titan(prompt_completion), Destination("svc-2"))


def test_every_request_problem_is_listed_on_the_error(aws: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "p"}\nnot json\n')
    spec = JobSpec(
        "amazon.titan-text-express-v1", "FINE_TUNING", bad, hyperparameters=("epochCount=99",)
    )
    with pytest.raises(SubmissionError) as raised:
        check_submission(Deployment.of(SETTINGS, REGION), spec, Destination("svc-3"))
    shown = [str(p) for p in raised.value.problems]
    assert str(raised.value) == f"{len(shown)} problem(s): nothing was sent to AWS"
    assert any("epochCount=99" in p for p in shown) and any(f"{bad}:2" in p for p in shown)


def test_a_failed_start_removes_what_was_uploaded(
    aws: None, prepared_prompt_completion: Path
) -> None:
    _workflow()
    deployment = Deployment.of(SETTINGS, REGION)
    job = check_submission(deployment, _titan(prepared_prompt_completion), Destination("svc-4"))
    jobs = bedrock_jobs(deployment)
    states: Any = boto3.client("stepfunctions", region_name=REGION)
    jobs.stepfunctions = states
    stubber = Stubber(states)
    stubber.add_client_error("describe_execution", "ExecutionDoesNotExist", "none")
    stubber.add_client_error("start_execution", "AccessDenied", "not allowed")
    with stubber, pytest.raises(SubmissionFailed, match="s3:PutObject under"):
        submit(deployment, job, jobs)
    assert _objects() == []


def test_a_missing_bucket_output_names_the_option_and_uploads_nothing(
    aws: None, prepared_prompt_completion: Path
) -> None:
    deploy_outputs(SETTINGS, "data", {"SomethingElse": "x"})
    deployment = Deployment.of(SETTINGS, REGION)
    job = check_submission(deployment, _titan(prepared_prompt_completion), Destination("svc-5"))
    with pytest.raises(DeploymentOutputError, match=f"no output {CURATED_BUCKET_OUTPUT}.*--bucket"):
        submit(deployment, job)
    assert bedrock_jobs(deployment).list() == []


def test_a_taken_job_name_is_refused_before_uploading(
    aws: None, prepared_prompt_completion: Path
) -> None:
    _workflow()
    deployment = Deployment.of(SETTINGS, REGION)
    job = check_submission(deployment, _titan(prepared_prompt_completion), Destination("svc-6"))
    submit(deployment, job)
    before = _objects()
    with pytest.raises(SubmissionError, match=r"svc-6 .* already exists"):
        submit(deployment, job)
    assert _objects() == before


def test_prepared_data_edited_afterwards_is_refused(
    aws: None, prepared_prompt_completion: Path
) -> None:
    with prepared_prompt_completion.open("a", encoding="utf-8") as handle:
        handle.write('{"prompt": "Planted?", "completion": "Planted."}\n')
    with pytest.raises(SubmissionError, match=r"matches no output.*changed after prepare"):
        check_submission(
            Deployment.of(SETTINGS, REGION), _titan(prepared_prompt_completion), Destination("e")
        )


def test_a_teacher_outside_the_stages_allowed_list_is_refused(
    aws: None, conversations: Path
) -> None:
    from tests.bedrock.conftest import as_prepared

    teacher = "amazon.nova-pro-v1:0"
    strict = settings_for_stage("dev", overrides={"bedrock": {"teacher_models": []}})
    spec = JobSpec(
        "amazon.nova-micro-v1:0:128k", "DISTILLATION", as_prepared(conversations), teacher=teacher
    )
    with pytest.raises(SubmissionError, match=r"not in settings\.bedrock\.teacher_models"):
        check_submission(Deployment.of(strict, REGION), spec, Destination("t"))
