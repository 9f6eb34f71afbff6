r"""The literals every match of a regex holds, read from its parse tree (`pattern_screen`'s
screens: see its docstring for how they are used and why they are sound).

`required_literals` walks the tree the `re` module's own parser builds: each run of literal
characters (spelled every way its small classes and optional characters allow), what groups,
alternations and required repeats need, and where a word edge pins a literal to a word's start
or end. Only ASCII letters and characters without case are used, and a pattern whose tree has
no literal of MIN_LITERAL characters on every path, or that the parser cannot read, gets none.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]  # CPython's own regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MIN_LITERAL = 2  # shorter letter or digit literals ("I", "5") are in nearly every text
MAX_LITERALS = 128  # spellings of one run of literals (a product grows fast)
MAX_SET = 256  # alternatives in one set (a set test costs little whatever its size: `present`)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))

# A literal that a \b before (after) it pins to a word's start (end) carries this mark there:
# "\x02hi" is "hi" starting a word ("hi there", not "this"). Marks never reach a text search.
START, END = "\x02", "\x03"
Literals = frozenset[str]  # one of these is in every match
Screen = tuple[Literals, ...]  # every set of which has a member in every match
_LOCAL_ASCII = re.compile(r"\(\?[aiLmsux-]*a")  # (?a:...), (?ia)
_WORD_CHAR = re.compile(r"\w")


def required_literals(pattern: re.Pattern[str]) -> Screen:
    """The literal sets every match of `pattern` holds a member of, the smallest sets first;
    () when none."""
    try:
        found = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unreadable tree only means no screen
        return ()
    if pattern.flags & re.ASCII or _LOCAL_ASCII.search(pattern.pattern):  # ASCII \b: no marks
        found = [frozenset(core(x) for x in literals) for literals in found]
    usable = [_shortest(s) for s in found if _selective(s)]
    return tuple(sorted(set(usable), key=len))  # the cheapest tests first


def core(literal: str) -> str:
    """The literal less its word-edge marks: what is searched for in a text."""
    return literal.strip(START + END)


def _selective(literals: Literals) -> bool:
    if not literals or len(literals) > MAX_SET:
        return False
    # One punctuation character ("@", a quote, a colon) is a fair test; one letter is not.
    cores = [core(x) for x in literals]
    return all(len(x) >= MIN_LITERAL or (not x.isalnum() and not x.isspace()) for x in cores)


def _shortest(literals: Literals) -> Literals:
    """ "best" present is needed for "best wishes" present: keep only the shortest strings."""
    return frozenset(a for a in literals if not any(b != a and b in a for b in literals))


def _sequence(items: object, start: bool = False, end: bool = False) -> list[Literals]:
    """The literal sets a sequence of items requires: each run of literal characters (spelled
    every way its small classes and optional characters allow: `i['’]?m` is "im", "i'm", "i’m"),
    and what its groups, alternations and required repeats need. `start` (`end`): a non-word
    character or the text's start (end) comes right before (after) the sequence."""
    found: list[Literals] = []
    run: set[str] = {""}  # every spelling of the current run so far
    listed = _flat(items)
    before = [_after_non_word(listed[:i], start) for i in range(len(listed) + 1)]
    after = [_before_non_word(listed[i:], end) for i in range(len(listed) + 1)]
    run_start = False  # a non-word character or the start right before the current run
    for index, (op, av) in enumerate(listed):
        spellings = _spellings(op, av)
        if spellings is not None and len(run) * len(spellings) <= MAX_LITERALS:
            run_start = before[index] if run == {""} else run_start
            run = {r + x for r in run for x in spellings}
            continue
        found += _run(run, run_start, after[index])
        run = {""}
        if spellings is None:
            found += _inner(op, av, before[index], after[index + 1])
        else:  # too many spellings joined: a new run starts here
            run, run_start = spellings, before[index]
    return found + _run(run, run_start, end)


def _flat(items: object) -> list[Any]:
    """The items with each group's own items in its place: a group ("(?:re)", "(?i:patient)")
    matches what its items match in a row, so a run of literals goes on through it."""
    flat: list[Any] = []
    for op, av in items:  # type: ignore[attr-defined]
        if op is sre.SUBPATTERN:
            flat += _flat(av[3])  # (group number, flags added, flags removed, items)
        else:
            flat.append((op, av))
    return flat


# Zero-width items a word starts after (ends before): \b, ^, \A (\b, $, \Z); a \b next to a
# word character means a non-word character (or the text's edge) on its other side.
_STARTS = {sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_BEGINNING_LINE, sre.AT_BEGINNING_STRING}
_ENDS = {sre.AT_BOUNDARY, sre.AT_END, sre.AT_END_LINE, sre.AT_END_STRING}


def _after_non_word(items: list[Any], start: bool) -> bool:
    """Wherever `items` match, they end after a non-word character or at the text's start."""
    if not items:
        return start
    op, av = items[-1]
    if op is sre.AT:
        return av in _STARTS
    if op is sre.ASSERT_NOT and av[0] == -1:  # (?<![\w]): no word character before
        return _any_word(av[1])
    if op is sre.SUBPATTERN:
        return _after_non_word(list(av[3]), _after_non_word(items[:-1], start))
    if op is sre.BRANCH:
        inherited = _after_non_word(items[:-1], start)
        return all(_after_non_word(list(b), inherited) for b in av[1])
    if op in _REPEATS:
        inherited = _after_non_word(items[:-1], start)
        return _after_non_word(list(av[2]), inherited) and (av[0] >= 1 or inherited)
    return _non_word(op, av)


def _before_non_word(items: list[Any], end: bool) -> bool:
    """Wherever `items` match, they start before a non-word character or at the text's end."""
    if not items:
        return end
    op, av = items[0]
    if op is sre.AT:
        return av in _ENDS
    if op is sre.ASSERT_NOT and av[0] == 1:  # (?![\w]): no word character after
        return _any_word(av[1])
    if op is sre.ASSERT and av[0] == 1:  # (?=[,.]|$): what comes after starts so
        return _before_non_word(list(av[1]), False)
    if op is sre.SUBPATTERN:
        return _before_non_word(list(av[3]), _before_non_word(items[1:], end))
    if op is sre.BRANCH:
        inherited = _before_non_word(items[1:], end)
        return all(_before_non_word(list(b), inherited) for b in av[1])
    if op in _REPEATS:
        inherited = _before_non_word(items[1:], end)
        return _before_non_word(list(av[2]), inherited) and (av[0] >= 1 or inherited)
    return _non_word(op, av)


def _non_word(op: object, av: object) -> bool:
    """The item matches one character, never a word character."""
    if op is sre.LITERAL:
        return _WORD_CHAR.match(chr(av)) is None  # type: ignore[arg-type]
    if op is sre.IN:
        return all(
            (o is sre.LITERAL and _WORD_CHAR.match(chr(a)) is None)
            or (o is sre.CATEGORY and a in (sre.CATEGORY_SPACE, sre.CATEGORY_NOT_WORD))
            for o, a in av  # type: ignore[attr-defined]
        )
    return False


def _any_word(items: object) -> bool:
    r"""`items` is one class that holds every word character ([\w], [\w'-])."""
    listed = list(items)  # type: ignore[call-overload]
    return (
        len(listed) == 1
        and listed[0][0] is sre.IN
        and any(o is sre.CATEGORY and a is sre.CATEGORY_WORD for o, a in listed[0][1])
    )


def _run(run: set[str], start: bool, end: bool) -> list[Literals]:
    if "" in run:
        return []
    return [frozenset((START if start else "") + x + (END if end else "") for x in run)]


def _spellings(op: object, av: object) -> set[str] | None:
    """What a literal, a class of literal characters, an alternation of literal words
    ("(?:dr|mr|mrs)": "dr." and "mr." are better tests than "dr" and "mr") or an optional
    literal can match; None when more than MAX_LITERALS or anything else."""
    chars = _chars(op, av)
    if chars is not None:
        return set(chars)
    if op is sre.BRANCH:
        spelled: set[str] = set()
        for branch in av[1]:  # type: ignore[index]
            words = {""}
            for item_op, item_av in _flat(branch):
                more = _spellings(item_op, item_av)
                if more is None or len(words) * len(more) > MAX_LITERALS:
                    return None
                words = {w + x for w in words for x in more}
            spelled |= words
        return spelled if len(spelled) <= MAX_LITERALS else None
    if op in _REPEATS and av[0] == 0 and av[1] == 1 and len(av[2]) == 1:  # type: ignore[index]
        ((inner_op, inner_av),) = av[2]  # type: ignore[index]
        optional = _chars(inner_op, inner_av)
        return None if optional is None else {"", *optional}
    return None


def _inner(op: object, av: object, start: bool, end: bool) -> list[Literals]:
    """What a non-literal item requires (an alternation: the union of each branch's best);
    `start` (`end`): a non-word character or the text's edge comes right before (after) it."""
    if op is sre.BRANCH:
        found = [_sequence(b, start, end) for b in av[1]]  # type: ignore[index]
        branches = [_best(f) for f in found]
        if not all(branches):
            return []
        union: Literals = frozenset().union(*branches)  # type: ignore[arg-type]
        if len(union) > MAX_SET:  # each branch's smallest set may still do
            union = frozenset().union(*[_best(f, smallest=True) for f in found])  # type: ignore[arg-type]
        return [union]
    if op is sre.SUBPATTERN:
        return _sequence(av[3], start, end)  # type: ignore[index]
    if op in _REPEATS and av[0] >= 1:  # type: ignore[index]
        return _sequence(av[2])  # type: ignore[index]
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(av)
    return []  # ranges, categories, anchors, lookarounds, backreferences: nothing guaranteed


def _best(found: list[Literals], smallest: bool = False) -> Literals | None:
    """The most selective set: longer shortest literal first, then fewer alternatives (fewer
    alternatives first when `smallest`)."""
    usable = [s for s in found if _selective(s)]
    if smallest:
        return min(usable, key=lambda s: (len(s), -min(len(core(x)) for x in s)), default=None)
    return max(usable, key=lambda s: (min(len(core(x)) for x in s), -len(s)), default=None)


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
