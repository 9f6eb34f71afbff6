"""Dates of birth. A date is personal here only when something says it is a birth date: a cue
before it (in the languages the corpus quotes), an age right before it, a person's name right
before it, a table column headed "DOB", or a chat turn that asked for it. Other dates (a
contract's, a visit's, a lab result's) are kept.

The date forms are the numeric ones of Presidio's `DateRecognizer` plus the written-month forms
it lacks.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import DateRecognizer

from training_scripts.governance.pii_date_words import MONTH as _MONTH
from training_scripts.governance.pii_identifiers import digits_end
from training_scripts.governance.pii_name_lists import name_lists, part
from training_scripts.governance.pii_personal_numbers import personal_numbers
from training_scripts.governance.pii_recognizers import (
    DOB,
    LOWER,
    UPPER,
    _RegexRecognizer,
    is_organisation,
)
from training_scripts.governance.pii_spoken import spoken_dates
from training_scripts.governance.pii_tables import column_cells, may_hold_table

# Date forms: the numeric ones of Presidio's DateRecognizer (all but timestamps and month-year
# fragments), which it matches without case, and the written-month forms it lacks.
_PRESIDIO_DATES = [
    p.regex
    for p in DateRecognizer.PATTERNS
    if not p.name.startswith(("Datetime", "MMM", "mm/yy", "dd-MMM or"))
]
_ORDINAL_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|\.)?"
_YEAR = r"(?:\d{4}|['’]\d{2})"
_WRITTEN_DATES = [
    # 5th November 1988, 12-Jan-1993, 14/Feb/1972, 14. Februar 1972, 14 de febrero de 1972
    rf"\b{_ORDINAL_DAY}[ /-]?(?:of[ ]|de[ ])?{_MONTH}[ ,/-]+(?:de[ ])?{_YEAR}(?!\w)",
    # July 7, 1977; Feb-14-1972 (the lookahead spares the month list at every other word)
    rf"\b(?=[^\W\d_]{{3,10}}\.?[ -]\d){_MONTH}[ -]{_ORDINAL_DAY},?[ -]{_YEAR}(?!\w)",
    rf"\b\d{{4}}(?P<sep>[ /-]){_MONTH}(?P=sep){_ORDINAL_DAY}(?!\w)",  # 1972 Feb 14, 1971-Jan-09
    r"\b\d{4}[./](?:0?[1-9]|1[0-2])[./](?:0?[1-9]|[12]\d|3[01])\b",  # 1993/07/02, 2019.11.05
    r"\b(?:[12]\d|3[01]|0?[1-9])\.[ ](?:0?[1-9]|1[0-2])\.[ ]\d{4}\b",  # 14. 2. 1972
    r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b",  # 19720214
    r"\b(?:[12]\d|3[01]|0?[1-9])-(?:0?[1-9]|1[0-2])-\d{2}\b",  # 3-4-75
]
DATE = re.compile("|".join(f"(?:{d})" for d in [*_WRITTEN_DATES, *_PRESIDIO_DATES]), re.I)
# "DOB", "D.O.B.:", "date of birth", "born (on)", "b.", "f." (født/född), and the words of the
# languages the corpus quotes: geboren, né(e) le, nato/nata il, nacido/a el, nascido/a em,
# urodzony/a, født/född/fødd, syntynyt; Geburtsdatum, date de naissance, fecha de nacimiento,
# data di/de nascita/nascimento, geboortedatum, data urodzenia.
_BIRTH_WORDS = (
    r"dob|d\.o\.b|date[ ]of[ ]birth|birth[ ]?date|birthday|born|geb|geboren|née?|nat[oa]|"
    r"nacid[oa]|nascid[oa]|urodzon[ya]|født|född|fødd|syntynyt|geburtsdatum|"
    r"date[ ]de[ ]naissance|fecha[ ]de[ ]nacimiento|data[ ]d[ie][ ]nasc(?:ita|imento)|"
    r"geboortedatum|data[ ]urodzenia|födelsedatum|fødselsdato|syntymäaika|fecha[ ]nac|"
    r"date[ ]naiss|data[ ]nasc|geb\.?-?datum|f\.?[ ]?dato|"
    # Czech and Slovak, Hungarian, Romanian, Turkish
    r"nar|narozen[aáý]?|narodená|narodený|szül|született|születési[ ]dátum|născut[ăa]?|"
    r"nascut[ăa]?|data[ ]nașterii|doğum[ ]tarihi|dogum[ ]tarihi"
)
_BIRTH_WORDS_AFTER = r"dob|d\.o\.b|date[ ]of[ ]birth|birth[ ]?date|birthday|geburtsdatum"
_BIRTH_CUE = re.compile(rf"(?i:\b(?:{_BIRTH_WORDS})\b\.?|(?<![\w.])[bf]\.(?=[ ]?(?:\d|$)))")
CUE_WINDOW = 25  # characters between the end of a birth cue and its date (same line)
CUE_REACH = 40  # how far before the date such a cue may start
# A form's format hint between them does not count: "Date of birth (dd/mm/yyyy): 14/02/1972".
_FORMAT_HINT = re.compile(r"[ ]?\((?i:[dmy]{1,4}[./ -]?){2,3}\)")
# ... unless another event's word stands between them: "DOB on file; seen 2024-05-01".
_OTHER_EVENT = re.compile(
    r"(?i:\b(?:seen|visit(?:ed)?|admitted|discharged|appointment|review(?:ed)?|signed|dated|"
    r"effective|on[ ]file|updated|issued|expires?|valid|started|since|"
    # "DOB verified at the desk on 2024-05-01" dates the check ("DOB confirmed: ..." does not)
    r"(?:verified|confirmed|checked|recorded|entered|changed|corrected)[ ][^\n:]{0,20}"
    r"\b(?:on|at))\b)"
)
# An age right before the date: "Aged 39 (19.01.1986)", "54 y/o, 02/03/1970", "61yrs 1963-08-12".
_AGE_BEFORE = re.compile(
    r"(?i:\b(?:aged?[ ]\d{1,3}|\d{1,3}[ ]?(?:y/?o|yrs?|years?(?:[ ]old)?)|\d{1,3}-year-old))"
    r"(?:[ ]?[,(][ ]?|[ ])$"
)
# ... or right after it: "03.11.1966 (58 yrs)", "1990-02-11, aged 34", "12/3/1950 (74y)".
# An age closes its bracket or says "old"/"aged": "(5 years ago)", ", 3 years term" are spans.
_AGE = r"\d{1,3}[ ]?(?:y/?o|yrs?|y|years?(?:[ ]old)?|j(?:ahre)?\.?|ans|años|anni|jaar)"
_AGE_AFTER = re.compile(
    rf"(?i:[ ]?\((?:aged?[ ])?{_AGE}\)|"
    r",[ ](?:aged?[ ]\d{1,3}\b|\d{1,3}[ ]?(?:y/?o|years?[ ]old)\b))"
)
# The cue after the date, said of it: "04/11/1983 - that's my date of birth", "14.2.1972 (DOB)",
# "1988-09-14 is her birthday" (not another line: "DOB" starts a new field there).
_CUE_AFTER = re.compile(
    rf"(?i:[ ]?(?:[-–—,(:][ ]?)?(?:(?:that|this|which|it)(?:['’]s|[ ]is|[ ]was)[ ]|is[ ]|was[ ])?"
    rf"(?:(?:my|his|her|their|the|your|patient['’]s)[ ])?(?:{_BIRTH_WORDS_AFTER})\b)"
)
# A full name right before it: "Aoife Brennan (04/09/1986)", "Fatima El Idrissi, 1987-12-03",
# "MARIANA TAVARES (1937/07/14)", "C. Detournay (21 Jun 1941)", with an age between them: "Priya
# Raghunathan, 71 (12.10.1953)" (not lower case: prose).
_NAME_WORD = rf"(?:[{UPPER}][{LOWER}'’-]+|[{UPPER}]{{2,}}(?:-[{UPPER}]+)?)"
_NAME_BEFORE = re.compile(
    rf"(?<![\w.])((?:{_NAME_WORD}|[{UPPER}]\.)(?:[ ](?:(?:de|van|von|da|di|del|le|la|al|el|"
    rf"DE|VAN|VON|DA|DI|DEL|LE|LA|AL|EL)[ ])?{_NAME_WORD}){{1,3}})(?:,[ ]\d{{1,3}})?(?:[ ]\(|,[ ])$"
)
# ... or a name in any case after a name label: "Name: sofia marchetti, 1979-05-14".
# Only a person's name label: the field opens the line or sentence, or says whose ("my name is",
# "patient name:"), not "File name: annual audit, 2025-03-01".
_LABELLED_NAME = re.compile(
    r"(?i:(?:^|[\n.;(][ ]*|\b(?:patient|full|my|his|her|their|your|child['’]s|mother['’]s|"
    r"father['’]s)[ ])name(?:[ ]is|:)[ ]?[^\W\d_]+(?:[ '-][^\W\d_]+){1,3}(?:[ ]\(|,[ ])$)"
)
# A chat turn that opens with the writer's name (any case) and a comma, then the date: "Customer:
# nikhil rao, 14/08/1992", "User: hi its maria lopez, 03/04/1988" (not "Customer: I'm waiting
# since 03/04/2024": no comma; not "Customer: order placed, 03/04/2024": an event word).
_SPEAKER = r"[ ]*[^\W\d_][\w .()'-]{0,24}:"  # a chat turn's speaker label
_INTRO = r"(?:(?:hi|hello|hey|yes|yeah|sure|ok)[,!.]?[ ]+)?"
_SELF_NAMED = re.compile(
    rf"(?i:^{_SPEAKER}[ ]*{_INTRO}(?:(?:it['’]?s|it[ ]is|this[ ]is|i['’]?m|i[ ]am|"
    r"my[ ]name[ ]is|name['’]?s)[ ]+)?([^\W\d_]+(?:[ '-][^\W\d_]+){1,2}),[ ]$)",
    re.MULTILINE,
)
# Words that make such a run a document, an event or a term rather than a person.
_NOT_A_PERSON = {
    "Date", "Effective", "Visit", "Agreement", "Amendment", "Lease", "Contract", "Invoice",
    "Order", "Schedule", "Annex", "Version", "Report", "Letter", "Note", "Review", "Admission",
    "Discharge", "Surgery", "Clinic", "Appointment", "Policy", "Notice", "Term", "Renewal",
    "Start", "End", "Signed", "Dated", "Issued", "Updated", "Released", "Filed", "Court",
    # "signed" in the languages the corpus quotes: "Signert Bergen, 03.03.2025" is a place
    "Signert", "Signé", "Signée", "Unterschrieben", "Firmado", "Firmato", "Getekend",
    "Underskrevet", "Undertecknat", "Allekirjoitettu", "Assinado",
}  # fmt: skip
# A column header: the cue words, or "Birth" alone.
# A column header that holds a cue word or "Birth" ("DOB (dd/mm/yyyy)", "Age/DOB", "Fecha nac.").
_HEADER = re.compile(rf"(?i:[^|\t]{{0,24}}?\b(?:{_BIRTH_WORDS}|birth)\b\.?[^|\t]{{0,24}})")
# A chat turn that asks for it (a question mark, or the next line another speaker's turn): the
# date in the next turn is the date of birth, unless the asking line already holds a date.
_BIRTH_QUESTION = re.compile(
    rf"(?i:(?:^{_SPEAKER}[^\n]*?)?\b(?:{_BIRTH_WORDS})\b)(?:[^\n?]*\?[^\n]*\n|"
    rf"[^\n]*\n(?={_SPEAKER}))",
    re.MULTILINE,
)


_SPEAKER_LABEL = re.compile(_SPEAKER)
ANSWER_TURNS = 3  # lines after the question that may hold the answer ("Customer: umm" first)


def _asked(text: str, dates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The answer to a turn asking for a date of birth: the next line, or the first of the next
    few lines (none by the asker again) that holds one of `dates` (their spans in `text`)."""

    def holds_date(start: int, end: int) -> bool:
        return any(start <= s < end for s, _ in dates)

    answers = []
    for match in _BIRTH_QUESTION.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if holds_date(line_start, match.end()):
            continue
        asker = _SPEAKER_LABEL.match(text, line_start)
        start = match.end()
        for _ in range(ANSWER_TURNS):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            speaker = _SPEAKER_LABEL.match(text, start)
            if asker and speaker and speaker.group().strip() == asker.group().strip():
                break
            if holds_date(start, end) or end == len(text):
                answers.append((match.end(), end))
                break
            start = end + 1
    return answers


def _cued(before: str) -> bool:
    """A cue that ends within CUE_WINDOW characters of the date (it may start before them:
    "Date of birth of the patient: ..."), with no other event's word or date after it."""
    cues = [c for c in _BIRTH_CUE.finditer(before) if c.end() >= len(before) - CUE_WINDOW]
    # a date between the cue and this one is the cue's ("DOB: 1993-04-27), starts on ...")
    return (
        bool(cues)
        and _OTHER_EVENT.search(before, cues[-1].end()) is None
        and DATE.search(before, cues[-1].end()) is None
    )


def _self_named(text: str, start: int) -> bool:
    """The turn opens with a name the name lists know ("nikhil rao"), not "order placed"."""
    turn = _SELF_NAMED.search(text, text.rfind("\n", 0, start) + 1, start)
    if turn is None or _OTHER_EVENT.search(turn.group(1)):
        return False
    words = re.split(r"[ ]", turn.group(1))
    given, surnames = name_lists()
    return part(words[0], given) or part(words[-1], surnames)


def _named_before(before: str) -> bool:
    if _LABELLED_NAME.search(before):
        return True
    run = _NAME_BEFORE.search(before)
    if run is None:
        return False
    words = run.group(1).split()
    titled = [w.capitalize() if w.isupper() else w for w in words]
    return not (set(titled) & _NOT_A_PERSON or is_organisation(titled, ""))


def _said_after(text: str, end: int) -> bool:
    """An age or a birth cue right after the date, said of it (no other date follows the cue:
    "seen 2024-05-01, DOB 1970-03-02" names the second date)."""
    line_end = text.find("\n", end)
    after = text[end : len(text) if line_end < 0 else line_end][:60]
    if _AGE_AFTER.match(after):
        return True
    cue = _CUE_AFTER.match(after)
    return cue is not None and DATE.search(after, cue.end(), cue.end() + 20) is None


class DateOfBirthRecognizer(_RegexRecognizer):
    """A date after a birth cue, an age or a person's name, in a DOB column, or the answer to a
    chat turn that asked for one (see the module docstring)."""

    ENTITY = DOB
    SCORE = 0.85

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        # a written date ends with a digit or "th"; a spoken one may hold no digit
        dates = [m.span() for m in DATE.finditer(text, 0, digits_end(text))]
        dates += [s for s in spoken_dates(text) if not _overlaps(s, dates)]
        answers = _asked(text, dates) if "\n" in text else []  # a chat turn ends with a line break
        cells = column_cells(text, _HEADER) if may_hold_table(text) else []
        results = [RecognizerResult(DOB, a, b, self.SCORE) for a, b in personal_numbers(text)]
        for start, end in dates:
            if _overlaps((start, end), [(r.start, r.end) for r in results]):
                continue  # the date inside a personal number ("19640817-2382")
            line = text[max(0, start - CUE_REACH - 16) : start].rsplit("\n", 1)[-1]
            before = _FORMAT_HINT.sub("", line)[-CUE_REACH:]
            if (
                _cued(before)
                or _AGE_BEFORE.search(before)
                or _named_before(text[max(0, start - 60) : start].rsplit("\n", 1)[-1])
                or _self_named(text, start)
                or any(s <= start and end <= e for s, e in [*answers, *cells])
                or _said_after(text, end)
            ):
                results.append(RecognizerResult(DOB, start, end, self.SCORE))
        return results


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)
