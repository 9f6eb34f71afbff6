"""Where in a text the NER model reads (pii_ner.NerNlpEngine): the places a name may hide, found
on the text with regexes, and the token windows around them.

Most of these places are names a cue pattern also finds ("Patient Maria Lopez"); a window whose
places all lie in such names is not read (see `token_windows`).
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import re
from collections.abc import Sequence

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from training_scripts.governance.pii_name_lists import fold, name_parts
from training_scripts.governance.pii_recognizers import LOWER, UPPER

# A capitalised word that does not start a sentence, or that follows another capitalised word
# ("Oluwaseun Adeyemi reports"), or lower-case writing at the start of the text or a sentence.
_NAME_MAY_HIDE = re.compile(
    r"(?:[^.!?:\s\"“(]|\b[A-Z][a-z]+)[ \t]+[A-Z][a-z']|(?:\A|[.!?][ \t]+)\s*[a-z]"
)


# Inside a text that needs NER, the windows also take in name shapes the text-level screen
# leaves to the other flags: a capitalised word in any Latin script ("Jürgen", "Łukasz") inside
# a sentence, an initial before a capitalised word ("T. Seifert"), lower case after a label or
# speaker tag ("Caller: hi this is nguyen van long"), a capitalised word that starts a line
# ("Thanks,\nSipho"), a run of capitals ("OKONKWO CHIDI"); and, word by word in `flagged_places`,
# a capitalised word after a colon, quote or bracket ("Caller: Ngozi"), unless it is a stop word
# or English ("asks: The", "asks: Clinic", `_may_be_a_name`), and a listed name part that starts
# a sentence ("Ngozi said"), unless it is a stop word.
_CAPITALISED = rf"[{UPPER}][{LOWER}']"
_WINDOW_AT = re.compile(
    rf"{_NAME_MAY_HIDE.pattern}|[^.!?:\s\"“‘'(\[][ \t]+{_CAPITALISED}"
    rf"|\b[{UPPER}]\.[ \t]*[{UPPER}]|:[ \t]*[a-z]|\n[ \t]*[{UPPER}]"
    rf"|\b[{UPPER}]{{2,}}[ ,]+[{UPPER}]{{2,}}"
)
# The same matches, found faster: every alternative above starts at the text's start, at a
# capital, a stop, a colon or a line break, or one character before a space or tab; the look
# ahead for that lets the regex engine pass over other characters without trying each one.
_WINDOW_AT_FAST = re.compile(rf"(?:\A|(?=(?s:.)[ \t]|[{UPPER}.!?:\n]))(?:{_WINDOW_AT.pattern})")
_AFTER_A_LABEL = re.compile(rf"[:\"“‘'(\[][ \t]*([{UPPER}][{LOWER}']+)")
# A sentence's first word, at the start of the text and after a stop: two patterns, as an
# alternation holding \A can start at any character, so the regex engine tries every one.
_OPENS_THE_TEXT = re.compile(rf"\s*([{UPPER}][{LOWER}]+)")
_STARTS_A_SENTENCE = re.compile(rf"[.!?][ \t]+\s*([{UPPER}][{LOWER}]+)")


def flagged_places(text: str, english: frozenset[str]) -> list[tuple[int, int]]:
    """The character spans, in order, where a name may hide (`_WINDOW_AT` and the word-by-word
    tests described above it); `english`: the words `_may_be_a_name` calls English."""
    names = name_parts()
    places = [m.span() for m in _WINDOW_AT_FAST.finditer(text)]
    places += [m.span(1) for m in _AFTER_A_LABEL.finditer(text) if _may_be_a_name(m[1], english)]
    openings = [_OPENS_THE_TEXT.match(text), *_STARTS_A_SENTENCE.finditer(text)]
    places += [
        m.span(1) for m in openings if m and fold(m[1]) in names and fold(m[1]) not in STOP_WORDS
    ]
    return sorted(places)


def uncued(places: list[tuple[int, int]], cued: Sequence[tuple[int, int]]) -> list[bool]:
    """Per place: is its flagged word (its last character) outside every cued name?"""
    return [not any(a <= end - 1 < b for a, b in cued) for _, end in places]


def token_windows(
    doc: Doc, places: list[tuple[int, int]], outside_cues: list[bool], margin: int
) -> list[tuple[int, int]]:
    """Token ranges of `doc` around the `places`, `margin` tokens wider on each side, merged
    where they meet, less those none of whose places is `outside_cues` (pii_ner.ner_windows)."""
    if not places:
        return []
    spans = np.array(places)
    starts = doc.to_array("IDX")
    first = np.searchsorted(starts, spans[:, 0], side="right") - 1
    last = np.searchsorted(starts, spans[:, 1], side="left")
    lows = np.maximum(first - margin, 0).tolist()
    highs = np.minimum(last + margin, len(doc)).tolist()
    ranges: list[tuple[int, int]] = []
    needed: list[bool] = []
    for start, end, read in zip(lows, highs, outside_cues, strict=True):
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(end, ranges[-1][1]))
            needed[-1] = needed[-1] or read
        else:
            ranges.append((start, end))
            needed.append(read)
    # A window all of whose places are inside names a cue pattern finds is not read: the
    # pattern's finding outscores the model's on the same span. Any other window is read whole,
    # so its edges, where the model lacks context, stay where they were.
    return [window for window, read in zip(ranges, needed, strict=True) if read]


def _may_be_a_name(word: str, english: frozenset[str]) -> bool:
    """A capitalised word after a label opens a window unless it is a stop word ("asks: The")
    or an English word that is no listed name part ("asks: Clinic", "Note: Sleep"): the
    sentence that follows a label starts with a capital, and most such words are plain English.
    """
    folded = fold(word)
    if folded in STOP_WORDS:
        return False
    return folded in name_parts() or folded not in english
