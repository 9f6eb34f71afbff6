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


@functools.cache
def screen(pattern: re.Pattern[str]) -> Screen:
    """The literal sets every match of `pattern` holds a member of; () when none (no screen)."""
    try:
        found = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unreadable tree only means no screen
        return ()
    usable = [_shortest(s) for s in found if _selective(s)]
    return tuple(sorted(set(usable), key=len))  # the cheapest tests first


def may_match(pattern: re.Pattern[str], folded: str) -> bool:
    """False only when no match of `pattern` can be in the text `folded` came from."""
    for literals in screen(pattern):  # plain loops: this runs per pattern per text
        for literal in literals:
            if literal in folded:
                break
        else:
            return False
    return True


def _selective(literals: Literals) -> bool:
    if not literals or len(literals) > MAX_LITERALS:
        return False
    # One punctuation character ("@", a quote, a colon) is a fair test; one letter is not.
    return all(len(x) >= MIN_LITERAL or (not x.isalnum() and not x.isspace()) for x in literals)


def _shortest(literals: Literals) -> Literals:
    """ "best" present is needed for "best wishes" present: keep only the shortest strings."""
    return frozenset(a for a in literals if not any(b != a and b in a for b in literals))


def _sequence(items: object) -> list[Literals]:
    """The literal sets a sequence of items requires: each run of literal characters, each
    class of a few characters, and what its groups, alternations and required repeats need."""
    found: list[Literals] = []
    run: list[str] = []
    for op, av in items:  # type: ignore[attr-defined]
        chars = _chars(op, av)
        if chars is not None and len(chars) == 1:
            run.append(next(iter(chars)))
            continue
        if run:
            found.append(frozenset(["".join(run)]))
            run = []
        found += [chars] if chars else _inner(op, av)
    if run:
        found.append(frozenset(["".join(run)]))
    return found


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
