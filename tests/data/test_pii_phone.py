"""The phone recognizer that stops its regions early finds what Presidio's finds (issue 31).

Both run in the same process on the tuning sets (tuning, dev_intl, dev_names, dev_formats; the
generated set in the e2e lane; never the frozen sets) and on texts made of the forms the early
stop has to get right: numbers in brackets, two numbers, extensions, page references, dates,
numbers valid in one region only.
"""

from __future__ import annotations

import random

import pytest
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from tests.data.pii_cases import TEXT_SETS, texts_of
from training_scripts.governance import pii_phone
from training_scripts.governance.pii import PHONE_REGIONS
from training_scripts.governance.pii_phone import RegionsPhoneRecognizer, candidates_extent

_NUMBERS = [
    "(212) 555-1234", "212-555-0147", "+1 415 555 2671", "020 7946 0958", "+44 20 7946 0958",
    "030 12345678", "+49 30 12345678", "01 23 45 67 89", "+33 1 23 45 67 89", "1234567",
    "555-1234 ext. 12", "(617) 555-0199 x42", "12-34", "03-1234-5678", "+81 3-1234-5678",
    "010-1234-5678", "98765 43210", "+91 98765 43210", "0412 345 678", "06 12345678",
    "pp. 12-15 (2003)", "12/03/2024", "10:45", "#4471", "+353 1 234 5678", "600 123 456",
    "(212) 555-1234 / x12",  # a candidate cut before " / x" ends in a space, kept in the match
]  # fmt: skip
_GLUE = [" ", "(", ")", ", ", ": ", " phone ", "\n", "; ", "[", "]", " or ", "/", "-", "a", "."]


@pytest.fixture(scope="module", params=TEXT_SETS)
def texts(request: pytest.FixtureRequest) -> list[str]:
    return texts_of(request.param)


def _made_texts(count: int) -> list[str]:
    rng = random.Random(31)
    return [
        "".join(rng.choice(_GLUE) + rng.choice(_NUMBERS) for _ in range(rng.randrange(1, 4)))
        + rng.choice(_GLUE)
        for _ in range(count)
    ]


def _spans(recognizer: PhoneRecognizer, text: str) -> list[tuple[int, int, float, str]]:
    return sorted(
        (r.start, r.end, r.score, str(r.recognition_metadata.get("recognizer_name")))
        for r in recognizer.analyze(text, ["PHONE_NUMBER"])
    )


def test_stopping_regions_early_finds_what_every_region_finds(texts: list[str]) -> None:
    early = RegionsPhoneRecognizer(supported_regions=PHONE_REGIONS)
    every = PhoneRecognizer(supported_regions=PHONE_REGIONS)
    found = 0
    for text in texts + _made_texts(300):
        expected = _spans(every, text)
        assert _spans(early, text) == expected, text
        found += bool(expected)
    assert found > 100  # the texts do hold numbers


def test_regions_stop_after_the_first_that_finds_the_only_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The saving: a text with one US number is read by one region, not twelve."""
    calls = []
    original = PhoneRecognizer.analyze

    def counted(self: PhoneRecognizer, *args: object) -> object:
        calls.append(tuple(self.supported_regions))
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PhoneRecognizer, "analyze", counted)
    text = "Patient Maria Lopez (phone (212) 555-1234) asks about the refund."
    found = RegionsPhoneRecognizer(supported_regions=PHONE_REGIONS).analyze(text, [])
    assert [(r.start, r.end) for r in found] == [(27, 41)]
    assert calls == [("US",)]
    assert candidates_extent(text) == (27, 41)


def test_every_region_runs_where_the_matcher_is_not_the_one_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pii_phone, "_USABLE", False)
    text = "call (212) 555-1234"
    early = RegionsPhoneRecognizer(supported_regions=PHONE_REGIONS)
    assert _spans(early, text) == _spans(PhoneRecognizer(supported_regions=PHONE_REGIONS), text)
