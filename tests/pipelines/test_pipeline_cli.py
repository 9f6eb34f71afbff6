"""`fmops pipeline`: offline definition, moto-backed AWS calls, input refused before AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.pipeline_parameters import placeholders
from tests.pipelines.conftest import ACCOUNT, placeholder_values

runner = CliRunner()
PIPELINE = "fmops-dev-training"
GROUP = "fmops-dev-models"
EXECUTION = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/{PIPELINE}/execution/abc123"


def fmops(*args: str) -> Any:
    return runner.invoke(app, ["pipeline", *args])


@pytest.fixture()
def values_file(tmp_path: Path, dev_definition_text: str) -> Path:
    path = tmp_path / "values.json"
    path.write_text(json.dumps(placeholder_values(dev_definition_text)))
    return path


@pytest.fixture()
def sagemaker(aws: None) -> Any:
    return boto3.client("sagemaker", region_name="us-east-1")


@pytest.fixture()
def deployed(sagemaker: Any, values_file: Path) -> Any:
    result = fmops("upsert", "--stage", "dev", "--values", str(values_file))
    assert result.exit_code == 0, result.output
    return sagemaker


def test_definition_prints_the_same_json_twice_without_credentials(
    monkeypatch: pytest.MonkeyPatch, dev_definition_text: str
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    first, second = fmops("definition", "--stage", "dev"), fmops("definition", "--stage", "dev")
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert first.stdout.strip() == dev_definition_text


def test_resolved_definition_has_no_placeholder_left(values_file: Path) -> None:
    result = fmops("definition", "--stage", "dev", "--resolved", "--values", str(values_file))
    assert result.exit_code == 0, result.output
    assert placeholders(result.stdout) == set()
    assert json.loads(result.stdout)["Steps"]


def test_resolved_without_values_is_refused() -> None:
    result = fmops("definition", "--stage", "dev", "--resolved")
    assert result.exit_code == 2
    assert "--resolved needs --values" in result.stderr


def test_values_file_missing_a_placeholder_is_refused(
    tmp_path: Path, dev_definition_text: str
) -> None:
    values = placeholder_values(dev_definition_text)
    del values["DataKeyArn"]
    path = tmp_path / "values.json"
    path.write_text(json.dumps(values))
    result = fmops("definition", "--stage", "dev", "--resolved", "--values", str(path))
    assert result.exit_code == 2
    assert "DataKeyArn" in result.stderr


def test_upsert_stores_the_resolved_definition(deployed: Any, values_file: Path) -> None:
    expected = fmops("definition", "--stage", "dev", "--resolved", "--values", str(values_file))
    stored = deployed.describe_pipeline(PipelineName=PIPELINE)["PipelineDefinition"]
    assert stored == expected.stdout.strip()


def test_upsert_from_the_stack_outputs_uses_the_stack_values(
    sagemaker: Any, dev_definition_text: str
) -> None:
    values = placeholder_values(dev_definition_text)
    outputs = {f"PipelineVar{k}": v for k, v in values.items() if "::" not in k}
    outputs["PipelineRoleArn"] = outputs.pop("PipelineVarPipelineRoleArn")
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},  # moto needs one resource
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName=PIPELINE, TemplateBody=json.dumps(template)
    )
    result = fmops("upsert", "--stage", "dev", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] is True
    stored = sagemaker.describe_pipeline(PipelineName=PIPELINE)
    assert placeholders(stored["PipelineDefinition"]) == set()
    assert values["TrainingSecurityGroup"] in stored["PipelineDefinition"]
    assert stored["RoleArn"] == values["PipelineRoleArn"]


def test_start_sends_the_given_parameters(deployed: Any) -> None:
    result = fmops("start", "--stage", "dev", "--param", "MinRougeL=0.35", "--json")
    assert result.exit_code == 0, result.output
    arn = json.loads(result.stdout)["pipelineExecutionArn"]
    sent = deployed.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
    assert sent["PipelineParameters"] == [{"Name": "MinRougeL", "Value": "0.35"}]


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("MinRouge=0.3", "allowed: Method, DataTask"),
        ("MinRougeL=high", "must be a number"),
        ("MinRougeL", "expected NAME=VALUE"),
    ],
)
def test_bad_parameter_exits_2_and_starts_nothing(deployed: Any, param: str, message: str) -> None:
    result = fmops("start", "--stage", "dev", "--param", param)
    assert result.exit_code == 2
    assert message in result.stderr
    runs = deployed.list_pipeline_executions(PipelineName=PIPELINE)
    assert runs["PipelineExecutionSummaries"] == []


def test_aws_error_is_one_line_and_exit_1(aws: None) -> None:
    result = fmops("start", "--stage", "dev")  # no pipeline deployed in this account
    assert result.exit_code == 1
    assert result.stderr.startswith("error: start fmops-dev-training:")
    assert "Traceback" not in result.output


def test_missing_credentials_are_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # A default session an earlier test made (moto's fake keys) caches its credentials.
    monkeypatch.setattr("boto3.DEFAULT_SESSION", None)
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/{GROUP}/1"
    result = fmops("approve", arn, "--region", "us-east-1")
    assert result.exit_code == 1
    assert "Unable to locate credentials" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_list_shows_runs_newest_first(deployed: Any) -> None:
    first = json.loads(fmops("start", "--stage", "dev", "--json").stdout)["pipelineExecutionArn"]
    result = fmops("list", "--stage", "dev", "--json")
    assert result.exit_code == 0, result.output
    assert [r["PipelineExecutionArn"] for r in json.loads(result.stdout)] == [first]


def _register(sagemaker: Any) -> str:
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    return sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="PendingManualApproval",
        ModelMetrics={
            "ModelQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": "s3://a/mq.json"}
            }
        },
    )["ModelPackageArn"]


def test_list_models_shows_approval_and_quality_report(sagemaker: Any) -> None:
    arn = _register(sagemaker)
    result = fmops("list", "--models", "--stage", "dev", "--json")
    assert result.exit_code == 0, result.output
    (package,) = json.loads(result.stdout)
    assert package["arn"] == arn
    assert package["approval_status"] == "PendingManualApproval"
    assert package["model_quality_uri"] == "s3://a/mq.json"


@pytest.mark.parametrize(("flags", "status"), [([], "Approved"), (["--reject"], "Rejected")])
def test_approve_or_reject_records_status_and_reason(
    sagemaker: Any, flags: list[str], status: str
) -> None:
    arn = _register(sagemaker)
    result = fmops("approve", arn, *flags, "--reason", "audit sample reviewed")
    assert result.exit_code == 0, result.output
    described = sagemaker.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == status
    assert described["ApprovalDescription"] == "audit sample reviewed"


def test_malformed_model_package_arn_exits_2_and_changes_nothing(sagemaker: Any) -> None:
    arn = _register(sagemaker)
    result = fmops("approve", arn.rsplit("/", 1)[0])  # the group, not a version
    assert result.exit_code == 2
    assert "model-package/GROUP/VERSION" in result.stderr
    described = sagemaker.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"


def test_malformed_execution_arn_exits_2() -> None:
    result = fmops("status", "not-an-arn")
    assert result.exit_code == 2
    assert "execution/ID" in result.stderr


# `status` reads ListPipelineExecutionSteps, which moto 5.2.5 does not implement, and moto's
# executions are always Succeeded: these tests stub the whole call sequence with botocore's Stubber.
def _stubbed_status(monkeypatch: pytest.MonkeyPatch, states: list[str]) -> Stubber:
    client = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    stub.add_response(
        "list_pipeline_executions",
        {
            "PipelineExecutionSummaries": [
                {
                    "PipelineExecutionArn": EXECUTION,
                    "StartTime": datetime(2025, 1, 1, tzinfo=UTC),
                    "PipelineExecutionStatus": states[0],
                }
            ]
        },
        {"PipelineName": PIPELINE, "SortBy": "CreationTime", "SortOrder": "Descending",
         "MaxResults": 1},
    )  # fmt: skip
    for state in states:
        stub.add_response(
            "describe_pipeline_execution",
            {"PipelineExecutionArn": EXECUTION, "PipelineExecutionStatus": state},
            {"PipelineExecutionArn": EXECUTION},
        )
    stub.add_response(
        "list_pipeline_execution_steps",
        {
            "PipelineExecutionSteps": [
                {"StepName": "PrepareData", "StepStatus": "Succeeded"},
                {"StepName": "Train", "StepStatus": states[-1], "FailureReason": "[OOM] rank 3"},
            ]
        },
        {"PipelineExecutionArn": EXECUTION, "SortOrder": "Ascending"},
    )
    stub.activate()
    monkeypatch.setattr(
        "pipelines.deployment_outputs.regional_client", lambda service, region=None: client
    )
    monkeypatch.setattr("pipelines.pipeline_ops.time.sleep", lambda seconds: None)
    return stub


def test_status_of_the_latest_run_shows_its_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = _stubbed_status(monkeypatch, ["Succeeded"])
    result = fmops("status", "--stage", "dev", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["execution"]["PipelineExecutionArn"] == EXECUTION
    assert [s["StepName"] for s in shown["steps"]] == ["PrepareData", "Train"]
    stub.assert_no_pending_responses()


def test_watch_polls_until_the_run_ends_and_failed_exits_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub = _stubbed_status(monkeypatch, ["Executing", "Executing", "Failed"])
    result = fmops("status", "--stage", "dev", "--watch")
    assert result.exit_code == 1
    assert "Failed" in result.stdout and "[OOM] rank 3" in result.stdout
    stub.assert_no_pending_responses()


def test_a_uri_parameter_that_is_not_s3_is_refused_before_any_call(deployed: Any) -> None:
    for param in (
        "InputDataUri=/etc/passwd",
        "BaseModelUri=http://example.com/model/",
        "TeacherModelUri=file:///tmp/teacher",
        "BaselineModelUri=s3://",
    ):
        result = fmops("start", "--stage", "dev", "--param", param, "--yes")
        assert result.exit_code == 2, result.output
        name, _, value = param.partition("=")
        assert result.stderr.strip() == (
            f"error: --param {name}={value!r}: must be an s3:// URI (s3://bucket/prefix/)"
        )
    runs = deployed.list_pipeline_executions(PipelineName=PIPELINE)
    assert runs["PipelineExecutionSummaries"] == []


@pytest.mark.parametrize("require_audit", [True, False])
def test_approved_registration_is_refused_where_approval_needs_an_audit(
    deployed: Any, monkeypatch: pytest.MonkeyPatch, require_audit: bool
) -> None:
    """Whatever cdk.json says about the stage: the policy follows evaluation.require_audit."""
    from deployment.settings import settings_for_stage
    from pipelines.commands import shared

    dev = settings_for_stage("dev")
    stage = dev.model_copy(
        update={"evaluation": dev.evaluation.model_copy(update={"require_audit": require_audit})}
    )
    monkeypatch.setattr(shared, "stage_settings", lambda name: stage)
    result = fmops("start", "--param", "ModelApprovalStatus=Approved", "--yes", "--json")
    runs = deployed.list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"]
    if require_audit:
        assert result.exit_code == 2, result.output
        assert "stage dev requires a human audit before approval" in result.stderr
        assert runs == []
    else:
        assert result.exit_code == 0, result.output
        assert len(runs) == 1


def test_approve_puts_the_package_arn_on_the_mlflow_run_its_metadata_names(
    sagemaker: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from training_scripts.tracking import MODEL_PACKAGE_TAG, RUN_ID_KEY, MlflowSink

    # A local SQLite store stands in for the stage's tracking server (which stage_uri reads
    # from the deployed training stack).
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    sink = MlflowSink(uri)
    run_id = sink.pipeline_run("fmops-dev-training", "exec-1")
    monkeypatch.setattr("pipelines.experiment_runs.stage_uri", lambda deployment: uri)
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={RUN_ID_KEY: run_id},
    )["ModelPackageArn"]
    result = fmops("approve", arn, "--stage", "dev", "--reason", "audit sample reviewed")
    assert result.exit_code == 0, result.output
    assert sink.client.get_run(run_id).data.tags[MODEL_PACKAGE_TAG] == arn
