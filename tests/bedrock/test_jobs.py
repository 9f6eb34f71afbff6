"""The job client against moto: the exact request it builds, status, stop, list, concurrency."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from pipelines.bedrock.jobs import (
    BedrockJobs,
    ConcurrencyLimitError,
    JobRequest,
    JobTarget,
    create_job_request,
)
from tests.bedrock.conftest import REGION, set_job_status

TARGET = JobTarget(
    role_arn="arn:aws:iam::123456789012:role/bedrock-customization",
    output_s3_uri="s3://artifacts/bedrock/",
    kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc",
    subnet_ids=("subnet-1", "subnet-2"),
    security_group_ids=("sg-1",),
)


def _request(name: str = "job-1", **overrides: Any) -> JobRequest:
    fields: dict[str, Any] = {
        "job_name": name,
        "custom_model_name": f"{name}-model",
        "base_model": "amazon.titan-text-express-v1:0:8k",
        "customization_type": "FINE_TUNING",
        "training_s3_uri": "s3://curated/curated/bedrock/train.jsonl",
        "validation_s3_uri": "s3://curated/curated/bedrock/validation.jsonl",
        "hyperparameters": {"epochCount": "2"},
    }
    return JobRequest(**{**fields, **overrides})


def _capture(client: Any) -> list[dict[str, Any]]:
    """Record the parameters each CreateModelCustomizationJob call sends."""
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "provide-client-params.bedrock.CreateModelCustomizationJob",
        lambda params, **_: sent.append(dict(params)),
    )
    return sent


def test_submitted_job_is_stored_with_the_request_the_client_built(bedrock: Any) -> None:
    jobs = BedrockJobs(bedrock, max_concurrent=2)
    arn = jobs.submit(_request(), TARGET)
    stored = jobs.status("job-1")
    assert arn == stored["jobArn"]
    assert stored["roleArn"] == TARGET.role_arn
    assert stored["trainingDataConfig"] == {"s3Uri": "s3://curated/curated/bedrock/train.jsonl"}
    assert stored["validationDataConfig"] == {
        "validators": [{"s3Uri": "s3://curated/curated/bedrock/validation.jsonl"}]
    }
    assert stored["hyperParameters"] == {"epochCount": "2"}
    assert stored["vpcConfig"] == {
        "subnetIds": ["subnet-1", "subnet-2"],
        "securityGroupIds": ["sg-1"],
    }
    assert stored["status"] == "InProgress"


def test_distillation_request_carries_the_teacher_and_no_hyperparameters(bedrock: Any) -> None:
    sent = _capture(bedrock)
    request = _request(
        "distill-1",
        base_model="amazon.nova-micro-v1:0:128k",
        customization_type="DISTILLATION",
        validation_s3_uri=None,
        hyperparameters={},
        teacher="amazon.nova-pro-v1:0",
        teacher_max_response_length=1000,
    )
    BedrockJobs(bedrock, max_concurrent=2).submit(request, TARGET)
    assert sent == [create_job_request(request, TARGET)]
    assert sent[0]["customizationConfig"] == {
        "distillationConfig": {
            "teacherModelConfig": {
                "teacherModelIdentifier": "amazon.nova-pro-v1:0",
                "maxResponseLengthForInference": 1000,
            }
        }
    }
    assert "hyperParameters" not in sent[0]
    assert (
        bedrock.get_model_customization_job(jobIdentifier="distill-1")["customizationType"]
        == "DISTILLATION"
    )


def test_submission_beyond_the_concurrency_limit_is_refused_before_create(bedrock: Any) -> None:
    jobs = BedrockJobs(bedrock, max_concurrent=2)
    jobs.submit(_request("job-a"), TARGET)
    jobs.submit(_request("job-b"), TARGET)
    with pytest.raises(ConcurrencyLimitError, match="2 customization jobs already InProgress"):
        jobs.submit(_request("job-c"), TARGET)
    assert {j["jobName"] for j in jobs.list()} == {"job-a", "job-b"}


def test_a_finished_job_frees_a_slot(bedrock: Any) -> None:
    jobs = BedrockJobs(bedrock, max_concurrent=1)
    jobs.submit(_request("job-a"), TARGET)
    set_job_status("job-a", "Completed")
    jobs.submit(_request("job-b"), TARGET)
    assert [j["jobName"] for j in jobs.list("InProgress")] == ["job-b"]


def test_stop_moves_the_job_to_stopped(bedrock: Any) -> None:
    jobs = BedrockJobs(bedrock, max_concurrent=2)
    jobs.submit(_request(), TARGET)
    jobs.stop("job-1")
    assert jobs.status("job-1")["status"] == "Stopped"


@pytest.mark.parametrize("final", ["Completed", "Failed"])
def test_wait_polls_with_growing_interval_until_the_job_ends(bedrock: Any, final: str) -> None:
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            set_job_status("job-1", final)

    jobs = BedrockJobs(bedrock, max_concurrent=2, sleep=sleep)
    jobs.submit(_request(), TARGET)
    assert jobs.wait("job-1", poll_seconds=10, max_poll_seconds=20)["status"] == final
    assert naps == [10, 15, 20]


def test_throttled_calls_are_retried_with_backoff(bedrock: Any) -> None:
    from botocore.stub import Stubber

    naps: list[float] = []
    stubber = Stubber(bedrock)
    stubber.add_client_error("get_model_customization_job", "ThrottlingException")
    stubber.add_client_error("get_model_customization_job", "ThrottlingException")
    stubber.add_response("get_model_customization_job", {"status": "Completed"} | _minimal_job())
    with stubber:
        status = BedrockJobs(bedrock, 2, sleep=naps.append).status("job-1")
    assert status["status"] == "Completed"
    assert naps == [1.0, 2.0]


def _minimal_job() -> dict[str, Any]:
    from datetime import datetime

    return {
        "jobArn": "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/job-1",
        "jobName": "job-1",
        "outputModelName": "m",
        "roleArn": TARGET.role_arn,
        "creationTime": datetime(2025, 1, 1),
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
        "trainingDataConfig": {"s3Uri": "s3://b/t.jsonl"},
        "validationDataConfig": {"validators": []},
        "outputDataConfig": {"s3Uri": "s3://b/o/"},
    }


def test_start_checks_capacity_and_starts_one_execution(bedrock: Any) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="sm", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    machine = sfn.create_state_machine(
        name="bedrock-customization",
        definition='{"StartAt":"D","States":{"D":{"Type":"Succeed"}}}',
        roleArn=role,
    )["stateMachineArn"]
    arn = BedrockJobs(bedrock, 2, stepfunctions=sfn).start(_request(), machine)
    described = sfn.describe_execution(executionArn=arn)
    assert described["name"] == "job-1"
    assert '"trainingDataS3Uri": "s3://curated/curated/bedrock/train.jsonl"' in described["input"]


def test_claude_haiku_fine_tuning_request_is_sent_and_stored_exactly(bedrock: Any) -> None:
    sent = _capture(bedrock)
    hp = {
        "epochCount": "3",
        "batchSize": "16",
        "learningRateMultiplier": "0.5",
        "earlyStoppingThreshold": "0.01",
        "earlyStoppingPatience": "3",
    }
    request = _request(
        "claude-ft",
        base_model="anthropic.claude-3-haiku-20240307-v1:0:200k",
        hyperparameters=hp,
    )
    BedrockJobs(bedrock, max_concurrent=2).submit(request, TARGET)
    assert sent == [
        {
            "jobName": "claude-ft",
            "customModelName": "claude-ft-model",
            "roleArn": TARGET.role_arn,
            "baseModelIdentifier": "anthropic.claude-3-haiku-20240307-v1:0:200k",
            "customizationType": "FINE_TUNING",
            "trainingDataConfig": {"s3Uri": "s3://curated/curated/bedrock/train.jsonl"},
            "validationDataConfig": {
                "validators": [{"s3Uri": "s3://curated/curated/bedrock/validation.jsonl"}]
            },
            "outputDataConfig": {"s3Uri": "s3://artifacts/bedrock/"},
            "hyperParameters": hp,
            "customModelKmsKeyId": TARGET.kms_key_arn,
            "vpcConfig": {"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]},
        }
    ]
    stored = bedrock.get_model_customization_job(jobIdentifier="claude-ft")
    assert stored["hyperParameters"] == hp
    assert stored["customizationType"] == "FINE_TUNING"
    assert stored["baseModelArn"].endswith("anthropic.claude-3-haiku-20240307-v1:0:200k")
    assert stored["status"] == "InProgress"  # moto never moves a job on by itself
