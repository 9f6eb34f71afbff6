"""Cheap quality filters: empty, too short / too long (token estimate), repetition, noise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from training_scripts.governance.dedup import normalize

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


def quality_reasons(texts: list[str], settings: QualitySettings, optional: int = 0) -> list[str]:
    """Reasons to drop an example (empty list: keep). The first `optional` texts may be empty."""
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
    if _repeated_fraction(joined) > settings.max_repeated_ngram_fraction:
        reasons.append("quality:repetition")
    if _is_noise(joined, settings.min_letter_fraction):
        reasons.append("quality:noise")
    return reasons


def _repeated_fraction(text: str, size: int = 3) -> float:
    """Share of word 3-grams that repeat an earlier one ("buy now buy now buy now ...")."""
    words = normalize(text).split()
    if len(words) < 12:
        return 0.0
    grams = [tuple(words[i : i + size]) for i in range(len(words) - size + 1)]
    return 1.0 - len(set(grams)) / len(grams)


def _is_noise(text: str, min_letter_fraction: float) -> bool:
    visible = len(text) - sum(map(str.isspace, text))  # map over C methods: the hot loop
    if not visible:
        return True
    letters = sum(map(str.isalpha, text))
    long_runs = sum(len(m) for m in _LONG_TOKEN.findall(text))
    return letters / visible < min_letter_fraction or long_runs > visible / 2
