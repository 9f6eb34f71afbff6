"""Exact match and token F1 for extraction answers (e.g. "which clause is Force Majeure?").

Normalisation and F1 follow the official SQuAD v1.1 evaluation script (Rajpurkar et al., 2016):
lower-case, drop punctuation and the articles a/an/the, collapse whitespace, then bag-of-tokens
overlap. Short factual answers need this leniency; free-form answers belong to ROUGE/BERTScore.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

from training_scripts.vocabulary.metrics import EXACT_MATCH, TOKEN_F1

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction: str, reference: str) -> float:
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def extraction_scores(
    predictions: Sequence[str], references: Sequence[str]
) -> dict[str, list[float]]:
    """Per-example exact_match and token_f1 (average them, or any subset, for the corpus value)."""
    pairs = list(zip(predictions, references, strict=True))
    return {
        EXACT_MATCH: [exact_match(p, r) for p, r in pairs],
        TOKEN_F1: [token_f1(p, r) for p, r in pairs],
    }
