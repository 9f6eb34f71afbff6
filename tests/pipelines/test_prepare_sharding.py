"""prepare_instance_count > 1: a sharded PrepareShards step (ShardedByS3Key) and a one-instance
PrepareData reduce over its signatures, both valid CreateProcessingJob requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from deployment.settings import settings_for_stage
from pipelines.training_pipeline import pipeline_definition
from tests.pipelines.conftest import step


@pytest.fixture(scope="module")
def sharded() -> dict[str, Any]:
    settings = settings_for_stage("prod")
    training = settings.training.model_copy(update={"prepare_instance_count": 4})
    return json.loads(pipeline_definition(settings.model_copy(update={"training": training})))


def test_one_instance_keeps_a_single_prepare_step(prod_definition: dict[str, Any]) -> None:
    names = [s["Name"] for s in prod_definition["Steps"]]
    assert "PrepareShards" not in names and names[0] == "PrepareData"


def test_prepare_runs_sharded_on_n_instances_then_one_reduce(sharded: dict[str, Any]) -> None:
    assert [s["Name"] for s in sharded["Steps"]][:3] == ["PrepareShards", "PrepareData", "Train"]
    shards = step(sharded, "PrepareShards")["Arguments"]
    assert shards["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 4
    (raw,) = shards["ProcessingInputs"]
    assert raw["S3Input"]["S3DataDistributionType"] == "ShardedByS3Key"
    assert shards["AppSpecification"]["ContainerArguments"][:2] == ["--stage", "shard"]
    reduce = step(sharded, "PrepareData")["Arguments"]
    assert reduce["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 1
    (source,) = reduce["ProcessingInputs"]
    assert "Steps.PrepareShards.ProcessingOutputConfig.Outputs['shards']" in json.dumps(source)
    assert source["S3Input"].get("S3DataDistributionType", "FullyReplicated") == "FullyReplicated"
    assert reduce["AppSpecification"]["ContainerArguments"][:2] == ["--stage", "reduce"]


def _concrete(value: Any) -> Any:
    """Pipeline expressions ({"Get": ...}, {"Std:Join": ...}) as the strings they resolve to."""
    if isinstance(value, dict):
        if {"Get"} == set(value) or {"Std:Join"} == set(value):
            return "s3://bucket/prefix"
        return {k: _concrete(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_concrete(v) for v in value]
    return value


@pytest.mark.parametrize("name", ["PrepareShards", "PrepareData"])
def test_sharded_steps_are_valid_create_processing_job_requests(
    sharded: dict[str, Any], name: str
) -> None:
    shape = get_session().get_service_model("sagemaker").operation_model("CreateProcessingJob")
    request = {**_concrete(step(sharded, name)["Arguments"]), "ProcessingJobName": "job"}
    report = ParamValidator().validate(request, shape.input_shape)
    assert not report.has_errors(), report.generate_report()
