"""What around a run of capitalised words says it names a place, a street, an organisation or a
condition, not a person: "Church Lane surgery", "in Florence Nightingale Ward", "Graves disease",
"Kestrel Holdings Ltd". Read by the gazetteer (`pii_names.py`) and the NER filters (`pii_ner.py`).
"""

from __future__ import annotations

import re

from training_scripts.governance.pii_recognizers import (
    _NOT_NAME_ENDS,
    _STREET_TYPES,
    is_organisation,
)

_STREET_WORD = re.compile(rf"(?:{_STREET_TYPES})\b")
_EPONYM_NOUN = re.compile(
    r"(?:'s)?[ -](?:disease|syndrome|palsy|lymphoma|sign|test|score|scale|procedure|"
    r"criteria|classification|reflex|ulcer|phenomenon|fracture)\b",
    re.IGNORECASE,
)
# A place, not a person, when one of these follows: "Victoria Park clinic", "Church Lane surgery".
PLACE_AFTER = re.compile(
    r"[ ](?:clinic|surgery|hospital|station|campus|branch|office|practice|centre|center|"
    r"school|library|depot|site|estate|hotel|stadium|airport|road|street|market|mall|park|"
    r"ward|wing|unit|theatre|theater|suite|lounge|building)\b",
    re.IGNORECASE,
)
# ... or when a place word ends the span and a place preposition comes before it: "in Florence
# Nightingale Ward", "to Jackson Unit" (but "Dr. Florence Ward", "Jenny Park" stay names).
_PLACE_PREPOSITION = re.compile(r"(?i:\b(?:in|into|to|at|on|onto|from)[ ])$")

# An unlisted word after where-prepositions is more often a foreign place than a name: "stayed
# at Playa Blanca", "near Praia Grande" ("to" and "from" take people: "go to Mercy Adjei-Mensah").
AT_PLACE = re.compile(r"(?i:\b(?:at|in|near|via|around|outside)[ ])$")


def place_first(at: int, places: set[tuple[int, int]]) -> bool:
    """`at` lies inside one of `places` (the NER model's place spans)."""
    return any(start <= at < end for start, end in places)


def overlaps_place(first: int, last: int, places: set[tuple[int, int]]) -> bool:
    return any(start < last and first < end for start, end in places)


def place_named_after(text: str, start: int, names: list[str]) -> bool:
    """A span like "Florence Nightingale Ward" after "in": a place named after a person."""
    return (
        len(names) > 1
        and PLACE_AFTER.fullmatch(" " + names[-1]) is not None
        and _PLACE_PREPOSITION.search(text, max(0, start - 6), start) is not None
    )


def not_a_person(text: str, names: list[str], end: int) -> bool:
    """The words `names`, ending at `end`, are a street, a place, an eponym or an organisation."""
    after = text[end:]
    if names[-1] in _NOT_NAME_ENDS or _EPONYM_NOUN.match(after) or PLACE_AFTER.match(after):
        return True
    if place_named_after(text, end - len(" ".join(names)), names):
        return True
    if _STREET_WORD.match(names[-1]) or re.match(rf"[ ](?:{_STREET_TYPES})\b", after):
        return True
    return is_organisation(names, after)
