"""Presidio's phone recognizer, with its regions stopped once nothing is left for them to find.

Presidio's `PhoneRecognizer` runs python-phonenumbers' `PhoneNumberMatcher` once per region over
the whole text and keeps the widest of the equal-scored findings (`remove_duplicates` drops a
finding inside another). A match in any region is a part of one of the matcher's candidates, and
the candidates do not depend on the region: they are matches of the matcher's own pattern. So
once one region has found a number that spans every candidate of the text (a text with one phone
number in it, the common case), every later region could only add findings inside it, which
would be dropped: the later regions are skipped. The answer is the one all regions give
(`tests/data/test_pii_phone.py` compares both); a text with two numbers, or with none found,
runs every region that may find something.

Most regions find nothing in a text ("MRN 1234567", a lab value, a number of another country), and
each of them walks the same candidates the same way: the walk depends on the region only through
which groups (a candidate or a part of one) the region accepts. So the walk is made once with
nothing accepted, and a region runs only if it may accept one of the groups that walk tried; the
others would walk exactly that walk and find nothing. Whether it may is read from the region's
numbering plan without parsing (`could_be_valid`, exact where it says no).
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import functools
import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    Leniency,
    PhoneMetadata,
    region_code_for_country_code,
)
from phonenumbers import phonenumbermatcher as matcher
from phonenumbers import phonenumberutil as util
from phonenumbers.phonemetadata import NumberFormat
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from training_scripts.governance.pii_identifiers import digits_end

# The matcher's internals the extent and the walk are read from, and the parser's the region
# test is, as in the version this was checked against; with another version every region runs
# (the plain recognizer's answer, at its cost).
_CHECKED_VERSION = "9.0.43"
_NAMES = ("_PATTERN", "_SECOND_NUMBER_START_PATTERN", "_UNWANTED_END_CHAR_PATTERN",
          "_MATCHING_BRACKETS", "_PUB_PAGES", "fullmatch", "PhoneNumberMatcher")  # fmt: skip
_M: dict[str, Any] = {name: getattr(matcher, name, None) for name in _NAMES}
_U: dict[str, Any] = {
    name: getattr(util, name, None)
    for name in ("_choose_formatting_pattern_for_number", "_formatting_rule_has_first_group_only")
}
_USABLE = (
    phonenumbers.__version__ == _CHECKED_VERSION
    and None not in _M.values()
    and None not in _U.values()
    and callable(getattr(matcher.PhoneNumberMatcher, "_parse_and_verify", None))
)


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


class _WalkAcceptingNothing(matcher.PhoneNumberMatcher):
    """The matcher's walk over a text in a region that accepts no group: what it tries."""

    def __init__(self, text: str, leniency: int) -> None:
        super().__init__(text, None, leniency)
        self.tried: set[str] = set()

    def _parse_and_verify(self, candidate: str, offset: int) -> None:
        self.tried.add(candidate)


def groups_tried(text: str, leniency: int) -> set[str]:
    """Every group (a candidate, or a part of one) a region that accepts none of them tries."""
    walk = _WalkAcceptingNothing(text, leniency)
    for _ in walk:  # finds nothing: the walk runs to the end of the text
        pass
    return walk.tried


# A group of digits and these signs only: no "+", no letters, no extension ("x", "#", ";", ",,").
_PLAIN = re.compile(r"[0-9 ().\-/]*")
_NOT_DIGIT = re.compile(r"[^0-9]")
# The number types a valid number is one of (`phonenumberutil._number_type_helper`).
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
          "voicemail", "fixed_line", "mobile")  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    """What parsing a number written without "+" in a region reads from its metadata."""

    country_code: str
    international_prefix: re.Pattern[str]
    national_prefix: re.Pattern[str] | None  # `national_prefix_for_parsing`
    transform_rule: str | None
    valid: re.Pattern[str]  # any number type of any region of the country code
    formats: list[NumberFormat]  # how its numbers are written


@functools.cache
def _plan(region: str) -> _Plan | None:
    """None where the region is not the main one of its country code (parsing would then strip
    prefixes by another region's metadata)."""
    own = PhoneMetadata.metadata_for_region(region)
    if own is None or own.country_code is None:
        return None
    if region_code_for_country_code(own.country_code) != region:
        return None
    sharing = [
        PhoneMetadata.metadata_for_region(r) for r in COUNTRY_CODE_TO_REGION_CODE[own.country_code]
    ]
    valid = {  # a set: the regions of one country code share many (toll-free, premium ...)
        f"(?:{desc.national_number_pattern})"
        for metadata in sharing
        for desc in (getattr(metadata, name) for name in _TYPES)
        if desc is not None and desc.national_number_pattern
    }
    prefix = own.national_prefix_for_parsing
    return _Plan(
        str(own.country_code),
        re.compile(own.international_prefix or "(?!)"),
        re.compile(prefix) if prefix else None,
        own.national_prefix_transform_rule or None,
        re.compile("|".join(sorted(valid)) or "(?!)"),
        list(own.number_format),
    )


def _national_numbers(digits: str, plan: _Plan) -> set[str]:
    """Every national number parsing may leave of `digits` written in the plan's region without
    an international prefix: the digits, or those after the country code, with a national
    prefix stripped (or rewritten) up to twice (once on reading the country code, once after)."""
    cc, numbers = plan.country_code, set[str]()
    for number in (digits, digits[len(cc) :]) if digits.startswith(cc) else (digits,):
        once = _without_national_prefix(number, plan)
        numbers.update((number, once, _without_national_prefix(once, plan)))
    return numbers


def _without_national_prefix(number: str, plan: _Plan) -> str:
    """`phonenumberutil._maybe_strip_national_prefix_carrier_code`, when it strips."""
    found = plan.national_prefix.match(number) if plan.national_prefix and number else None
    if found is None:
        return number
    if plan.transform_rule and found.groups() and found.group(len(found.groups())) is not None:
        return plan.national_prefix.sub(plan.transform_rule, number, count=1)  # type: ignore[union-attr]
    return number[found.end() :]


def _prefix_needed(national_number: str, plan: _Plan) -> bool:
    """Whether the matcher wants a national prefix written before this national number
    (`phonenumbermatcher._is_national_prefix_present_if_required`)."""
    rule = _U["_choose_formatting_pattern_for_number"](plan.formats, national_number)
    return bool(
        rule is not None
        and rule.national_prefix_formatting_rule
        and not rule.national_prefix_optional_when_formatting
        and not _U["_formatting_rule_has_first_group_only"](rule.national_prefix_formatting_rule)
    )


@functools.lru_cache(maxsize=1024)  # a group is tested in each region in turn
def _plain_digits(group: str) -> str | None:
    """The digits of a plain group, all that parsing reads of it; None for another group."""
    return _NOT_DIGIT.sub("", group) if _PLAIN.fullmatch(group) else None


def could_be_valid(group: str, region: str) -> bool:
    """False only where the matcher cannot take `group` in `region` as a valid number: a plain
    group (digits and brackets, spaces, dots, dashes, slashes) whose digits do not open with the
    region's international prefix is a number of the region's country code; a valid one's
    national number (the digits less what parsing strips from their front) is of a type some
    region of that country code lists, and where a national prefix is wanted before it, the
    digits open with one (or with the country code)."""
    plan, digits = _plan(region), _plain_digits(group)
    if plan is None or digits is None:
        return True
    if plan.international_prefix.match(digits):
        return True
    prefixed = digits.startswith(plan.country_code) or bool(
        plan.national_prefix and plan.national_prefix.match(digits)
    )
    return any(
        plan.valid.fullmatch(number) and (prefixed or not _prefix_needed(number, plan))
        for number in _national_numbers(digits, plan)
    )


def may_accept(group: str, region: str, leniency: int) -> bool:
    """False only where the matcher in `region` cannot take `group`."""
    return leniency < Leniency.VALID or could_be_valid(group, region)


class RegionsPhoneRecognizer(PhoneRecognizer):
    """`PhoneRecognizer`, region by region, stopping once a finding spans every candidate.
    Credited as "PhoneRecognizer" (the manifest's name for it)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(name="PhoneRecognizer", **kwargs)  # type: ignore[arg-type]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not _USABLE or self.leniency is None:
            return super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
        # A candidate ends at a digit or a "#" and the matcher reads at most 3 characters past
        # it: what it finds, it finds in the text up to `digits_end`, at the same offsets.
        text = text[: digits_end(text)]
        regions, groups = self.supported_regions, groups_tried(text, self.leniency)
        extent: tuple[int, int] | None = None  # worked out once a region finds something
        results: list[RecognizerResult] = []
        try:
            for region in regions:
                if not any(may_accept(group, region, self.leniency) for group in groups):
                    continue  # it would walk the walk above and find nothing
                self.supported_regions = (region,)
                results += super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
                extent = extent or candidates_extent(text)
                if extent and any(r.start <= extent[0] and extent[1] <= r.end for r in results):
                    break  # the later regions could only find numbers inside this one
        finally:
            self.supported_regions = regions
        return EntityRecognizer.remove_duplicates(results)
