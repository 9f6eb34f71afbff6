"""`fmops feedback start/status/ingest --job` against S3 and CloudFormation (moto) and SageMaker.

moto 5.2.5 has no Ground Truth labeling-job API, so SageMaker is a botocore Stubber that
asserts the exact CreateLabelingJob / DescribeLabelingJob / ListTags requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY as stub_any_value
from botocore.stub import Stubber
from typer.testing import CliRunner

from deployment import contract
from deployment.settings import settings_for_stage
from pipelines import deployment_outputs
from pipelines.cli import app
from pipelines.feedback import FeedbackError
from pipelines.feedback.labeling import labeling_job_request, public_price, read_task_folder

runner = CliRunner()
DEV = settings_for_stage("dev")
ACCOUNT = "111122223333"
BUCKET = f"fmops-dev-artifacts-{ACCOUNT}-us-east-1"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TEAM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/fmops-dev-labelers"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fmops-dev-gt-labeling"
PRE = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fmops-dev-gt-pre-annotation"
CONS = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fmops-dev-gt-consolidation"
JOB = "safety-rank-1"
RAW = f"fmops-dev-raw-{ACCOUNT}-us-east-1"
JOB_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:labeling-job/{JOB}"
OUTPUTS = {
    contract.WORKTEAM_OUTPUT: TEAM,
    contract.LABELING_ROLE_OUTPUT: ROLE,
    contract.PRE_ANNOTATION_OUTPUT: PRE,
    contract.CONSOLIDATION_OUTPUT: CONS,
}
DATA_OUTPUTS = {contract.ARTIFACTS_BUCKET_OUTPUT: BUCKET, contract.DATA_KEY_OUTPUT: KEY_ARN}


@pytest.fixture()
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto S3 + CloudFormation with a deployed humans stack; SageMaker stubbed."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        template = {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in OUTPUTS.items()},
        }
        cloudformation = boto3.client("cloudformation", region_name="us-east-1")
        cloudformation.create_stack(
            StackName=contract.stack_name(DEV, "humans"), TemplateBody=json.dumps(template)
        )
        s3.create_bucket(Bucket=RAW)
        data_outputs = {**DATA_OUTPUTS, contract.RAW_BUCKET_OUTPUT: RAW}
        data = {**template, "Outputs": {k: {"Value": v} for k, v in data_outputs.items()}}
        cloudformation.create_stack(
            StackName=contract.stack_name(DEV, "data"), TemplateBody=json.dumps(data)
        )
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        stubber = Stubber(sagemaker)
        real = deployment_outputs.regional_client

        def client(service: str, region: str | None = None) -> Any:
            return sagemaker if service == "sagemaker" else real(service, region)

        monkeypatch.setattr(deployment_outputs, "regional_client", client)
        with stubber:
            yield {"s3": s3, "stubber": stubber}


def _task_folder(tmp_path: Path) -> Path:
    candidates = tmp_path / "candidates.jsonl"
    candidates.write_text(
        "".join(
            json.dumps({"prompt": f"p{i}", "response_a": f"a{i}", "response_b": f"b{i}"}) + "\n"
            for i in range(4)
        )
    )
    made = runner.invoke(
        app, ["feedback", "rank-tasks", str(candidates), "-o", str(tmp_path / "job")]
    )
    assert made.exit_code == 0, made.output
    return tmp_path / "job"


def _expected_request() -> dict[str, Any]:
    prefix = f"s3://{BUCKET}/feedback/tasks/{JOB}"
    return {
        "LabelingJobName": JOB,
        "LabelAttributeName": "pairwise-ranking",
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": f"{prefix}/manifest.jsonl"}}
        },
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/feedback/output/", "KmsKeyId": KEY_ARN},
        "RoleArn": ROLE,
        "HumanTaskConfig": {
            "WorkteamArn": TEAM,
            "UiConfig": {"UiTemplateS3Uri": f"{prefix}/pairwise_ranking.html"},
            "PreHumanTaskLambdaArn": PRE,
            "TaskTitle": "Which answer is safer? Which is more helpful?",
            "TaskDescription": "Read a prompt and two model answers; pick the safer one, then "
            "the more helpful one.",
            "TaskKeywords": ["fmops", "ranking"],
            "NumberOfHumanWorkersPerDataObject": 3,
            "TaskTimeLimitInSeconds": 600,
            "TaskAvailabilityLifetimeInSeconds": 72 * 3600,
            "MaxConcurrentTaskCount": 4,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": CONS},
        },
        "Tags": [{"Key": "fmops:feedback-kind", "Value": "ranking"}],
    }


def _not_found() -> dict[str, Any]:
    return {
        "method": "describe_labeling_job",
        "service_error_code": "ResourceNotFound",
        "service_message": f"Could not find labeling job {JOB}",
        "expected_params": {"LabelingJobName": JOB},
    }


def test_start_uploads_tasks_under_the_job_key_then_sends_the_exact_request(
    cloud: dict[str, Any], tmp_path: Path
) -> None:
    stubber: Stubber = cloud["stubber"]
    stubber.add_client_error(**_not_found())
    stubber.add_response("create_labeling_job", {"LabelingJobArn": JOB_ARN}, _expected_request())
    result = runner.invoke(
        app, ["feedback", "start", str(_task_folder(tmp_path)), "--job-name", JOB, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["arn"] == JOB_ARN
    stubber.assert_no_pending_responses()
    head = cloud["s3"].head_object(Bucket=BUCKET, Key=f"feedback/tasks/{JOB}/manifest.jsonl")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == KEY_ARN
    cloud["s3"].head_object(Bucket=BUCKET, Key=f"feedback/tasks/{JOB}/pairwise_ranking.html")


def test_start_refuses_an_existing_job_name_before_uploading(
    cloud: dict[str, Any], tmp_path: Path
) -> None:
    stubber: Stubber = cloud["stubber"]
    stubber.add_response(
        "describe_labeling_job", _described("InProgress"), {"LabelingJobName": JOB}
    )
    result = runner.invoke(
        app, ["feedback", "start", str(_task_folder(tmp_path)), "--job-name", JOB]
    )
    assert result.exit_code == 1
    assert "a labeling job of that name exists" in result.stderr
    assert cloud["s3"].list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_start_refuses_a_bad_job_name_before_any_aws_call(tmp_path: Path) -> None:
    result = runner.invoke(app, ["feedback", "start", str(tmp_path), "--job-name", "bad name!"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--job-name 'bad name!'" in result.stderr


def test_start_refuses_a_folder_without_a_manifest(tmp_path: Path) -> None:
    result = runner.invoke(app, ["feedback", "start", str(tmp_path), "--job-name", JOB])
    assert result.exit_code == 2
    assert "manifest.jsonl: missing" in result.stderr


def test_public_workforce_is_refused_for_data_that_may_hold_pii(tmp_path: Path) -> None:
    public = "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
    with pytest.raises(FeedbackError, match="public workforce may not see data that can hold PII"):
        public_price(public, 3.6, pii_free=False)
    assert public_price(public, 3.6, pii_free=True) == {
        "AmountInUsd": {"Dollars": 0, "Cents": 3, "TenthFractionsOfACent": 6}
    }
    with pytest.raises(FeedbackError, match="only public workforces"):
        public_price(TEAM, 3.6, pii_free=True)


def test_pii_free_tasks_are_declared_to_ground_truth(tmp_path: Path) -> None:
    from pipelines.feedback.labeling import HumansDeployment

    deployment = HumansDeployment(TEAM, ROLE, PRE, CONS, BUCKET, KEY_ARN)
    request = labeling_job_request(
        job_name=JOB,
        tasks=read_task_folder(_task_folder(tmp_path), "ranking"),
        deployment=deployment,
        feedback=settings_for_stage("dev").feedback,
        pii_free=True,
    )
    assert request["InputConfig"]["DataAttributes"] == {
        "ContentClassifiers": ["FreeOfPersonallyIdentifiableInformation"]
    }


def _described(status: str, output: str | None = None) -> dict[str, Any]:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    description: dict[str, Any] = {
        "LabelingJobStatus": status,
        "LabelCounters": {"TotalLabeled": 4, "Unlabeled": 0, "FailedNonRetryableError": 0},
        "CreationTime": now,
        "LastModifiedTime": now,
        "JobReferenceCode": "abc",
        "LabelingJobName": JOB,
        "LabelingJobArn": JOB_ARN,
        "LabelAttributeName": "pairwise-ranking",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/m"}}},
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/feedback/output/"},
        "RoleArn": ROLE,
        "HumanTaskConfig": _expected_request()["HumanTaskConfig"],
    }
    if output:
        description["LabelingJobOutput"] = {"OutputDatasetS3Uri": output}
    return description


def _tags() -> dict[str, Any]:
    return {"Tags": [{"Key": "fmops:feedback-kind", "Value": "ranking"}]}


def test_status_shows_the_job_counters(cloud: dict[str, Any]) -> None:
    stubber: Stubber = cloud["stubber"]
    stubber.add_response(
        "describe_labeling_job", _described("InProgress"), {"LabelingJobName": JOB}
    )
    stubber.add_response("list_tags", _tags(), {"ResourceArn": JOB_ARN})
    result = runner.invoke(app, ["feedback", "status", JOB, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "InProgress" and summary["counters"]["TotalLabeled"] == 4
    assert summary["kind"] == "ranking"


def _completed_job(cloud: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    folder = _task_folder(tmp_path)
    lines = [json.loads(x) for x in (folder / "manifest.jsonl").read_text().splitlines()]
    for line in lines:
        answer = json.dumps({"safer": "1", "helpful": "1"})
        line["pairwise-ranking"] = {
            "annotationsFromAllWorkers": [
                {"workerId": w, "annotationData": {"content": answer}} for w in ("w1", "w2")
            ]
        }
    key = f"feedback/output/{JOB}/manifests/output/output.manifest"
    cloud["s3"].put_object(
        Bucket=BUCKET, Key=key, Body="".join(json.dumps(x) + "\n" for x in lines).encode()
    )
    stubber: Stubber = cloud["stubber"]
    stubber.add_response(
        "describe_labeling_job",
        _described("Completed", f"s3://{BUCKET}/{key}"),
        {"LabelingJobName": JOB},
    )
    stubber.add_response("list_tags", _tags(), {"ResourceArn": JOB_ARN})
    return lines


def test_ingest_job_reads_the_output_manifest_from_s3(
    cloud: dict[str, Any], tmp_path: Path
) -> None:
    lines = _completed_job(cloud, tmp_path)
    out = tmp_path / "pairs" / "preference.jsonl"
    result = runner.invoke(app, ["feedback", "ingest", "--job", JOB, "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs_written"] == 4
    assert [json.loads(x)["chosen"] for x in out.read_text().splitlines()] == [
        line["response_1"] for line in lines
    ]


def test_ingest_job_refuses_a_job_that_has_not_completed(cloud: dict[str, Any]) -> None:
    stubber: Stubber = cloud["stubber"]
    stubber.add_response(
        "describe_labeling_job", _described("InProgress"), {"LabelingJobName": JOB}
    )
    stubber.add_response("list_tags", _tags(), {"ResourceArn": JOB_ARN})
    result = runner.invoke(app, ["feedback", "ingest", "--job", JOB])
    assert result.exit_code == 1
    assert "is InProgress: ingest needs Completed" in result.stderr


def test_ingest_job_with_train_uploads_the_pairs_and_starts_dpo_on_them(
    cloud: dict[str, Any], tmp_path: Path
) -> None:
    _completed_job(cloud, tmp_path)
    prefix = f"s3://{RAW}/feedback/preference/{JOB}/"
    execution = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/fmops-dev-training/execution/x1"
    cloud["stubber"].add_response(
        "start_pipeline_execution",
        {"PipelineExecutionArn": execution},
        {
            "PipelineName": contract.pipeline_name(DEV),
            "PipelineParameters": [
                {"Name": "Method", "Value": "dpo"},
                {"Name": "DataTask", "Value": "preference"},
                {"Name": "InputDataUri", "Value": prefix},
            ],
        },
    )
    out = tmp_path / "preference.jsonl"
    result = runner.invoke(
        app, ["feedback", "ingest", "--job", JOB, "-o", str(out), "--train", "dpo", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["training"]["execution_arn"] == execution
    body = cloud["s3"].get_object(Bucket=RAW, Key=f"feedback/preference/{JOB}/preference.jsonl")
    assert body["Body"].read() == out.read_bytes()


def test_train_with_a_generative_method_is_refused_before_any_aws_call() -> None:
    result = runner.invoke(app, ["feedback", "ingest", "--job", JOB, "--train", "sft"])
    assert result.exit_code == 2
    assert "rankings train a preference method (allowed: reward, dpo, grpo)" in result.stderr


def stub_any() -> Any:
    return stub_any_value


def test_ingest_of_an_audit_job_records_the_result_on_the_audited_model_version(
    cloud: dict[str, Any], tmp_path: Path
) -> None:
    package = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/fmops-dev-models/3"
    verdicts = ["Unsupported content"] * 2 + ["Fully supported"] * 8
    lines = []
    for number, verdict in enumerate(verdicts):
        answers = [
            {
                "workerId": w,
                "annotationData": {"content": json.dumps({"verdict": {"label": verdict}})},
            }
            for w in ("w1", "w2")
        ]
        lines.append(
            {"source": f"out {number}", "prompt": "p", "reference": "r", "model_version": package,
             "hallucination-audit": {"annotationsFromAllWorkers": answers}}
        )  # fmt: skip
    key = f"feedback/output/{JOB}/manifests/output/output.manifest"
    cloud["s3"].put_object(
        Bucket=BUCKET, Key=key, Body="".join(json.dumps(x) + "\n" for x in lines).encode()
    )
    stubber: Stubber = cloud["stubber"]
    described = _described("Completed", f"s3://{BUCKET}/{key}")
    stubber.add_response("describe_labeling_job", described, {"LabelingJobName": JOB})
    tags = {"Tags": [{"Key": "fmops:feedback-kind", "Value": "audit"},
                     {"Key": "fmops:model-package-arn", "Value": package}]}  # fmt: skip
    stubber.add_response("list_tags", tags, {"ResourceArn": JOB_ARN})
    now = datetime(2026, 11, 30, tzinfo=UTC)
    stubber.add_response(
        "describe_model_package",
        {"ModelPackageName": "fmops-dev-models", "ModelPackageArn": package,
         "CreationTime": now, "ModelPackageStatus": "Completed",
         "ModelPackageStatusDetails": {"ValidationStatuses": []},
         "CustomerMetadataProperties": {"code_sha256": "abc"}},
        {"ModelPackageName": package},
    )  # fmt: skip
    stubber.add_response(
        "update_model_package",
        {"ModelPackageArn": package},
        {
            "ModelPackageArn": package,
            "CustomerMetadataProperties": {
                "code_sha256": "abc",
                "audit_hallucination_rate": "0.2",
                "audit_ci_low": stub_any(),
                "audit_ci_high": stub_any(),
                "audit_audited": "10",
                "audit_unsupported": "2",
                "audit_model_version": package,
            },
        },
    )
    result = runner.invoke(app, ["feedback", "ingest", "--job", JOB, "-o", str(tmp_path / "x"),
                                 "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["model_package_arn"] == package and summary["hallucination_rate"] == 0.2
    stubber.assert_no_pending_responses()
