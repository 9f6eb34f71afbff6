"""Which words of a text can start a name, each distinct word judged once a process.

The gazetteer tries a name at a word only where the word can start one (an initial, a hyphenated
or a listed word that may be a name part); most words of prose cannot. Judging each word anew
cost a fold and a lookup per word of every text; here a text's distinct words less those already
judged (a set difference, in C) are judged, and the answer is the text's words that are among
the known starters. Most texts hold no starter at all: `none_in` says so from the text's
space-separated tokens (split in C, each judged once a process) before any word is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_JUDGED = 500_000  # distinct words (and tokens) whose judgement is kept (a bound on memory)


class HeadWords:
    """The positions of the words `can_start` says yes to, remembering every judgement; the
    words are `word`'s matches, which hold no white space."""

    def __init__(self, can_start: Callable[[str], bool], word: re.Pattern[str]) -> None:
        self._can_start = can_start
        self._word = word
        self._judged: set[str] = set()
        self._starters: set[str] = set()
        self._plain_tokens: set[str] = set()  # tokens none of whose words can start a name
        self._starter_tokens: set[str] = set()  # tokens with a word that can

    def indexes(self, words: list[str]) -> list[int]:
        distinct = set(words)
        if unjudged := distinct - self._judged:
            if len(self._judged) > MAX_JUDGED:
                self._judged, self._starters = set(), set()
            self._starters |= {w for w in unjudged if self._can_start(w)}
            self._judged |= unjudged
        starters = distinct & self._starters
        return [i for i, w in enumerate(words) if w in starters] if starters else []

    def none_in(self, text: str) -> bool:
        """No word of `text` can start a name. A word holds no white space, so each lies in one
        token of `text.split()`, and the words of a token are those of the text there."""
        tokens = text.split()
        if self._plain_tokens.issuperset(tokens):  # most texts: no token unseen or a starter
            return True
        if not self._starter_tokens.isdisjoint(tokens):  # most others: a starter seen before
            return False
        if len(self._plain_tokens) + len(self._starter_tokens) > MAX_JUDGED:
            self._plain_tokens, self._starter_tokens = set(), set()
        for token in set(tokens) - self._plain_tokens:
            if self.indexes(self._word.findall(token)):
                self._starter_tokens.add(token)
                return False
            self._plain_tokens.add(token)
        return True
