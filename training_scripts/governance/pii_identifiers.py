"""Identifiers known by a label or a checksum: IBANs, NHS numbers, medical record numbers, and
card and phone numbers that a cue word names (dates of birth: `pii_dates.py`).

Presidio's own recognizers are used where they exist and configured, not rewritten: the
`IbanRecognizer` (ISO 13616 format per country and its mod-97 check digits) and the
`NhsRecognizer` (the NHS number's mod-11 check digit, kept only after an NHS cue, since a
10-digit phone number passes the check one time in eleven). The rest are cue-led patterns: a
record number after one of the labels hospitals use, a Luhn-valid card number after "card", a phone
number after "phone", "tel", "mobile" and the like.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import functools
import re

from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    NhsRecognizer,
)
from presidio_analyzer.predefined_recognizers.generic.iban_patterns import regex_per_country

from training_scripts.governance.pattern_screen import fold
from training_scripts.governance.pii_context import PHONE_CUE
from training_scripts.governance.pii_recognizers import MRN, _RegexRecognizer
from training_scripts.governance.pii_record_answers import record_answers
from training_scripts.governance.pii_record_labels import (
    RECORD_GAP,
    RECORD_HEADER,
    RECORD_LABEL,
    RECORD_SIGNS,  # noqa: F401  (pii.py reads the signs from here)
    RECORD_VALUE,
)
from training_scripts.governance.pii_tables import column_cells, may_hold_table

IBAN = "IBAN_CODE"
CARD, PHONE = "CREDIT_CARD", "PHONE_NUMBER"
IBAN_CONTEXT = ["iban", "bank", "account", "transfer", "payable", "refund", "debit", "konto"]


# Upper-cases ASCII letters only, so every offset in the result is an offset in the original
# (str.upper would turn "ß" into "SS" and shift everything after it).
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# What may be an IBAN in any case: country and check digits, then runs of letters and digits
# split by a space, two or a dash, in groups of any size ("NL93INGB 0007 3465 81"); past the
# first group each one holds a digit, so "... 7034 from" stops before "from".
_IBAN_LIKE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]{0,2}|-)[A-Za-z0-9]+"
    r"(?:(?:[ ]{1,2}|-)(?=[A-Za-z]{0,4}\d)[A-Za-z0-9]+)*"
    r"(?:[ ][A-Za-z]{1,2})?(?![A-Za-z0-9])"  # Brazil's last letters ("... 197r j")
)
_SEPARATOR = re.compile(r"[ -]+")
IBAN_MIN, IBAN_MAX = 15, 34  # ISO 13616: Norway's 15 characters to the 34 the standard allows


def _upper_ibans(text: str) -> str:
    return _IBAN_LIKE.sub(lambda match: match.group().translate(_ASCII_UPPER), text)


def _mod97_valid(compact: str) -> bool:
    """ISO 7064 MOD 97-10, the IBAN check digits (Presidio's letter table)."""
    return int((compact[4:] + compact[:4]).translate(IbanRecognizer.LETTERS)) % 97 == 1


class CaseBlindIbanRecognizer(IbanRecognizer):
    """Presidio's IBAN recognizer (per-country format, mod-97 check digits) on the text with
    IBAN-shaped runs upper-cased: people type IBANs in lower case in chats ("de89 3704 ..."),
    and Presidio's per-country formats accept capitals only. Only those runs: upper-casing the
    words around them would let Presidio's pattern take a word in and fail the format.

    Presidio's pattern takes groups of four only; a run it leaves (odd groups as people split
    them, "NL93INGB 0007 3465 81", or a length its country table does not list) is still an
    IBAN when a country Presidio knows and the mod-97 check digits say so: its longest prefix,
    token by token, that passes."""

    CHECKSUM_ONLY_SCORE = 0.85

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        upper = _upper_ibans(text)
        # Presidio annotates these parameters without Optional but defaults them to None.
        found = super().analyze(upper, entities, nlp_artifacts, regex_flags)  # type: ignore[arg-type]
        for match in _IBAN_LIKE.finditer(upper):
            if not any(r.start <= match.start() and match.end() <= r.end for r in found):
                found = [r for r in found if not (r.start < match.end() and match.start() < r.end)]
                found += self._checksum_prefix(upper, match)
        return found

    def _checksum_prefix(self, text: str, match: re.Match[str]) -> list[RecognizerResult]:
        ends = [m.start() for m in _SEPARATOR.finditer(text, match.start(), match.end())]
        for end in sorted({*ends, match.end()}, reverse=True):
            compact = _SEPARATOR.sub("", text[match.start() : end])
            if len(compact) < IBAN_MIN:
                break
            if (
                len(compact) <= IBAN_MAX
                and compact[:2] in regex_per_country
                and compact[4:].isalnum()
                and _mod97_valid(compact)
            ):
                score = 1.0 if self.validate_result(compact) else self.CHECKSUM_ONLY_SCORE
                return [RecognizerResult(IBAN, match.start(), end, score)]
        return []


def iban_recognizer() -> IbanRecognizer:
    return CaseBlindIbanRecognizer(context=IBAN_CONTEXT)


# Mastercard's 2-series BINs (2221-2720, issued since 2017) are missing from Presidio's card
# pattern; its Luhn check (validate_result) still decides.
_MASTERCARD_2_SERIES = Pattern(
    "Mastercard 2-series",
    r"\b(?:222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b",
    0.3,
)


def card_recognizer() -> CreditCardRecognizer:
    return CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, _MASTERCARD_2_SERIES])


_DIGIT = re.compile(r"\d")
# Characters a match may take after its last digit (a check letter, a bracket: at most 3) and
# its closing lookahead may read past its end (2).
DIGIT_REACH = 8


@functools.lru_cache(maxsize=8)  # the recognizers of a text each ask for the same bound
def digits_end(text: str) -> int:
    """How much of `text` a pattern needs to read whose every match holds a digit and ends
    within DIGIT_REACH characters of its last one: up to that far past the text's last digit
    (0 where it has none). Searching that much (`endpos`) finds what searching the whole text
    finds, and skips the prose after the last number, most of a note."""
    found = _DIGIT.search(text[::-1])
    return 0 if found is None else min(len(text), len(text) - found.start() + DIGIT_REACH)


class _DigitEndedRecognizer(_RegexRecognizer):
    """A regex recognizer whose every match holds a digit and ends near its last one (see
    `digits_end`): `_RegexRecognizer`'s screened search, read up to `digits_end`."""

    def search_end(self, text: str) -> int:
        return digits_end(text)


class NhsNumberRecognizer(NhsRecognizer):
    """Presidio's NHS number (checksum) as a medical record number, kept after an NHS cue."""

    CUE = re.compile(r"(?i:\bnhs\b|national[ ]health|health[ ](?:service|number))")
    WINDOW = 30

    def __init__(self) -> None:
        super().__init__(supported_entity=MRN)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        folded = fold(text)  # every cue holds one of these, in any case
        if "nhs" not in folded and "health" not in folded:
            return []
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in found if self.CUE.search(text[max(0, r.start - self.WINDOW) : r.start])]


class MedicalRecordNumberRecognizer(_DigitEndedRecognizer):
    """An identifier after a record-number label: `MRN 4471-2290`, `hospital no. 00482716`,
    `chart # 558201`, `hospital ID H-2290311`, `unit number RX7741029`, `NHI ZAC5361`, or in a
    table column headed by such a label."""

    ENTITY = MRN
    PATTERNS = (re.compile(rf"{RECORD_LABEL}{RECORD_GAP}({RECORD_VALUE})(?![\w-])"),)
    VALUE = re.compile(RECORD_VALUE)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        beside = [(r.start, r.end) for r in results]
        for start, end in record_answers(text):
            if not any(s < end and start < e for s, e in beside):
                results.append(RecognizerResult(MRN, start, end, self.SCORE))
        if may_hold_table(text):
            for start, end in column_cells(text, RECORD_HEADER):
                if self.VALUE.fullmatch(text, start, end):
                    results.append(RecognizerResult(MRN, start, end, self.SCORE))
        return results


class ContextRecordRecognizer(_DigitEndedRecognizer):
    """A number after a bare identifier word ("identifier: MH 004417", "ID 7781203-K") is a
    record number only where the words before it say whose (a patient, a ward, a date of
    birth): it scores below the threshold alone and Presidio's context boost
    (pii_context.WordContextEnhancer) lifts it. "Order ID", "Employee ID" are left alone."""

    ENTITY = MRN
    SCORE = 0.3
    CONTEXT = (
        "patient", "pt", "pat", "hospital", "ward", "clinic", "admitted", "admission",
        "discharge", "referral", "dob", "birth", "chart", "nhs", "gp", "consultant", "triage",
    )  # fmt: skip
    # A bare identifier word, or a label a record shares with other documents: a file, folder,
    # registration, episode or encounter number; "IP no." / "OP no." / "CR no." (Indian
    # hospitals' inpatient, outpatient and central registration numbers).
    PATTERNS = (
        re.compile(
            r"(?:\b([^\W\d_]+['’]?s?)[ ])?(?i:\b(?:identifier|id|ident|(?:file|folder|reg|regn|"
            r"registration|episode|encounter|IP|OP|CR)\.?[ ]?(?:no\.?|nr\.?|number|\#|id)(?![\w])))"
            rf"\.?{RECORD_GAP}({RECORD_VALUE})(?![\w-])"
        ),
    )

    # Words that may stand before the label; any other names whose ID it is ("Order ID").
    OPEN_WORDS = frozenset(
        {"the", "a", "an", "my", "your", "his", "her", "their", "its", "and", "patient",
         "patient's", "hospital", "clinic", "medical", "pt", "pat", "health"}
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.context = list(self.CONTEXT)

    def accept(self, match: re.Match[str]) -> tuple[int, int] | None:
        before = match.group(1)
        return match.span(2) if before is None or before.lower() in self.OPEN_WORDS else None


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


# A card named before the number, or a payment on it ("charged on", "paid with"), or the card
# named right after it ("wrong charge on 5020 ...\nAgent: Refund issued to that card").
_CARD_CUE = re.compile(
    r"(?i:\b(?:card|visa|mastercard|amex|maestro|jcb|diners|charged?|debited|paid[ ]with|"
    r"pay(?:ing)?[ ]with)\b)"
)
_CARD_AFTER = re.compile(r"(?i:\bcard\b)")
_CARD_NUMBER = re.compile(r"(?<![\w-])(\d(?:[ -]?\d){11,18})(?![\w-])")


class CuedCardRecognizer(_RegexRecognizer):
    """A Luhn-valid 12-19 digit number with a card or payment cue before it, or the card named
    just after it: the lengths and prefixes Presidio's `CreditCardRecognizer` leaves out
    (Maestro, 19-digit Visa, JCB 15)."""

    ENTITY = CARD
    WINDOW = 40
    AFTER_WINDOW = 60

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in _CARD_NUMBER.finditer(text):
            digits = re.sub(r"\D", "", match.group(1))
            before = text[max(0, match.start() - self.WINDOW) : match.start()]
            after = text[match.end() : match.end() + self.AFTER_WINDOW]
            if luhn_valid(digits) and (_CARD_CUE.search(before) or _CARD_AFTER.search(after)):
                results.append(RecognizerResult(CARD, *match.span(1), self.SCORE))
        return results


_PHONE_LAYOUT = r"(?:\+|00)?\(?\d[\d ()./-]{5,18}\d"
_EXTENSION = r"[ ]?(?:x|ext\.?)[ ]?\d{1,6}"
# A chat turn that asks for a phone number (not an account, order or card number: "the best
# number to get you on?", "a number we can call"); the next turn answers it.
_PHONE_QUESTION = (
    rf"(?im:\b(?:{PHONE_CUE}|(?:contact|callback|phone|mobile|cell|best|good)[ ]?(?:number|no\.?)|"
    r"number[ ](?:to|we[ ]can|i[ ]can)[ ](?:call|reach|get|ring|text|contact))\b"
    r"[^\n]*\n[ ]*[^\W\d_][\w .()'-]{0,24}:[^\n\d+]{0,30})"
)


class CuedPhoneRecognizer(_DigitEndedRecognizer):
    """7-15 digits laid out as a phone number right after a phone cue ("Tel:", "mobile",
    "call me on") or in the chat turn that answers a request for one, in any country's layout,
    valid numbering plan or not; and, with no cue, the layouts only phone numbers take: a
    North American number with its separators ("412.555.0166", "001-412-555-0199x123") and a
    number written with its international "+" prefix ("+55 41 1938-8617")."""

    ENTITY = PHONE
    PATTERNS = (
        re.compile(
            rf"(?i:\b(?:{PHONE_CUE})\b\.?(?:[ ](?:number|no\.?|is))?[ ]?[:\-]?[ ]?)"
            rf"({_PHONE_LAYOUT}(?:{_EXTENSION})?)(?![\w])"
        ),
        re.compile(rf"{_PHONE_QUESTION}({_PHONE_LAYOUT}(?:{_EXTENSION})?)(?![\w])"),
        re.compile(
            r"(?<![\w+.-])((?:\+1[ .-]?|001[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}([.-]))\d{3}"
            r"(?(2)\2|[ .-])\d{4}(?:x\d{1,6})?)(?![\w-]|[.,]\d)"
        ),
        re.compile(r"(?<![\w+])(\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6})(?![\w-]|[.,]\d)"),
    )
    EXTENSION = re.compile(rf"(?i:{_EXTENSION})$")

    def accept(self, match: re.Match[str]) -> tuple[int, int] | None:
        number = self.EXTENSION.sub("", match.group(1))
        digits = sum(c.isdigit() for c in number)
        wanted = (8, 15) if number.startswith("+") and match.re is self.PATTERNS[3] else (7, 15)
        return match.span(1) if wanted[0] <= digits <= wanted[1] else None
