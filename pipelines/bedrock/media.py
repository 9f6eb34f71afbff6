"""Nova media checked on the real files before upload: size, pixels, duration, true format.

Limits are AWS's own Nova dataset checks (amzn-nova-forge `dataset_checks_config`: images up to
10 MB and at least 25 px on each side, videos up to 50 MB and 90 s), which the Nova user guide's
"Preparing data for fine-tuning Understanding models" page points to. Pillow reads an image's
header only; hachoir reads a video's container header (MP4/MOV `mvhd`, Matroska/WebM segment
info) without decoding a frame, so a 50 MB file costs a few kilobytes of reading.
"""

from __future__ import annotations

from pathlib import Path

MB = 1024**2
IMAGE_MAX_BYTES = 10 * MB
IMAGE_MIN_PIXELS = 25
VIDEO_MAX_BYTES = 50 * MB
VIDEO_MAX_SECONDS = 90
# Declared format -> what the file's own bytes say it is (Pillow format / hachoir MIME type).
IMAGE_SIGNATURES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
VIDEO_SIGNATURES = {
    "mp4": ("video/mp4",),
    "mov": ("video/quicktime", "video/mp4"),  # hachoir names QuickTime by its brand
    "mkv": ("video/x-matroska",),
    "webm": ("video/webm", "video/x-matroska"),
}


def image_problems(path: Path, declared: str) -> list[str]:
    from PIL import Image, UnidentifiedImageError

    size = path.stat().st_size
    found = []
    if size > IMAGE_MAX_BYTES:
        found.append(f"image {path} is {size} bytes, above the limit of {IMAGE_MAX_BYTES} (10 MB)")
    try:
        with Image.open(path) as image:  # reads the header, not the pixels
            actual, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError) as exc:
        return [*found, f"image {path} is not a readable image ({exc})"]
    expected = IMAGE_SIGNATURES.get(declared.lower())
    if actual != expected:
        found.append(f"image {path} is declared {declared!r} but its bytes are {actual}")
    if min(width, height) < IMAGE_MIN_PIXELS:
        found.append(
            f"image {path} is {width}x{height} px; each side must be at least {IMAGE_MIN_PIXELS}"
        )
    return found


def video_problems(path: Path, declared: str) -> list[str]:
    from hachoir.metadata import extractMetadata  # type: ignore[import-untyped]
    from hachoir.parser import createParser  # type: ignore[import-untyped]

    size = path.stat().st_size
    found = []
    if size > VIDEO_MAX_BYTES:
        found.append(f"video {path} is {size} bytes, above the limit of {VIDEO_MAX_BYTES} (50 MB)")
    parser = createParser(str(path))
    if parser is None:
        return [*found, f"video {path} is not a container hachoir can read (mp4, mov, mkv, webm)"]
    with parser:
        mime = str(parser.mime_type)
        metadata = extractMetadata(parser)
    if mime not in VIDEO_SIGNATURES.get(declared.lower(), ()):
        found.append(f"video {path} is declared {declared!r} but its bytes are {mime}")
    duration = metadata.get("duration", None) if metadata else None
    if duration is None:
        found.append(f"video {path}: no duration in its header")
    elif duration.total_seconds() > VIDEO_MAX_SECONDS:
        found.append(
            f"video {path} lasts {duration.total_seconds():.0f} s, "
            f"above the limit of {VIDEO_MAX_SECONDS} s"
        )
    return found
