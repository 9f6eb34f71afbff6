"""A drug the NER model took for a person: a brand or generic medicine name ("Eliquis", "Keytruda").

The names are the one- and two-word names and synonyms in the pinned
`drug-named-entity-recognition` package's dictionary (DrugBank, MeSH, MedlinePlus, Wikipedia),
folded, stored in `pii_drugs.json`. That package is dev-only (requirements-dev.txt): the image
reads only the stored list, on first use. tests/data/test_pii_drugs.py checks the file against the
package; `.venv/bin/python -m training_scripts.governance.pii_drugs` rewrites it.

A drug name that is also a listed given name or surname ("Allegra", "Tobi", "Hana") is taken for
a drug only beside a dose, a dosage form or a prescribing verb ("Allegra 120 mg", "started on
Allegra"): a person with that name is kept.
"""

from __future__ import annotations

import bz2
import functools
import importlib.util
import json
import pickle  # the pinned package's own data file, read by the builder only
import re
from importlib import metadata
from pathlib import Path

from training_scripts.governance.pii_name_lists import (
    fold,
    name_lists,
    part,
    plain_word,
    seen_words,
)

STORE = Path(__file__).with_name("pii_drugs.json")
PACKAGE = "drug-named-entity-recognition"
_DICTIONARY = "drug_ner_dictionary.pkl.bz2"
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_TOKEN = re.compile(r"\S+")
_POSSESSIVE_OR_STOP = re.compile(r"(?:['’]s?)?[.,;:]*$")
_MAX_WORDS = 3  # a drug, and a sentence-start verb or a dosage form the model ran into it

# What sits beside a drug and not beside a person's name.
_FORMS = (
    r"tablets?|tabs?|capsules?|caps|injections?|infusions?|pens?|inhalers?|patch(?:es)?|syrup|"
    r"drops|cream|ointment|gel|vaccines?|jabs?|doses?|weekly|daily|monthly|nocte|mane|prn|"
    r"od|bd|tds|qds"
)
# Dosing abbreviations the model runs into the drug ("Avodart BD", "Sudafed SC"): in capitals
# only, as "im", "po" and "mr" are chat words and a title.
_DOSING = re.compile(r"OD|BD|TDS|QDS|PRN|SC|IV|IM|PO|SR|MR|XL|XR")
_DOSE = r"\d+(?:[.,]\d+)?[ \t]?(?:mg|mcg|µg|micrograms?|g|ml|units?|iu|mmol)\b"
_CONTEXT_AFTER = re.compile(rf"(?:['’]s)?[ \t]*(?:{_DOSE}|(?:{_FORMS})\b)", re.IGNORECASE)
# Verbs of prescribing right before the drug; not "take", "took", "given": "took Allegra home".
_CONTEXT_BEFORE = re.compile(
    r"\b(?:(?:re)?start(?:ed|ing)?|switch(?:ed|ing)?|chang(?:e|ed)|stop(?:ped|ping)?|"
    r"discontinu(?:e|ed)|continu(?:e|ed|ing)|prescri(?:be|bed|ption)|increas(?:e|ed)|"
    r"reduc(?:e|ed)|wean(?:ed)?|withh(?:o|e)ld|dose|course|trial)"
    r"(?:[ \t]+(?:on|onto|to|of|with|from))?[ \t]+$",
    re.IGNORECASE,
)
_BEFORE_WINDOW = 40  # characters read before the drug for a prescribing verb


def _package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "not installed"


def _variants() -> list[str]:
    spec = importlib.util.find_spec("drug_named_entity_recognition")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed: pip install -r requirements-dev.txt")
    path = Path(next(iter(spec.submodule_search_locations))) / _DICTIONARY
    with bz2.open(path, "rb") as file:
        # not the package's import: that builds a fuzzy-match index of every name (seconds)
        data = pickle.load(file)
    return list(data["drug_variant_to_canonical"])


def compute() -> dict:
    """The stored list, derived from the installed package (dev only). Two-word names holding an
    English word the model knows ("fentanyl patch", "insulin glargine") are left out, a quarter of
    the file: `is_drug` reads such a span word by word (a listed drug beside plain English
    words), and one whose drug word is not listed alone ("zinc oxide") is no name either."""
    names = set()
    for variant in _variants():
        words = [fold(w) for w in variant.split()]
        if not 1 <= len(words) <= 2 or not all(_WORD.fullmatch(w) for w in words):
            continue
        if len(words) == 1 or not any(w in seen_words() for w in words):
            names.add(" ".join(words))
    return {"package": f"{PACKAGE}=={_package_version()}", "drugs": sorted(names)}


@functools.cache
def drug_names() -> frozenset[str]:
    """Folded one- and two-word medicine names ("eliquis", "infanrix hexa")."""
    return frozenset(json.loads(STORE.read_text(encoding="utf-8"))["drugs"])


@functools.lru_cache(maxsize=1 << 14)  # the model's person spans repeat across texts
def _key(word: str) -> str:
    """A span's word as the list writes it: "Xarelto's," -> "xarelto"."""
    return fold(_POSSESSIVE_OR_STOP.sub("", word))


def _drug_in(words: list[re.Match[str]]) -> tuple[int, int, list[str]] | None:
    """Where the span names a drug: the whole span ("Yu Jin"), or listed drugs beside plain
    English words or dosing abbreviations ("Continue Keytruda", "Humira Pen", "Avodart BD"); as
    (start, end, folded drug words)."""
    keys = [_key(m[0]) for m in words]
    if " ".join(keys) in drug_names():
        drugs = words
    elif any(k in drug_names() for k in keys) and all(
        k in drug_names() or plain_word(k) or _DOSING.fullmatch(m[0].rstrip(".,;:"))
        for m, k in zip(words, keys, strict=True)
    ):
        drugs = [m for m, k in zip(words, keys, strict=True) if k in drug_names()]
    else:
        return None
    end = drugs[-1].start() + len(drugs[-1][0].rstrip(".,;:"))
    return drugs[0].start(), end, [_key(m[0]) for m in drugs]


def _drug_context(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - _BEFORE_WINDOW) : start]
    return bool(_CONTEXT_AFTER.match(text, end) or _CONTEXT_BEFORE.search(before))


def is_drug(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], an NER PERSON span, is a drug: a listed medicine that is no listed
    name part, or one that is, with drug context beside it."""
    words = list(_TOKEN.finditer(text, start, end))
    found = _drug_in(words) if 1 <= len(words) <= _MAX_WORDS else None
    if found is None:
        return False
    drug_start, drug_end, drug = found
    first, last = name_lists()
    if not any(part(w, first) or part(w, last) for w in drug):
        return True
    return _drug_context(text, drug_start, drug_end)


if __name__ == "__main__":
    # One name a line: a package upgrade shows as a readable diff.
    STORE.write_text(json.dumps(compute(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {STORE}")
