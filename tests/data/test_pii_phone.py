"""The phone recognizer that stops its regions early, and skips those that cannot accept
anything, finds what Presidio's finds (issue 31).

Both run in the same process on the tuning sets (tuning, dev_intl, dev_names, dev_formats; the
generated set in the e2e lane; never the frozen sets), on texts made of the forms the early
stop has to get right (numbers in brackets, two numbers, extensions, page references, dates,
numbers valid in one region only) and on numbers built for the region skip: runs of 1 to 17
digits, the regions' own example numbers with digits changed, laid out with spaces, dashes,
dots, slashes, brackets, national prefixes, "+" and international prefixes.
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from tests.data.pii_cases import TEXT_SETS, texts_of
from training_scripts.governance import pii_phone
from training_scripts.governance.pii import PHONE_REGIONS
from training_scripts.governance.pii_identifiers import digits_end
from training_scripts.governance.pii_phone import (
    RegionsPhoneRecognizer,
    candidates_extent,
    could_be_valid,
    groups_tried,
)

_NUMBERS = [
    "(212) 555-1234", "212-555-0147", "+1 415 555 2671", "020 7946 0958", "+44 20 7946 0958",
    "030 12345678", "+49 30 12345678", "01 23 45 67 89", "+33 1 23 45 67 89", "1234567",
    "555-1234 ext. 12", "(617) 555-0199 x42", "12-34", "03-1234-5678", "+81 3-1234-5678",
    "010-1234-5678", "98765 43210", "+91 98765 43210", "0412 345 678", "06 12345678",
    "pp. 12-15 (2003)", "12/03/2024", "10:45", "#4471", "+353 1 234 5678", "600 123 456",
    "(212) 555-1234 / x12",  # a candidate cut before " / x" ends in a space, kept in the match
    "2024-05-01 10:30", "1999/12/31 23:59", "555-1234#", "555 1234 ext 12", "(617) 555-0199#",
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
    calls = _count_region_runs(monkeypatch)
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


def _example_digits(rng: random.Random) -> str:
    """A region's example number as people write it, some of its digits changed."""
    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice([t for t in vars(PhoneNumberType).values() if isinstance(t, int)])
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None:
        return "".join(rng.choice("0123456789") for _ in range(10))
    layout = rng.choice([PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL])
    written = list(phonenumbers.format_number(number, layout))
    for _ in range(rng.randrange(0, 3)):  # near misses as well as valid numbers
        places = [i for i, c in enumerate(written) if c.isdigit()]
        written[rng.choice(places)] = rng.choice("0123456789")
    return "".join(written)


def _built_numbers(count: int) -> list[str]:
    """Digit runs of every length from 1 to 17 and example numbers, in many layouts."""
    rng = random.Random(17)
    numbers = []
    for index in range(count):
        if index % 3 == 0:
            numbers.append(_example_digits(rng))
            continue
        digits = "".join(rng.choice("0123456789") for _ in range(index % 17 + 1))
        groups, rest = [], digits
        while rest:
            size = rng.randrange(1, 5)
            groups.append(rest[:size])
            rest = rest[size:]
        if len(groups) > 1 and rng.random() < 0.3:
            groups[0] = f"({groups[0]})"
        lead = rng.choice(["", "", "", "0", "+", "00", "011 ", "+44 ", "+1 ", "0049 "])
        numbers.append(lead + rng.choice([" ", "-", ".", "/", "", " - "]).join(groups))
    return numbers


def test_a_region_said_unable_to_take_a_number_never_takes_it() -> None:
    """`could_be_valid` is what lets a region be skipped without parsing: wherever the matcher
    takes a group, it must have said the region could."""
    numbers = _built_numbers(3000)
    skipped = taken_anywhere = 0
    for number in numbers:
        for region in PHONE_REGIONS:
            taken = PhoneNumberMatcher(number, region)._parse_and_verify(number, 0) is not None
            able = could_be_valid(number, region)
            assert able or not taken, (number, region)
            skipped += not able
            taken_anywhere += taken
    assert taken_anywhere > 500  # valid numbers are among them
    assert skipped > len(numbers) * len(PHONE_REGIONS) // 2  # and the test does skip


def test_skipping_regions_finds_what_every_region_finds_on_built_numbers() -> None:
    rng = random.Random(5)
    early = RegionsPhoneRecognizer(supported_regions=PHONE_REGIONS)
    every = PhoneRecognizer(supported_regions=PHONE_REGIONS)
    numbers = _built_numbers(900)
    found = 0
    for number in numbers:
        text = (
            rng.choice(_GLUE) + number + rng.choice(_GLUE) + rng.choice(["", rng.choice(numbers)])
        )
        expected = _spans(every, text)
        assert _spans(early, text) == expected, text
        found += bool(expected)
    assert found > 150


def test_no_region_runs_for_a_number_no_region_can_take(monkeypatch: pytest.MonkeyPatch) -> None:
    """The saving: a record number or a lab value is not parsed twelve times."""
    calls = _count_region_runs(monkeypatch)
    text = "Patient Tom Chen (MRN 1008312) asks about the refund; creatinine 88-110."
    assert RegionsPhoneRecognizer(supported_regions=PHONE_REGIONS).analyze(text, []) == []
    assert calls == []


def test_the_matcher_reads_nothing_past_digits_end(texts: list[str]) -> None:
    """The recognizer reads a text only up to `digits_end`: the walk, the extent and a region's
    findings there are those of the whole text."""
    us = PhoneRecognizer(supported_regions=("US",))
    cut_short = 0
    for text in texts + _made_texts(300):
        cut = text[: digits_end(text)]
        assert groups_tried(cut, 1) == groups_tried(text, 1), text
        assert candidates_extent(cut) == candidates_extent(text), text
        assert _spans(us, cut) == _spans(us, text), text
        cut_short += len(cut) < len(text)
    assert cut_short > 100


def _count_region_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The regions of every `PhoneRecognizer.analyze` call from now on, in call order."""
    calls: list[tuple[str, ...]] = []
    original = PhoneRecognizer.analyze

    def counted(self: PhoneRecognizer, *args: object) -> object:
        calls.append(tuple(self.supported_regions))
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PhoneRecognizer, "analyze", counted)
    return calls
