"""Read JSONL manifests, and the completed Ground Truth output manifest of a ranking job.

A custom-workflow output line is the input line plus `<label-attribute>`: whatever the
annotation-consolidation Lambda returned. The AWS sample consolidation Lambda returns
`{"annotationsFromAllWorkers": [{"workerId", "annotationData": {"content": "<JSON>"}}]}`
(SageMaker developer guide, "Processing data in a custom labeling workflow with AWS Lambda",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step3.html); the raw
worker-response files use `{"answers": [{"workerId", "answerContent": {...}}]}`. Both are read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.feedback import FeedbackError
from pipelines.feedback.template import CHOICES, CRITERIA, REASON_FIELD
from training_scripts.vocabulary.records import DataError
from training_scripts.vocabulary.records import read_jsonl as read_lines

_CONTAINERS = ("annotationsFromAllWorkers", "answers")


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; a bad line is a one-line error."""
    try:
        yield from read_lines(path)
    except DataError as exc:
        raise FeedbackError(str(exc)) from None


@dataclass(frozen=True)
class Judgment:
    """One worker's answer; a criterion is None when the worker left it blank or ambiguous."""

    worker_id: str
    safer: str | None
    helpful: str | None
    reason: str = ""


@dataclass(frozen=True)
class RatedPair:
    pair_id: str
    prompt: str
    response_1: str
    response_2: str
    judgments: tuple[Judgment, ...]
    sources: tuple[str | None, str | None] = (None, None)


def _choice(content: dict[str, Any], criterion: str) -> str | None:
    # Flat form (`{"safer": "1"}`) from other tools and simulated results.
    flat = content.get(criterion)
    if isinstance(flat, str):
        return flat if flat in CHOICES else None
    # crowd-radio-button form: {"safer_1": {"on": true}, "safer_2": {"on": false}, ...}.
    picked = [
        choice
        for choice in CHOICES
        if isinstance(content.get(f"{criterion}_{choice}"), dict)
        and any(v is True for v in content[f"{criterion}_{choice}"].values())
    ]
    return picked[0] if len(picked) == 1 else None


def _content(annotation: dict[str, Any]) -> dict[str, Any]:
    if isinstance(annotation.get("answerContent"), dict):
        return annotation["answerContent"]
    content = (annotation.get("annotationData") or {}).get("content", "{}")
    parsed = json.loads(content) if isinstance(content, str) else content
    return parsed if isinstance(parsed, dict) else {}


def _find_label_attribute(line: dict[str, Any]) -> str | None:
    found = [
        key
        for key, value in line.items()
        if isinstance(value, dict) and any(c in value for c in _CONTAINERS)
    ]
    return found[0] if len(found) == 1 else None


def parse_output_line(
    line: dict[str, Any], *, label_attribute: str | None, where: str
) -> RatedPair:
    """One output-manifest line → the pair and every worker's judgment on it."""
    for key in ("prompt", "response_1", "response_2"):
        if not isinstance(line.get(key), str):
            raise FeedbackError(
                f"{where}: missing {key!r}; expected a `fmops feedback rank-tasks` job output"
            )
    attribute = label_attribute or _find_label_attribute(line)
    if attribute is None or not isinstance(line.get(attribute), dict):
        raise FeedbackError(
            f"{where}: no worker annotations found"
            + (f" under label attribute {attribute!r}" if attribute else "")
            + " (expected annotationsFromAllWorkers or answers)"
        )
    block = line[attribute]
    annotations: list[Any] = next(
        (block[c] for c in _CONTAINERS if isinstance(block.get(c), list)), []
    )
    judgments = []
    for index, annotation in enumerate(annotations):
        try:
            content = _content(annotation)
        except json.JSONDecodeError:
            content = {}
        judgments.append(
            Judgment(
                worker_id=str(annotation.get("workerId", f"worker-{index}")),
                safer=_choice(content, CRITERIA[0]),
                helpful=_choice(content, CRITERIA[1]),
                reason=str(content.get(REASON_FIELD, "")),
            )
        )
    sources = line.get("response_sources") or [None, None]
    return RatedPair(
        pair_id=str(line.get("pair_id", where)),
        prompt=line["prompt"],
        response_1=line["response_1"],
        response_2=line["response_2"],
        judgments=tuple(judgments),
        sources=(sources[0], sources[1]),
    )


def read_output_manifest(path: Path, *, label_attribute: str | None = None) -> list[RatedPair]:
    return [
        parse_output_line(line, label_attribute=label_attribute, where=f"{path}:{number}")
        for number, line in read_jsonl(path)
    ]
