"""Read evaluation inputs (JSONL predictions, references, test sets) with one-line errors.

Lines, conversations and errors are read by `vocabulary.records`, like train.py's channels, so a
held-out conversation is split into prompt and reference exactly where training split it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training_scripts.vocabulary.records import (
    DataError,
    InstructionExample,
    channel_files,
    instruction_from_conversation,
    is_conversation,
    read_conversation,
)
from training_scripts.vocabulary.records import read_jsonl as read_lines

CONTINUATION_MIN_WORDS = 8
CONTINUATION_MAX_WORDS = 48


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-blank line of `path` as a JSON object; an empty file is an error."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    records = [record for _, record in read_lines(path)]
    if not records:
        raise DataError(f"{path}: is empty; need at least one JSON line")
    return records


def field_values(records: list[dict[str, Any]], field: str, source: Path) -> list[str]:
    """The string `field` of every record, naming the first line that lacks it."""
    values: list[str] = []
    for number, record in enumerate(records, start=1):
        value = record.get(field)
        if not isinstance(value, str):
            have = ", ".join(sorted(record)) or "none"
            problem = "has no" if value is None else "has a non-string"
            raise DataError(f"{source}: record {number} {problem} field '{field}' (fields: {have})")
        values.append(value)
    return values


def read_texts(path: Path, field: str) -> list[str]:
    return field_values(read_jsonl(path), field, path)


def check_same_length(predictions: list[str], references: list[str], what: str) -> None:
    if len(predictions) != len(references):
        raise DataError(
            f"{what}: {len(predictions)} predictions but {len(references)} references; "
            "need one prediction per reference, in the same order"
        )


def example_from_record(record: dict[str, Any], where: str) -> InstructionExample:
    """A prompt/completion record, a bedrock-conversation-2024 record or a CPT text, as the
    prompt the model is asked and the reference (the example's completion) it is scored on.

    For conversations the last assistant turn is the reference and every turn before it (with the
    system prompt) is the prompt, so the model answers exactly where the human answer stood.
    """
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return InstructionExample(prompt=record["prompt"], completion=record["completion"])
    text = record.get("input")
    if isinstance(text, str) and len(words := text.split()) >= CONTINUATION_MIN_WORDS:
        # Continued pre-training text: the model continues the first half of a held-out
        # passage and is scored against what the passage really says next.
        cut = len(words) // 2
        return InstructionExample(
            prompt=" ".join(words[:cut]),
            completion=" ".join(words[cut : cut + CONTINUATION_MAX_WORDS]),
        )
    if is_conversation(record):
        return instruction_from_conversation(read_conversation(record, where))
    have = ", ".join(sorted(record)) or "none"
    raise DataError(
        f"{where}: need 'prompt' + 'completion' strings, bedrock-conversation-2024 'messages' "
        f"or an 'input' text of at least {CONTINUATION_MIN_WORDS} words "
        f"(fields: {have})"
    )


def load_test_set(directory: Path) -> list[InstructionExample]:
    """`data.jsonl` in `directory`, else every *.jsonl there, as examples."""
    if not directory.is_dir():
        raise DataError(f"test set {directory}: no such directory")
    files = channel_files(directory)
    if not files:
        raise DataError(f"test set {directory}: no data.jsonl or *.jsonl files")
    examples: list[InstructionExample] = []
    for path in files:
        for number, record in enumerate(read_jsonl(path), start=1):
            examples.append(example_from_record(record, f"{path}: record {number}"))
    return examples
