# ruff: noqa: E501, RUF005 - the corpus is a table, one case per line, easier to audit unwrapped
"""Single-rule dataset files: each case breaks (or, for a `good` case, exercises) one rule.

The same corpus drives the per-rule tests (`test_dataset_rules.py`), the CLI tests and the
cross-check against AWS's own Nova validator (`test_nova_forge_crosscheck.py`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.bedrock import rules
from pipelines.bedrock.catalog import CANVAS_DATA
from pipelines.bedrock.hyperparameters import HP_RFT
from tests.bedrock.conftest import claude_record, conversation, write_jsonl

NOVA2 = "amazon.nova-2-lite-v1:0:256k"
NOVA_LITE = "amazon.nova-lite-v1:0:300k"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0:200k"
LLAMA_STUDENT = "meta.llama3-2-1b-instruct-v1:0:128k"
TITAN = "amazon.titan-text-express-v1:0:8k"
CANVAS = "amazon.nova-canvas-v1:0"
BUCKET = "fmops-curated"
FT, RFT, DISTILL = "FINE_TUNING", "REINFORCEMENT_FINE_TUNING", "DISTILLATION"
TEACHERS = {NOVA_LITE: "amazon.nova-pro-v1:0", LLAMA_STUDENT: "meta.llama3-1-70b-instruct-v1:0"}


def rft_prompt(i: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You are a polite support agent."},
            {"role": "user", "content": f"How do I reset router {i}?"},
        ],
        "reference_answer": "Hold the reset button for 10 seconds.",
    }


def nova_text(i: int) -> dict[str, Any]:
    return conversation(f"How do I reset router {i}?", "Hold reset for 10 s.")


def nova_media(kind: str, key: str, fmt: str, bucket: str = BUCKET) -> dict[str, Any]:
    record = nova_text(0)
    location = {"uri": f"s3://{bucket}/{key}", "bucketOwner": "123456789012"}
    block = {kind: {"format": fmt, "source": {"s3Location": location}}}
    record["messages"][0]["content"].insert(0, block)
    return record


def with_reasoning(record: dict[str, Any]) -> dict[str, Any]:
    reasoning = {"reasoningContent": {"reasoningText": {"text": "The router has a button."}}}
    record["messages"][1]["content"].insert(0, reasoning)
    return record


def prompt_only(i: int) -> dict[str, Any]:
    record = nova_text(i)
    record["messages"] = record["messages"][:1]
    return record


def mp4_header(seconds: float) -> bytes:
    """An MP4 with one H.264 video track and no samples: `ftyp` + `moov` (mvhd, trak with tkhd,
    mdhd, hdlr 'vide', avc1 sample entry). Enough for a container reader (hachoir) and for
    libmediainfo (AWS's validator) to see a video track of `seconds`; no encoder needed."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    def full(kind: bytes, flags: int, payload: bytes) -> bytes:
        return box(kind, bytes([0]) + flags.to_bytes(3, "big") + payload)

    scale, length = 1000, int(seconds * 1000)
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = full(b"mvhd", 0, struct.pack(">IIII", 0, 0, scale, length)
                + struct.pack(">IH10x", 0x10000, 0x100) + matrix + b"\0" * 24
                + struct.pack(">I", 2))  # fmt: skip
    tkhd = full(b"tkhd", 3, struct.pack(">IIIII", 0, 0, 1, 0, length) + b"\0" * 8
                + struct.pack(">hhhH", 0, 0, 0, 0) + matrix + struct.pack(">II", 64 << 16, 48 << 16))  # fmt: skip
    mdhd = full(
        b"mdhd", 0, struct.pack(">IIII", 0, 0, scale, length) + struct.pack(">HH", 0x55C4, 0)
    )
    hdlr = full(b"hdlr", 0, struct.pack(">I", 0) + b"vide" + b"\0" * 12 + b"VideoHandler\0")
    avcc = box(b"avcC", bytes([1, 0x42, 0xC0, 0x1E, 0xFF, 0xE0, 0x00]))
    avc1 = box(b"avc1", b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 16 + struct.pack(">HH", 64, 48)
               + struct.pack(">II", 0x480000, 0x480000) + b"\0" * 4 + struct.pack(">H", 1)
               + b"\0" * 32 + struct.pack(">Hh", 0x18, -1) + avcc)  # fmt: skip
    stbl = box(b"stbl", full(b"stsd", 0, struct.pack(">I", 1) + avc1)
               + full(b"stts", 0, struct.pack(">III", 1, 1, length))
               + full(b"stsc", 0, struct.pack(">I", 0)) + full(b"stsz", 0, struct.pack(">II", 0, 0))
               + full(b"stco", 0, struct.pack(">I", 0)))  # fmt: skip
    dinf = box(b"dinf", full(b"dref", 0, struct.pack(">I", 1) + full(b"url ", 1, b"")))
    minf = box(b"minf", full(b"vmhd", 1, b"\0" * 8) + dinf + stbl)
    trak = box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + minf))
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    return ftyp + box(b"moov", mvhd + trak)


def write_image(path: Path, size: tuple[int, int], fmt: str, noise: bool = False) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "RGB"
    image = (
        Image.frombytes(mode, size, __import__("os").urandom(size[0] * size[1] * 3))
        if noise
        else Image.new(mode, size, (200, 30, 30))
    )
    image.save(path, fmt)


def write_video(path: Path, seconds: float, total_bytes: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mp4_header(seconds))
    if total_bytes:
        with path.open("r+b") as handle:  # sparse: the size is real, no disk is spent
            handle.truncate(total_bytes)


Media = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    rule: str
    page: str
    base_model: str
    customization: str
    train: list[dict[str, Any]]
    good: bool  # True: must be accepted (a too-strict fix); False: must be refused
    expect: str = ""  # a refusal names this
    validation: list[dict[str, Any]] | None = None
    hp: dict[str, str] = field(default_factory=dict)
    region: str | None = None
    media: Media | None = None  # writes the local copies under MEDIA_ROOT
    dataset_bucket: str | None = None
    file_name: str = "train.jsonl"

    @property
    def teacher(self) -> str | None:
        return TEACHERS[self.base_model] if self.customization == DISTILL else None

    def write(self, directory: Path) -> tuple[Path, Path | None]:
        directory.mkdir(parents=True, exist_ok=True)
        train = write_jsonl(directory / self.file_name, self.train)
        validation = (
            write_jsonl(directory / "validation.jsonl", self.validation)
            if self.validation is not None
            else None
        )
        if self.media:
            self.media(directory / "media")
        return train, validation


def _n(make: Callable[[int], dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [make(i) for i in range(count)]


NOVA2_TEXT = _n(nova_text, 200)
RFT_100 = _n(rft_prompt, 100)
IMG = "images/router.png"
VID = "videos/router.mp4"


def _nova_images(count: int, key: str = IMG, fmt: str = "png", **kw: Any) -> list[dict[str, Any]]:
    return [nova_media("image", key, fmt, **kw) for _ in range(count)]


def _png(size: tuple[int, int], noise: bool = False, fmt: str = "PNG") -> Media:
    return lambda root: write_image(root / IMG, size, fmt, noise)


def _mp4(seconds: float, total: int | None = None) -> Media:
    return lambda root: write_video(root / VID, seconds, total)


def _claude(n: int) -> list[dict[str, Any]]:
    return [claude_record(f"How do I reset router {i}?", "Hold reset for 10 s.") for i in range(n)]


def _canvas(n: int) -> list[dict[str, Any]]:
    return [
        {"image-ref": f"s3://{BUCKET}/pets/cat-{i}.png", "caption": f"an orange cat {i}"}
        for i in range(n)
    ]


def _rft_without(key: str) -> list[dict[str, Any]]:
    records = _n(rft_prompt, 100)
    del records[7][key]
    return records


CASES: tuple[Case, ...] = (
    # --- Reinforcement fine-tuning (RFT_DATA, RFT, HP_RFT)
    Case("rft_valid_100_prompts", rules.RFT_DATA, NOVA2, RFT, RFT_100, True, region="us-east-1"),
    Case("rft_min_100_prompts", rules.RFT_DATA, NOVA2, RFT, RFT_100[:99], False, "minimum of 100"),
    Case("rft_max_20000_prompts", rules.RFT_DATA, NOVA2, RFT, _n(rft_prompt, 20001), False, "maximum of 20000"),
    Case("rft_reference_answer", rules.RFT_DATA, NOVA2, RFT, _rft_without("reference_answer"), False, "reference_answer"),
    Case("rft_messages", rules.RFT_DATA, NOVA2, RFT, _rft_without("messages"), False, "'messages'"),
    Case("rft_model_takes_rft", rules.RFT, NOVA_LITE, RFT, RFT_100, False, "not offered"),
    Case("rft_region", rules.RFT, NOVA2, RFT, RFT_100, False, "us-east-1 only", region="us-west-2"),
    Case("rft_open_weight_region", rules.RFT, "qwen.qwen3-32b", RFT, RFT_100, True, region="us-west-2"),
    Case("rft_hp_range", HP_RFT, NOVA2, RFT, RFT_100, False, "between 16 and 512", hp={"batchSize": "8"}),
    Case("rft_hp_enum", HP_RFT, NOVA2, RFT, RFT_100, False, "low, medium, high", hp={"reasoningEffort": "max"}),
    Case("rft_no_validation", rules.RFT_DATA, NOVA2, RFT, RFT_100, False, "no validation", validation=RFT_100),
    # --- Nova 2 Lite fine-tuning (NOVA2_SFT)
    Case("nova2_valid_text_with_reasoning", rules.NOVA2_SFT, NOVA2, FT, [with_reasoning(nova_text(i)) for i in range(200)], True),
    Case("nova2_min_200_records", rules.NOVA2_SFT, NOVA2, FT, NOVA2_TEXT[:199], False, "minimum of 200"),
    Case("nova2_no_validation", rules.NOVA2_SFT, NOVA2, FT, NOVA2_TEXT, False, "no validation", validation=NOVA2_TEXT[:10]),
    Case("nova2_uniform_records", rules.NOVA2_SFT, NOVA2, FT, [nova_media("image", IMG, "png")] + NOVA2_TEXT[1:], False, "one kind", media=_png((64, 48))),
    Case("nova2_reasoning_not_with_media", rules.NOVA2_SFT, NOVA2, FT, [with_reasoning(nova_media("image", IMG, "png")) for _ in range(200)], False, "reasoningContent", media=_png((64, 48))),
    Case("nova2_webp_not_supported", rules.NOVA2_SFT, NOVA2, FT, [nova_media("image", IMG, "webp") for _ in range(200)], False, "allowed: jpeg, png, gif", media=_png((64, 48), fmt="WEBP")),
    # --- Nova (NOVA_DATA)
    Case("nova_schema_version_any_string", rules.NOVA_DATA, NOVA_LITE, FT, [{**nova_text(i), "schemaVersion": "my-data-v3"} for i in range(8)], True),
    Case("nova_reserved_unk", rules.NOVA_DATA, NOVA_LITE, FT, [conversation("What does <unk> mean?", "Unknown.")] + _n(nova_text, 8), False, "<unk>"),
    Case("nova_reserved_thought", rules.NOVA_DATA, NOVA_LITE, FT, [conversation("Hi", "Thought: reset it.")] + _n(nova_text, 8), False, "Thought:"),
    Case("nova_s3_key_charset", rules.NOVA_DATA, NOVA_LITE, FT, [nova_media("image", "images/my router.png", "png")] + _n(nova_text, 8), False, "only letters, digits"),
    Case("nova_file_name_charset", rules.NOVA_DATA, NOVA_LITE, FT, _n(nova_text, 8), False, "file name", file_name="train+v2.jsonl"),
    Case("nova_media_in_dataset_bucket", rules.NOVA_DATA, NOVA_LITE, FT, _nova_images(8, bucket="other-bucket"), False, "outside the dataset's bucket", dataset_bucket=BUCKET),
    Case("nova_image_valid_file", rules.NOVA_DATA, NOVA_LITE, FT, _nova_images(8), True, media=_png((64, 48)), dataset_bucket=BUCKET),
    Case("nova_image_min_25_px", rules.NOVA_DATA, NOVA_LITE, FT, _nova_images(8), False, "at least 25", media=_png((24, 100))),
    Case("nova_image_max_10_mb", rules.NOVA_DATA, NOVA_LITE, FT, _nova_images(8), False, "10 MB", media=_png((1900, 1900), noise=True)),
    Case("nova_image_bytes_match_format", rules.NOVA_DATA, NOVA_LITE, FT, _nova_images(8), False, "its bytes are JPEG", media=_png((64, 64), fmt="JPEG")),
    Case("nova_video_valid_file", rules.NOVA_DATA, NOVA_LITE, FT, [nova_media("video", VID, "mp4") for _ in range(8)], True, media=_mp4(30)),
    Case("nova_video_max_90_s", rules.NOVA_DATA, NOVA_LITE, FT, [nova_media("video", VID, "mp4") for _ in range(8)], False, "above the limit of 90 s", media=_mp4(95)),
    Case("nova_video_max_50_mb", rules.NOVA_DATA, NOVA_LITE, FT, [nova_media("video", VID, "mp4") for _ in range(8)], False, "50 MB", media=_mp4(30, 51 * 1024**2)),
    Case("nova_video_bytes_match_format", rules.NOVA_DATA, NOVA_LITE, FT, [nova_media("video", VID, "mkv") for _ in range(8)], False, "its bytes are video/mp4", media=_mp4(30)),
    # --- Distillation (DISTILL_DATA)
    Case("distill_prompts_without_answers", rules.DISTILL_DATA, NOVA_LITE, DISTILL, _n(prompt_only, 100), True),
    Case("distill_min_100_prompts", rules.DISTILL_DATA, NOVA_LITE, DISTILL, _n(prompt_only, 99), False, "minimum of 100"),
    Case("distill_single_turn_students", rules.DISTILL_DATA, LLAMA_STUDENT, DISTILL, [conversation("a", "b") | {"messages": conversation("a", "b")["messages"] * 2}] + _n(prompt_only, 100), False, "single-turn"),
    Case("distill_one_text_block", rules.DISTILL_DATA, NOVA_LITE, DISTILL, [{**prompt_only(0), "messages": [{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}]}] + _n(prompt_only, 100), False, "one text block"),
    # --- Claude 3 Haiku (CLAUDE_DATA)
    Case("claude_validation_min_32", rules.CLAUDE_DATA, CLAUDE, FT, _claude(40), False, "minimum of 32", validation=_claude(31)),
    Case("claude_validation_max_1000", rules.CLAUDE_DATA, CLAUDE, FT, _claude(40), False, "maximum of 1000", validation=_claude(1001)),
    Case("claude_total_10000", rules.CLAUDE_DATA, CLAUDE, FT, _claude(9500), False, "together, above 10000", validation=_claude(600)),
    Case("claude_reserved_human", rules.CLAUDE_DATA, CLAUDE, FT, [claude_record("Quote:\nHuman: hi", "ok")] + _claude(40), False, "\\nHuman:"),
    # --- Nova Canvas (CANVAS_DATA)
    Case("canvas_valid_image_captions", CANVAS_DATA, CANVAS, FT, _canvas(5), True, region="us-east-1"),
    Case("canvas_min_5_records", CANVAS_DATA, CANVAS, FT, _canvas(4), False, "minimum of 5"),
    Case("canvas_jpeg_or_png", CANVAS_DATA, CANVAS, FT, [{"image-ref": f"s3://{BUCKET}/a.gif", "caption": "a cat"}, *_canvas(5)], False, "not a JPEG or PNG"),
    Case("canvas_caption", CANVAS_DATA, CANVAS, FT, [{"image-ref": f"s3://{BUCKET}/a.png"}, *_canvas(5)], False, "missing key 'caption'"),
    # --- Titan Text (TITAN_DATA)
    Case("titan_small_batch_2048_tokens", rules.TITAN_DATA, TITAN, FT, [{"prompt": "x" * 9000, "completion": "y" * 9000}], False, "limit of 2048", hp={"batchSize": "2"}),
    Case("titan_batch_1_4096_tokens", rules.TITAN_DATA, TITAN, FT, [{"prompt": "x" * 9000, "completion": "y" * 9000}], True, hp={"batchSize": "1"}),
)  # fmt: skip
