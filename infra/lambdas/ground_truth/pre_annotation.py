"""Pre-annotation Lambda: show workers only what they judge.

Ground Truth sends `{"version", "labelingJobArn", "dataObject": <manifest line>}` and puts the
returned `taskInput` into the worker's page as `task.input`. The manifest line also carries
fields a worker must not see: which side is a gold question's right answer (`gold`), which model
wrote which response (`response_sources`, `order`). Passing the line through unchanged would
put them in the page source, so only the fields a template renders are returned.
"""

from __future__ import annotations

from typing import Any

# Template fields per task kind: pairwise ranking and hallucination audit.
VISIBLE_FIELDS = {
    "ranking": ("prompt", "response_1", "response_2"),
    "audit": ("prompt", "reference", "source"),
}


def task_kind(data_object: dict[str, Any]) -> str:
    return "ranking" if "response_1" in data_object else "audit"


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    data_object = event.get("dataObject") or {}
    kind = task_kind(data_object)
    missing = [f for f in VISIBLE_FIELDS[kind] if not isinstance(data_object.get(f), str)]
    if missing:
        # A line the template cannot show is not sent to people: Ground Truth skips it.
        return {"taskInput": {}, "isHumanAnnotationRequired": "false"}
    task_input = {field: data_object[field] for field in VISIBLE_FIELDS[kind]}
    return {"taskInput": task_input, "isHumanAnnotationRequired": "true"}
