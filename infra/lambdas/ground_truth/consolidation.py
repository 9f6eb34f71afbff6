"""Annotation-consolidation Lambda: keep every worker's answer, with its worker id.

Ground Truth sends `{"version", "labelingJobArn", "labelCategories", "labelAttributeName",
"roleArn", "payload": {"s3Uri"}, "outputConfig"}`; the payload object is a JSON list of
`{"datasetObjectId", "dataObject", "annotations": [{"workerId", "annotationData":
{"content": "<JSON string>"}}]}`. The response is one `{"datasetObjectId",
"consolidatedAnnotation": {"content": {<labelAttributeName>: ...}}}` per object.

Nothing is decided here: the ingest step votes per pair with each worker's measured quality
(agreement, gold questions), which needs every answer and who gave it. So the content is
`{"annotationsFromAllWorkers": [...]}` plus the count of answers that were not valid JSON.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import boto3

if TYPE_CHECKING:
    # annotations only: the Lambda runtime ships boto3, not the stubs
    from mypy_boto3_s3 import S3Client


def read_payload(s3_uri: str, s3: S3Client | None = None) -> list[dict[str, Any]]:
    parsed = urlparse(s3_uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"payload.s3Uri = {s3_uri!r}: not an s3:// URI")
    client = s3 or boto3.client("s3")
    body = client.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"].read()
    payload = json.loads(body)
    if not isinstance(payload, list):
        raise ValueError(f"{s3_uri}: expected a JSON list of data objects")
    return payload


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def consolidate(payload: list[dict[str, Any]], label_attribute: str) -> list[dict[str, Any]]:
    consolidated = []
    for item in payload:
        annotations = []
        unreadable = 0
        for annotation in item.get("annotations") or []:
            content = (annotation.get("annotationData") or {}).get("content")
            if not (isinstance(content, str) and _is_json(content)):
                unreadable += 1
                continue
            annotations.append(
                {"workerId": annotation.get("workerId"), "annotationData": {"content": content}}
            )
        consolidated.append(
            {
                "datasetObjectId": item["datasetObjectId"],
                "consolidatedAnnotation": {
                    "content": {
                        label_attribute: {
                            "annotationsFromAllWorkers": annotations,
                            "unreadableAnswers": unreadable,
                        }
                    }
                },
            }
        )
    return consolidated


def handler(
    event: dict[str, Any], context: object = None, s3: S3Client | None = None
) -> list[dict[str, Any]]:
    payload = read_payload(event["payload"]["s3Uri"], s3)
    return consolidate(payload, event["labelAttributeName"])
