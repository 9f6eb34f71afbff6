"""The drug veto of NER persons (issue 30): a medicine the model calls a person is kept as text,
a person whose name is also a drug name somewhere is still replaced, and the stored list is the
pinned package's, read without the package."""

from __future__ import annotations

import json
import sys
import time

import pytest

from training_scripts.governance import pii_drugs
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_drugs import is_drug


def _is_drug(text: str, span: str) -> bool:
    start = text.index(span)
    return is_drug(text, start, start + len(span))


def test_the_stored_drug_list_is_what_the_pinned_package_derives() -> None:
    stored = json.loads(pii_drugs.STORE.read_text(encoding="utf-8"))
    assert stored == pii_drugs.compute()


def test_the_drug_list_is_read_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # the image has no drug-named-entity-recognition: an import of it must fail, unused
    monkeypatch.setitem(sys.modules, "drug_named_entity_recognition", None)
    monkeypatch.setattr(pii_drugs, "_variants", lambda: pytest.fail("runtime read the package"))
    pii_drugs.drug_names.cache_clear()
    assert {"eliquis", "xarelto", "keytruda", "humira", "stamaril"} <= pii_drugs.drug_names()


def test_the_drug_list_loads_in_under_a_tenth_of_a_cpu_second() -> None:
    pii_drugs.drug_names.cache_clear()
    started = time.process_time()
    pii_drugs.drug_names()
    assert time.process_time() - started < 0.1


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Cycle 3: Keytruda infusion given, no reaction.", "Keytruda"),
        ("Plan: switch from warfarin to Eliquis, check renal function.", "Eliquis"),
        ("Stamaril given before travel to Ghana.", "Stamaril"),
        ("Xarelto's bleeding risk was discussed.", "Xarelto's"),
    ],
)
def test_a_listed_medicine_that_is_no_name_is_a_drug(text: str, span: str) -> None:
    assert _is_drug(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Continue Humira and review in clinic in 6 weeks.", "Continue Humira"),
        ("Humira Pen every other week.", "Humira Pen"),
        ("Medication: Avodart BD, reviewed by GP.", "Avodart BD"),
    ],
)
def test_a_drug_beside_plain_english_words_or_dosing_abbreviations_is_a_drug(
    text: str, span: str
) -> None:
    assert _is_drug(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Allegra 120 mg once daily for hay fever.", "Allegra"),
        ("Started on Allegra for hay fever.", "Allegra"),
        ("Camila tablets were stopped last month.", "Camila"),
    ],
)
def test_a_drug_that_is_also_a_name_is_a_drug_beside_a_dose_form_or_prescribing_verb(
    text: str, span: str
) -> None:
    assert _is_drug(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Seen today with Allegra, who is doing well after the fall.", "Allegra"),
        ("Allegra prescribed amoxicillin 500 mg for the chest infection.", "Allegra"),
        ("Mum took Allegra home after the appointment.", "Allegra"),
        ("Yu Jin came with her mother to the clinic.", "Yu Jin"),  # the package: turmeric
        ("Thanks Tobi, I will pass this on to the team.", "Tobi"),
    ],
)
def test_a_person_whose_name_is_also_a_drug_is_no_drug(text: str, span: str) -> None:
    assert not _is_drug(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Allegra Moretti called about the appointment letter.", "Allegra Moretti"),
        ("Dr Amber Xu reviewed the scan.", "Amber Xu"),
        ("Ella said the pharmacy was closed.", "Ella"),
        ("Continue Review of the notes.", "Continue Review"),
        ("Reviewed by Hana MD, consultant rheumatologist.", "Hana MD"),  # a credential, no dose
        ("Mr Colgate phoned about his invoice.", "Mr Colgate"),  # a title, not "MR" (release)
    ],
)
def test_a_span_that_names_no_drug_is_no_drug(text: str, span: str) -> None:
    assert not _is_drug(text, span)


@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("Plan: switch from warfarin to Eliquis, check renal function.", "Eliquis"),
        ("Patient reports nausea since starting Stamaril.", "Stamaril"),
        ("Continue Xarelto and review in clinic in 6 weeks.", "Xarelto"),
        ("Mum asked whether Mounjaro can be given with food.", "Mounjaro"),
    ],
)
def test_the_engine_keeps_a_drug_the_ner_model_calls_a_person(
    engine: PiiEngine, text: str, drug: str
) -> None:
    assert drug in engine.anonymize([text])[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # the NER model finds these: each a drug name somewhere and a listed given name
        ("Seen today with Hana, who is doing well after the fall.", "Hana"),
        ("Seen today with Tobi, who is doing well after the fall.", "Tobi"),
        ("Seen today with Serina, who is doing well after the fall.", "Serina"),
        ("Dr Amber Xu reviewed the scan.", "Amber"),
    ],
)
def test_the_engine_still_replaces_a_person_named_like_a_drug(
    engine: PiiEngine, text: str, name: str
) -> None:
    assert name not in engine.anonymize([text])[0]
