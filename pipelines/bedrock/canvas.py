"""Nova Canvas fine-tuning records: `{"image-ref": "s3://...", "caption": "..."}`.

Per "Preparing data for fine-tuning Creative Content Generation models" (Nova user guide): each
record names an image in S3 and a caption (the prompt for it); images are JPEG or PNG; 5 to
10,000 training records (its "Dataset constraints" table). The images themselves are not read
here: the page's per-image limits were not verified (not verified against AWS).
"""

from __future__ import annotations

from typing import Any

CANVAS_FORMAT = "canvas"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
KEYS = ("image-ref", "caption")


def record_problems(record: Any) -> list[str]:
    if not isinstance(record, dict):
        return [f"must be a JSON object, got {type(record).__name__}"]
    found = [f"missing key '{key}'" for key in KEYS if key not in record]
    extra = sorted(set(record) - set(KEYS))
    if extra:
        found.append(
            f"unexpected key(s) {', '.join(map(repr, extra))}; allowed: image-ref, caption"
        )
    ref = record.get("image-ref")
    if "image-ref" in record and (not isinstance(ref, str) or not ref.startswith("s3://")):
        found.append("'image-ref' must be an s3:// URI")
    elif isinstance(ref, str) and not ref.lower().endswith(IMAGE_EXTENSIONS):
        found.append(f"'image-ref' {ref} is not a JPEG or PNG file (.png, .jpg, .jpeg)")
    caption = record.get("caption")
    if "caption" in record and (not isinstance(caption, str) or not caption.strip()):
        found.append("'caption' must be a non-empty string")
    return found
