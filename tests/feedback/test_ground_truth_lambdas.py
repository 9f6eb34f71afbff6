"""The Ground Truth Lambdas on the request shapes the SageMaker developer guide documents.

Shapes: "Using pre-annotation and post-annotation Lambda functions",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step3-lambda-requirements.html
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from infra.lambdas.ground_truth import consolidation, pre_annotation
from pipelines.feedback.manifests import parse_output_line

JOB_ARN = "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/rank-1"
LINE = {
    "source": "How do I reset my password?",
    "pair_id": "p1",
    "prompt": "How do I reset my password?",
    "response_1": "Use the reset link.",
    "response_2": "Send me your password.",
    "order": ["b", "a"],
    "response_sources": ["candidate", "champion"],
    "gold": "1",
}


def test_pre_annotation_shows_workers_only_the_fields_the_template_renders() -> None:
    event = {"version": "2018-10-16", "labelingJobArn": JOB_ARN, "dataObject": LINE}
    response = pre_annotation.handler(event)
    assert response["isHumanAnnotationRequired"] == "true"
    assert response["taskInput"] == {
        "prompt": LINE["prompt"],
        "response_1": LINE["response_1"],
        "response_2": LINE["response_2"],
    }
    # The gold answer and which model wrote what must not reach the worker's page.
    assert "gold" not in json.dumps(response) and "champion" not in json.dumps(response)


def test_pre_annotation_passes_audit_items_with_reference_and_output() -> None:
    item = {"source": "model said X", "prompt": "p", "reference": "ref", "example_id": 3}
    response = pre_annotation.handler({"version": "2018-10-16", "dataObject": item})
    assert response["taskInput"] == {"prompt": "p", "reference": "ref", "source": "model said X"}


def test_pre_annotation_skips_a_line_the_template_cannot_show() -> None:
    response = pre_annotation.handler({"dataObject": {"source": "only text", "response_1": "x"}})
    assert response["isHumanAnnotationRequired"] == "false"


def _answer(worker: str, safer: str) -> dict[str, object]:
    content = {"safer": safer, "helpful": safer, "reason": "r"}
    return {"workerId": worker, "annotationData": {"content": json.dumps(content)}}


@mock_aws
def test_consolidation_keeps_every_answer_with_its_worker_and_counts_unreadable_ones() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    payload = [
        {
            "datasetObjectId": "0",
            "dataObject": {"content": json.dumps(LINE)},
            "annotations": [
                _answer("private.us-east-1.w1", "1"),
                _answer("private.us-east-1.w2", "2"),
                {"workerId": "private.us-east-1.w3", "annotationData": {"content": "{not json"}},
            ],
        }
    ]
    key = "feedback/output/rank-1/annotations/consolidation-request/iteration-1/0.json"
    s3.put_object(Bucket="artifacts", Key=key, Body=json.dumps(payload).encode())
    event = {
        "version": "2018-10-16",
        "labelingJobArn": JOB_ARN,
        "labelCategories": [],
        "labelAttributeName": "pairwise-ranking",
        "roleArn": "arn:aws:iam::111122223333:role/fmops-dev-gt-labeling",
        "payload": {"s3Uri": f"s3://artifacts/{key}"},
        "outputConfig": "s3://artifacts/feedback/output/rank-1/annotations/",
    }
    [result] = consolidation.handler(event, s3=s3)
    assert result["datasetObjectId"] == "0"
    block = result["consolidatedAnnotation"]["content"]["pairwise-ranking"]
    assert [a["workerId"] for a in block["annotationsFromAllWorkers"]] == [
        "private.us-east-1.w1",
        "private.us-east-1.w2",
    ]
    assert block["unreadableAnswers"] == 1
    # What Ground Truth writes to the output manifest is what `fmops feedback ingest` reads.
    pair = parse_output_line(
        {**LINE, "pairwise-ranking": block}, label_attribute="pairwise-ranking", where="t"
    )
    assert [(j.worker_id, j.safer) for j in pair.judgments] == [
        ("private.us-east-1.w1", "1"),
        ("private.us-east-1.w2", "2"),
    ]


def test_consolidation_refuses_a_payload_that_is_not_an_s3_uri() -> None:
    with pytest.raises(ValueError, match="not an s3:// URI"):
        consolidation.read_payload("https://example.com/x")
