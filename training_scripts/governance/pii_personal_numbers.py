"""National personal numbers that hold the person's birth date: the Swedish personnummer
(`YYMMDD-NNNC`, `YYYYMMDD-NNNC`; Luhn check digit), the Norwegian fødselsnummer (`DDMMYY
NNNCC`; two mod-11 check digits), the Finnish henkilötunnus (`DDMMYY-NNNC`, `A` for the 2000s;
mod-31 check character) and the Danish CPR number (`DDMMYY-NNNN`; no check digit since 2007).

They are dates of birth here (the whole number: the serial and check digits identify the person
as much as the date does). A number is taken when its date is a real day and its check digits
hold (and no order, ticket or case is named right before it), or, whatever its check digits,
when its name stands right before it (the CPR number has none to check; a hand-filled form may
carry a wrong one). PESEL (Poland) is taken after its name only. Company numbers of the same
shape fail the date ("org.nr 556677-8899": month 66).
"""

from __future__ import annotations

import re
from datetime import date

from training_scripts.governance.pii_context import ISSUED_WORD, issued_label_before
from training_scripts.governance.pii_identifiers import luhn_valid

# Swedish: century optional, "-" (or "+" past 100 years old); the 12-digit form may be compact.
_SWEDISH = re.compile(r"(?<![\w-])((?:19|20)?(\d{6})[-+](\d{4})|(?:19|20)(\d{6})(\d{4}))(?![\w-])")
# Norwegian: 11 digits, a space after the date allowed.
_NORWEGIAN = re.compile(r"(?<![\w-])((\d{6})[ ]?(\d{5}))(?![\w-])")
# Finnish: the century sign ("+" 1800s, "-" or U-Y 1900s, A-F 2000s) and a check character.
_FINNISH = re.compile(r"(?<![\w-])((\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y]))(?![\w-])")
_FINNISH_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Any of them after its name is taken on its date alone: the CPR number has no check digit, and
# a form filled in by hand may carry a wrong one ("Personnummer: 750403-1234", "PESEL ...").
_CUE = (
    r"cpr(?:[ -]?(?:nr|nummer|no)\.?)?|personnummer|personnr\.?|pers\.?[ ]?nr\.?|pnr|"
    r"personal[ ](?:identity[ ])?(?:number|id(?:[ ]number)?)|national[ ]id(?:entity)?[ ]number|"
    r"fødselsnummer|fødselsnr\.?|f\.?[ ]?nr\.?|henkilötunnus|hetu|pesel"
)
_CUED = re.compile(
    rf"(?i:\b(?:{_CUE})[ ]?[:.]?[ ]?)((?:\d{{8}}|\d{{6}})[-+ A-FU-Y]\d{{3,5}}[0-9A-Y]?|\d{{10,12}})"
    r"(?![\w-])"
)
_LEADING_DIGITS = re.compile(r"\d+")
# Signs worth the patterns: six digits then a separator or more digits.
_SIGN = re.compile(r"\d{6}[-+ A-FU-Y]?\d{3}")


def _real_day(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _mod11(digits: str, weights: tuple[int, ...]) -> int:
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return 0 if check == 11 else check


def _norwegian_valid(number: str) -> bool:
    first = _mod11(number, (3, 7, 6, 1, 8, 9, 4, 5, 2))
    second = _mod11(number, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    return first == int(number[9]) and second == int(number[10])


def _swedish(match: re.Match[str]) -> bool:
    yymmdd, serial = (match.group(2), match.group(3)) if match.group(2) else match.group(4, 5)
    day = int(yymmdd[4:]) % 60  # a co-ordination number adds 60 to the day
    return luhn_valid(yymmdd + serial) and _ddmmyy(f"{day:02d}{yymmdd[2:4]}{yymmdd[:2]}")


def _ddmmyy(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    return _real_day(day, month, 1900 + year) or _real_day(day, month, 2000 + year)


def _holds_date(number: str) -> bool:
    """A real day at the start of `number`: YYYYMMDD (eight digits before the serial, or twelve
    in all), else DDMMYY or YYMMDD (PESEL adds 20 to the month of a 2000s birth)."""
    head = _LEADING_DIGITS.match(number)
    run = head.group() if head else ""
    digits = run if len(run) in (6, 8) else run[:8] if len(run) == 12 else run[:6]
    if len(digits) == 8:
        return _real_day(int(digits[6:]), int(digits[4:6]), int(digits[:4]))
    month = int(digits[2:4])
    month = month - 20 if 21 <= month <= 32 else month  # not 40-90: centuries past and companies
    yymmdd = f"{digits[4:]}{month:02d}{digits[:2]}"
    return _ddmmyy(digits) or _ddmmyy(yymmdd)


def _finnish(match: re.Match[str]) -> bool:
    ddmmyy, _, serial, check = match.group(2, 3, 4, 5)
    return _ddmmyy(ddmmyy) and _FINNISH_CHECK[int(ddmmyy + serial) % 31] == check


def _norwegian(match: re.Match[str]) -> bool:
    return _ddmmyy(match.group(2)) and _norwegian_valid(match.group(2) + match.group(3))


ISSUED_REACH = 20  # characters before a number searched for an issued number's word


def _issued(text: str, start: int) -> bool:
    """A number an order, a ticket or a case was given ("Order 20250301-0007": one date-led
    serial in ten passes the Luhn check)."""
    return issued_label_before(text, start) or (
        ISSUED_WORD.search(text, max(0, start - ISSUED_REACH), start) is not None
    )


def personal_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of the personal numbers in `text` that hold a real birth date and pass their check."""
    if _SIGN.search(text) is None:
        return []
    found = [m.span(1) for m in _SWEDISH.finditer(text) if _swedish(m)]
    found += [m.span(1) for m in _FINNISH.finditer(text) if _finnish(m)]
    found += [m.span(1) for m in _NORWEGIAN.finditer(text) if _norwegian(m)]
    found = [span for span in found if not _issued(text, span[0])]
    found += [m.span(1) for m in _CUED.finditer(text) if _holds_date(m.group(1))]
    # the longest of overlapping finds ("personnummer 750403-1234" checked and cued)
    found.sort(key=lambda span: (span[0], -span[1]))
    return [span for i, span in enumerate(found) if i == 0 or span[0] >= found[i - 1][1]]
