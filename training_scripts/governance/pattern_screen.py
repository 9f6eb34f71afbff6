r"""A cheap screen in front of a recognizer's regex: words one of which every match contains.

A cue regex scans every character of every text it is given (0.1-0.3 µs a character for the
long case-blind alternations), while most texts hold none of the words the pattern is built
around ("regards", "husband", "MRN"). `required_literals` (pattern_literals.py) reads the
pattern's parse tree (the `re` module's own parser) for sets of literal strings one of which
every match must contain;
`may_match` looks for them with substring search (C, about a nanosecond a character) in the
text folded the way IGNORECASE folds ASCII letters, and the regex runs only where one is there.

Sound by construction: only ASCII literals are used, the text is folded at least as far as the
regex engine folds (lower case, plus the dotless/dotted i and long s that IGNORECASE equates
with i and s), and a pattern whose tree has no literal of MIN_LITERAL characters on every path,
or that the parser cannot read, always runs.

Word edges sharpen it: a literal right after a \b, a line start or a non-word character
("\bhi", "(?<![\w])rep", "^Agent") must start a word of the text, one before such an edge must
end one ("hi" is not in "this", "rep" not in "report"); an alternation of literal words joins
the literals around it ("dr. ", "re:" rather than "dr", "re").

The look-ups are shared (`present`): the first run of word characters of a literal lies inside
one word of the text, so what each distinct word holds is worked out once per process and
cached, and a text's literals come from its distinct words (found from its space-separated
tokens, which repeat as words do); those with other characters (", ", "my wife") are then
searched for in the text. Patterns judged together (`may_match_each`) look only for their own
literals, and their verdicts are kept per set of those literals a text holds.
The soundness rests on `fold` keeping every character's place and whether it is a word
character, which a test checks for every code point.
"""

from __future__ import annotations

import functools
import re

from training_scripts.governance.pattern_literals import END, START, Screen, required_literals
from training_scripts.governance.pattern_literals import core as _core

MAX_TOKENS = 1 << 16  # tokens whose literals are remembered (a bound on memory)
MAX_VERDICTS = 4096  # sets of literals whose verdicts a group keeps (`may_match_each`)
# IGNORECASE equates ASCII i with ı and İ, s with ſ, k with the Kelvin sign (lower() maps it).
_FOLD_EXTRA = str.maketrans({"ı": "i", "ſ": "s"})


@functools.lru_cache(maxsize=8)  # each recognizer of a text asks for the same fold
def fold(text: str) -> str:
    """`text` folded so that every literal a match holds appears in it lower-cased."""
    if text.isascii():  # no İ, ı or ſ (most texts): lower() alone, ten times cheaper
        return text.lower()
    return text.replace("İ", "i").lower().translate(_FOLD_EXTRA)


def screen(pattern: re.Pattern[str]) -> Screen:
    """The literal sets every match of `pattern` holds a member of; () when none (no screen)."""
    # Keyed by identity: hashing a compiled pattern hashes its whole program (microseconds for
    # the long alternations), on every call; the pattern is kept so its id cannot be reused.
    known = _SCREENS.get(id(pattern))
    if known is None or known[0] is not pattern:
        known = _SCREENS[id(pattern)] = (pattern, _screen(pattern))
    return known[1]


_SCREENS: dict[int, tuple[re.Pattern[str], Screen]] = {}


def _screen(pattern: re.Pattern[str]) -> Screen:
    screens = required_literals(pattern)
    _learn(screens)
    return screens


def may_match(pattern: re.Pattern[str], folded: str) -> bool:
    """False only when no match of `pattern` can be in the text `folded` came from."""
    screens = screen(pattern)  # first: a pattern's first screen adds literals to look for
    found = present(folded)
    return all(not found.isdisjoint(literals) for literals in screens)


def may_match_each(patterns: tuple[re.Pattern[str], ...], folded: str) -> tuple[bool, ...]:
    """`may_match` of each of `patterns`, judged once per set of their literals a text holds:
    most texts hold one of a few such sets."""
    known = _GROUPS.get(id(patterns))
    if known is None or known.patterns is not patterns:
        if len(_GROUPS) >= MAX_VERDICTS:  # a caller that builds its tuple anew on every call
            _GROUPS.clear()
        known = _GROUPS[id(patterns)] = _Group(patterns)
    found = _confirmed(_worded(folded) & known.literals, known.plain, known.unled, folded)
    verdict = known.verdicts.get(found)
    if verdict is None:
        if len(known.verdicts) >= MAX_VERDICTS:
            known.verdicts.clear()
        verdict = known.verdicts[found] = tuple(
            all(not found.isdisjoint(literals) for literals in needed) for needed in known.screens
        )
    return verdict


class _Group:
    """Patterns judged together: their screens, every literal in them, the verdicts so far."""

    def __init__(self, patterns: tuple[re.Pattern[str], ...]) -> None:
        self.patterns = patterns  # kept: the group is found by the tuple's id
        self.screens = tuple(screen(p) for p in patterns)  # first: `present` finds their literals
        self.literals: frozenset[str] = frozenset().union(*[x for s in self.screens for x in s])
        # Only these are looked for: a group's are a small part of every screen's.
        self.plain = self.literals & _KNOWN.plain
        self.unled = [x for x in _KNOWN.unled if x in self.literals]
        self.verdicts: dict[frozenset[str], tuple[bool, ...]] = {}


_GROUPS: dict[int, _Group] = {}
_WORD_RUN = re.compile(r"\w+")


def _learn(screens: Screen) -> None:
    """Adds a new screen's literals to those `present` looks for (once per pattern)."""
    new = [x for literals in screens for x in literals if x not in _KNOWN.cores]
    if new:
        _KNOWN.add(new)
        for cached in (present, _worded, _unled):
            cached.cache_clear()  # a text's literals found before lack these


class _TokenLiterals(dict[str, frozenset[str]]):
    """Token -> the literals whose word part a word of it holds (`_in_word`), for the literals
    known now; filled as tokens are met (tokens repeat: most rows hold few unseen ones)."""

    def __missing__(self, token: str) -> frozenset[str]:
        version = _KNOWN.version
        found = frozenset().union(*[_in_word(w, version) for w in _WORD_RUN.findall(token)])
        if len(self) < MAX_TOKENS:
            self[token] = found
        return found


class _Known:
    """The literals looked for, each with what a word of the text must be for it to occur
    there: a literal's first run of word characters lies inside one word of the text, and
    starts (ends) it where a mark or another character comes before (after) it in the literal
    ("dr. ": a word ending in "dr"; " was": a word starting with "was"). A literal of word
    characters only is then found; the others are searched for in the text where such a word
    is there, and those without word characters (", ", "@") always."""

    def __init__(self) -> None:
        self.version = 0  # part of `_in_word`'s cache key: a word's answer grows with the set
        self.in_token = _TokenLiterals()  # for this version
        self.cores: dict[str, str] = {}  # literal -> what is searched for in the text
        self.unled: list[str] = []  # searched for always
        self.unled_by_char: dict[str, list[str]] = {}  # ... where a character of theirs is
        self.plain: set[str] = set()  # found from the words alone
        self.led: set[str] = set()  # searched for only where the word test passes
        # The word tests, indexed so that a word meets only those it may pass: the whole word
        # (start and end), its first character (start), its last (end), any (inside).
        self.whole: dict[str, list[str]] = {}
        self.starts: dict[str, list[tuple[str, str]]] = {}
        self.ends: dict[str, list[tuple[str, str]]] = {}
        self.inside: dict[str, list[tuple[str, str]]] = {}

    def add(self, literals: list[str]) -> None:
        self.version += 1
        self.in_token = _TokenLiterals()  # a new literal may be in the tokens met
        for x in literals:
            core = self.cores[x] = _core(x)
            run = _WORD_RUN.search(core)
            if run is None:
                self.unled.append(x)
                key = (core.strip() or core)[0]  # a space is in every text
                self.unled_by_char.setdefault(key, []).append(x)
                continue
            start = run.start() > 0 or x[0] == START
            end = run.end() < len(core) or x[-1] == END
            part = run.group()
            if start and end:
                self.whole.setdefault(part, []).append(x)
            else:
                index, key = (
                    (self.starts, part[0]) if start
                    else (self.ends, part[-1]) if end
                    else (self.inside, part[0])
                )  # fmt: skip
                index.setdefault(key, []).append((x, part))
            (self.plain if run.group() == core else self.led).add(x)


_KNOWN = _Known()  # every screen's literals so far


@functools.lru_cache(maxsize=8)  # each recognizer of a text asks for the same text
def present(folded: str) -> frozenset[str]:
    """The screens' literals that occur in `folded`, a marked one where a word starts (ends)
    with it. `fold` keeps every character's place and whether it is a word character, so the
    words of `folded` start and end where the text's do."""
    known = _KNOWN
    return _confirmed(_worded(folded), known.plain, known.unled, folded)


@functools.lru_cache(maxsize=8)
def _worded(folded: str) -> frozenset[str]:
    """The literals with a word part that a word of `folded` holds where the marks say: there
    for sure when they are that word part alone (`_Known.plain`), else to be searched for."""
    # A word holds no white space, so each lies inside one of the text's space-separated
    # tokens (split in C), whose literals are looked up (in C) once they are known.
    return frozenset().union(*filter(None, map(_KNOWN.in_token.__getitem__, folded.split())))


def _confirmed(
    worded: frozenset[str], plain: frozenset[str] | set[str], unled: list[str], folded: str
) -> frozenset[str]:
    """Those of the `worded` and `unled` literals that occur in `folded`."""
    cores = _KNOWN.cores
    return (worded & plain).union(
        [x for x in worded - plain if cores[x] in folded], _unled(folded).intersection(unled)
    )


@functools.lru_cache(maxsize=8)
def _unled(folded: str) -> frozenset[str]:
    """The literals without a word character (", ", ":", quotes) that occur in `folded`."""
    cores = _KNOWN.cores
    return frozenset(
        [
            x
            for char, literals in _KNOWN.unled_by_char.items()
            if char in folded  # most of these characters are in no text, quotes above all
            for x in literals
            if cores[x] in folded
        ]
    )


@functools.lru_cache(maxsize=1 << 16)  # words repeat: most rows hold few unseen words
def _in_word(word: str, version: int) -> frozenset[str]:
    """The literals whose word part `word` holds where the marks say (`version`: of `_KNOWN`)."""
    known = _KNOWN
    found = list(known.whole.get(word, ()))
    found += [x for x, part in known.starts.get(word[0], ()) if word.startswith(part)]
    found += [x for x, part in known.ends.get(word[-1], ()) if word.endswith(part)]
    for char in set(word):  # a number or a rare word holds few literals' first characters
        found += [x for x, part in known.inside.get(char, ()) if part in word]
    return frozenset(found)
