"""Nova fine-tuning dataset rules from AWS's docs, one test per rule, each citing its page.

NOVA_DATA = "Preparing data for fine-tuning Understanding models" (Amazon Nova user guide);
NOVA_VALIDATOR = AWS's published Nova dataset validator (aws-samples/amazon-nova-samples).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.bedrock.catalog import NOVA_DATA, NOVA_VALIDATOR, find_model
from pipelines.bedrock.validation import check_request
from tests.bedrock.conftest import conversation, write_jsonl

LITE, MICRO = "amazon.nova-lite-v1:0:300k", "amazon.nova-micro-v1:0:128k"


def _image(fmt: str = "png", uri: str = "s3://bucket/img/1.png") -> dict[str, Any]:
    return {"image": {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def _video(fmt: str = "mp4") -> dict[str, Any]:
    return {"video": {"format": fmt, "source": {"s3Location": {"uri": "s3://bucket/v/1.mp4"}}}}


def _with_media(blocks: list[dict[str, Any]], role: str = "user") -> dict[str, Any]:
    record = conversation("Describe the scan.", "A normal chest X-ray.")
    index = 0 if role == "user" else 1
    record["messages"][index]["content"] = [*blocks, {"text": "Describe the scan."}]
    return record


def _dataset(tmp_path: Path, records: list[dict[str, Any]], pad_to: int = 10) -> Path:
    filler = [conversation(f"Question {i}?", f"Answer {i}.") for i in range(pad_to)]
    return write_jsonl(tmp_path / "train.jsonl", [*records, *filler])


def _messages(path: Path, model: str = LITE) -> list[str]:
    return [p.message for p in check_request(model, "FINE_TUNING", path)]


def test_nova_facts_cite_the_aws_pages() -> None:
    spec = find_model(LITE).customizations["FINE_TUNING"]  # type: ignore[union-attr]
    assert spec.data_source == NOVA_DATA
    assert "nova_ft_dataset_validator.py" in NOVA_VALIDATOR


# NOVA_VALIDATOR: MODEL_TO_NUM_SAMPLES_MAP = (8, 20000) for micro, lite and pro.
def test_nova_refuses_fewer_than_8_records(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [], pad_to=5)
    assert any("below the minimum of 8" in m for m in _messages(path))
    assert not _messages(_dataset(tmp_path, [], pad_to=8))


def test_nova_refuses_more_than_20000_records(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [], pad_to=20001)
    assert any("above the maximum of 20000" in m for m in _messages(path, MICRO))


# NOVA_DATA item 8: the first turn is the user's, the last the assistant's, roles alternate.
def test_nova_refuses_roles_that_do_not_alternate(tmp_path: Path) -> None:
    record = conversation("Hi", "Hello")
    record["messages"].insert(1, {"role": "user", "content": [{"text": "Again?"}]})
    assert any("roles must alternate" in m for m in _messages(_dataset(tmp_path, [record])))


# NOVA_DATA item 12: User:, Bot:, Assistant:, System:, <image>, <video>, [EOS] are reserved.
@pytest.mark.parametrize("marker", ["User:", "assistant:", "Bot:", "System:", "[EOS]", "<image>"])
def test_nova_refuses_role_markers_inside_text(tmp_path: Path, marker: str) -> None:
    record = conversation(f"Transcript follows. {marker} my router is broken", "Reset it.")
    messages = _messages(_dataset(tmp_path, [record]))
    assert any("reserved marker" in m and marker.lower() in m.lower() for m in messages)


def test_nova_keeps_a_colon_after_other_words(tmp_path: Path) -> None:
    record = conversation("Customer - my router: broken. Note: urgent.", "Reset it.")
    assert _messages(_dataset(tmp_path, [record])) == []


# NOVA_DATA item 4.2 and NOVA_VALIDATOR MAX_NUM_IMAGES = 10 and IMAGE_FORMATS.
def test_nova_lite_accepts_up_to_10_images_and_refuses_11(tmp_path: Path) -> None:
    assert _messages(_dataset(tmp_path, [_with_media([_image()] * 10)])) == []
    messages = _messages(_dataset(tmp_path, [_with_media([_image()] * 11)]))
    assert any("11 images, above the limit of 10" in m for m in messages)


def test_nova_refuses_an_image_format_it_does_not_read(tmp_path: Path) -> None:
    messages = _messages(_dataset(tmp_path, [_with_media([_image("tiff")])]))
    assert any("'tiff'" in m and "jpeg" in m for m in messages)


def test_nova_media_must_be_an_s3_reference(tmp_path: Path) -> None:
    messages = _messages(_dataset(tmp_path, [_with_media([_image(uri="https://x/1.png")])]))
    assert any("s3://" in m for m in messages)


# NOVA_DATA item 4.3: one video per record.
def test_nova_refuses_two_videos_in_one_record(tmp_path: Path) -> None:
    messages = _messages(_dataset(tmp_path, [_with_media([_video(), _video()])]))
    assert any("2 videos, above the limit of 1" in m for m in messages)


# NOVA_DATA item 4.1: a dataset is text with images or text with videos, not both.
def test_nova_refuses_a_dataset_mixing_images_and_videos(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [_with_media([_image()]), _with_media([_video()])])
    assert any("mixes media" in m for m in _messages(path))


# NOVA_VALIDATOR (Message.validate_content_rules): media never in an assistant turn.
def test_nova_refuses_media_in_an_assistant_turn(tmp_path: Path) -> None:
    messages = _messages(_dataset(tmp_path, [_with_media([_image()], role="assistant")]))
    assert any("only user messages" in m for m in messages)


# NOVA_VALIDATOR: "image/video/document samples not supported by Nova Micro model".
def test_nova_micro_refuses_images(tmp_path: Path) -> None:
    messages = _messages(_dataset(tmp_path, [_with_media([_image()])]), MICRO)
    assert any("only user messages of a model that takes media" in m for m in messages)
