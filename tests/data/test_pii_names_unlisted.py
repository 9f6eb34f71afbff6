"""Issue 30, names with no listed given name and no help from the NER model: a word the model
never saw in English after a strong cue, and a listed name part beside such a word. One case per
rule, written for this test (people, products and places not from any evaluation set), and a
realistic non-name each rule must leave alone."""

from __future__ import annotations

import pytest

from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_name_cues import cued_rare_word


@pytest.fixture(scope="module")
def engine() -> PiiEngine:
    return PiiEngine("redact", "")


def _redacts(engine: PiiEngine, text: str, gone: list[str], kept: list[str]) -> None:
    out = engine.anonymize([text])[0]
    assert all(g not in out for g in gone) and all(k in out for k in kept), out


@pytest.mark.parametrize(
    ("text", "name", "kept"),
    [
        ("hi tavita, the router keeps dropping out", "tavita", "router"),
        ("[Client] my daughter zanele missed her booster", "zanele", "booster"),
        ("Plan discussed with Baurzhan and the physio team.", "Baurzhan", "physio team"),
    ],
)
def test_an_unlisted_word_after_a_greeting_relative_or_handover_is_removed(
    engine: PiiEngine, text: str, name: str, kept: str
) -> None:
    _redacts(engine, text, [name], [kept])


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Hi team, thanks heaps for sorting the refund.", "heaps"),  # inflected English
        ("Contact: jbloggs@example.org for the keys.", "jbloggs"),  # an e-mail's local part
        ("Owner: QXTR to confirm.", "QXTR"),  # capitals: a code, not a name
    ],
)
def test_a_cued_word_that_is_english_an_address_or_a_code_is_no_name(text: str, word: str) -> None:
    start = text.index(word)
    assert not cued_rare_word(text, start, start + len(word))


def test_thanks_heaps_keeps_its_words(engine: PiiEngine) -> None:
    _redacts(engine, "Hi team, thanks heaps for sorting the refund.", [], ["heaps", "team"])
