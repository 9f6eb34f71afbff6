"""Dataset rules a model adds on top of its format's line checks, each citing its AWS page.

`training_scripts.dataset_formats` checks a record's shape; these are the per-model rules the
Bedrock and Nova guides state beyond it (which turns, which media, which words, which names).
`check_rules` streams the file once more and returns one problem per bad line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.bedrock.hyperparameters import DOCS
from pipelines.bedrock.media import image_problems, video_problems
from training_scripts.dataset_formats import FormatProblem

NOVA_GUIDE = "https://docs.aws.amazon.com/nova/latest/userguide"
# "Prepare data for fine-tuning your models": formats (conversational or not) and record limits.
PREPARE = f"{DOCS}/model-customization-prepare.html"
# Same page, the Titan Text requirements (token limit by batch size, file sizes).
TITAN_DATA = f"{PREPARE}#model-customization-prepare-titan"
# Same page, "Anthropic Claude 3 Haiku" requirements table and its two conversation formats.
CLAUDE_DATA = f"{PREPARE}#anthropic-claude-3-haiku"
NOVA_DATA = f"{NOVA_GUIDE}/fine-tune-prepare-data-understanding.html"
# "Supervised fine-tuning on Amazon Nova 2.0".
NOVA2_SFT = f"{DOCS}/nova-2-sft-data-prep.html"
# "Choose teacher and student models for distillation": teacher -> student pairs.
DISTILL = f"{DOCS}/prequisites-model-distillation.html"
# "Option 1: Provide your own prompts for data preparation" (distillation).
DISTILL_DATA = f"{DOCS}/distillation-data-prep-option-1.html"
# "Customize a model with fine-tuning", table "Supported models and Regions for fine-tuning".
SUPPORTED = f"{DOCS}/custom-model-fine-tuning.html#custom-model-supported"
# "Customize a model with reinforcement fine-tuning": models and their Regions.
RFT = f"{DOCS}/reinforcement-fine-tuning.html"
# "Prepare data for Amazon Nova models" (RFT) and "Prepare data for open-weight models" (RFT).
RFT_DATA = f"{DOCS}/rft-prepare-data.html"
RFT_OPEN_DATA = f"{DOCS}/rft-prepare-data-open-weight.html"

# NOVA_DATA item 3: "file names can consist of only alphanumeric characters, underscores,
# hyphens, slashes, and dots" (AWS's Nova validator applies the same pattern to media keys).
S3_KEY_CHARS = re.compile(r"[\w\-/.]+")
MEDIA_KINDS = ("image", "video")


@dataclass(frozen=True)
class Rules:
    small_batch_tokens: int | None = None  # Titan: record token limit at batch sizes 2-4
    max_total_records: int | None = None  # training + validation together (Claude 3 Haiku)
    text_markers: tuple[str, ...] = ()  # reserved, case-sensitive, anywhere in a text (Claude)
    media_files: bool = False  # Nova: media refs checked on the real files and the bucket
    s3_key_charset: bool = False  # Nova: dataset and media names in S3_KEY_CHARS
    uniform_media: bool = False  # Nova 2: all records text, or all text+image, or text+video
    reasoning_text_only: bool = False  # Nova 2: reasoningContent only in records without media
    single_turn: bool = False  # distillation for Claude 3 Haiku / Llama students
    one_text_block: bool = False  # distillation: each message holds one text block


@dataclass(frozen=True)
class Context:
    """Where the media of a dataset can be found locally, and where the dataset will live."""

    media_root: Path | None = None  # s3://BUCKET/KEY is read from MEDIA_ROOT/KEY
    dataset_bucket: str | None = None  # the bucket the dataset is uploaded to


NO_RULES = Rules()
NO_CONTEXT = Context()


def _messages(record: Any) -> list[dict[str, Any]]:
    messages = record.get("messages") if isinstance(record, dict) else None
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _media(record: Any) -> Iterator[tuple[str, str, str]]:
    """(kind, declared format, uri) of every media block (and a Nova Canvas `image-ref`)."""
    if isinstance(record, dict) and isinstance(record.get("image-ref"), str):
        yield "image", record["image-ref"].rsplit(".", 1)[-1], record["image-ref"]
    for message in _messages(record):
        for block in _blocks(message):
            for kind in MEDIA_KINDS:
                body = block.get(kind)
                if isinstance(body, dict):
                    uri = ((body.get("source") or {}).get("s3Location") or {}).get("uri")
                    if isinstance(uri, str):
                        yield kind, str(body.get("format", "")), uri


def _texts(record: Any) -> list[str]:
    texts = []
    system = record.get("system") if isinstance(record, dict) else None
    parts: list[Any] = [system] if isinstance(system, str) else list(system or [])
    for message in _messages(record):
        content = message.get("content")
        parts += [content] if isinstance(content, str) else _blocks(message)
    for part in parts:
        text = part.get("text") if isinstance(part, dict) else part
        if isinstance(text, str):
            texts.append(text)
    return texts


def record_kind(record: Any) -> str:
    """'text', 'image' or 'video': what a Nova 2 dataset must hold in every record."""
    kinds = {kind for kind, _, _ in _media(record)}
    return next((k for k in MEDIA_KINDS if k in kinds), "text")


def _split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _media_file_problems(kind: str, declared: str, uri: str, ctx: Context) -> list[str]:
    bucket, key = _split_uri(uri)
    found = []
    if ctx.dataset_bucket and bucket != ctx.dataset_bucket:
        found.append(
            f"{kind} {uri} is outside the dataset's bucket {ctx.dataset_bucket!r}; Nova reads "
            f"media only from the dataset's own bucket [{NOVA_DATA}]"
        )
    if ctx.media_root is None:
        return found
    path = ctx.media_root / key
    if not path.is_file():
        return [*found, f"{kind} {uri}: no local copy at {path} to check"]
    check = image_problems if kind == "image" else video_problems
    return found + [f"{message} [{NOVA_DATA}]" for message in check(path, declared)]


def record_problems(record: Any, rules: Rules, ctx: Context = NO_CONTEXT) -> list[str]:
    """Every rule a record breaks, each naming its page."""
    found: list[str] = []
    messages = _messages(record)
    if rules.single_turn and len([m for m in messages if m.get("role") == "user"]) > 1:
        found.append(f"multi-turn prompt; this student takes single-turn prompts [{DISTILL_DATA}]")
    if rules.one_text_block:
        for index, message in enumerate(messages):
            if len(_blocks(message)) > 1:
                found.append(
                    f"'messages[{index}].content' holds {len(_blocks(message))} blocks; "
                    f"distillation takes one text block per message [{DISTILL_DATA}]"
                )
    for marker in rules.text_markers:
        if any(marker in text for text in _texts(record)):
            found.append(f"text contains the reserved marker {marker!r} [{CLAUDE_DATA}]")
    media = list(_media(record))
    reasoning = any("reasoningContent" in b for m in messages for b in _blocks(m))
    if rules.reasoning_text_only and media and reasoning:
        found.append(f"reasoningContent in a record with media; only text records [{NOVA2_SFT}]")
    if rules.s3_key_charset:
        for kind, _, uri in media:
            if not S3_KEY_CHARS.fullmatch(uri.removeprefix("s3://")):
                found.append(
                    f"{kind} {uri}: only letters, digits, '_', '-', '/' and '.' [{NOVA_DATA}]"
                )
    if rules.media_files:
        for kind, declared, uri in media:
            found += _media_file_problems(kind, declared, uri, ctx)
    return found


def file_name_problem(path: Path, rules: Rules) -> str | None:
    if rules.s3_key_charset and not S3_KEY_CHARS.fullmatch(path.name):
        return f"file name {path.name!r}: only letters, digits, '_', '-', '/' and '.' [{NOVA_DATA}]"
    return None


def check_rules(path: Path, rules: Rules, ctx: Context = NO_CONTEXT) -> list[FormatProblem]:
    """The rules' problems in `path`, one per line and rule (unparseable lines are skipped:
    the format check reports them)."""
    problems: list[FormatProblem] = []
    name = file_name_problem(path, rules)
    if name:
        problems.append(FormatProblem(0, name))
    first_kind: tuple[int, str] | None = None
    if not path.is_file():
        return problems
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                record = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            problems += [FormatProblem(number, m) for m in record_problems(record, rules, ctx)]
            if rules.uniform_media:
                kind = record_kind(record)
                if first_kind is None:
                    first_kind = (number, kind)
                elif kind != first_kind[1]:
                    problems.append(
                        FormatProblem(
                            number,
                            f"a {kind} record after line {first_kind[0]}'s {first_kind[1]} "
                            f"record; every record must be of one kind [{NOVA2_SFT}]",
                        )
                    )
    return problems


def count_records(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())
