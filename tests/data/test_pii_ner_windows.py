"""What a PII process starts with and which places open an NER window (issue 31): less work,
the same names.

That the windows find what whole texts find is tests/data/test_pii_fast_paths.py's comparison
(tuning sets, and the generated set in the e2e lane); these tests pin the label pre-screen's
rule on single texts, and that the stored name lists are the ones Faker's lists fold to.
"""

from __future__ import annotations

import json

import pytest

from training_scripts.governance import pii_name_lists
from training_scripts.governance.pii_ner import NerNlpEngine, ner_windows
from training_scripts.governance.pii_ner_model import english_words, load_ner_model


def test_the_stored_name_lists_are_what_fakers_lists_fold_to() -> None:
    stored = json.loads(pii_name_lists.STORE.read_text(encoding="utf-8"))
    assert stored == pii_name_lists.compute()


def test_the_name_lists_come_from_the_store_when_faker_is_the_version_that_made_it() -> None:
    assert pii_name_lists._stored(), "stored lists unused: rerun python -m ...pii_name_lists"


def _windows(text: str) -> list[str]:
    doc = load_ner_model().make_doc(text)
    return [doc[start:end].text for start, end in ner_windows(doc, margin=0)]


def test_the_model_ships_the_english_word_list_the_pre_screen_reads() -> None:
    assert {"clinic", "refund", "sleep"} <= english_words()


@pytest.mark.parametrize("text", ["Re: Refund for the damaged router", "Plan: Sleep hygiene"])
def test_an_english_word_after_a_label_opens_no_window(text: str) -> None:
    assert _windows(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Caller: Ngozi asked about the refund", "Ngozi"),  # no English word
        ("Note: Grace asked about the refund", "Grace"),  # English, and a listed given name
        ("Seen by: Hope asked about the refund", "Hope"),
    ],
)
def test_a_name_after_a_label_still_opens_a_window(text: str, name: str) -> None:
    assert any(name in window for window in _windows(text))


def _cued_windows(text: str) -> list[str]:
    engine = NerNlpEngine()
    engine.load()
    doc = engine.nlp["en"].make_doc(text)  # type: ignore[index]
    return [doc[a:b].text for a, b in ner_windows(doc, margin=0, cued=engine._cued(text))]


def test_a_name_a_cue_pattern_finds_opens_no_window() -> None:
    assert _windows("Dr. Maria Lopez reviewed the scan") != []  # the place, without the cue
    assert _cued_windows("Dr. Maria Lopez reviewed the scan") == []


def test_a_name_apart_from_a_cued_one_still_opens_a_window() -> None:
    text = "Dr. Maria Lopez reviewed the scan. The ward sent it on to Oluwaseun Adeyemi today"
    windows = _cued_windows(text)
    assert any("Adeyemi" in window for window in windows)
    assert not any("Lopez" in window for window in windows)


def test_a_window_with_an_uncued_place_is_read_whole() -> None:
    """Its edges stay where they were: a token near an edge lacks context, so a window cut
    short at a cued name could give the model a word it reads differently ("reg")."""
    windows = _cued_windows("Dr. Maria Lopez saw Oluwaseun Adeyemi today")
    assert any("Lopez" in window and "Adeyemi" in window for window in windows)


def test_a_text_whose_places_are_all_cued_is_not_tokenized() -> None:
    """Most texts that need NER have no window left to read: they get an empty Doc (the
    recognizers read only its entities, none) instead of one the tokenizer made for nothing."""
    engine = NerNlpEngine()
    engine.load()
    cued, uncued = "Dr. Maria Lopez reviewed the scan", "The ward sent it to Oluwaseun Adeyemi"
    found = engine.process_windows([cued, uncued])
    assert len(found[cued].tokens) == 0 and found[cued].entities == []
    assert found[uncued].tokens.text == uncued
