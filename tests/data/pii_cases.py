"""What several PII test modules build alike: the tuning texts a fast path is compared on, and
an NER finding made by hand."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from tests.data.pii_generated import generate
from tests.data.pii_scoring import load
from training_scripts.governance.pii_ner import NER_RECOGNIZER
from training_scripts.governance.pii_recognizers import PERSON

# The hand-written tuning sets (never a frozen one) and the generated set; the generated set is
# slow to build and score, so it runs in the e2e lane.
TUNING_FILES = ("tuning.jsonl", "dev_intl.jsonl", "dev_names.jsonl", "dev_formats.jsonl",
                "dev_names2.jsonl", "dev_formats2.jsonl")  # fmt: skip
TEXT_SETS = [
    pytest.param("tuning", id="tuning-sets"),
    pytest.param("generated", id="generated-set", marks=pytest.mark.e2e),
]


def texts_of(text_set: str) -> list[str]:
    """The texts of one of TEXT_SETS."""
    if text_set == "generated":
        return [s.full_text for s in generate(200, 30).samples]
    return [row["text"] for name in TUNING_FILES for row in load(name)]


def ner_finding(text: str, span: str) -> RecognizerResult:
    """A PERSON finding credited to the NER model on `span` (its first occurrence in `text`)."""
    start = text.index(span)
    return RecognizerResult(
        PERSON, start, start + len(span), 0.85,
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: NER_RECOGNIZER},
    )  # fmt: skip
