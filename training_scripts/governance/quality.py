"""Cheap quality filters: empty, too short / too long (token estimate), repetition, noise."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

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
    text_words: list[bytes] | None = None, may_repeat: bool = True,
) -> list[str]:  # fmt: skip
    """Reasons to drop an example (empty list: keep). The first `optional` texts may be empty;
    `text_words` is `dedup.words` of the texts when the caller has it already; `may_repeat`
    False when `repetition_suspects` has ruled repetition out already."""
    reasons: list[str] = []
    if "" in map(str.strip, texts[optional:]):  # a text of whitespace only
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
    if may_repeat and _repeated_fraction(text_words) > settings.max_repeated_ngram_fraction:
        reasons.append("quality:repetition")
    if _is_noise(joined, settings.min_letter_fraction):
        reasons.append("quality:noise")
    return reasons


def repetition_suspects(
    grams: np.ndarray, counts: np.ndarray, lengths: np.ndarray, max_fraction: float
) -> np.ndarray:
    """Per row of a batch, whether its repeated-3-gram fraction can exceed `max_fraction`, from
    the batch's 3-gram hashes (`dedup.gram_hashes`: `counts` per row, rows of `lengths` words).

    Equal 3-grams have equal hashes, so a row has at most as many distinct hashes as distinct
    3-grams: its fraction over hashes is an upper bound. Rows whose bound stays within the limit
    are cleared in one sort over the batch; only the others (hash collisions aside, the truly
    repetitive ones) are counted exactly by `_repeated_fraction`.
    """
    rows = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
    keys = np.sort(rows << np.uint64(32) | grams.astype(np.uint64))
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    distinct = np.bincount((keys[first] >> np.uint64(32)).astype(np.intp), minlength=len(counts))
    # The same float expression as _repeated_fraction, which is monotone in the distinct count.
    bound = 1.0 - distinct / np.maximum(lengths - 2, 1)
    return (lengths >= 12) & (bound > max_fraction)


def _repeated_fraction(text_words: list[bytes]) -> float:
    """Share of word 3-grams that repeat an earlier one ("buy now buy now buy now ...")."""
    if len(text_words) < 12:
        return 0.0
    grams = set(zip(text_words, text_words[1:], text_words[2:]))  # noqa: B905  (tails end it)
    return 1.0 - len(grams) / (len(text_words) - 2)


# For ASCII text, counting by deleting bytes (C) instead of a per-character Python loop.
_ASCII_SPACE = bytes(b for b in range(128) if chr(b).isspace())
_ASCII_NOT_ALPHA = bytes(b for b in range(256) if not (b < 128 and chr(b).isalpha()))
# Whitespace (what str.split splits on) -> b" ", anything else -> b"x": a token of 80 or more
# characters is then a run of 80 b"x", which bytes.find sees without splitting the text.
_ASCII_TOKEN_MASK = bytes(32 if b in _ASCII_SPACE else 120 for b in range(256))
_LONG_RUN = b"x" * 80


def has_long_token(text: str) -> bool:
    """Whether a whitespace-separated token of `text` has 80 or more characters."""
    if text.isascii():
        return _LONG_RUN in text.encode().translate(_ASCII_TOKEN_MASK)
    return max(map(len, text.split()), default=0) >= 80


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
    if not has_long_token(text):
        return letters / visible < min_letter_fraction
    long_runs = sum(len(m) for m in _LONG_TOKEN.findall(text))
    return letters / visible < min_letter_fraction or long_runs > visible / 2
