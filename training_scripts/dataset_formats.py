"""Bedrock-style JSONL dataset checks, run before anything is uploaded or trained.

Bedrock rejects a malformed dataset only after the job has queued, often much later; these checks
catch the same mistakes locally and name every bad line. Formats and rules follow "Prepare your
training datasets for fine-tuning and continued pre-training" (Amazon Bedrock user guide,
https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html):
one UTF-8 JSON object per line; `{"input"}` for continued pre-training; `{"prompt", "completion"}`
for fine-tuning; `bedrock-conversation-2024` (system + messages, roles alternating user/assistant,
first user, last assistant) for conversational models; record size is estimated at ~6 characters
per token against the model's limit. `claude_conversation` is Anthropic Claude 3 Haiku's own
fine-tuning format (same page, "Anthropic Claude 3 Haiku: Single-turn / Multi-turn conversations"):
`{"system": str, "messages": [{"role", "content": str}, ...]}` with no schemaVersion, a string
system prompt and string content instead of `[{"text"}]` blocks, the same role alternation.
`preference` (`{"prompt", "chosen", "rejected"}`) is this project's reward/DPO format and follows
the same rules.

Dependency-free on purpose: the control plane (`fmops bedrock validate`) imports it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training_scripts.dataset_media import MediaRules as MediaRules
from training_scripts.dataset_media import (
    media_block_problems,
    media_count_problems,
    media_kinds,
)
from training_scripts.vocabulary.records import CONVERSATION_SCHEMA

FORMATS = ("cpt", "prompt_completion", "conversation", "claude_conversation", "preference")

# Required keys per format; nothing else is allowed (Bedrock rejects extraneous keys).
_STRING_FIELDS: dict[str, tuple[str, ...]] = {
    "cpt": ("input",),
    "prompt_completion": ("prompt", "completion"),
    "preference": ("prompt", "chosen", "rejected"),
}
_CONVERSATION_REQUIRED = ("schemaVersion", "messages")
_CONVERSATION_OPTIONAL = ("system",)
_CLAUDE_REQUIRED = ("messages",)


@dataclass(frozen=True)
class FormatProblem:
    line: int  # 1-based line number; 0 = a problem with the whole file
    message: str


@dataclass(frozen=True)
class DatasetLimits:
    max_tokens_per_record: int | None = None
    min_records: int | None = None
    max_records: int | None = None
    max_file_bytes: int | None = None
    chars_per_token: float = 6.0  # Bedrock's own estimate (same page as above)
    # Words the model's trainer reserves: a text containing one anywhere (any case) fails the job.
    reserved_markers: tuple[str, ...] = ()
    media: MediaRules | None = None  # None: text blocks only
    any_schema_version: bool = False  # Nova: "schemaVersion can be any string value"
    # Nova 2: assistant turns may carry {"reasoningContent": {"reasoningText": {"text"}}} blocks.
    reasoning_content: bool = False
    prompts_only: bool = False  # distillation: the assistant answer is optional


class _Problems:
    """Collects the first `limit` problems and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[FormatProblem] = []
        self.hidden = 0

    def add(self, line: int, message: str) -> None:
        if len(self.items) < self.limit:
            self.items.append(FormatProblem(line, message))
        else:
            self.hidden += 1


def validate_dataset(
    path: Path,
    fmt: str,
    limits: DatasetLimits = DatasetLimits(),
    max_problems: int = 50,
) -> list[FormatProblem]:
    """Every problem of `path` as `fmt` (first `max_problems`, then one line-0 summary).

    An empty list means the file is valid. Streams the file line by line, so memory stays flat.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not supported: use one of {', '.join(FORMATS)}")
    path = Path(path)
    problems = _Problems(max(1, max_problems))
    if not path.is_file():
        return [FormatProblem(0, "file not found")]
    size = path.stat().st_size
    if limits.max_file_bytes is not None and size > limits.max_file_bytes:
        problems.add(0, f"file is {size} bytes, above the limit of {limits.max_file_bytes}")

    records = 0
    modalities: dict[str, int] = {}  # "image"/"video" -> first line that used it
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                problems.add(1, "starts with a UTF-8 byte-order mark; save as UTF-8 without BOM")
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.add(number, f"not valid UTF-8 (byte {exc.start}: {raw[exc.start]:#04x})")
                continue
            if not text.strip():
                problems.add(number, "empty line; every line must hold one JSON object")
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                problems.add(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            except RecursionError:
                problems.add(number, "JSON nested too deeply to read")
                continue
            records += 1
            surrogate = _lone_surrogate(text, record)
            if surrogate:
                problems.add(number, surrogate)
                continue
            for message in _record_problems(record, fmt, limits):
                problems.add(number, message)
            if limits.media is not None and not limits.media.mixed_media:
                for kind in media_kinds(record):
                    modalities.setdefault(kind, number)
                if len(modalities) > 1 and max(modalities.values()) == number:
                    other = min(modalities, key=modalities.__getitem__)
                    problems.add(
                        number,
                        f"mixes media: line {modalities[other]} has {other}s; a dataset holds "
                        "text with images or text with videos, not both",
                    )

    if records == 0 and not problems.items:
        problems.add(0, "file holds no records")
    if limits.min_records is not None and records < limits.min_records:
        problems.add(0, f"{records} records, below the minimum of {limits.min_records}")
    if limits.max_records is not None and records > limits.max_records:
        problems.add(0, f"{records} records, above the maximum of {limits.max_records}")
    result = list(problems.items)
    if problems.hidden:
        result.append(FormatProblem(0, f"{problems.hidden} more problems not shown"))
    return result


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(text: str, record: Any) -> str | None:
    """A `\\ud800`-style escape without its pair: valid JSON syntax, not Unicode text; every
    UTF-8 writer (prepare's, Bedrock's reader) fails on it."""
    if not _SURROGATE_ESCAPE.search(text):  # cheap: escapes of this range are rare
        return None
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(exc.object[exc.start])
        return (
            f"holds a lone surrogate \\u{code:04x} (an escape without its pair); not valid Unicode"
        )
    return None


def _record_problems(record: Any, fmt: str, limits: DatasetLimits) -> list[str]:
    if not isinstance(record, dict):
        return [f"must be a JSON object, got {type(record).__name__}"]
    if fmt == "conversation":
        found, texts = _conversation_problems(record, limits)
    elif fmt == "claude_conversation":
        found, texts = _claude_problems(record)
    else:
        found, texts = _flat_problems(record, _STRING_FIELDS[fmt])
    found += _reserved_marker_problems(texts, limits.reserved_markers)
    if limits.max_tokens_per_record is not None and not found:
        tokens = sum(len(t) for t in texts) / limits.chars_per_token
        if tokens > limits.max_tokens_per_record:
            found.append(
                f"~{tokens:.0f} tokens (at {limits.chars_per_token:g} chars/token), "
                f"above the limit of {limits.max_tokens_per_record}"
            )
    return found


def _key_problems(
    record: dict, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[str]:
    found = [f"missing key '{key}'" for key in required if key not in record]
    extra = sorted(set(record) - set(required) - set(optional))
    if extra:
        allowed = ", ".join(required + optional)
        found.append(f"unexpected key(s) {', '.join(map(repr, extra))}; allowed: {allowed}")
    return found


def _nonempty_string(value: object, where: str) -> str | None:
    if not isinstance(value, str):
        return f"'{where}' must be a string, got {type(value).__name__}"
    if not value.strip():
        return f"'{where}' is empty"
    return None


def _flat_problems(record: dict, fields: tuple[str, ...]) -> tuple[list[str], list[str]]:
    found = _key_problems(record, fields)
    texts: list[str] = []
    for key in fields:
        if key in record:
            problem = _nonempty_string(record[key], key)
            if problem:
                found.append(problem)
            else:
                texts.append(record[key])
    return found, texts


def _text_blocks(
    value: Any, where: str, media: MediaRules | None = None, reasoning: bool = False
) -> tuple[list[str], list[str]]:
    """A Converse-style content list: `[{"text": "..."}, ...]` (plus media or reasoning blocks
    where allowed)."""
    if not isinstance(value, list) or not value:
        return [f"'{where}' must be a non-empty list of {{\"text\": ...}} blocks"], []
    found: list[str] = []
    texts: list[str] = []
    for index, block in enumerate(value):
        here = f"{where}[{index}]"
        if reasoning and isinstance(block, dict) and set(block) == {"reasoningContent"}:
            body = block["reasoningContent"]
            text = body.get("reasoningText", {}).get("text") if isinstance(body, dict) else None
            if not isinstance(text, str) or not text.strip():
                found.append(f"'{here}.reasoningContent.reasoningText.text' must be a text")
            else:
                texts.append(text)
            continue
        if media is not None and isinstance(block, dict) and set(block) & {"image", "video"}:
            found += media_block_problems(block, here, media)
            continue
        if isinstance(block, dict) and set(block) & {"image", "video"}:
            found.append(f"'{here}' is media: only user messages of a model that takes media may")
            continue
        if not isinstance(block, dict) or set(block) != {"text"}:
            found.append(f"'{here}' must be an object with exactly one key 'text'")
            continue
        problem = _nonempty_string(block["text"], f"{here}.text")
        if problem:
            found.append(problem)
        else:
            texts.append(block["text"])
    return found, texts


def _string_content(value: Any, where: str) -> tuple[list[str], list[str]]:
    """Claude 3 Haiku content: one plain string, not a list of blocks."""
    problem = _nonempty_string(value, where)
    return ([problem], []) if problem else ([], [value])


ContentCheck = Callable[[Any, str], tuple[list[str], list[str]]]


def _messages_problems(
    record: dict, content: ContentCheck, limits: DatasetLimits = DatasetLimits()
) -> tuple[list[str], list[str]]:
    """Roles alternate user/assistant, first user, last assistant; `content` checks each body."""
    found: list[str] = []
    texts: list[str] = []
    if "messages" not in record:
        return found, texts
    messages = record["messages"]
    shortest = 1 if limits.prompts_only else 2
    if not isinstance(messages, list) or len(messages) < shortest:
        found.append(
            "'messages' must be a list of at least 2 messages (user, then assistant)"
            if shortest == 2
            else "'messages' must be a non-empty list of messages starting with user"
        )
        return found, texts
    for index, message in enumerate(messages):
        here = f"messages[{index}]"
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            found.append(f"'{here}' must be an object with exactly the keys 'role' and 'content'")
            continue
        expected = "user" if index % 2 == 0 else "assistant"
        if message["role"] != expected:
            found.append(
                f"'{here}.role' is {message['role']!r}; roles must alternate user/assistant "
                f"starting with user, so this one must be {expected!r}"
            )
        # Media only in user turns: an assistant answers in text (Nova's validator, same rule).
        allowed = limits.media if expected == "user" and message["role"] == "user" else None
        reasoning = limits.reasoning_content and message["role"] == "assistant"
        body_found, body_texts = (
            _text_blocks(message["content"], f"{here}.content", allowed, reasoning)
            if content is _text_blocks
            else content(message["content"], f"{here}.content")
        )
        found += body_found
        texts += body_texts
    if len(messages) % 2 == 1 and not limits.prompts_only:
        found.append("the last message must have role 'assistant'")
    return found, texts


def _conversation_problems(
    record: dict, limits: DatasetLimits = DatasetLimits()
) -> tuple[list[str], list[str]]:
    found = _key_problems(record, _CONVERSATION_REQUIRED, _CONVERSATION_OPTIONAL)
    texts: list[str] = []
    version = record.get("schemaVersion")
    if limits.any_schema_version and "schemaVersion" in record:
        if not isinstance(version, str):
            found.append(f"schemaVersion is {version!r}; must be a string")
    elif "schemaVersion" in record and version != CONVERSATION_SCHEMA:
        found.append(
            f"schemaVersion is {record['schemaVersion']!r}; must be {CONVERSATION_SCHEMA!r}"
        )
    if "system" in record:
        system_found, system_texts = _text_blocks(record["system"], "system")
        found += system_found
        texts += system_texts
    message_found, message_texts = _messages_problems(record, _text_blocks, limits)
    found += media_count_problems(record, limits.media)
    return found + message_found, texts + message_texts


def _claude_problems(record: dict) -> tuple[list[str], list[str]]:
    found = _key_problems(record, _CLAUDE_REQUIRED, _CONVERSATION_OPTIONAL)
    texts: list[str] = []
    if "system" in record:
        system_found, system_texts = _string_content(record["system"], "system")
        found += system_found
        texts += system_texts
    message_found, message_texts = _messages_problems(record, _string_content)
    return found + message_found, texts + message_texts


def _reserved_marker_problems(texts: list[str], markers: tuple[str, ...]) -> list[str]:
    if not markers:
        return []
    lowered = "\n".join(texts).lower()
    hits = [m for m in markers if m.lower() in lowered]
    if not hits:
        return []
    return [
        f"text contains reserved marker(s) {', '.join(map(repr, hits))}; the model's trainer "
        "fails on them anywhere in a prompt: reword (e.g. 'Customer -' instead of 'User:')"
    ]
