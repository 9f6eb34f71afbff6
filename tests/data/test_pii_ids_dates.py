"""Issue 30, ids step: dates of birth in forms no rule knew: national personal numbers that hold
one, dates said aloud, birth cues of more languages, a name and an age before the date.

Every case was written for this test (none comes from an evaluation set, nor from
dev_ids.jsonl); each rule has a case it must find and a realistic one it must leave alone.
"""

from __future__ import annotations

import pytest

from tests.data.pii_scoring import found
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_personal_numbers import personal_numbers
from training_scripts.governance.pii_spoken import spoken_dates

DOB = "DATE_OF_BIRTH"


def births(engine: PiiEngine, text: str) -> list[str]:
    return [value for kind, value in found(engine, text) if kind == DOB]


def spans(text: str, found_spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in found_spans]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Remiss: Oskar Lindqvist 19781123-5519, Kungsgatan 4.", "19781123-5519"),  # Luhn
        ("pt 781123-5519 seen in clinic", "781123-5519"),
        ("Pasient 241189 12337 innlagt.", "241189 12337"),  # two mod-11 digits
        ("Potilas 121287-123U kotiutettu.", "121287-123U"),  # mod-31 check character
        ("Vauva 050123A456N, paino 3,4 kg.", "050123A456N"),  # born in the 2000s
    ],
)
def test_a_personal_number_whose_check_digits_hold_is_a_birth_date(text: str, number: str) -> None:
    assert spans(text, personal_numbers(text)) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Leverantör: Norrsken Bygg AB, org.nr 559012-3381.",  # month 90: a company
        "Order 20250301-0007 shipped.",  # a date-led serial that passes the Luhn check
        "pt 781123-5511 seen in clinic",  # the check digit fails, and no cue
        "Ticket 241189 12337 closed.",
    ],
)
def test_a_company_order_or_unchecked_number_is_no_personal_number(text: str) -> None:
    assert personal_numbers(text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Lejer: Mads Holm, CPR-nr. 241189-1234.", "241189-1234"),  # no check digit
        ("Personnummer: 781123-5511 (handwritten)", "781123-5511"),  # wrong check digit
        ("PESEL 02270803628", "02270803628"),  # month + 20: born in 2002
        ("personnr 197811235511", "197811235511"),
    ],
)
def test_a_number_named_as_a_personal_number_is_taken_on_its_date(text: str, number: str) -> None:
    assert spans(text, personal_numbers(text)) == [number]


def test_a_named_personal_number_needs_a_real_date() -> None:
    assert personal_numbers("Personnummer: 559012-3381") == []


def test_a_personal_number_is_redacted_whole_as_a_birth_date(engine: PiiEngine) -> None:
    text = "Epikris. Patient Saga Nyström, personnummer 19781123-5519, inlagd 2025-02-03."
    assert births(engine, text) == ["19781123-5519"]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Agent: date of birth?\nCaller: the ninth of June, nineteen seventy-four",
         "ninth of June, nineteen seventy-four"),
        ("Agent: and your DOB?\nCaller: October the twenty-first, two thousand and one",
         "October the twenty-first, two thousand and one"),
        ("she gave her date of birth as the 2nd of the 11th, '68, then hung up",
         "2nd of the 11th, '68"),
        ("Caller: I was born on the thirtieth of April nineteen fifty-two.",
         "thirtieth of April nineteen fifty-two"),
    ],
)  # fmt: skip
def test_a_birth_date_said_in_words_is_found(engine: PiiEngine, text: str, date: str) -> None:
    assert births(engine, text) == [date]


def test_a_date_said_in_words_with_no_birth_cue_is_kept(engine: PiiEngine) -> None:
    text = (
        "Caller: my date of birth is on your file already. Can we move the scan to the ninth "
        "of June, twenty twenty-five? Ticket 4410."
    )
    assert spoken_dates(text) != []  # the grammar reads it; nothing says it is a birth date
    assert births(engine, text) == []


def test_a_date_said_in_words_is_read_only_in_a_text_that_holds_a_birth_word() -> None:
    # the grammar is not run where no birth word could make the date a birth date (CPU)
    assert spoken_dates("The review is booked for the ninth of June, twenty twenty-five.") == []


def test_a_spoken_birth_date_in_a_text_without_a_digit_is_found(engine: PiiEngine) -> None:
    text = "Agent: could you confirm your date of birth?\nCaller: May the third, nineteen ninety"
    assert births(engine, text) == ["May the third, nineteen ninety"]


def test_a_text_without_a_digit_that_says_nineteen_holds_no_birth_date(engine: PiiEngine) -> None:
    text = "Nineteen people attended the third session of the working group."
    assert births(engine, text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Pacient: Jan Dvořák, nar. 12.3.1961, pojištěnec VZP.", "12.3.1961"),
        ("Beteg: Kovács Anna, szül. 1961.03.12, TAJ sz. ismeretlen.", "1961.03.12"),
        ("Pasient: Eli Vik, f.dato 12.03.1961, henvist fra fastlege.", "12.03.1961"),
        ("Pacient: Ioana Pop, născută 12.03.1961, internată azi.", "12.03.1961"),
        ("Lab request. DOB 12-3-61. Sample haemolysed.", "12-3-61"),
        ("Name: BAKER, Tom   DOB: 1961-Mar-12   Ward 7", "1961-Mar-12"),
    ],
)
def test_a_date_after_a_birth_cue_of_more_languages_and_forms_is_found(
    engine: PiiEngine, text: str, date: str
) -> None:
    assert date in births(engine, text)


def test_a_date_after_a_word_that_starts_like_a_cue_is_kept(engine: PiiEngine) -> None:
    assert births(engine, "Narrowing of the joint space noted on 12.03.2025.") == []


def test_a_date_after_a_name_and_a_bare_age_is_a_birth_date(engine: PiiEngine) -> None:
    text = "Bay 2: Mrs Edith Okonjo, 84 (02.05.1940), hip fracture, for theatre."
    assert births(engine, text) == ["02.05.1940"]


def test_a_date_after_a_place_where_a_deed_was_signed_is_kept(engine: PiiEngine) -> None:
    text = "Avtalen er lest og godkjent. Signert Tromsø, 14.03.2025."
    assert births(engine, text) == []


def test_a_birth_date_column_of_a_comma_separated_export_is_found(engine: PiiEngine) -> None:
    text = "Ref,Full name,Birth date,Seen\nA1,Tomasz Zielinski,1958-07-21,2025-01-09\n"
    assert births(engine, text) == ["1958-07-21"]


def test_a_date_column_of_a_comma_separated_export_not_headed_birth_is_kept(
    engine: PiiEngine,
) -> None:
    text = "Ref,Item,Delivered,Qty\nA1,Gauze,2025-01-09,40\nA2,Tape,2025-01-10,12\n"
    assert births(engine, text) == []
