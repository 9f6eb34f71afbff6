"""Which words are names: given names and surnames from Faker's Latin-script person lists (about
60 locales, no download), name particles, and the English words that are also names somewhere.

Read by the gazetteer (`pii_names.py`) and by the NER filters (`pii_ner.py`).

Folding Faker's ~60 person modules costs every PII process about 0.6 CPU-seconds (more where
Python compiles them from source), so the folded lists are stored in `pii_name_lists.json`
and read from there while the installed Faker is the version that made them; another version
folds its own lists. tests/data/test_pii_ner_windows.py checks the file against Faker;
`.venv/bin/python -m training_scripts.governance.pii_name_lists` rewrites it.
"""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
import re
import unicodedata
from importlib import metadata
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS

_FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_romanized_names")
_LAST_ATTRS = ("last_names", "last_names_male", "last_names_female", "last_romanized_names")
# Joining words inside a name: "Nguyen Van An", "Al-Farsi", "Ludwig van Dam", "bin Said".
PARTICLES = frozenset(
    str.split(
        "al el ben bin binti ibn abu bint van von der den de del della da dos das du le la thi "
        "ter mac st "
        # Irish: "Siobhán Ó Súilleabháin", "Aoife Ní Bhriain", "Declan Mac Giolla Phádraig"
        "o ni nic ua ui giolla"
    )
)
# English words that are also someone's name somewhere: never a name part in lower-case text,
# and not a given name at the start of a sentence ("Grace period", "Will Long").
COMMON_WORDS = frozenset(
    str.split(
        "will may can long young rose hope grace faith joy mercy patience charity honor summer "
        "autumn winter spring april june august mark bill grant chase rich white black green "
        "brown gray grey gold silver stone wood field hill park lane bell hall king page price "
        "cook baker miller carter mason ward case early hart love art guy jack ray sunny sky "
        "star dawn eve holly ivy jade pearl ruby amber crystal violet lily iris daisy hazel "
        "rust pain care cash day home rest law sale west east north south new best major minor "
        "noble free fair hunt bishop dean judge earl duke prince lord sage lake pool bay ford "
        "bridge banks bush marsh moss rock rocks wells house church chapel court tower gates "
        "hay crane fox wolf lamb bird swan drake hawk fisher hunter porter walker taylor "
        "turner parker cross rice bean cole sugar salt pepper honey candy sweet plum olive "
        "cherry berry peach gene don dale glen max sol ally else per via pat val van said held "
        "sign signs test tests patient patients order orders note notes dose doses blood heart "
        "liver kidney bone back chest head hand hands skin risk fall falls term terms fine "
        "good well better worse light dark moore more most short little small large big "
        "general clinic nurse doctor medical health plan plans call calls visit visits rate "
        "scan scans sleep walk walks run runs work works sick fit fever cold heat pace scale "
        "story stories paris london georgia virginia carolina jordan israel china india kenya "
        "chad sierra santa san angeles shall carrier carry kong"
    )
)
_FOLD = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


@functools.lru_cache(maxsize=1 << 16)  # words repeat: most rows pay a dict lookup per word
def fold(word: str) -> str:
    """Lower case without accents: "Yıldız" -> "yildiz", "García" -> "garcia"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_latin(word: str) -> bool:
    return all(c.isascii() or ord(c) < 0x250 or 0x1E00 <= ord(c) < 0x1F00 for c in word)


STORE = Path(__file__).with_name("pii_name_lists.json")


def _faker_version() -> str:
    try:
        return metadata.version("faker")
    except metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def _stored() -> dict:
    """The stored lists, or {} (fold Faker's) when absent or made from another Faker version."""
    if not STORE.is_file():
        return {}
    stored = json.loads(STORE.read_text(encoding="utf-8"))
    return stored if stored["faker"] == _faker_version() else {}


@functools.cache
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames) of every Faker person locale, folded, Latin script only."""
    if stored := _stored():
        return frozenset(stored["first"]), frozenset(stored["last"])
    return _names_from_faker()


def _names_from_faker() -> tuple[frozenset[str], frozenset[str]]:
    import faker.providers.person

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attrs, into in ((_FIRST_ATTRS, first), (_LAST_ATTRS, last)):
            for attr in attrs:
                names = getattr(provider, attr, None)
                if isinstance(names, (dict, tuple, list)):
                    into.update(fold(n) for n in names if isinstance(n, str) and _is_latin(n))
    # Faker lists Irish surnames with their particle ("Ó Súilleabháin"): the part after it
    # is the surname a text writes after the particle.
    for name in [n for n in last if " " in n]:
        *head, tail = name.split(" ")
        if all(h in PARTICLES for h in head):
            last.add(tail)
    for names in (first, last):
        names.difference_update(STOP_WORDS, PARTICLES)
        names.difference_update(n for n in list(names) if len(n) < 2 or " " in n)
    return frozenset(first), frozenset(last)


def part(word: str, names: frozenset[str]) -> bool:
    """A known name, or hyphenated known names ("Owusu-Ansah", "Al-Mansouri", "Ji-ho")."""
    folded = fold(word)
    if folded in names:
        return True
    pieces = folded.split("-")
    return (
        len(pieces) > 1
        and all(p in names or p in PARTICLES for p in pieces)
        and any(p in names for p in pieces)
    )


@functools.cache
def job_words() -> frozenset[str]:
    """Words of the English job titles Faker lists ("Actuary", "Speech and language therapist",
    "Claims handler"), less stop words and any word that is also a listed name part ("Baker",
    "Mason"): a span made only of these is a role, not a person."""
    if stored := _stored():
        return frozenset(stored["jobs"])
    return _jobs_from_faker(*name_lists())


def _jobs_from_faker(first: frozenset[str], last: frozenset[str]) -> frozenset[str]:
    import faker.providers.job

    words: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.job.__path__):
        if module.name.startswith("en"):
            provider = importlib.import_module(f"faker.providers.job.{module.name}").Provider
            for title in getattr(provider, "jobs", ()):
                words.update(fold(w) for w in re.findall(r"[^\W\d_]+", title) if len(w) > 2)
    return frozenset(words - STOP_WORDS - first - last)


def compute() -> dict:
    """Every stored list, folded from the installed Faker."""
    first, last = _names_from_faker()
    jobs = _jobs_from_faker(first, last)
    return {"faker": _faker_version(), **{
        key: sorted(words) for key, words in (("first", first), ("last", last), ("jobs", jobs))
    }}  # fmt: skip


if __name__ == "__main__":
    # One name a line: a Faker upgrade shows as a readable diff.
    STORE.write_text(json.dumps(compute(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {STORE}")
