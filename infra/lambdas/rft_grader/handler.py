"""Bedrock reinforcement fine-tuning grader: the project's rule rewards, as a Lambda.

Bedrock samples answers to each training prompt and invokes this function with a batch of
samples (Bedrock user guide, "Setting up reward functions for Amazon Nova models" and "... for
open-weight models"; SageMaker "Implementing reward functions"):

    [{"id": "123",
      "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}],
      "reference_answer": ... }]          # Nova; open-weight models put it in "metadata"

and expects one result per sample:

    [{"id": "123", "aggregate_reward_score": 0.85,
      "metrics_list": [{"name": "politeness", "value": 0.9, "type": "Metric"}, ...]}]

The score is `training_scripts.rule_rewards.score`, the very function GRPO training adds to its
learned reward (the asset ships that file), so a reward tested locally is the one graded here.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from training_scripts.rule_rewards import breakdown

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)
SCORE = "score"  # breakdown()'s combined key; every other key is one rule


def _text(content: object) -> str:
    """A chat turn's text: a string, or OpenAI/Converse content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict)).strip()
    return ""


def _reference(sample: dict[str, Any]) -> str | None:
    answer = sample.get("reference_answer")
    if answer is None and isinstance(sample.get("metadata"), dict):
        answer = sample["metadata"].get("reference_answer")
    if isinstance(answer, dict):  # structured answers: grade against their text fields
        answer = " ".join(str(v) for v in answer.values() if isinstance(v, str | int | float))
    return answer if isinstance(answer, str) and answer.strip() else None


def grade(sample: dict[str, Any]) -> dict[str, Any]:
    """One sample's result; a sample with no answer to grade scores 0 rather than failing."""
    messages = [m for m in sample.get("messages") or [] if isinstance(m, dict)]
    answers = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
    sample_id = str(sample.get("id", ""))
    if not answers:
        LOGGER.warning("sample %s holds no assistant turn to grade", sample_id)
        return {"id": sample_id, "aggregate_reward_score": 0.0, "metrics_list": []}
    last = answers[-1]
    prompt = next(
        (_text(m.get("content")) for m in reversed(messages[:last]) if m.get("role") == "user"),
        "",
    )
    parts = breakdown(prompt, _text(messages[last].get("content")), _reference(sample))
    return {
        "id": sample_id,
        "aggregate_reward_score": parts[SCORE],
        "metrics_list": [
            {"name": name, "value": value, "type": "Metric"}
            for name, value in parts.items()
            if name != SCORE
        ],
    }


def handler(event: object, context: object = None) -> list[dict[str, Any]]:
    samples = event if isinstance(event, list) else [event]
    results = [grade(s) for s in samples if isinstance(s, dict)]
    LOGGER.info(json.dumps({"graded": len(results)}))
    return results
