"""A cheap screen in front of a recognizer's regex: words one of which every match contains.

A cue regex scans every character of every text it is given (0.1-0.3 µs a character for the
long case-blind alternations), while most texts hold none of the words the pattern is built
around ("regards", "husband", "MRN"). `required_literals` reads the pattern's parse tree (the
`re` module's own parser) for a set of literal strings one of which every match must contain;
`may_match` looks for them with substring search (C, about a nanosecond a character) in the
text folded the way IGNORECASE folds ASCII letters, and the regex runs only where one is there.

Sound by construction: only ASCII literals are used, the text is folded at least as far as the
regex engine folds (lower case, plus the dotless/dotted i and long s that IGNORECASE equates
with i and s), and a pattern whose tree has no literal of MIN_LITERAL characters on every path,
or that the parser cannot read, always runs.

The look-ups themselves are shared (`present`): a literal of word characters only ("husband")
can only occur inside one run of word characters, so the literals each distinct word holds are
found once per process and cached, and a text's present literals are the union over its
distinct words; the few literals with other characters (", ", "thank you") are searched in the
text. Answers are those of a substring search for every literal, at about a tenth of the cost
(hundreds of literals, a third of a microsecond each, on every text).
"""

from __future__ import annotations

import functools
import re
from re import _constants as sre  # type: ignore[attr-defined]  # CPython's own regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]

MIN_LITERAL = 2  # shorter letter or digit literals ("I", "5") are in nearly every text
MAX_LITERALS = 64  # a set with more alternatives costs about what the regex costs
# IGNORECASE equates ASCII i with ı and İ, s with ſ, k with the Kelvin sign (lower() maps it).
_FOLD_EXTRA = str.maketrans({"ı": "i", "ſ": "s"})
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))

Literals = frozenset[str]  # one of these is in every match
Screen = tuple[Literals, ...]  # every set of which has a member in every match


@functools.lru_cache(maxsize=8)  # each recognizer of a text asks for the same fold
def fold(text: str) -> str:
    """`text` folded so that every literal a match holds appears in it lower-cased."""
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
    try:
        found = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unreadable tree only means no screen
        return ()
    usable = [_shortest(s) for s in found if _selective(s)]
    screens = tuple(sorted(set(usable), key=len))  # the cheapest tests first
    _learn(screens)
    present.cache_clear()  # a text's literals found before this screen lack its own
    return screens


def may_match(pattern: re.Pattern[str], folded: str) -> bool:
    """False only when no match of `pattern` can be in the text `folded` came from."""
    screens = screen(pattern)  # first: a pattern's first screen adds literals to look for
    found = present(folded)
    return all(not found.isdisjoint(literals) for literals in screens)


_WORD_RUN = re.compile(r"\w+")
_KNOWN: dict[str, None] = {}  # every screen's literals so far (ordered: a stable cache key)


def _learn(screens: Screen) -> None:
    """Adds a new screen's literals to those `present` looks for (once per pattern)."""
    new = [x for literals in screens for x in literals if x not in _KNOWN]
    if new:
        _KNOWN.update(dict.fromkeys(new))
        _Known.current = _Known(tuple(_KNOWN))


class _Known:
    """The literals looked for: those made of word characters, and the rest."""

    current: _Known

    def __init__(self, literals: tuple[str, ...]) -> None:
        self.words = tuple(x for x in literals if _WORD_RUN.fullmatch(x))
        self.others = tuple(x for x in literals if not _WORD_RUN.fullmatch(x))


_Known.current = _Known(())


@functools.lru_cache(maxsize=8)  # each recognizer of a text asks for the same text
def present(folded: str) -> frozenset[str]:
    """The screens' literals that occur in `folded` (as `literal in folded` finds them)."""
    known = _Known.current
    found = frozenset().union(*[_in_word(w, known) for w in set(_WORD_RUN.findall(folded))])
    return found.union([x for x in known.others if x in folded])


@functools.lru_cache(maxsize=1 << 16)  # words repeat: most rows hold few unseen words
def _in_word(word: str, known: _Known) -> frozenset[str]:
    return frozenset(x for x in known.words if x in word)


def _selective(literals: Literals) -> bool:
    if not literals or len(literals) > MAX_LITERALS:
        return False
    # One punctuation character ("@", a quote, a colon) is a fair test; one letter is not.
    return all(len(x) >= MIN_LITERAL or (not x.isalnum() and not x.isspace()) for x in literals)


def _shortest(literals: Literals) -> Literals:
    """ "best" present is needed for "best wishes" present: keep only the shortest strings."""
    return frozenset(a for a in literals if not any(b != a and b in a for b in literals))


def _sequence(items: object) -> list[Literals]:
    """The literal sets a sequence of items requires: each run of literal characters (spelled
    every way its small classes and optional characters allow: `i['’]?m` is "im", "i'm", "i’m"),
    and what its groups, alternations and required repeats need."""
    found: list[Literals] = []
    run: set[str] = {""}  # every spelling of the current run so far
    for op, av in items:  # type: ignore[attr-defined]
        spellings = _spellings(op, av)
        if spellings is not None and len(run) * len(spellings) <= MAX_LITERALS:
            run = {r + x for r in run for x in spellings}
            continue
        found += _run(run)
        run = {""}
        if spellings is None:
            found += _inner(op, av)
    return found + _run(run)


def _run(run: set[str]) -> list[Literals]:
    return [frozenset(run)] if "" not in run else []


def _spellings(op: object, av: object) -> set[str] | None:
    """What a literal, a class of literal characters or an optional one of these can match."""
    chars = _chars(op, av)
    if chars is not None:
        return set(chars)
    if op in _REPEATS and av[0] == 0 and av[1] == 1 and len(av[2]) == 1:  # type: ignore[index]
        ((inner_op, inner_av),) = av[2]  # type: ignore[index]
        optional = _chars(inner_op, inner_av)
        return None if optional is None else {"", *optional}
    return None


def _inner(op: object, av: object) -> list[Literals]:
    """What a non-literal item requires (an alternation: the union of each branch's best)."""
    if op is sre.BRANCH:
        branches = [_best(_sequence(branch)) for branch in av[1]]  # type: ignore[index]
        if not all(branches):
            return []
        return [frozenset().union(*branches)]  # type: ignore[arg-type]
    if op is sre.SUBPATTERN:
        return _sequence(av[3])  # type: ignore[index]
    if op in _REPEATS and av[0] >= 1:  # type: ignore[index]
        return _sequence(av[2])  # type: ignore[index]
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(av)
    return []  # ranges, categories, anchors, lookarounds, backreferences: nothing guaranteed


def _best(found: list[Literals]) -> Literals | None:
    """The most selective set: longer shortest literal first, then fewer alternatives."""
    usable = [s for s in found if _selective(s)]
    return max(usable, key=lambda s: (min(map(len, s)), -len(s)), default=None)


def _chars(op: object, av: object) -> Literals | None:
    """The folded characters an item matches when it matches only literal characters (a
    literal, [Pp], a few quote marks); None otherwise. Only ASCII letters and characters with
    no case are used, whose folding the text's `fold` is sure to match."""
    codes: list[int]
    if op is sre.LITERAL:
        codes = [av]  # type: ignore[list-item]
    elif op is sre.IN and all(item_op is sre.LITERAL for item_op, _ in av):  # type: ignore[attr-defined]
        codes = [code for _, code in av]  # type: ignore[attr-defined]
    else:
        return None
    chars = {chr(code).lower() for code in codes}
    if not all(c.isascii() or c.lower() == c.upper() for c in chars):
        return None
    return frozenset(chars)
