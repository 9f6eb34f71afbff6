"""Images and videos inside Converse-style user turns: which a model takes, how many, which form.

Split from `dataset_formats` (same rules, same dependency-free constraint): a block looks like
Converse's `{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://..."}}}}`. Only the
reference is checked here; `pipelines/bedrock/media.py` checks the files themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MediaRules:
    """Images/videos a conversational model accepts inside user content blocks.

    Blocks look like Converse's: `{"image": {"format": "png", "source": {"s3Location":
    {"uri": "s3://..."}}}}`; only the reference is checked here, never the object (its byte size
    is not verified locally).
    """

    image_formats: tuple[str, ...] = ()
    video_formats: tuple[str, ...] = ()
    max_images_per_record: int = 0
    max_videos_per_record: int = 0
    mixed_media: bool = False  # may one dataset hold both images and videos?


def media_block_problems(block: dict, where: str, media: MediaRules) -> list[str]:
    kind = "image" if "image" in block else "video"
    allowed = media.image_formats if kind == "image" else media.video_formats
    if set(block) != {kind}:
        return [f"'{where}' must hold exactly one of 'text', 'image', 'video'"]
    if not allowed:
        return [f"'{where}' is a {kind}; this model takes no {kind}s"]
    body = block[kind]
    fmt = body.get("format") if isinstance(body, dict) else None
    found = []
    if not isinstance(fmt, str) or fmt.lower() not in allowed:
        found.append(f"'{where}.{kind}.format' is {fmt!r}; allowed: {', '.join(allowed)}")
    source = body.get("source") if isinstance(body, dict) else None
    location = source.get("s3Location") if isinstance(source, dict) else None
    uri = location.get("uri") if isinstance(location, dict) else None
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        found.append(f"'{where}.{kind}.source.s3Location.uri' must be an s3:// URI")
    return found


def media_kinds(record: Any) -> set[str]:
    kinds: set[str] = set()
    messages = record.get("messages") if isinstance(record, dict) else None
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict):
                kinds |= set(block) & {"image", "video"}
    return kinds


def media_count_problems(record: dict, media: MediaRules | None) -> list[str]:
    if media is None or not isinstance(record.get("messages"), list):
        return []
    counts = {"image": 0, "video": 0}
    for message in record["messages"]:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            for kind in counts:
                counts[kind] += isinstance(block, dict) and kind in block
    found = []
    if counts["image"] > media.max_images_per_record and media.image_formats:
        found.append(f"{counts['image']} images, above the limit of {media.max_images_per_record}")
    if counts["video"] > media.max_videos_per_record and media.video_formats:
        found.append(f"{counts['video']} videos, above the limit of {media.max_videos_per_record}")
    if counts["image"] and counts["video"] and not media.mixed_media:
        found.append("holds both images and a video; a record holds one kind of media")
    return found
