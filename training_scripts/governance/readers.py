"""Read raw inputs (JSONL, CSV, text/markdown) into Examples; errors name the file and line.

Inputs are only ever opened for reading. Everything is decoded as strict UTF-8 so a wrongly
encoded file fails with its line number instead of training on mojibake.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training_scripts.governance.records import DataError, Example

SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".txt": "text", ".md": "text"}


@dataclass(frozen=True)
class FieldMap:
    """Which input field holds each part of an example (the `--*-field` options)."""

    text: str = "text"
    prompt: str = "prompt"
    completion: str = "completion"
    chosen: str = "chosen"
    rejected: str = "rejected"
    system: str = "system"
    messages: str = "messages"


def input_files(root: Path) -> list[Path]:
    """Every readable input under `root`, in a stable order; unknown suffixes are an error."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise DataError(f"{root}: input not found (expected a file or a directory)")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    unknown = [p for p in files if p.suffix.lower() not in SUFFIXES]
    if unknown:
        allowed = ", ".join(sorted(SUFFIXES))
        raise DataError(f"{unknown[0]}: unsupported file type (allowed: {allowed})")
    if not files:
        raise DataError(f"{root}: no input files (expected {', '.join(sorted(SUFFIXES))})")
    return files


def read_examples(
    path: Path, name: str, task: str, fields: FieldMap, chunk_chars: int
) -> Iterator[Example]:
    kind = SUFFIXES[path.suffix.lower()]
    if kind == "text":
        if task != "cpt":
            raise DataError(f"{name}: plain-text documents feed only --task cpt, not {task}")
        yield from _text_chunks(path, name, chunk_chars)
        return
    rows = _jsonl_rows(path, name) if kind == "jsonl" else _csv_rows(path, name)
    for line, row in rows:
        yield Example(name, line, _texts(row, task, fields, f"{name}:{line}"))


def _jsonl_rows(path: Path, name: str) -> Iterator[tuple[int, dict]]:
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _utf8_error(name, line, raw[exc.start]) from None
            if not text.strip():
                continue  # blank lines carry no example; the writer never emits them
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{name}:{line}: not valid JSON ({exc.msg} at column {exc.colno})"
                ) from None
            if not isinstance(row, dict):
                raise DataError(f"{name}:{line}: expected a JSON object, got {type(row).__name__}")
            yield line, row


def _utf8_error(name: str, line: int, byte: int) -> DataError:
    return DataError(f"{name}:{line}: not valid UTF-8 (byte {byte:#04x}); re-encode it as UTF-8")


def _decode(path: Path, name: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _utf8_error(name, line, data[exc.start]) from None


def _csv_rows(path: Path, name: str) -> Iterator[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(_decode(path, name), newline=""))
    for row in reader:
        if None in row:
            raise DataError(f"{name}:{reader.line_num}: more cells than header columns")
        yield reader.line_num, row


def _field(row: dict, key: str, where: str) -> str:
    if key not in row:
        have = ", ".join(sorted(map(str, row))) or "none"
        raise DataError(
            f"{where}: missing field '{key}' (fields present: {have}); map it with --*-field"
        )
    value = row[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DataError(f"{where}: field '{key}' must be text, got {type(value).__name__}")
    return value


def _texts(row: dict, task: str, fields: FieldMap, where: str) -> list[str]:
    if task == "cpt":
        return [_field(row, fields.text, where)]
    if task == "sft":
        return [_field(row, fields.prompt, where), _field(row, fields.completion, where)]
    if task == "preference":
        return [_field(row, k, where) for k in (fields.prompt, fields.chosen, fields.rejected)]
    return _conversation(row, fields, where)


def _content(value: object, where: str) -> str:
    """Message content as plain text: a string or Converse-style [{"text": ...}] blocks."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, dict) and "text" in b for b in value):
        return "\n".join(str(b["text"]) for b in value)
    raise DataError(f'{where}: content must be a string or a list of {{"text": ...}} blocks')


def _conversation(row: dict, fields: FieldMap, where: str) -> list[str]:
    system = _content(row[fields.system], where) if row.get(fields.system) else ""
    if fields.messages not in row:
        return [system, _field(row, fields.prompt, where), _field(row, fields.completion, where)]
    messages = row[fields.messages]
    if not isinstance(messages, list):
        raise DataError(f"{where}: '{fields.messages}' must be a list of messages")
    turns: list[str] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise DataError(f"{where}: messages[{index}] needs 'role' and 'content'")
        role, text = message["role"], _content(message["content"], where)
        if role == "system" and index == 0:
            system = text
            continue
        expected = "user" if len(turns) % 2 == 0 else "assistant"
        if role != expected:
            raise DataError(
                f"{where}: messages[{index}] has role {role!r}; roles must alternate "
                f"user/assistant starting with user, expected {expected!r}"
            )
        turns.append(text)
    if len(turns) < 2 or len(turns) % 2:
        raise DataError(f"{where}: a conversation needs user/assistant pairs ending with assistant")
    return [system, *turns]


def _text_chunks(path: Path, name: str, chunk_chars: int) -> Iterator[Example]:
    """Paragraph-packed chunks of at most `chunk_chars` characters, for continued pre-training."""
    text = _decode(path, name)
    buffer: list[str] = []
    size, start_line, line = 0, 1, 1
    for paragraph in text.split("\n\n"):
        lines_here = paragraph.count("\n") + 2
        for piece in _split_long(paragraph.strip(), chunk_chars):
            if buffer and size + len(piece) + 2 > chunk_chars:
                yield Example(name, start_line, ["\n\n".join(buffer)])
                buffer, size, start_line = [], 0, line
            if piece:
                buffer.append(piece)
                size += len(piece) + 2
        line += lines_here
    if buffer:
        yield Example(name, start_line, ["\n\n".join(buffer)])


def _split_long(paragraph: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(paragraph) > limit:
        cut = paragraph.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(paragraph[:cut].strip())
        paragraph = paragraph[cut:].strip()
    return [*pieces, paragraph]
