"""Words another language uses every day, which the NER model took for a person.

The English NER model reads a capitalised word it does not know as a name: in a mixed-language
document it tags German nouns ("Sohn", "Rechnung Nr"), Spanish and Polish form labels
("Registro de vacunación", "dnia miesiąca") as persons. Rules written per example did not carry
over to new documents; word frequencies of many languages do: a span made of a language's
everyday words, inside words of that same language, is that language's prose, not a name.

The words come from the pinned `wordfreq` (a dev-only package: the training image lacks it), so
they are stored folded in `pii_common_words.json` and read from there on first use;
`.venv/bin/python -m training_scripts.governance.pii_common_words` rewrites it and
tests/data/test_pii_common_words.py checks it against wordfreq.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import metadata
from pathlib import Path

from training_scripts.governance.pii_name_lists import fold, name_lists

STORE = Path(__file__).with_name("pii_common_words.json")
# Zipf 4 is once per 100,000 words: a language's everyday vocabulary (1,100 words of Vietnamese
# to 9,700 of Finnish here, 1.5 MB in all); lower cut-offs add rarer words, names among them,
# and size (Zipf 3.5: 3.8 MB).
ZIPF_MIN = 4.0
# wordfreq's languages written in Latin script: the ones whose words an English model misreads.
LANGUAGES = tuple(
    str.split("ca cs da de en es fi fil fr hu id is it lt lv ms nb nl pl pt ro sh sk sl sv tr vi")
)
ENGLISH = "en"
# Words either side of the span whose language is counted (same line: a heading or a chat
# speaker's line is its own context).
CONTEXT_WORDS = 5
# Of those, how many must be the span's language (and more than are English): one shared word
# ("in", "am", "no") does not make an English sentence German.
CONTEXT_MIN = 2

_WORD = re.compile(r"[^\W\d_]+")
_WORD_CHARS = 40  # room for a word and what separates it from the next one


@functools.cache
def everyday_words() -> dict[str, frozenset[str]]:
    """Per language, its folded everyday words that no locale lists as a name part."""
    stored = json.loads(STORE.read_text(encoding="utf-8"))
    return {lang: frozenset(words.split(" ")) for lang, words in stored["languages"].items()}


def _context(text: str, start: int, end: int) -> list[str]:
    """The folded words either side of the span on its line (a paragraph can be one long line:
    only the characters that can hold CONTEXT_WORDS words are read)."""
    reach = CONTEXT_WORDS * _WORD_CHARS
    line_start = text.rfind("\n", max(0, start - reach), start) + 1
    line_end = text.find("\n", end, end + reach)
    before = text[max(line_start, start - reach) : start]
    after = text[end : line_end if line_end >= 0 else end + reach]
    words = _WORD.findall(before)[-CONTEXT_WORDS:] + _WORD.findall(after)[:CONTEXT_WORDS]
    return [fold(w) for w in words]


def _span_languages(span: str, lists: dict[str, frozenset[str]]) -> list[str]:
    """The languages of which at least half the span's words are everyday words,
    the rest being lower-case words of no language (inflections and compounds too rare for the
    lists: "bevollmächtige meinen"). A capitalised word of no language is what an unlisted name
    looks like ("Frau Oyuntsetseg", "Hallo Mthunzi"): such a span stays a name."""
    words, unknown = [], 0
    for word in _WORD.findall(span):
        folded = fold(word)
        words.append(folded)
        if not any(folded in lists[lang] for lang in LANGUAGES):
            if not word.islower():
                return []
            unknown += 1
    found = []
    for lang in LANGUAGES:
        known = sum(w in lists[lang] for w in words)
        if known >= max(1, unknown) and known + unknown == len(words):
            found.append(lang)
    return found


def is_common_phrase(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], an NER PERSON span, is another language's everyday words in a
    passage of that language ("bevollmächtige meinen Sohn"), with no listed name part in it
    ("Rosa Blanco", "Paz Soto" stay names)."""
    span = text[start:end]
    first, last = name_lists()
    if any(fold(w) in first or fold(w) in last for w in _WORD.findall(span)):
        return False
    lists = everyday_words()
    languages = _span_languages(span, lists)
    if not languages:
        return False
    context = _context(text, start, end)
    english = sum(w in lists[ENGLISH] for w in context)
    for lang in languages:
        own = sum(w in lists[lang] for w in context)
        # never true for English: its everyday words are the model's own language, where a
        # capitalised word can be an unlisted name ("Gift", "Memory", "Fortune")
        if own >= CONTEXT_MIN and own > english:
            return True
    return False


def compute() -> dict:
    """The stored lists, derived from the installed wordfreq and the name lists."""
    import wordfreq  # dev-only: the image reads the stored file

    first, last = name_lists()
    min_frequency = 10 ** (ZIPF_MIN - 9)  # Zipf is log10 of the frequency per 10^9 words
    languages = {}
    for lang in LANGUAGES:
        frequencies = wordfreq.get_frequency_dict(lang, wordlist="small")
        words = {fold(w) for w, f in frequencies.items() if w.isalpha() and f >= min_frequency}
        languages[lang] = " ".join(sorted(words - first - last))
    return {"wordfreq": metadata.version("wordfreq"), "zipf_min": ZIPF_MIN, "languages": languages}


if __name__ == "__main__":
    # One language a line: a wordfreq upgrade shows which languages changed.
    STORE.write_text(json.dumps(compute(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {STORE}")
