"""The base of the pattern recognizers (`pii_recognizers.py` and the modules beside it): case-
sensitive regexes run where their screen allows (`pattern_screen`), and the spans found in the
texts seen last, for a recognizer asked about the same text twice.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import re
from collections import OrderedDict
from collections.abc import Iterator
from itertools import compress

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from training_scripts.governance import pattern_screen


class _RegexRecognizer(LocalRecognizer):
    """Case-sensitive regexes whose group 1 is the entity (Presidio's patterns ignore case)."""

    ENTITY = ""
    SCORE = 0.85
    PATTERNS: tuple[re.Pattern[str], ...] = ()

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], supported_language="en")

    def load(self) -> None:
        pass

    def accept(self, match: re.Match[str]) -> tuple[int, int] | None:
        return match.span(1)

    def patterns_for(self, text: str) -> tuple[re.Pattern[str], ...]:
        """The patterns worth running on `text` (all of them unless a cheap test rules some out)."""
        return self.PATTERNS

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        # Fresh results on every call: Presidio changes the ones it is given (scores, spans).
        return [RecognizerResult(self.ENTITY, a, b, self.SCORE) for a, b in self.spans(text)]

    def search_end(self, text: str) -> int:
        """How much of `text` a match can lie in (all of it, unless a subclass knows better)."""
        return len(text)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The entities' character spans, pattern by pattern, in each pattern's match order."""
        found: list[tuple[int, int]] = []
        end = self.search_end(text)
        if not end:
            return found
        for pattern in runnable(self.patterns_for(text), text):
            for match in pattern.finditer(text, 0, end):
                span = self.accept(match)
                if span and span[1] > span[0]:
                    found.append(span)
        return found


def runnable(patterns: tuple[re.Pattern[str], ...], text: str) -> Iterator[re.Pattern[str]]:
    """`patterns` less those whose screen rules them out on `text` (none of the words every
    match holds is there)."""
    return compress(patterns, pattern_screen.may_match_each(patterns, pattern_screen.fold(text)))


class RecentSpans:
    """The spans found in the texts seen last, the oldest dropped first past `max_chars`."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._spans: OrderedDict[tuple[type, str], tuple[tuple[int, int], ...]] = OrderedDict()
        self._chars = 0

    def get(self, key: tuple[type, str]) -> tuple[tuple[int, int], ...] | None:
        return self._spans.get(key)

    def add(self, key: tuple[type, str], spans: tuple[tuple[int, int], ...]) -> None:
        self._spans[key] = spans
        self._chars += len(key[1])
        while self._chars > self.max_chars:
            (_, text), _ = self._spans.popitem(last=False)
            self._chars -= len(text)

    def clear(self) -> None:
        self._spans.clear()
        self._chars = 0


def by_first_letter(alternation: str) -> str:
    """`alternation` ("[Pp]atient|I'm|[Ii]m|..."; each alternative starts with a letter or a
    class of letters) regrouped under each first letter: "P(?:atient)|p(?:atient)|I(?:'m|m)|
    i(?:m)". At each place it tries the alternatives that start with the letter there, in their
    order, as the plain alternation does (the others cannot match there); but the regex engine
    tests one letter per group, not every alternative, at each word start."""
    alternatives = _top_level(alternation)
    firsts = [_first_letters(a) for a in alternatives]
    letters = list(dict.fromkeys(c for letters, _ in firsts for c in letters))
    groups = [
        letter + "(?:" + "|".join(rest for chars, rest in firsts if letter in chars) + ")"
        for letter in letters
    ]
    return "|".join(groups)


def _first_letters(alternative: str) -> tuple[str, str]:
    """The letters an alternative can start with, and the rest of it."""
    if alternative.startswith("["):
        end = alternative.index("]")
        letters, rest = alternative[1:end], alternative[end + 1 :]
    else:
        letters, rest = alternative[0], alternative[1:]
    if not letters.isalpha():  # a range, an escape, a group: not an alternation of words
        raise ValueError(f"{alternative!r}: an alternative must start with a letter or [Xx]")
    return letters, rest


def _top_level(alternation: str) -> list[str]:
    """The alternatives of `alternation` (its "|" outside groups and classes)."""
    found, depth, start, in_class, index = [], 0, 0, False, 0
    while index < len(alternation):
        char = alternation[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            found.append(alternation[start:index])
            start = index + 1
        index += 1
    return [*found, alternation[start:]]
