"""Presidio's phone recognizer, with its regions stopped once nothing is left for them to find.

Presidio's `PhoneRecognizer` runs python-phonenumbers' `PhoneNumberMatcher` once per region over
the whole text and keeps the widest of the equal-scored findings (`remove_duplicates` drops a
finding inside another). A match in any region is a part of one of the matcher's candidates, and
the candidates do not depend on the region: they are matches of the matcher's own pattern. So
once one region has found a number that spans every candidate of the text (a text with one phone
number in it, the common case), every later region could only add findings inside it, which
would be dropped: the later regions are skipped. The answer is the one all regions give
(`tests/data/test_pii_phone.py` compares both); a text with two numbers, or with none found,
runs every region as before.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

from typing import Any

import phonenumbers
from phonenumbers import phonenumbermatcher as matcher
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

# The matcher's internals the extent is read from, as in the version this was checked against;
# with another version every region runs (the plain recognizer's answer, at its cost).
_CHECKED_VERSION = "9.0.43"
_NAMES = ("_PATTERN", "_SECOND_NUMBER_START_PATTERN", "_UNWANTED_END_CHAR_PATTERN",
          "_MATCHING_BRACKETS", "_PUB_PAGES", "fullmatch")  # fmt: skip
_M: dict[str, Any] = {name: getattr(matcher, name, None) for name in _NAMES}
_USABLE = phonenumbers.__version__ == _CHECKED_VERSION and None not in _M.values()


def candidates_extent(text: str) -> tuple[int, int] | None:
    """The span every match of any region lies in: from the first candidate's start to the
    furthest end a match can have (a whole candidate, where its brackets and page-reference test
    let it be one; else its last digit or '#', where the inner matches the matcher tries end);
    None when the text has no candidate."""
    first, last = None, 0
    found = _M["_PATTERN"].search(text)
    while found is not None:  # every position a candidate starts at (they may overlap)
        start = found.start()
        candidate = _trim(_M["_SECOND_NUMBER_START_PATTERN"], text[start : found.end()])
        brackets, pages = _M["_MATCHING_BRACKETS"], _M["_PUB_PAGES"]
        if not _M["fullmatch"](brackets, candidate) or pages.search(candidate):  # never whole
            candidate = _trim(_M["_UNWANTED_END_CHAR_PATTERN"], candidate)
        first = start if first is None else first
        last = max(last, start + len(candidate))
        found = _M["_PATTERN"].search(text, start + 1)
    return None if first is None else (first, last)


def _trim(pattern: object, candidate: str) -> str:
    """The matcher's `_trim_after_first_match`: the candidate up to the pattern's first match."""
    trailing = pattern.search(candidate)  # type: ignore[attr-defined]
    return candidate[: trailing.start()] if trailing else candidate


class RegionsPhoneRecognizer(PhoneRecognizer):
    """`PhoneRecognizer`, region by region, stopping once a finding spans every candidate.
    Credited as "PhoneRecognizer" (the manifest's name for it)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="PhoneRecognizer", **kwargs)  # type: ignore[arg-type]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        regions = self.supported_regions
        extent = candidates_extent(text) if _USABLE else None
        if extent is None:
            return super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
        results: list[RecognizerResult] = []
        try:
            for region in regions:
                self.supported_regions = (region,)
                results += super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
                if any(r.start <= extent[0] and extent[1] <= r.end for r in results):
                    break  # the later regions could only find numbers inside this one
        finally:
            self.supported_regions = regions
        return EntityRecognizer.remove_duplicates(results)
