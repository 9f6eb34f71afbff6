"""Which words of a text can start a name, each distinct word judged once a process.

The gazetteer tries a name at a word only where the word can start one (an initial, a hyphenated
or a listed word); most words of prose cannot. Judging each word anew cost a fold and a lookup per
word of every text; here a text's distinct words less those already judged (a set difference, in
C) are judged, and the answer is the text's words that are among the known starters.
"""

from __future__ import annotations

from collections.abc import Callable

MAX_JUDGED = 500_000  # distinct words whose judgement is kept (a bound on memory)


class HeadWords:
    """The positions of the words `can_start` says yes to, remembering every judgement."""

    def __init__(self, can_start: Callable[[str], bool]) -> None:
        self._can_start = can_start
        self._judged: set[str] = set()
        self._starters: set[str] = set()

    def indexes(self, words: list[str]) -> list[int]:
        distinct = set(words)
        if unjudged := distinct - self._judged:
            if len(self._judged) > MAX_JUDGED:
                self._judged, self._starters = set(), set()
            self._starters |= {w for w in unjudged if self._can_start(w)}
            self._judged |= unjudged
        starters = distinct & self._starters
        return [i for i, w in enumerate(words) if w in starters] if starters else []
