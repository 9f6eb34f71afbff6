"""Read a training channel's JSONL into typed examples, with file:line errors.

Dependency-free so `train.py` rejects a bad dataset in a fraction of a second, before torch
loads. Formats are the curated ones `prepare_data.py` writes (INTERFACES.md section 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CONVERSATION_SCHEMA = "bedrock-conversation-2024"


class DataError(ValueError):
    """A channel's data is missing, empty or malformed."""


@dataclass(frozen=True)
class TextExample:
    text: str


@dataclass(frozen=True)
class InstructionExample:
    """A prompt and the completion to learn; `messages` keeps a conversation's turns."""

    prompt: str
    completion: str
    messages: tuple[tuple[str, str], ...] = ()  # (role, text) before the final assistant turn


@dataclass(frozen=True)
class PreferenceExample:
    prompt: str
    chosen: str
    rejected: str


Example = TextExample | InstructionExample | PreferenceExample

# Which record shape each method learns from.
METHOD_FORMAT = {
    "cpt": "cpt",
    "sft": "instruction",
    "lora": "instruction",
    "reft": "instruction",
    "distill": "instruction",
    "reward": "preference",
    "dpo": "preference",
}


def channel_files(channel: Path) -> list[Path]:
    """`data.jsonl` when present (the curated layout), else every *.jsonl in the channel."""
    preferred = channel / "data.jsonl"
    return [preferred] if preferred.is_file() else sorted(channel.rglob("*.jsonl"))


def read_examples(channel: Path, method: str, name: str = "train") -> list[Example]:
    files = channel_files(channel)
    if not files:
        raise DataError(f"{name} channel {channel}: no data.jsonl or *.jsonl file")
    examples: list[Example] = []
    for path in files:
        try:
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        examples.append(_parse_line(path, number, line, METHOD_FORMAT[method]))
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
            ) from None
    if not examples:
        listed = ", ".join(p.name for p in files)
        raise DataError(f"{name} channel {channel}: no records in {listed} (dataset is empty)")
    return examples


def _parse_line(path: Path, number: int, line: str, fmt: str) -> Example:
    where = f"{path}:{number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise DataError(f"{where}: must be a JSON object, got {type(record).__name__}")
    if fmt == "cpt":
        return TextExample(_text(record, "input", where))
    if fmt == "preference":
        return PreferenceExample(
            *(_text(record, k, where) for k in ("prompt", "chosen", "rejected"))
        )
    if record.get("schemaVersion") == CONVERSATION_SCHEMA or "messages" in record:
        return _conversation(record, where)
    return InstructionExample(_text(record, "prompt", where), _text(record, "completion", where))


def _text(record: object, key: str, where: str) -> str:
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, str) or not value:
        raise DataError(f"{where}: field '{key}' must be a non-empty string (got {value!r})")
    return value


def _conversation(record: dict, where: str) -> InstructionExample:
    """The last assistant turn is the completion; every turn before it is the prompt."""
    turns: list[tuple[str, str]] = []
    for block in record.get("system") or []:
        turns.append(("system", _text(block, "text", f"{where} system")))
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DataError(f"{where}: field 'messages' must be a non-empty list")
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            raise DataError(f"{where}: messages[{index}].role must be user or assistant ({role!r})")
        parts = message.get("content")
        if not isinstance(parts, list) or not parts:
            raise DataError(f"{where}: messages[{index}].content must be a non-empty list")
        text = "".join(_text(p, "text", f"{where} messages[{index}]") for p in parts)
        turns.append((role, text))
    if turns[-1][0] != "assistant":
        raise DataError(f"{where}: the last message must come from the assistant")
    prompt = "\n".join(text for _, text in turns[:-1])
    return InstructionExample(prompt=prompt, completion=turns[-1][1], messages=tuple(turns[:-1]))
