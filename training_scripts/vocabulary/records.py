"""Reading JSONL records: one error type, one line reader, one reading of a conversation.

`prepare_data.py` (raw inputs), `train.py` (curated channels) and `evaluate.py` (held-out sets)
all read records through these functions, so they agree on what a line, a conversation and a
multi-block message mean.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training_scripts.vocabulary.methods import RecordKind

CONVERSATION_SCHEMA = "bedrock-conversation-2024"
# Text blocks of one message are joined with a newline: blocks are separate pieces of text
# (paragraphs, a quoted document), and gluing them with "" would fuse the last word of one to
# the first word of the next.
BLOCK_SEPARATOR = "\n"

PREFERENCE_FIELDS = ("prompt", "chosen", "rejected")
# Ranked pairs (prompt/chosen/rejected) sit in this folder of a raw input prefix; the prepare
# step turns them into reward/dpo training data (prepare_data.py --method).
PREFERENCE_DIR = "preferences"

Messages = list[dict[str, str]]  # chat-template input: [{"role": ..., "content": ...}, ...]


class DataError(ValueError):
    """Input data that cannot be read as asked: names the file, the line and what was expected."""


# -- Examples --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextExample:
    """Continued pre-training text."""

    text: str


@dataclass(frozen=True)
class InstructionExample:
    """A prompt and the completion to learn; `messages` keeps a conversation's turns."""

    prompt: str
    completion: str
    messages: tuple[tuple[str, str], ...] = ()  # (role, text) before the final assistant turn

    def chat(self) -> str | Messages:
        """The prompt as a model is asked it: chat messages for a conversation, else the text."""
        if not self.messages:
            return self.prompt
        return [{"role": role, "content": text} for role, text in self.messages]


@dataclass(frozen=True)
class PreferenceExample:
    prompt: str
    chosen: str
    rejected: str


Example = TextExample | InstructionExample | PreferenceExample


# -- Lines -----------------------------------------------------------------------------------
def read_jsonl(path: Path, name: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line, object) for every non-blank line of `path`, decoded as strict UTF-8.

    `name` is how errors refer to the file (default: the path). A line that is not UTF-8, not
    JSON or not a JSON object raises DataError naming the line.
    """
    where = str(path) if name is None else name
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DataError(f"{where}: cannot read ({exc.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            record = parse_jsonl_line(raw, where, number)
            if record is not None:
                yield number, record


def parse_jsonl_line(raw: bytes, where: str, number: int) -> dict[str, Any] | None:
    """One line of a JSONL file as an object (None for a blank line); errors name the line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise utf8_error(where, number, raw[exc.start]) from None
    if not text.strip():
        return None  # blank lines carry no record; the writers never emit them
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{where}:{number}: not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(record, dict):
        raise DataError(f"{where}:{number}: must be a JSON object, got {type(record).__name__}")
    return record


def utf8_error(where: str, line: int, byte: int) -> DataError:
    return DataError(f"{where}:{line}: not valid UTF-8 (byte {byte:#04x}); re-encode it as UTF-8")


def channel_files(directory: Path) -> list[Path]:
    """`data.jsonl` when present (the curated layout), else every *.jsonl below `directory`."""
    preferred = directory / "data.jsonl"
    return [preferred] if preferred.is_file() else sorted(directory.rglob("*.jsonl"))


# -- Fields ----------------------------------------------------------------------------------
def text_field(record: object, key: str, where: str) -> str:
    """`record[key]` as a non-empty string."""
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, str) or not value:
        raise DataError(f"{where}: field '{key}' must be a non-empty string (got {value!r})")
    return value


def message_text(content: object, where: str) -> str:
    """A message body as text: a string, or Converse-style `[{"text": ...}, ...]` blocks."""
    if isinstance(content, str):
        return content
    if (
        isinstance(content, list)
        and content
        and all(isinstance(b, dict) and isinstance(b.get("text"), str) for b in content)
    ):
        return BLOCK_SEPARATOR.join(block["text"] for block in content)
    raise DataError(f'{where}: content must be a string or a list of {{"text": ...}} blocks')


@dataclass(frozen=True)
class Conversation:
    """A conversation read by the one rule: roles alternate user/assistant, user first,
    assistant last; a system prompt comes from `system` or a leading `system` message."""

    system: str
    turns: tuple[str, ...]  # user, assistant, user, assistant, ...

    def messages(self) -> tuple[tuple[str, str], ...]:
        """(role, text) of every turn, the system prompt first when there is one."""
        roles = ("user", "assistant")
        turns = tuple((roles[i % 2], text) for i, text in enumerate(self.turns))
        return ((("system", self.system),) if self.system else ()) + turns


def read_conversation(
    record: dict[str, Any], where: str, messages_key: str = "messages", system_key: str = "system"
) -> Conversation:
    """A bedrock-conversation-2024 record (or a raw chat record mapped by the keys)."""
    system = ""
    if record.get(system_key):
        system = message_text(record[system_key], f"{where} {system_key}")
    messages = record.get(messages_key)
    if not isinstance(messages, list) or not messages:
        raise DataError(f"{where}: field '{messages_key}' must be a non-empty list of messages")
    turns: list[str] = []
    for index, message in enumerate(messages):
        here = f"{where} {messages_key}[{index}]"
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise DataError(f"{here}: needs 'role' and 'content'")
        role, text = message["role"], message_text(message["content"], here)
        if role == "system" and index == 0:
            system = text
            continue
        expected = "user" if len(turns) % 2 == 0 else "assistant"
        if role != expected:
            raise DataError(
                f"{here}: role {role!r}; roles must alternate user/assistant starting with "
                f"user, so this one must be {expected!r}"
            )
        turns.append(text)
    if len(turns) < 2 or len(turns) % 2:
        raise DataError(f"{where}: a conversation needs user/assistant pairs ending with assistant")
    return Conversation(system, tuple(turns))


def instruction_from_conversation(conversation: Conversation) -> InstructionExample:
    """The last assistant turn is the completion; every turn before it is the prompt."""
    before = conversation.messages()[:-1]
    return InstructionExample(
        prompt="\n".join(text for _, text in before),
        completion=conversation.turns[-1],
        messages=before,
    )


def is_conversation(record: dict[str, Any]) -> bool:
    return record.get("schemaVersion") == CONVERSATION_SCHEMA or "messages" in record


# -- Records of a kind -----------------------------------------------------------------------
def parse_example(record: dict[str, Any], kind: RecordKind, where: str) -> Example:
    """A curated record as the Example its kind learns from."""
    if kind == "text":
        return TextExample(text_field(record, "input", where))
    if kind == "preference":
        return PreferenceExample(*(text_field(record, k, where) for k in PREFERENCE_FIELDS))
    if is_conversation(record):
        example = instruction_from_conversation(read_conversation(record, where))
        if not example.completion:
            raise DataError(f"{where}: the last assistant message is empty")
        return example
    return InstructionExample(
        text_field(record, "prompt", where), text_field(record, "completion", where)
    )
