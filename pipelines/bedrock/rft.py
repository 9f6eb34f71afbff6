"""Reinforcement fine-tuning prompts: OpenAI chat `messages` plus a `reference_answer`.

Per "Prepare data for Amazon Nova models" (RFT) and "Prepare data for open-weight models": one
JSON object per line, `messages` with system/user/assistant turns holding the prompt (the model's
answer is generated during training, the grader scores it), `reference_answer` with what the
grader compares against (a string or an object), optionally `id` and `tools`; open-weight models
allow further fields the grader reads. 100 to 20,000 prompts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from training_scripts.dataset_formats import DatasetLimits, FormatProblem

ROLES = ("system", "user", "assistant")
REFERENCE_ANSWER = "reference_answer"


def _content_problem(content: Any, where: str) -> str | None:
    if isinstance(content, str):
        return None if content.strip() else f"'{where}' is empty"
    if isinstance(content, list) and content:
        return None  # OpenAI content parts: [{"type": "text", "text": ...}, ...]
    return f"'{where}' must be a non-empty string or list of content parts"


def record_problems(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return [f"must be a JSON object, got {type(record).__name__}"]
    found = []
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        found.append("'messages' must be a non-empty list of {role, content} turns")
        messages = []
    for index, message in enumerate(messages):
        here = f"messages[{index}]"
        if not isinstance(message, dict) or "role" not in message:
            found.append(f"'{here}' must be an object with 'role' and 'content'")
            continue
        if message["role"] not in ROLES:
            found.append(f"'{here}.role' is {message['role']!r}; allowed: {', '.join(ROLES)}")
        elif message["role"] == "system" and index != 0:
            found.append(f"'{here}' is a system turn; a system turn may only come first")
        problem = _content_problem(message.get("content"), f"{here}.content")
        if problem:
            found.append(problem)
    if messages and not any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
        found.append("'messages' holds no user turn: there is no prompt to answer")
    if REFERENCE_ANSWER not in record:
        found.append(f"missing key '{REFERENCE_ANSWER}' (what the grader scores against)")
    else:
        answer = record[REFERENCE_ANSWER]
        if not isinstance(answer, str | dict) or not (
            answer.strip() if isinstance(answer, str) else answer
        ):
            found.append(f"'{REFERENCE_ANSWER}' must be a non-empty string or object")
    if "id" in record and (not isinstance(record["id"], str) or not record["id"].strip()):
        found.append("'id' must be a non-empty string")
    return found


def validate_rft(
    path: Path,
    limits: DatasetLimits,
    max_problems: int = 50,
    check: Callable[[Any], list[str]] = record_problems,
    unit: str = "prompts",
) -> list[FormatProblem]:
    """Every problem of a JSONL file whose records `check` judges (RFT prompts by default):
    the first `max_problems`, then a count; record bounds from `limits`."""
    if not path.is_file():
        return [FormatProblem(0, "file not found")]
    problems: list[FormatProblem] = []
    hidden = 0
    size = path.stat().st_size
    if limits.max_file_bytes is not None and size > limits.max_file_bytes:
        problems.append(FormatProblem(0, f"file is {size} bytes, above {limits.max_file_bytes}"))
    records = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                found = [f"not valid UTF-8 (byte {exc.start})"]
            except json.JSONDecodeError as exc:
                found = [f"not valid JSON ({exc.msg} at column {exc.colno})"]
            else:
                records += 1
                found = check(record)
            for message in found:
                if len(problems) < max_problems:
                    problems.append(FormatProblem(number, message))
                else:
                    hidden += 1
    if limits.min_records is not None and records < limits.min_records:
        problems.append(
            FormatProblem(0, f"{records} {unit}, below the minimum of {limits.min_records}")
        )
    if limits.max_records is not None and records > limits.max_records:
        problems.append(
            FormatProblem(0, f"{records} {unit}, above the maximum of {limits.max_records}")
        )
    if hidden:
        problems.append(FormatProblem(0, f"{hidden} more problems not shown"))
    return problems
