"""Issue 30, second names step (dev_names2.jsonl): name cues that need no name list, and the NER
model's label against a weak name. One case per rule, written for this test (different people,
places and products from the tuning set; none from a frozen set), and a rejection each: a
realistic non-name the rule must leave alone. The set's floors are what the step measured."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc, Span

from tests.data.pii_cases import ner_finding
from tests.data.pii_scoring import load, redacts, score
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_name_cues import ner_disagrees
from training_scripts.governance.pii_name_lists import plain_word, rare
from training_scripts.governance.pii_ner import keep_person_span


def test_rare_is_a_word_the_model_never_saw_and_plain_an_english_word_no_locale_lists() -> None:
    assert rare("Tauvela") and rare("Kelesi") and not rare("House") and not rare("Li")
    assert not rare("Radiology") and not rare("firmware")  # technical endings
    assert plain_word("Surgery") and plain_word("Teams")
    assert not plain_word("Grace") and not plain_word("Ní") and not plain_word("Tauvela")


def test_a_listed_given_name_after_a_handover_verb_is_removed(engine: PiiEngine) -> None:
    redacts(engine, "Escalated to Ingrid in billing.", ["Ingrid"], ["billing"])


def test_a_lower_case_unlisted_pair_signed_before_a_date_is_removed(engine: PiiEngine) -> None:
    text = "ok from us - signed by tupou vaipulu 3 June 2025, please countersign."
    redacts(engine, text, ["tupou vaipulu"], ["countersign"])


def test_english_words_signed_before_a_date_are_kept(engine: PiiEngine) -> None:
    text = "ok from us - signed by return post 3 June 2025, please countersign."
    redacts(engine, text, [], ["return post"])


@pytest.mark.parametrize(
    "text", ["Kelesi (ward clerk) booked the transport.", "Kelesi, the ward clerk, booked it."]
)
def test_an_unlisted_name_with_a_role_after_it_is_removed(engine: PiiEngine, text: str) -> None:
    redacts(engine, text, ["Kelesi"], ["ward clerk"])


@pytest.mark.parametrize(
    "text", ["Vancomycin (the antibiotic) was started.", "The Supplier (the vendor) shall pay."]
)
def test_a_drug_or_defined_term_before_a_bracket_is_kept(engine: PiiEngine, text: str) -> None:
    word = text.split(" (")[0].removeprefix("The ")
    redacts(engine, text, [], [word])


def test_an_unlisted_name_before_a_verb_only_people_take_is_removed(engine: PiiEngine) -> None:
    redacts(engine, "Tevaga phoned to cancel the visit.", ["Tevaga"], ["cancel the visit"])


def test_an_unseen_drug_before_a_verb_a_drug_takes_is_kept(engine: PiiEngine) -> None:
    redacts(engine, "Mirtazapine was stopped. Echocardiography confirmed it.", [], ["Mirtazapine"])


def test_a_full_name_after_a_nursing_grade_is_removed(engine: PiiEngine) -> None:
    text = "Obs done by RGN Losaline Fifita at 08:00."
    redacts(engine, text, ["Losaline Fifita"], ["Obs done by RGN"])


def test_one_word_after_a_nursing_grade_is_a_heading(engine: PiiEngine) -> None:
    redacts(engine, "RN Assessment completed at 10:00.", [], ["RN Assessment"])


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Chat log\n[09:14] Agent Radu: hello, how can I help?", "Radu"),
        ("Your refund is on its way.\nWarm wishes,\nRadu\nBilling Team", "Radu"),
        ("Your refund is on its way.\nWarmly,\nKelesi", "Kelesi"),
        ("ADMISSION\nPATIENT: SIONE VAIPULU\nPARTNER: LOSALINE TUPOU\nGCS 15", "LOSALINE TUPOU"),
        ("Consent form\nGuardian: Mele Tupou\nProcedure: tonsillectomy", "Mele Tupou"),
        ("Re: Vaipulu, Maria v Harbour Freight Ltd\nThe Claimant accepts.", "Vaipulu"),
    ],
)
def test_names_after_the_new_cues_are_removed(engine: PiiEngine, text: str, gone: str) -> None:
    redacts(engine, text, [gone], [])


def test_a_given_name_as_the_first_word_after_a_chat_speaker_label_is_speech(
    engine: PiiEngine,
) -> None:
    text = "Caller: mi pedido no llegó\nAgent: Lo siento mucho, le envío otro hoy."
    redacts(engine, text, [], ["Lo siento"])


def test_a_place_the_ner_model_labels_is_no_name_after_a_weak_cue(engine: PiiEngine) -> None:
    redacts(engine, "The parcel came from Port Talbot yesterday.", [], ["Port Talbot"])
    redacts(engine, "Microsoft Teams is not part of the bundle.", [], ["Microsoft Teams"])


def test_ner_disagrees_needs_a_non_person_label_and_an_english_word() -> None:
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=["from", "Port", "Talbot", "and", "Tevita", "Fifita"])
    doc.ents = [Span(doc, 1, 3, label="GPE"), Span(doc, 4, 6, label="ORG")]
    text = doc.text
    port, tevita = text.index("Port Talbot"), text.index("Tevita Fifita")
    assert ner_disagrees(doc, text, port, port + len("Port Talbot"))
    assert not ner_disagrees(doc, text, tevita, tevita + len("Tevita Fifita"))  # no English word
    doc.ents = [Span(doc, 1, 3, label="PERSON")]
    assert not ner_disagrees(doc, text, port, port + len("Port Talbot"))


def test_an_ner_name_ending_in_a_place_word_that_is_no_surname_is_dropped() -> None:
    text = "Referred by Oakfield Surgery for review; seen by Jenny Park."
    assert not keep_person_span(text, ner_finding(text, "Oakfield Surgery"))
    assert keep_person_span(text, ner_finding(text, "Jenny Park"))  # Park is a surname


def test_an_ner_name_before_a_state_or_country_is_a_town() -> None:
    text = "Moved to Eugene, Oregon in May; letter signed by Jane Okoro, MD."
    assert not keep_person_span(text, ner_finding(text, "Eugene"))
    assert keep_person_span(text, ner_finding(text, "Jane Okoro"))  # MD is a degree, not Maryland


def test_an_eponymous_instrument_or_sign_is_no_person() -> None:
    text = "Foley catheter inserted; Kussmaul breathing noted. Foley reviewed the chart."
    assert not keep_person_span(text, ner_finding(text, "Foley"))
    assert not keep_person_span(text, ner_finding(text, "Kussmaul"))
    second = text.rindex("Foley")  # a person of that name, before no instrument word
    result = ner_finding(text, "Foley")
    result.start, result.end = second, second + len("Foley")
    assert keep_person_span(text, result)


def test_dev_names2_floors(engine: PiiEngine) -> None:
    """Measured after this step (before: recall 0.753, precision 0.772, terms kept 0.917,
    over-redaction 0.257 / 0.214 / 0.207)."""
    scores = score(engine, load("dev_names2.jsonl"))
    print(scores.summary("dev_names2"))
    assert scores.recall["PERSON"] >= 0.876
    assert scores.precision["PERSON"] >= 0.854
    assert scores.terms_kept >= 0.944
    ceilings = {"clinical": 0.163, "contract": 0.078, "support": 0.183}
    assert all(scores.over_redaction(d) <= c for d, c in ceilings.items())
