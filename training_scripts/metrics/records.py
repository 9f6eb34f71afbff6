"""Read evaluation inputs (JSONL predictions, references, test sets) with one-line errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Messages = list[dict[str, str]]
CONTINUATION_MIN_WORDS = 8
CONTINUATION_MAX_WORDS = 48


class EvaluationInputError(ValueError):
    """An evaluation input is unusable; the message names the file, the value and what fits."""


@dataclass(frozen=True)
class Example:
    """One held-out example: a prompt (plain text, or chat messages) and the reference answer."""

    prompt: str | Messages
    reference: str

    @property
    def prompt_text(self) -> str:
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n".join(message["content"] for message in self.prompt)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-blank line of `path` as a JSON object; an empty file is an error."""
    if not path.is_file():
        raise EvaluationInputError(f"{path}: no such file")
    try:
        return _read_jsonl(path)
    except UnicodeDecodeError as exc:
        raise EvaluationInputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvaluationInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise EvaluationInputError(f"{path}:{number}: must be a JSON object per line")
            records.append(record)
    if not records:
        raise EvaluationInputError(f"{path}: is empty; need at least one JSON line")
    return records


def field_values(records: list[dict[str, Any]], field: str, source: Path) -> list[str]:
    """The string `field` of every record, naming the first line that lacks it."""
    values: list[str] = []
    for number, record in enumerate(records, start=1):
        value = record.get(field)
        if not isinstance(value, str):
            have = ", ".join(sorted(record)) or "none"
            problem = "has no" if value is None else "has a non-string"
            raise EvaluationInputError(
                f"{source}: record {number} {problem} field '{field}' (fields: {have})"
            )
        values.append(value)
    return values


def read_texts(path: Path, field: str) -> list[str]:
    return field_values(read_jsonl(path), field, path)


def check_same_length(predictions: list[str], references: list[str], what: str) -> None:
    if len(predictions) != len(references):
        raise EvaluationInputError(
            f"{what}: {len(predictions)} predictions but {len(references)} references; "
            "need one prediction per reference, in the same order"
        )


def _text_of(content: list[dict[str, Any]]) -> str:
    return "".join(part.get("text", "") for part in content)


def example_from_record(record: dict[str, Any], where: str) -> Example:
    """A prompt/completion record or a bedrock-conversation-2024 record as an Example.

    For conversations the last assistant turn is the reference and every turn before it (with the
    system prompt) is the prompt, so the model answers exactly where the human answer stood.
    """
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return Example(prompt=record["prompt"], reference=record["completion"])
    text = record.get("input")
    if isinstance(text, str) and len(words := text.split()) >= CONTINUATION_MIN_WORDS:
        # Continued pre-training text: the model continues the first half of a held-out
        # passage and is scored against what the passage really says next.
        cut = len(words) // 2
        return Example(
            prompt=" ".join(words[:cut]),
            reference=" ".join(words[cut : cut + CONTINUATION_MAX_WORDS]),
        )
    messages = record.get("messages")
    if isinstance(messages, list) and messages:
        turns: Messages = (
            [{"role": "system", "content": _text_of(record.get("system") or [])}]
            if record.get("system")
            else []
        )
        turns += [
            {"role": m.get("role", ""), "content": _text_of(m.get("content") or [])}
            for m in messages
        ]
        last = max((i for i, t in enumerate(turns) if t["role"] == "assistant"), default=None)
        if last is not None and last > 0:
            return Example(prompt=turns[:last], reference=turns[last]["content"])
        raise EvaluationInputError(f"{where}: conversation has no assistant turn after a prompt")
    have = ", ".join(sorted(record)) or "none"
    raise EvaluationInputError(
        f"{where}: need 'prompt' + 'completion' strings, bedrock-conversation-2024 'messages' "
        f"or an 'input' text of at least {CONTINUATION_MIN_WORDS} words "
        f"(fields: {have})"
    )


def load_test_set(directory: Path) -> list[Example]:
    """`data.jsonl` in `directory`, else every *.jsonl there, as Examples."""
    if not directory.is_dir():
        raise EvaluationInputError(f"test set {directory}: no such directory")
    preferred = directory / "data.jsonl"
    files = [preferred] if preferred.is_file() else sorted(directory.glob("*.jsonl"))
    if not files:
        raise EvaluationInputError(f"test set {directory}: no data.jsonl or *.jsonl files")
    examples: list[Example] = []
    for path in files:
        for number, record in enumerate(read_jsonl(path), start=1):
            examples.append(example_from_record(record, f"{path}: record {number}"))
    return examples
