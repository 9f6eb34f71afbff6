"""The literal screens and the gazetteer's word skipping change no detection (issue 31).

The fast paths are switched off in the same process (every pattern runs on every text, the
gazetteer tries every word) and the engine's findings compared on the tuning sets (tuning,
dev_intl, dev_names, dev_formats and their second sets; the generated set in the e2e lane);
never the frozen sets.
The word-edge marks rest on `fold` keeping each character's place and word class, checked for
every code point, and are tried on texts made to sit on word edges.
"""

from __future__ import annotations

import random
import re
import sys

import pytest
from presidio_analyzer import RecognizerResult

from tests.data.pii_cases import TEXT_SETS, texts_of
from training_scripts.governance import (
    pattern_literals,
    pattern_screen,
    pii_allow,
    pii_name_cues,
    pii_names,
    pii_recognizers,
    pii_regex,
)
from training_scripts.governance.pattern_screen import fold, may_match, screen
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_recognizers import _RegexRecognizer

_NAME_CUES = (
    pii_name_cues.CUED_GIVEN_NAME,
    pii_name_cues.INTRODUCED_LOWER,
    pii_name_cues.LAST_FIRST,
    pii_name_cues.LABEL_LINE,
    pii_name_cues.ROLE_AFTER,
    pii_name_cues.HUMAN_ONLY,
    pii_allow._FIRM,
)


@pytest.fixture(scope="module", params=TEXT_SETS)
def texts(request: pytest.FixtureRequest) -> list[str]:
    return texts_of(request.param)


def _findings(texts: list[str]) -> list[list[tuple[str, int, int, float, str]]]:
    engine = PiiEngine("pseudonymize", "screen-test")
    return [
        sorted(
            (r.entity_type, r.start, r.end, r.score, _credited(r.recognition_metadata))
            for r in engine.detect([text])[0]
        )
        for text in texts
    ]


def _credited(metadata: dict[str, object] | None) -> str:
    return str((metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY))


def test_screens_and_word_skipping_change_no_finding(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _findings(texts)
    monkeypatch.setattr(pattern_screen, "screen", lambda pattern: ())  # every pattern runs
    monkeypatch.setattr(pattern_screen, "may_match_each", _every_pattern)
    pii_recognizers.RECENT_NAMES.clear()  # the names are found again, not remembered
    monkeypatch.setattr(pii_names.NameGazetteerRecognizer, "_heads", _every_word)
    assert _findings(texts) == fast


def _every_pattern(patterns: tuple[re.Pattern[str], ...], _: str) -> tuple[bool, ...]:
    return (True,) * len(patterns)


def _every_word(_: object, text: str) -> tuple[list[re.Match[str]], range]:
    """The gazetteer tries a name at every word of every text."""
    words = list(pii_names._WORD.finditer(text))
    return words, range(len(words))


def _screened_patterns() -> list[re.Pattern[str]]:
    analyzer = PiiEngine("redact", "")._analyzer
    assert analyzer is not None
    recognizers = [r for r in analyzer.registry.recognizers if isinstance(r, _RegexRecognizer)]
    patterns = [p for r in recognizers for p in r.PATTERNS] + list(_NAME_CUES)
    return [p for p in patterns if screen(p)]


def test_fold_keeps_each_characters_place_and_word_class() -> None:
    word, space = re.compile(r"\w"), re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        folded = fold(char)
        assert len(folded) == 1, hex(code)
        assert bool(word.match(char)) == bool(word.match(folded)), hex(code)
        assert not (space.match(char) and word.match(char)), hex(code)  # \s is a non-word edge


def _edge_texts(patterns: list[re.Pattern[str]], count: int) -> list[str]:
    """Texts of the screens' own literals, in any case, glued to word characters, spaces,
    punctuation and line breaks: each literal sits on a word edge in some and inside a word
    in others."""
    rng = random.Random(31)
    literals = sorted({pattern_literals.core(x) for p in patterns for s in screen(p) for x in s})
    glue = [" ", "", "\n", ", ", ": ", "(", ")", "[", "]", ".", "-", "'", "é", "x", "Ø", "5", "_"]
    names = ["Maria", "Lopez", "Ana Lima", "OKAFOR, CHIDI", "Jo-Anne", "mensah", "Tomás"]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randrange(2, 7)):
            literal = rng.choice(literals)
            literal = literal.title() if rng.random() < 0.3 else literal
            parts += [rng.choice(glue), literal, rng.choice(glue), rng.choice(names)]
        texts.append("".join(parts))
    return texts


def test_the_screens_never_skip_a_pattern_that_matches_on_word_edges() -> None:
    patterns = _screened_patterns()
    matched = 0
    for text in _edge_texts(patterns, 5000):
        folded = fold(text)
        for pattern in patterns:
            if pattern.search(text):
                matched += 1
                assert may_match(pattern, folded), (pattern.pattern[:60], text)
    assert matched > 1000  # the texts do reach the patterns (about 1500)


def test_the_screens_never_skip_a_name_cue_that_matches(texts: list[str]) -> None:
    for text in texts:
        for pattern in _NAME_CUES:
            if pattern.search(text):
                assert may_match(pattern, fold(text)), (pattern.pattern[:60], text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("this while thin", False),  # "hi" inside words
        ("Well, hi Maria", True),
        ("(hi) Maria", True),
        ("hi", True),
    ],
)
def test_a_word_edge_rules_out_a_literal_inside_a_word(text: str, expected: bool) -> None:
    greeting = re.compile(r"\b(?:hi|hello)\b[ ,]")
    assert any("\x02hi\x03" in s for s in screen(greeting))
    assert may_match(greeting, fold(text + " ")) is expected


def test_remembered_names_come_back_as_fresh_results() -> None:
    """Presidio moves and rescores the results it is given: a remembered text's names must not
    carry a change made to the results of an earlier call."""
    recognizer = pii_recognizers.PersonNameRecognizer()
    text = "Seen by Dr. Maria Lopez today."
    first = recognizer.analyze(text, ["PERSON"])
    assert [(r.start, r.end) for r in first] == [(12, 23)]
    first[0].start, first[0].score = 0, 0.1
    again = recognizer.analyze(text, ["PERSON"])
    assert [(r.start, r.end, r.score) for r in again] == [(12, 23, recognizer.SCORE)]


def test_remembered_names_are_bounded_by_the_characters_of_their_texts() -> None:
    recent = pii_regex.RecentSpans(max_chars=10)
    for text in ("abcd", "efgh", "ijkl"):
        recent.add((str, text), ((0, 1),))
    assert recent.get((str, "abcd")) is None  # the oldest went past 10 characters
    assert recent.get((str, "ijkl")) == ((0, 1),)


def _literals_from_words(folded: str) -> frozenset[str]:
    """`present` as first written: the literals of each distinct word (a regex finds them)."""
    known, version = pattern_screen._KNOWN, pattern_screen._KNOWN.version
    words = set(pattern_screen._WORD_RUN.findall(folded))
    found = frozenset().union(*[pattern_screen._in_word(w, version) for w in words])
    searched = [x for x in found if x in known.led] + known.unled
    return found.intersection(known.plain).union([x for x in searched if known.cores[x] in folded])


def test_literals_found_from_space_separated_tokens_are_those_of_the_words(
    texts: list[str],
) -> None:
    patterns = _screened_patterns()
    for text in [*texts, *_edge_texts(patterns, 500), "a\u2028b\u00a0Dr.\x1cMaria"]:
        folded = fold(text)
        assert pattern_screen.present(folded) == _literals_from_words(folded), text


def test_patterns_judged_together_get_each_ones_own_verdict(texts: list[str]) -> None:
    groups = [
        tuple(pii_recognizers.PersonNameRecognizer.PATTERNS),
        pii_recognizers.PersonNameRecognizer.SINGLE_NAME_PATTERNS,
        pii_name_cues.CUE_REGEXES,
    ]
    for text in [*texts, *_edge_texts(_screened_patterns(), 500)]:
        folded = fold(text)
        for group in groups:
            each = tuple(may_match(p, folded) for p in group)
            assert pattern_screen.may_match_each(group, folded) == each, text


def test_a_new_screen_is_looked_for_in_a_text_judged_before() -> None:
    text = fold("Sent by the zqxvendor office, zqxjw: yes")
    assert pattern_screen.present(text) is not None  # judged (and remembered) first
    novel = (re.compile(r"\bzqxvendor\b"), re.compile(r"zqxjw:"))
    assert pattern_screen.may_match_each(novel, text) == (True, True)
    assert pattern_screen.may_match_each(novel, fold("no such words")) == (False, False)


def test_the_two_capitals_screen_finds_what_its_two_written_out_shapes_find(
    texts: list[str],
) -> None:
    """The screen takes its first capital out of the alternation (for speed): the texts it
    says hold two capitalised words are those the two shapes written out find."""
    upper, lower, particle = pii_recognizers.UPPER, pii_recognizers.LOWER, pii_recognizers._PARTICLE
    written_out = re.compile(
        rf"[{upper}][{lower}]+:?[ ](?:[{upper}]\.[ ])?(?:{particle}[ ])*(?:O')?[{upper}][{lower}]"
        rf"|[{upper}]{{2}}[ ,]+[{upper}]{{2}}"
    )
    made = ["AB, CD", "AB CD", "A, BC", "Ana Lima", "Dr. A. Lima", "ÉMILE ZOLA", "Ana: Lima"]
    for text in [*texts, *made, *(t.upper() for t in made), *(t.lower() for t in made)]:
        expected = written_out.search(text) is not None
        assert (pii_recognizers._TWO_CAPITALISED.search(text) is not None) == expected, text


def test_the_cue_alternation_grouped_by_first_letter_finds_what_the_plain_one_finds(
    texts: list[str],
) -> None:
    r = pii_recognizers
    name = rf"[:,]?[ ]+({r._FULL}|{r._INITIAL_FIRST}|{r._CAPS_FULL})(?![\w])"
    plain = re.compile(rf"\b(?:{r._CUES})\b{name}")
    grouped = re.compile(rf"\b(?:{pii_regex.by_first_letter(r._CUES)})\b{name}")
    made = [
        "I'm Ana Lima", "Im Ana Lima", "I am Ana Lima", "i Ana Lima", "I Ana Lima",
        "Name on the account Ana Lima", "Account holder is Ana Lima", "Me: Ana Lima",
        "Spoke with Ana Lima", "Re: Ana Lima", "Member Ana Lima", "Met with Ana Lima",
    ]  # fmt: skip
    for text in [*texts, *made, *(t.lower() for t in made)]:
        expected = [m.span(1) for m in plain.finditer(text)]
        assert [m.span(1) for m in grouped.finditer(text)] == expected, text
    assert grouped.pattern in {p.pattern for p in r.PersonNameRecognizer.PATTERNS}


def test_grouping_by_first_letter_refuses_an_alternative_it_cannot_read() -> None:
    assert (
        pii_regex.by_first_letter("[Pp]atient|I'm|[Ii]m")
        == "P(?:atient)|p(?:atient)|I(?:'m|m)|i(?:m)"
    )
    with pytest.raises(ValueError):
        pii_regex.by_first_letter("[A-Z]ob|Ann")


def test_a_text_has_no_head_word_exactly_when_none_of_its_words_can_start_a_name(
    texts: list[str],
) -> None:
    """`HeadWords.none_in` judges a text by its space-separated tokens, each once; asked twice
    (the second time from what it remembers), it answers as judging every word does."""
    gazetteer = pii_names.NameGazetteerRecognizer()
    gazetteer.load()
    heads = gazetteer._starts
    made = ["Kidney law was reviewed.", "A. Lima", "the-end", "nothing here", "ANA LIMA", ""]
    for _ in range(2):
        for text in [*texts, *made]:
            words = pii_names._WORD.findall(text)
            assert heads.none_in(text) == (not any(map(gazetteer._may_start, words))), text
