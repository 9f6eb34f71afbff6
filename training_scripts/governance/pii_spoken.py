"""Dates and numbers said aloud, as call transcripts and voicemails write them down: "Third of
March, nineteen eighty-one", "june 5th, nineteen ninety", "the nineteenth of the ninth,
seventy-two"; "4 4 7, 1 9 0 2", "double seven, three nine, oh four two", "H as in hotel, 2 2 8".

These are grammars of how people read a date or a number out, not lists of values. Whether a
spoken date is a birth date, or a spoken number a record number, is decided where the written
ones are (`pii_dates.py`, `pii_identifiers.py`): this module only finds the candidates.
"""

from __future__ import annotations

import re

from training_scripts.governance.pii_date_words import (
    MONTH,
    ORDINAL_DAY_WORDS,
    ORDINAL_MONTH_WORDS,
    YEAR_WORDS,
)
from training_scripts.governance.pii_recognizers import DOB, MRN

_DAY = rf"(?:{ORDINAL_DAY_WORDS}|(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))"
_YEAR = rf"(?:{YEAR_WORDS}|(?:19|20)\d{{2}}|['’]\d{{2}})"
# The month as its ordinal: "the ninth", "the 4th".
_MONTH_ORDINAL = rf"(?:{ORDINAL_MONTH_WORDS}|(?:1[0-2]|0?[1-9])(?:st|nd|rd|th))"
# Every form has a word the written grammar lacks: a day or a year in words, or a month as an
# ordinal ("the ninth"); a form all in digits and month names is `pii_dates.DATE`'s.
SPOKEN_DATE = re.compile(
    rf"(?i:\b(?:{_DAY}[ ](?:of[ ])?{MONTH}|{_DAY}[ ]of[ ]the[ ]{_MONTH_ORDINAL}|"
    rf"{MONTH}[ ](?:the[ ])?{_DAY})"
    rf",?[ ]{_YEAR}\b)"
)
# A sign worth reading the grammar (plain substring tests, far cheaper than it): a date said in
# words is a birth date only after a birth word, which the grammar's English words come with.
_BIRTH_SIGNS = ("birth", "born", "dob", "d.o.b")


def spoken_dates(text: str) -> list[tuple[int, int]]:
    """Spans of dates written as said aloud that hold a word the written grammar lacks, in a text
    that holds a birth word."""
    lowered = text.lower()
    if not any(sign in lowered for sign in _BIRTH_SIGNS):
        return []
    return [m.span() for m in SPOKEN_DATE.finditer(text) if _has_words(m.group())]


_SPOKEN_ONLY = re.compile(
    rf"(?i:\b(?:{ORDINAL_DAY_WORDS}|{YEAR_WORDS}|of[ ]the[ ]{_MONTH_ORDINAL})\b)"
)


def _has_words(date: str) -> bool:
    return _SPOKEN_ONLY.search(date) is not None


_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
# One digit said alone, or doubled/tripled ("double seven"), or a letter spelled out
# ("H as in hotel", "B for Bravo").
_TOKEN = (
    rf"(?:(?:double|triple)[ ](?:{_DIGIT_WORD}|\d)|{_DIGIT_WORD}|"
    r"(?<![\d:/])(?<!\d\.)\d(?![\d:/]|[.,]\d)|"  # a digit alone, not in "1.5" or "10:40"
    r"[A-Za-z][ ](?:as[ ]in|for)[ ][A-Za-z]+)"
)
_SEP = r"(?:,?[ ]|[ ]?-[ ]?|,)"
# A run of at least five tokens; a number people read out digit by digit is rarely shorter.
SPOKEN_NUMBER = re.compile(rf"(?i:(?<![\w-])({_TOKEN}(?:{_SEP}{_TOKEN}){{4,}})(?![\w-]))")
MIN_DIGITS = 5
_DIGIT_COUNT = re.compile(rf"(?i:\b(double|triple)[ ]|\b{_DIGIT_WORD}\b|\d)")
# A number is read out when someone asked for it by name: the words a record label a caller is
# asked for holds ("number", "MRN", "ID", "record").
ASKED_SIGNS = ("num", "mrn", "record", " id")


def spoken_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of numbers read out a digit or a group at a time, of five digits or more, in a text
    that names a number."""
    lowered = text.lower()
    if not any(sign in lowered for sign in ASKED_SIGNS):
        return []
    found = []
    for match in SPOKEN_NUMBER.finditer(text):
        count = sum(
            {"double": 2, "triple": 3}.get(m.group(1).lower(), 0) if m.group(1) else 1
            for m in _DIGIT_COUNT.finditer(match.group(1))
        )
        if count >= MIN_DIGITS:
            found.append(match.span(1))
    return found


_YEAR_SIGNS = ("nineteen", "thousand", "twenty twenty")
_DIGIT_WORDS_RUN = re.compile(
    rf"\b(?:(?:double|triple)[ ])?{_DIGIT_WORD}(?:,?[ ]{_DIGIT_WORD}){{2}}\b"
)


def spoken_signs(lowered: str) -> list[str]:
    """The entities a digit-free text (lower-cased) may still hold, said in words: a birth date
    with its year in words, a record number read out after its label. Plain substring tests
    first: most prose has neither."""
    found = [DOB] if any(sign in lowered for sign in _YEAR_SIGNS) else []
    if any(sign in lowered for sign in ASKED_SIGNS) and _DIGIT_WORDS_RUN.search(lowered):
        found.append(MRN)
    return found
