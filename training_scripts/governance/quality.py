"""Cheap quality filters: empty, too short / too long (token estimate), repetition, noise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from training_scripts.governance.dedup import words

_LONG_TOKEN = re.compile(r"\S{80,}")  # base64 blobs, minified code, hashes glued together


@dataclass(frozen=True)
class QualitySettings:
    min_tokens: int = 3
    max_tokens: int = 4096
    chars_per_token: float = 6.0  # Bedrock's estimate, so "too long" matches its own check
    max_repeated_ngram_fraction: float = 0.5
    min_letter_fraction: float = 0.5


def estimate_tokens(text: str, chars_per_token: float) -> int:
    return int(len(text) / chars_per_token + 0.999)


def quality_reasons(
    texts: list[str], settings: QualitySettings, optional: int = 0,
    text_words: list[bytes] | None = None,
) -> list[str]:  # fmt: skip
    """Reasons to drop an example (empty list: keep). The first `optional` texts may be empty;
    `text_words` is `dedup.words` of the texts when the caller has it already."""
    reasons: list[str] = []
    if any(not t.strip() for t in texts[optional:]):
        reasons.append("quality:empty")
        return reasons
    joined = "\n".join(texts)
    tokens = estimate_tokens(joined, settings.chars_per_token)
    if tokens < settings.min_tokens:
        reasons.append("quality:too_short")
    if tokens > settings.max_tokens:
        reasons.append("quality:too_long")
    if text_words is None:
        text_words = words(joined)
    if _repeated_fraction(text_words) > settings.max_repeated_ngram_fraction:
        reasons.append("quality:repetition")
    if _is_noise(joined, settings.min_letter_fraction):
        reasons.append("quality:noise")
    return reasons


def _repeated_fraction(text_words: list[bytes]) -> float:
    """Share of word 3-grams that repeat an earlier one ("buy now buy now buy now ...")."""
    if len(text_words) < 12:
        return 0.0
    grams = set(zip(text_words, text_words[1:], text_words[2:]))  # noqa: B905  (tails end it)
    return 1.0 - len(grams) / (len(text_words) - 2)


# For ASCII text, counting by deleting bytes (C) instead of a per-character Python loop.
_ASCII_SPACE = bytes(b for b in range(128) if chr(b).isspace())
_ASCII_NOT_ALPHA = bytes(b for b in range(256) if not (b < 128 and chr(b).isalpha()))


def _is_noise(text: str, min_letter_fraction: float) -> bool:
    if text.isascii():
        data = text.encode()
        visible = len(data.translate(None, _ASCII_SPACE))
        letters = len(data.translate(None, _ASCII_NOT_ALPHA))
    else:
        visible = len(text) - sum(map(str.isspace, text))
        letters = sum(map(str.isalpha, text))
    if not visible:
        return True
    # The longest whitespace-separated token decides whether the regex can match at all.
    if max(map(len, text.split()), default=0) < 80:
        return letters / visible < min_letter_fraction
    long_runs = sum(len(m) for m in _LONG_TOKEN.findall(text))
    return letters / visible < min_letter_fraction or long_runs > visible / 2
