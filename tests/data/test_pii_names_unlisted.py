"""Issue 30, names with no listed given name and no help from the NER model: a word the model
never saw in English after a strong cue, and a listed name part beside such a word. One case per
rule, written for this test (people, products and places not from any evaluation set), and a
realistic non-name each rule must leave alone."""

from __future__ import annotations

import pytest
import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Doc, Span

from tests.data.pii_scoring import load, redacts, score
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_name_cues import cued_rare_word, vocative_spans
from training_scripts.governance.pii_names import NameGazetteerRecognizer
from training_scripts.governance.pii_recognizers import PERSON


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
    redacts(engine, text, [name], [kept])


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Hi team, thanks heaps for sorting the refund.", "heaps"),  # inflected English
        ("Copied jbloggs@example.org on the thread.", "jbloggs"),  # an e-mail's local part
        ("Escalated to QXTR for sign-off.", "QXTR"),  # capitals: a code, not a name
        ("Contact: Telehealth for the video link.", "Telehealth"),  # a service in a label's field
    ],
)
def test_a_cued_word_that_is_english_an_address_a_code_or_a_field_is_no_name(
    text: str, word: str
) -> None:
    start = text.index(word)
    assert not cued_rare_word(text, start, start + len(word))


def test_thanks_heaps_keeps_its_words(engine: PiiEngine) -> None:
    redacts(engine, "Hi team, thanks heaps for sorting the refund.", [], ["heaps", "team"])


def _gazetteer_names(text: str) -> list[str]:
    found = NameGazetteerRecognizer().analyze(text, [PERSON], None)
    return [text[r.start : r.end] for r in found]


def test_a_listed_given_name_beside_an_unlisted_surname_is_removed(engine: PiiEngine) -> None:
    text = "Schedule 2 (Contacts): Delivery Manager — Piotr Wierzbowski; Sponsor — the Buyer."
    redacts(engine, text, ["Wierzbowski"], ["Delivery Manager", "Sponsor", "Buyer"])


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Quality Lead — Efia Asantewaa Kwarteng.", "Efia Asantewaa Kwarteng"),  # starts before
        ("Questions go to Faith Ofosuhene-Kwarteng in Returns.", "Faith Ofosuhene-Kwarteng"),
        ("Thandeka Mkhwanazi - seen in the renal clinic.", "Thandeka Mkhwanazi"),
    ],
)
def test_the_whole_run_of_listed_and_unlisted_name_words_is_one_name(text: str, name: str) -> None:
    assert _gazetteer_names(text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Ticket 4410 - Kindle Paperwhite not charging after update",  # two English words
        "Deliver to San Paolo Cervo by Friday.",  # part of a longer capitalised run
        "We stayed at Playa Blanca near the harbour.",  # a place after "at"
    ],
)
def test_a_brand_or_a_place_beside_a_listed_word_is_no_name(text: str) -> None:
    assert _gazetteer_names(text) == []


def test_a_firm_of_two_listed_words_is_kept(engine: PiiEngine) -> None:
    redacts(engine, "Morgan Stanley and Goldman Sachs advised on the deal.", [], ["Morgan Stanley"])


def test_a_listed_part_beside_an_unlisted_word_the_model_calls_a_place_is_no_name() -> None:
    nlp = spacy.blank("en")
    words = ["Ferry", "to", "Anna", "Kuressaare", ",", "Saaremaa", "leaves", "daily", "."]
    doc = Doc(
        nlp.vocab, words=words, spaces=[True, True, True, False, True, True, True, False, False]
    )
    artifacts = NlpArtifacts([], doc, [], [], None, "en")
    recognizer = NameGazetteerRecognizer()
    assert _gazetteer_names(doc.text) == ["Anna Kuressaare"]  # no model: the rule alone
    doc.ents = [Span(doc, 2, 6, label="GPE")]  # "Anna Kuressaare, Saaremaa"
    assert recognizer.analyze(doc.text, [PERSON], artifacts) == []


def test_a_listed_given_name_ending_a_sentence_after_a_comma_is_removed(engine: PiiEngine) -> None:
    text = "[10:03] Agent Tomas: Sorry to hear that, Akosua. Was it sent by courier?"
    redacts(engine, text, ["Akosua"], ["courier"])


@pytest.mark.parametrize(
    "text",
    [
        "Our supplier ships from Prato, Florence.",  # a town before the comma: a place list
        "Take the second exit, Victoria Road is closed.",  # no sentence end after the word
        "Legal executive, Ogunleye-Akinwale",  # a firm no list holds, after a job title
    ],
)
def test_a_capitalised_word_after_a_comma_that_is_no_vocative_is_kept(text: str) -> None:
    given_name = NameGazetteerRecognizer()._cued_given_name
    assert vocative_spans(text, given_name) == []


@pytest.mark.parametrize(
    ("name", "recall", "precision"),
    [
        ("dev_intl.jsonl", 1.0, 1.0),  # before this step: 0.982 / 1.0
        ("dev_names.jsonl", 1.0, 1.0),  # 0.965 / 1.0
        ("dev_names2.jsonl", 0.92, 0.925),  # 0.876 / 0.921
        ("dev_formats2.jsonl", 0.955, 0.897),  # 0.933 / 0.896
    ],
)
def test_person_floors_of_the_tuning_sets(
    engine: PiiEngine, name: str, recall: float, precision: float
) -> None:
    """Measured after this step; over-redaction rose by no span in any domain of these sets."""
    scores = score(engine, load(name))
    print(scores.summary(name))
    assert scores.recall["PERSON"] >= recall
    assert scores.precision["PERSON"] >= precision
