"""Record numbers away from their label, as calls and chats give them: read out a digit or a
group at a time after being asked ("Can I take the patient number?" ... "it's 4 4 7, 1 9 0 2",
"double seven, three nine, oh four two"), or typed in the turn after a question that asked for
one ("the patient number shown in your portal?\\ncustomer: 00552019") and read back
("Agent: H228461, thank you").

A number is taken only when the record label is the last number's name before it: a phone,
order, ticket or invoice named in between makes it that number instead.
"""

from __future__ import annotations

import re

from training_scripts.governance.pii_context import ISSUED_WORD, PHONE_CUE
from training_scripts.governance.pii_record_labels import RECORD_LABEL, RECORD_VALUE
from training_scripts.governance.pii_spoken import ASKED_SIGNS, spoken_numbers

_LABEL = re.compile(RECORD_LABEL)
# A turn that asks without a question mark says so: "can I take", "please", "what's", "read me".
_REQUEST = re.compile(
    r"(?i:\b(?:(?:can|could|may)[ ](?:i|you|we)|please|what(?:['’]s|[ ]is)|confirm|read[ ]me|"
    r"tell[ ]me|give[ ]me|need[ ](?:your|the)|do[ ]you[ ]have)\b)"
)
_SPEAKER = re.compile(r"[ ]*[^\W\d_][\w .()'-]{0,24}:")  # a chat or call turn's speaker label
_PHONE = re.compile(rf"(?i:\b(?:{PHONE_CUE})\b)")
SPOKEN_REACH = 160  # characters before a spoken number searched for its label (a turn or two up)
ANSWER_LINES = 2  # the answer, and the asker reading it back
_VALUE = re.compile(rf"(?<![\w/.:-])({RECORD_VALUE})(?![\w/-]|[.:]\d)")
MIN_DIGITS = 5
# A date or a time in an answer is not the number asked for.
_DATE_SHAPE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")


def _named_last(text: str, start: int, end: int) -> bool:
    """Whether a record label, and no phone or issued number's name after it, stands in
    text[start:end]."""
    labels = list(_LABEL.finditer(text, start, end))
    if not labels:
        return False
    after = labels[-1].end()
    return _PHONE.search(text, after, end) is None and ISSUED_WORD.search(text, after, end) is None


def _spoken(text: str) -> list[tuple[int, int]]:
    return [
        (start, end)
        for start, end in spoken_numbers(text)
        if _named_last(text, max(0, start - SPOKEN_REACH), start)
    ]


def _questions(text: str) -> list[tuple[int, int]]:
    """(start of the record label, end of the line) of each line that asks for a record number:
    a line with a question mark, or a speaker's turn that the next speaker answers (transcripts
    drop the "?": "Agent: can I take your MRN please\nCaller: sure, 4471902"). Only such lines
    are read (the label grammar is long)."""
    found = []
    mark = text.find("?")
    while mark >= 0:
        start = text.rfind("\n", 0, mark) + 1
        end = text.find("\n", mark)
        end = len(text) if end < 0 else end
        label = _LABEL.search(text, start, mark)
        if label is not None:
            found.append((label.start(), end))
        mark = text.find("?", end)
    return found + _turns_asking(text)


def _turns_asking(text: str) -> list[tuple[int, int]]:
    found = []
    start = 0
    end = text.find("\n")
    while end >= 0:
        line = text[start:end]
        if (
            "?" not in line
            and _SPEAKER.match(line)
            and _SPEAKER.match(text, end + 1)
            and any(sign in line.lower() for sign in ASKED_SIGNS)
            and _REQUEST.search(line)
        ):
            label = _LABEL.search(text, start, end)
            if label is not None:
                found.append((label.start(), end))
        start, end = end + 1, text.find("\n", end + 1)
    return found


def _answered(text: str) -> list[tuple[int, int]]:
    found = []
    for label_start, line_end in _questions(text):
        end = line_end
        for _ in range(ANSWER_LINES):
            end = text.find("\n", end + 1) if end < len(text) else end
            end = len(text) if end < 0 else end
        for match in _VALUE.finditer(text, line_end, end):
            value = match.group(1)
            if (
                sum(c.isdigit() for c in value) >= MIN_DIGITS
                and _DATE_SHAPE.fullmatch(value) is None
                and _named_last(text, label_start, match.start())
            ):
                found.append(match.span(1))
    return found


def record_answers(text: str) -> list[tuple[int, int]]:
    """Spans of record numbers given in answer to a question for one, spoken or typed."""
    asked = _answered(text) if "?" in text or "\n" in text else []  # a question or a turn
    return sorted(set(_spoken(text) + asked))
