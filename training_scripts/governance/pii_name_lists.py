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
import importlib.util
import json
import pkgutil
import re
import unicodedata
from importlib import metadata
from pathlib import Path

import faker.providers.address.en_AU
import faker.providers.address.en_CA
import faker.providers.address.en_US
import faker.providers.job
import faker.providers.person
from spacy.lang.en.stop_words import STOP_WORDS

from training_scripts.governance.pii_ner_model import MODEL_PACKAGES

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
# A name never contains these, nor is followed by a legal suffix: the capitalised words are an
# organisation ("Blue Ocean Freight", "Kestrel Holdings Ltd"), not a person. Checked against
# Faker's en_US first and last names: none of them is a name there.
ORG_SUFFIXES = {
    "Inc", "LLC", "Ltd", "Limited", "Corp", "Corporation", "Company", "Co", "LLP", "LP", "PLC",
    "plc", "GmbH", "AG", "SA", "BV", "NV", "Pte", "Pty", "SAS", "SpA", "AB", "AS", "Oy", "KK",
    # legal forms of other registers (Portugal/Brazil, Germany, Belgium, Czechia, Croatia,
    # Poland, Spain, Italy, France, India)
    "Lda", "Ltda", "GbR", "KG", "OHG", "eG", "eV", "CommV", "BVBA", "VOF", "vos", "sro",
    "jdoo", "doo", "sc", "SCom", "SL", "SRL", "Srl", "SARL", "SNC", "Pvt", "Sdn", "Bhd", "Tbk",
    "OG", "SCS",  # Austria's partnership, Belgium's and Romania's limited partnership
}  # fmt: skip
ORG_WORDS = ORG_SUFFIXES | {
    "Group", "Holdings", "Partners", "Associates", "Bank", "Hospital", "Clinic", "Health",
    "Healthcare", "Pharma", "Pharmaceuticals", "Labs", "Laboratories", "Systems", "Services",
    "Solutions", "Consulting", "Technologies", "Software", "Networks", "Shipping", "Freight",
    "Forwarding", "Lines", "Cargo", "Logistics", "Maritime", "Marine", "Transport", "Container",
    "Containers", "Trading", "Traders", "Imports", "Exports", "Commodities", "Supply",
    "Industries", "Enterprises", "Ventures", "Insurance", "Airlines", "Airways", "Motors",
    "Properties", "Realty", "Construction", "Engineering", "Energy", "Foods", "Agreement", "Act",
    "Court", "University", "College", "Institute", "Center", "Centre", "Foundation", "Trust",
    "Agency", "Association", "Society", "Analytics", "Diagnostics", "Biotech", "Medical",
    "Estates", "Homes", "Supplies", "Scientific", "Advisors", "Advisers", "Furniture", "Rail",
    "Railways", "Lettings", "Textiles", "Components", "Tools", "Wealth", "Capital", "Finance",
    "Financial", "Investments", "Media", "Studios", "Publishing", "Press", "Retail",
    "Stores", "Brewery", "Farms", "Dairy", "Bakery", "Printing", "Packaging", "Plastics",
    "Chemicals", "Steel", "Metals", "Mining", "Oil", "Gas", "Power", "Utilities", "Telecom",
    "Communications", "Digital", "Electronics", "Devices", "Instruments", "Optics", "Apparel",
    "Fashion", "Sons", "Brothers", "Bros", "Club", "Grupa", "Despacho", "Stichting",
    # legal forms and register words seen in the tuning sets (Portugal/Brazil, France, Poland,
    # Spain, Belgium/Netherlands, Denmark, Hungary, Vietnam, Germany's local court)
    "CRL", "S/A", "Cie", "Spj", "SLL", "CV", "ApS", "Kft", "Stowarzyszenie", "Công",
    "Amtsgericht", "Consultancy",
    "Fundación", "Fondation", "Verein", "Cooperative", "Cooperativa", "Filhos", "Hijos",
    "Figli", "Fils", "Söhne", "Zonen", "dd", "Spk", "Perum", "Persero",
}  # fmt: skip
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


@functools.cache
def name_parts() -> frozenset[str]:
    """Every listed given name and surname, in one set (built once: 40,000 words)."""
    first, last = name_lists()
    return first | last


def _names_from_faker() -> tuple[frozenset[str], frozenset[str]]:
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
    words: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.job.__path__):
        if module.name.startswith("en"):
            provider = importlib.import_module(f"faker.providers.job.{module.name}").Provider
            for title in getattr(provider, "jobs", ()):
                words.update(fold(w) for w in re.findall(r"[^\W\d_]+", title) if len(w) > 2)
    return frozenset(words - STOP_WORDS - first - last)


@functools.cache
def seen_words() -> frozenset[str]:
    """Lower-case words of the small spaCy model's vocabulary (its `vocab/strings.json`, read
    from disk: the live string store also grows with every text processed). The words of the
    English it was trained on: "house", "surgery", "grace", "milton", but not most names of
    languages it rarely saw ("tevita", "mthunzi", "kuanysh"). Always the small model's, so the
    rules that read it do not change with `pii_ner_model`."""
    for package in MODEL_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        for path in sorted(Path(spec.origin).parent.glob("*/vocab/strings.json")):
            strings = json.loads(path.read_text(encoding="utf-8"))
            return frozenset(s for s in strings if s.isalpha() and s.islower())
    raise RuntimeError(f"none of {MODEL_PACKAGES} is installed (training_scripts/requirements.txt)")


def rare(word: str) -> bool:
    """A word the model never saw in English text, of 3+ letters: in a name slot after a cue, most
    likely a name from a language it rarely saw ("hi kalani", "Next of kin Adaeze")."""
    pieces = fold(word).split("-")
    if _TECHNICAL.search(pieces[-1]):
        return False
    return len(word) > 2 and all(p.isalpha() and p not in seen_words() for p in pieces)


# Endings of medical, chemical and technical words, not of names: "Radiology", "Echocardiography",
# "firmware", "Mirtazapine" (drug stems as in pii_ner._DRUG_STEM; not "-ine", as in "Losaline").
_TECHNICAL = re.compile(
    r"(?:ology|graphy|scopy|ectomy|otomy|plasty|itis|osis|aemia|emia|algia|pathy|gram|ware|"
    r"ase|mab|nib|pril|olol|azole|cycline|statin|sartan|xaban|apine|amine|idine|mycin|cillin)$"
)


def plain_word(word: str) -> bool:
    """An English word no locale lists as a given name or surname ("Surgery", "Teams", "Hue")."""
    folded = fold(word)
    first, last = name_lists()
    if len(folded) < 3 or folded in PARTICLES:  # "Ní", "van", "Al" join names
        return False
    return folded in seen_words() and folded not in first and folded not in last


# States, provinces and countries (Faker's English address lists): a capitalised word before
# ", Oregon" or ", Jamaica" is a town, not a person (less those that are given names too:
# "Carter, Virginia"; no abbreviations: "Jane Okoro, MD" is a doctor, not Maryland).
REGIONS = frozenset(
    r
    for r in [
        *faker.providers.address.en_US.Provider.states,
        *faker.providers.address.en_US.Provider.countries,
        *faker.providers.address.en_AU.Provider.states,
        *faker.providers.address.en_CA.Provider.provinces,
    ]
    if fold(r) not in name_lists()[0]
)


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
