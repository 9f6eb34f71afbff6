"""A stand-in for a Ground Truth custom labeling job, driving the project's real Lambdas.

Per manifest line: the pre-annotation Lambda decides what the worker sees; each simulated worker
answers from that view only; the answers go to the consolidation Lambda in the payload shape
Ground Truth writes to S3; the output manifest line is the input line plus the label attribute,
as Ground Truth writes it. Shapes: SageMaker developer guide, "Using pre-annotation and
post-annotation Lambda functions" and "Output data".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.lambdas.ground_truth import consolidation, pre_annotation

# (worker id, what the worker sees) -> the worker's answer content
Worker = Callable[[dict[str, str]], dict[str, Any]]


class _PayloadS3:
    """Serves the consolidation request the way S3 would to the Lambda."""

    def __init__(self, payload: list[dict[str, Any]]) -> None:
        self.body = json.dumps(payload).encode()

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        class Body:
            def __init__(self, data: bytes) -> None:
                self.data = data

            def read(self) -> bytes:
                return self.data

        return {"Body": Body(self.body)}


def run_job(manifest: Path, workers: dict[str, Worker], label_attribute: str, output: Path) -> Path:
    lines = [json.loads(x) for x in manifest.read_text(encoding="utf-8").splitlines() if x]
    payload = []
    for index, line in enumerate(lines):
        shown = pre_annotation.handler({"version": "2018-10-16", "dataObject": line})
        assert shown["isHumanAnnotationRequired"] == "true"
        annotations = [
            {
                "workerId": f"private.us-east-1.{worker_id}",
                "annotationData": {"content": json.dumps(answer(shown["taskInput"]))},
            }
            for worker_id, answer in workers.items()
        ]
        payload.append(
            {"datasetObjectId": str(index), "dataObject": line, "annotations": annotations}
        )
    event = {
        "version": "2018-10-16",
        "labelingJobArn": "arn:aws:sagemaker:us-east-1:111122223333:labeling-job/sim",
        "labelAttributeName": label_attribute,
        "payload": {"s3Uri": "s3://artifacts/feedback/output/sim/consolidation-request.json"},
    }
    consolidated = consolidation.handler(event, s3=_PayloadS3(payload))
    by_id = {c["datasetObjectId"]: c["consolidatedAnnotation"]["content"] for c in consolidated}
    with output.open("w", encoding="utf-8") as handle:
        for index, line in enumerate(lines):
            handle.write(json.dumps({**line, **by_id[str(index)]}) + "\n")
    return output
