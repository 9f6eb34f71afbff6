"""Patterns whose every match ends near a digit read a text only up to `digits_end` (issue 31):
they find what reading the whole text finds. Compared in the same process on the tuning sets
(never the frozen sets) and on texts built of record numbers, dates and phone numbers that end
in check letters, ordinals, brackets and extensions, with and without prose after them. The
NHS recognizer's cue test is compared with its plain path likewise."""

from __future__ import annotations

import random
import re

import pytest
from presidio_analyzer.predefined_recognizers import NhsRecognizer

from tests.data.pii_cases import TEXT_SETS, texts_of
from training_scripts.governance import pii_dates
from training_scripts.governance.pii_dates import DATE, DateOfBirthRecognizer
from training_scripts.governance.pii_identifiers import (
    ContextRecordRecognizer,
    CuedPhoneRecognizer,
    MedicalRecordNumberRecognizer,
    NhsNumberRecognizer,
    digits_end,
)
from training_scripts.governance.pii_recognizers import _RegexRecognizer

_NUMBERS = [
    "MRN 7781203-K", "MRN: RX-2291-04", "hospital no. M/447120", "NHI ZAC5361", "chart # 55 20 118",
    "MRN 4471-2290-AB", "patient ID 12345-A", "unit number rx-220914", "ID 7781203-K",
    "DOB 5th November 1988", "born 14. Februar 1972", "DOB: 1972 Feb 14th", "dob 12/03/1950",
    "Geburtsdatum 14.02.1972", "DOB July 7, 1977", "tel: (212) 555-1234 x42", "+44 (20) 7946",
    "mobile 0412 345 678", "001-412-555-0199x123", "call me on 020 7946 0958 ext. 12",
    "NHS number 943 476 5919", "nhſ no 943 476 5919", "Health Number: 943-476-5919",
    "NATIONAL HEALTH 9434765919", "Agent: best number to call you?\nCustomer: 0412 345 678",
    "Agent: your date of birth?\nUser: 03/04/1988", "MRN ١٢٣٤٥٦٧", "DOB ١٤/٠٢/١٩٧٢",
]  # fmt: skip
_AFTER = ["", ".", "-", "x", "a", "9", ")", " and more prose", "\nAgent: noted", "-Q", "th", ",5"]


@pytest.fixture(scope="module", params=TEXT_SETS)
def texts(request: pytest.FixtureRequest) -> list[str]:
    rng = random.Random(41)
    built = []
    for _ in range(600):
        parts = [rng.choice(_NUMBERS) + rng.choice(_AFTER) for _ in range(rng.randrange(1, 3))]
        built.append(rng.choice([" ", "\n", "Seen. "]).join(parts))
    return texts_of(request.param) + built + [n + a for n in _NUMBERS for a in _AFTER]


_PATTERNS = [
    *MedicalRecordNumberRecognizer.PATTERNS,
    *ContextRecordRecognizer.PATTERNS,
    *CuedPhoneRecognizer.PATTERNS,
    DATE,
]


def _spans(pattern: re.Pattern[str], text: str, *bounds: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), str(m.groups())) for m in pattern.finditer(text, *bounds)]


def test_a_pattern_read_to_digits_end_finds_what_the_whole_text_holds(texts: list[str]) -> None:
    for pattern in _PATTERNS:
        matched = 0
        for text in texts:
            expected = _spans(pattern, text)
            assert _spans(pattern, text, 0, digits_end(text)) == expected, (pattern, text)
            matched += bool(expected)
        assert matched > 10, pattern.pattern[:60]


@pytest.mark.parametrize(
    "recognizer", [MedicalRecordNumberRecognizer, ContextRecordRecognizer, CuedPhoneRecognizer]
)
def test_a_digit_ended_recognizer_finds_what_the_plain_one_finds(
    recognizer: type[_RegexRecognizer], texts: list[str]
) -> None:
    fast, plain = recognizer(), recognizer()
    plain.search_end = len  # type: ignore[method-assign,assignment]  # the whole text, as the base
    assert fast.search_end("MRN 12 and more prose after it") < len("MRN 12 and more prose after it")
    for text in texts:
        expected = sorted((r.start, r.end) for r in plain.analyze(text, []))
        found = sorted((r.start, r.end) for r in fast.analyze(text, []))
        assert found == expected, text


def test_dates_of_birth_read_to_digits_end_are_those_of_the_whole_text(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recognizer = DateOfBirthRecognizer()
    fast = [sorted((r.start, r.end) for r in recognizer.analyze(t, [])) for t in texts]
    monkeypatch.setattr(pii_dates, "digits_end", len)
    assert fast == [sorted((r.start, r.end) for r in recognizer.analyze(t, [])) for t in texts]
    assert sum(map(bool, fast)) > 100


def test_the_nhs_cue_test_keeps_every_number_the_cue_window_keeps(texts: list[str]) -> None:
    fast = NhsNumberRecognizer()
    found = 0
    for text in texts:
        plain = NhsRecognizer.analyze(fast, text, [])
        expected = [r for r in plain if fast.CUE.search(text[max(0, r.start - 30) : r.start])]
        assert sorted(map(str, fast.analyze(text, []))) == sorted(map(str, expected)), text
        found += bool(expected)
    assert found > 20
