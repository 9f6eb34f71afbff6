r"""A cheap screen in front of a recognizer's regex: words one of which every match contains.

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

Word edges sharpen it: a literal right after a \b, a line start or a non-word character
("\bhi", "(?<![\w])rep", "^Agent") must start a word of the text, one before such an edge must
end one ("hi" is not in "this", "rep" not in "report"); an alternation of literal words joins
the literals around it ("dr. ", "re:" rather than "dr", "re").

The look-ups are shared (`present`): the first run of word characters of a literal lies inside
one word of the text, so what each distinct word holds is worked out once per process and
cached, and a text's literals come from its distinct words; those with other characters
(", ", "my wife") are then searched for in the text. About 25 µs a text for ~900 literals.
The soundness rests on `fold` keeping every character's place and whether it is a word
character, which a test checks for every code point.
"""

from __future__ import annotations

import functools
import re
from re import _constants as sre  # type: ignore[attr-defined]  # CPython's own regex parser
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MIN_LITERAL = 2  # shorter letter or digit literals ("I", "5") are in nearly every text
MAX_LITERALS = 128  # spellings of one run of literals (a product grows fast)
MAX_DULL = 1 << 17  # tokens remembered as holding no literal (a bound on memory)
MAX_VERDICTS = 4096  # sets of literals whose verdicts a group keeps (`may_match_each`)
MAX_SET = 256  # alternatives in one set (a set test costs little whatever its size: `present`)
# IGNORECASE equates ASCII i with ı and İ, s with ſ, k with the Kelvin sign (lower() maps it).
_FOLD_EXTRA = str.maketrans({"ı": "i", "ſ": "s"})
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))

# A literal that a \b before (after) it pins to a word's start (end) carries this mark there:
# "\x02hi" is "hi" starting a word ("hi there", not "this"). Marks never reach a text search.
START, END = "\x02", "\x03"
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
_LOCAL_ASCII = re.compile(r"\(\?[aiLmsux-]*a")  # (?a:...), (?ia)


def _screen(pattern: re.Pattern[str]) -> Screen:
    try:
        found = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # an unreadable tree only means no screen
        return ()
    if pattern.flags & re.ASCII or _LOCAL_ASCII.search(pattern.pattern):  # ASCII \b: no marks
        found = [frozenset(_core(x) for x in literals) for literals in found]
    usable = [_shortest(s) for s in found if _selective(s)]
    screens = tuple(sorted(set(usable), key=len))  # the cheapest tests first
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


class _Known:
    """The literals looked for, each with what a word of the text must be for it to occur
    there: a literal's first run of word characters lies inside one word of the text, and
    starts (ends) it where a mark or another character comes before (after) it in the literal
    ("dr. ": a word ending in "dr"; " was": a word starting with "was"). A literal of word
    characters only is then found; the others are searched for in the text where such a word
    is there, and those without word characters (", ", "@") always."""

    def __init__(self) -> None:
        self.version = 0  # part of `_in_word`'s cache key: a word's answer grows with the set
        self.dull: set[str] = set()  # tokens that hold no literal's word part (this version)
        self.cores: dict[str, str] = {}  # literal -> what is searched for in the text
        self.unled: list[str] = []  # searched for always
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
        self.dull = set()  # a new literal may be in them
        for x in literals:
            core = self.cores[x] = _core(x)
            run = _WORD_RUN.search(core)
            if run is None:
                self.unled.append(x)
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
    known, version = _KNOWN, _KNOWN.version
    # A word holds no white space, so each lies inside one of the text's space-separated
    # tokens (split in C), and most tokens hold no literal's word part: known dull at once.
    tokens = set(folded.split()) - known.dull
    return frozenset().union(*[_in_token(t, version) for t in tokens])


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
    return frozenset([x for x in _KNOWN.unled if cores[x] in folded])


@functools.lru_cache(maxsize=1 << 16)  # tokens repeat: most rows hold few unseen ones
def _in_token(token: str, version: int) -> frozenset[str]:
    """The literals whose word part a word of `token` holds (`_in_word`)."""
    found = frozenset().union(*[_in_word(w, version) for w in _WORD_RUN.findall(token)])
    if not found and len(_KNOWN.dull) < MAX_DULL:
        _KNOWN.dull.add(token)
    return found


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


def _core(literal: str) -> str:
    return literal.strip(START + END)


def _selective(literals: Literals) -> bool:
    if not literals or len(literals) > MAX_SET:
        return False
    # One punctuation character ("@", a quote, a colon) is a fair test; one letter is not.
    cores = [_core(x) for x in literals]
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
    listed = list(items)  # type: ignore[call-overload]
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
        return _WORD_RUN.match(chr(av)) is None  # type: ignore[arg-type]
    if op is sre.IN:
        return all(
            (o is sre.LITERAL and _WORD_RUN.match(chr(a)) is None)
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
            for item_op, item_av in branch:
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
        return min(usable, key=lambda s: (len(s), -min(len(_core(x)) for x in s)), default=None)
    return max(usable, key=lambda s: (min(len(_core(x)) for x in s), -len(s)), default=None)


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
