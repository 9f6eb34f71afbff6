"""Read raw inputs (JSONL, CSV, text/markdown) into Examples; errors name the file and line.

Inputs are only ever opened for reading. Everything is decoded as strict UTF-8 so a wrongly
encoded file fails with its line number instead of training on mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training_scripts.governance.records import Example
from training_scripts.vocabulary.records import (
    DataError,
    message_text,
    parse_jsonl_line,
    read_conversation,
    read_jsonl,
    utf8_error,
)

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
    rows = read_jsonl(path, name) if kind == "jsonl" else _csv_rows(path, name)
    for line, row in rows:
        yield Example(name, line, _texts(row, task, fields, f"{name}:{line}"))


def jsonl_blocks(path: Path, block_bytes: int) -> Iterator[tuple[int, int, bytes]]:
    """(first line number, offset, whole lines) of about `block_bytes` each: all the reading
    process does with a JSONL file; decoding and parsing happen where the block is governed."""
    line, offset, carry = 1, 0, b""
    with path.open("rb") as handle:
        while block := handle.read(block_bytes):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # a line longer than the block: read on
                carry = data
                continue
            yield line, offset, data[:cut]
            line += data.count(b"\n", 0, cut)
            offset += cut
            carry = data[cut:]
    if carry:
        yield line, offset, carry


def block_examples(
    block: bytes, first_line: int, name: str, task: str, fields: FieldMap
) -> Iterator[tuple[int, Example]]:
    """(line, example) for each record of a `jsonl_blocks` block (blank lines skipped)."""
    lines = block.split(b"\n")  # "\n" only, as reading a file in binary mode splits lines
    if not lines[-1]:
        lines.pop()
    for number, raw in enumerate(lines, start=first_line):
        row = parse_jsonl_line(raw, name, number)
        if row is not None:
            yield number, Example(name, number, _texts(row, task, fields, f"{name}:{number}"))


def is_jsonl(path: Path) -> bool:
    return SUFFIXES[path.suffix.lower()] == "jsonl"


def _decode(path: Path, name: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise utf8_error(name, line, data[exc.start]) from None


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


def _conversation(row: dict, fields: FieldMap, where: str) -> list[str]:
    if fields.messages not in row:
        system = message_text(row[fields.system], where) if row.get(fields.system) else ""
        return [system, _field(row, fields.prompt, where), _field(row, fields.completion, where)]
    conversation = read_conversation(row, where, fields.messages, fields.system)
    return [conversation.system, *conversation.turns]


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
