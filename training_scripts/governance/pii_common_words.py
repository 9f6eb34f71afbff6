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

# A hyphenated word is one word: "Ha-eun", "Seo-jun" are names, not the syllables "ha", "eun".
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
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
    """The languages of which every word of the span is an everyday word, but for rare words in
    a label written in sentence case ("Registro de vacunación": an inflection too rare for the
    lists), which must be lower case and outnumbered. A word of no language is what an unlisted
    name looks like: capitalised ("Frau Oyuntsetseg"), in an all lower-case chat ("danke frau
    oyuntsetseg") or after a greeting ("Hallo mthunzi"), such a span stays a name."""
    words = _WORD.findall(span)
    folded = {w: fold(w) for w in words}
    rare = [w for w in words if not any(folded[w] in lists[lang] for lang in LANGUAGES)]
    if rare and (
        not words[0][:1].isupper()
        or not all(w.islower() for w in rare)
        or 2 * len(rare) >= len(words)
    ):
        return []
    common = [folded[w] for w in words if w not in rare]
    return [lang for lang in LANGUAGES if common and all(f in lists[lang] for f in common)]


def is_common_phrase(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], an NER PERSON span, is another language's everyday words in a
    passage of that language ("Sohn" in "bevollmächtige meinen Sohn"). A listed name part is
    no everyday word here ("Rosa Blanco", "Paz Soto" stay names: the store leaves them out)."""
    lists = everyday_words()
    languages = _span_languages(text[start:end], lists)
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
