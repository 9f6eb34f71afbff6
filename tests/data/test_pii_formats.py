"""International identifier forms and the over-redaction kinds (issue 30), one case each.

Every case here was written for this test (none comes from a frozen evaluation set). Street
lines are in `test_pii_street_formats.py`.
"""

from __future__ import annotations

import re

import pytest

from tests.data.pii_scoring import found
from training_scripts.governance.pii import PiiEngine


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        ("Refund to NL81 RABO 0312 3456 78 please.", "NL81 RABO 0312 3456 78"),
        ("Rent is payable to ES6000491500051234567892.", "ES6000491500051234567892"),
        ("IBAN: PT50 0002 0123 1234 5678 9015 4", "PT50 0002 0123 1234 5678 9015 4"),
        ("Pay SE45 5000 0000 0583 9825 7466 by Friday.", "SE45 5000 0000 0583 9825 7466"),
    ],
)
def test_ibans_of_any_country_spaced_or_compact_are_removed_whole(
    engine: PiiEngine, text: str, iban: str
) -> None:
    assert ("IBAN_CODE", iban) in found(engine, text)
    out = engine.anonymize([text])[0]
    assert not re.search(r"\d{4}", out), out  # no run of the account number is left


def test_a_string_with_a_wrong_iban_checksum_is_not_an_iban(engine: PiiEngine) -> None:
    assert "IBAN_CODE" not in {k for k, _ in found(engine, "Code DE00 2150 0500 0012 3456 78.")}


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        ("Refund to lt28 73000101 5234 8819 pls", "lt28 73000101 5234 8819"),
        ("Konto: HR90 2340 0093 21 77405 18.", "HR90 2340 0093 21 77405 18"),
        ("Paid into LT28  7300 0101 5234 8819 today.", "LT28  7300 0101 5234 8819"),
        (
            "refund to br10 0036 0305 0000 1000 9795 493p j pls",
            "br10 0036 0305 0000 1000 9795 493p j",
        ),
    ],
)
def test_an_iban_split_into_odd_groups_is_removed_whole(
    engine: PiiEngine, text: str, iban: str
) -> None:
    assert ("IBAN_CODE", iban) in found(engine, text)


def test_a_checksum_valid_iban_of_a_length_its_country_table_lacks_is_removed(
    engine: PiiEngine,
) -> None:
    # 21 characters where a British IBAN has 22: the country format fails, mod-97 holds.
    assert ("IBAN_CODE", "GB18 NWBK 6072 9184 4022 3") in found(
        engine, "Send it to GB18 NWBK 6072 9184 4022 3 by Monday."
    )


def test_a_checksum_valid_run_from_a_country_without_ibans_is_not_an_iban(
    engine: PiiEngine,
) -> None:
    spans = found(engine, "Tracking US34 0000 1234 5678 9012 attached.")  # mod-97 holds
    assert "IBAN_CODE" not in {k for k, _ in spans}


@pytest.mark.parametrize(
    ("text", "email"),
    [
        (
            "Customer: write to tobi.ade [at] outlook [dot] com thanks",
            "tobi.ade [at] outlook [dot] com",
        ),
        ("Customer: its mfarah(at)clinic-north.health", "mfarah(at)clinic-north.health"),
        ("Customer: e-mail is ruthk at fastmail dot fm ok", "ruthk at fastmail dot fm"),
        ("Letters to h.lindqvist@\nnorrland-vard.se only.", "h.lindqvist@\nnorrland-vard.se"),
    ],
)
def test_spelled_out_and_wrapped_emails_are_found(engine: PiiEngine, text: str, email: str) -> None:
    assert ("EMAIL_ADDRESS", email) in found(engine, text)


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Escalate to triage@ward7.stmarys.local please.", "triage@ward7.stmarys.local"),
        ("Sender: noreply@billing.acme.internal", "noreply@billing.acme.internal"),
        ("Test account qa.user@portal.example was locked.", "qa.user@portal.example"),
    ],
)
def test_emails_under_private_and_special_use_names_are_found(
    engine: PiiEngine, text: str, email: str
) -> None:
    assert ("EMAIL_ADDRESS", email) in found(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "We looked at example dot points in the review.",
        "Meet at home dot local, then at noon.",
        "Build artefact core@v2.notatld was removed.",
        "Mail sent to a.nowak@szpital.pl.\nCare plan unchanged.",
        "Seen (at) clinic today; dressing changed.",
    ],
)
def test_words_around_an_email_or_a_spelled_at_are_kept(engine: PiiEngine, text: str) -> None:
    kinds = [(kind, value) for kind, value in found(engine, text) if kind == "EMAIL_ADDRESS"]
    assert kinds in ([], [("EMAIL_ADDRESS", "a.nowak@szpital.pl")]), kinds


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("DOB 1958-10-30, admitted for sepsis.", "1958-10-30"),
        ("Date of birth: 30.10.1958", "30.10.1958"),
        ("Mr Ade (b. 3 Mar 1969) attended.", "3 Mar 1969"),
        ("born 12-Jan-1990 in Accra", "12-Jan-1990"),
        ("d.o.b. 4 june 1950", "4 june 1950"),
        ("D.O.B.: 1961/07/22", "1961/07/22"),
        ("Born on the 3rd of August 1977.", "3rd of August 1977"),
        ("Agent: Could you confirm your date of birth?\nCustomer: 09/02/1984", "09/02/1984"),
    ],
)
def test_dates_of_birth_in_many_forms_arefound(engine: PiiEngine, text: str, dob: str) -> None:
    assert ("DATE_OF_BIRTH", dob) in found(engine, text)


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("DOB 9th Oct '61, lives alone.", "9th Oct '61"),
        ("D.O.B. 19610309 per the referral", "19610309"),
        ("DOB: 09/Mar/1961", "09/Mar/1961"),
        ("Geburtsdatum: 9. 3. 1961", "9. 3. 1961"),
        ("geboren am 9. März 1961 in Graz", "9. März 1961"),
        ("nacida el 9 de marzo de 1961 en Cádiz", "9 de marzo de 1961"),
        ("née le 9 févr. 1961 à Lille", "9 févr. 1961"),
        ("DOB: Mar-09-1961", "Mar-09-1961"),
        ("DOB 1961 Mar 9", "1961 Mar 9"),
        ("Date of birth (dd/mm/yyyy): 09/03/1961", "09/03/1961"),
    ],
)
def test_dates_of_birth_in_more_written_forms_and_languages_are_found(
    engine: PiiEngine, text: str, dob: str
) -> None:
    assert ("DATE_OF_BIRTH", dob) in found(engine, text)


def test_a_date_after_a_birth_cue_and_another_event_is_no_birth_date(engine: PiiEngine) -> None:
    spans = found(engine, "DOB on file; seen 2024-05-01 for review.")
    assert "DATE_OF_BIRTH" not in {k for k, _ in spans}


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("Lorenzo Ricci, nato il 14/02/1966, residente a Bari.", "14/02/1966"),
        ("Huurder geboren op 23-11-1975 te Utrecht.", "23-11-1975"),
        ("Aged 47 (22.06.1977), she presented with syncope.", "22.06.1977"),
        ("Seen in bay 3: Grace Oduya (11/03/1958), reviewed by the team.", "11/03/1958"),
        ("Patient | Date of birth | Ward\nTom Price | 1944-05-30 | 6B", "1944-05-30"),
        ("Agent: date of birth please\nCaller: 12.12.1981", "12.12.1981"),
        ("ODILE MARCHAND (02/05/1949) was reviewed in clinic.", "02/05/1949"),
        ("K. Brandt (3 Mar 1961) declined the MRI.", "3 Mar 1961"),
    ],
)
def test_dates_of_birth_without_a_cue_beside_them_are_found(
    engine: PiiEngine, text: str, dob: str
) -> None:
    assert ("DATE_OF_BIRTH", dob) in found(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "The Master Services Agreement (01/02/2020) governs the order.",
        "Agent: DOB 1971-01-01 confirmed\nCustomer: and my visit is 2024-05-02",
        "Visit | Date | Result\nFirst | 2024-05-01 | negative",
        "54 y/o woman seen on 12/03/2025 for review.",
        "Effective Date (01.07.2024): the Licensee pays the fee.",
    ],
)
def test_dates_near_a_name_age_table_or_chat_that_are_no_birth_dates_are_kept(
    engine: PiiEngine, text: str
) -> None:
    dates = [v for k, v in found(engine, text) if k == "DATE_OF_BIRTH"]
    assert dates in ([], ["1971-01-01"]), dates


@pytest.mark.parametrize(
    "text", ["Signed on 14 March 2024 by both parties.", "Visit 2024-05-01: BP stable."]
)
def test_dates_that_are_not_birth_dates_are_kept(engine: PiiEngine, text: str) -> None:
    assert engine.anonymize([text])[0] == text


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("MRN 2210-4471 on the wristband.", "2210-4471"),
        ("hospital no. 7712345, ward 5", "7712345"),
        ("chart # 99213 reviewed", "99213"),
        ("unit number RX1122334 allocated", "RX1122334"),
        ("Hospital ID: K-4471120", "K-4471120"),
        ("NHS number 485 777 3457 confirmed", "485 777 3457"),
    ],
)
def test_record_numbers_under_hospital_labels_arefound(
    engine: PiiEngine, text: str, number: str
) -> None:
    assert ("MEDICAL_RECORD_NUMBER", number) in found(engine, text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Transferred; NHI KLM4829 on the referral.", "KLM4829"),
        ("NHI: QRT57HX confirmed at triage", "QRT57HX"),
        ("Ontario health card 6621-458-903-KT presented.", "6621-458-903-KT"),
        ("UR number 0772291, ward 3", "0772291"),
        ("Chart no. 41-77812 pulled for audit", "41-77812"),
        ("Medicare no. 3172 58193 2 on file", "3172 58193 2"),
        ("Patient | MRN | Bed\nIvo Marek | 7730192 | 12", "7730192"),
        ("Label reads MRN-2023-00871 at the top.", "2023-00871"),
        ("Her medical record number is 40219937.", "40219937"),
        ("MR# 44821 and Med. Rec. No. 5519023 differ.", "5519023"),
        ("MRN 2210 4471 on the old chart", "2210 4471"),
        ("MRN 00912233K from the other trust", "00912233K"),
        ("BC PHN 9876 543 210 verified", "9876 543 210"),
    ],
)
def test_health_numbers_under_other_labels_and_in_record_columns_are_found(
    engine: PiiEngine, text: str, number: str
) -> None:
    assert ("MEDICAL_RECORD_NUMBER", number) in found(engine, text)


def test_a_dose_after_a_record_number_stays(engine: PiiEngine) -> None:
    records = [
        v for k, v in found(engine, "MRN 12345 500 mg daily") if k == "MEDICAL_RECORD_NUMBER"
    ]
    assert records == ["12345"]


def test_a_number_in_a_column_not_headed_by_a_record_label_is_no_record_number(
    engine: PiiEngine,
) -> None:
    spans = found(engine, "Item | Qty | Lot\nGauze | 40 | 7730192")
    assert "MEDICAL_RECORD_NUMBER" not in {k for k, _ in spans}


def test_a_checksum_valid_ten_digit_number_without_an_nhs_cue_is_no_record_number(
    engine: PiiEngine,
) -> None:
    spans = found(engine, "Patient's mobile: 702 119 8345.")  # passes the mod-11 check
    assert "MEDICAL_RECORD_NUMBER" not in {k for k, _ in spans}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Seen with Juan Carlos de la Vega today.", "Juan Carlos de la Vega"),
        ("Tenant: Marieke van der Laan", "Marieke van der Laan"),
        ("Referred by Dr Caoimhe Ní Dhomhnaill.", "Caoimhe Ní Dhomhnaill"),
        ("Patient Ji-hoon Choi was discharged.", "Ji-hoon Choi"),
        ("PATIENT: ADEBAYO, TUNDE   Ward 4", "ADEBAYO, TUNDE"),
        ("Seen by K. Mensah on the ward.", "K. Mensah"),
        ("Her son Emeka will collect her.", "Emeka"),
        ("Agent (Sofia): how can I help?", "Sofia"),
        ("Best regards,\nOlga\nAccounts", "Olga"),
        ("spoke to dr. okafor about it", "okafor"),
        ('Client Robert "Rob" Fitzgerald signed.', 'Robert "Rob" Fitzgerald'),
        ("Patient Zoë Brontë-Nakamura reviewed.", "Zoë Brontë-Nakamura"),
    ],
)
def test_names_in_many_forms_are_removed(engine: PiiEngine, text: str, name: str) -> None:
    assert name not in engine.anonymize([text])[0]


@pytest.mark.parametrize(
    "text",
    [
        "The Licensee shall indemnify the Licensor against all claims.",
        "The Seller warrants title; the Buyer pays on delivery.",
        "Caller: hi there\nAgent: hello, how can I help?",
        "Email: see below. Tel: see below.",
        "Guten Tag! Bonjour! Hola!",
        "Murphy's sign positive; Kernig's sign negative.",
        "Invoices go to Marks Wilson Logistics Ltd (Company No. 09876123).",
        "Kind regards,\nSenior Account Manager",
    ],
)
def test_defined_terms_labels_greetings_signs_companies_and_titles_are_kept(
    engine: PiiEngine, text: str
) -> None:
    assert engine.anonymize([text])[0] == text


def test_a_luhn_valid_card_number_after_a_card_cue_is_removed(engine: PiiEngine) -> None:
    assert "5018" not in engine.anonymize(["Paid by Maestro card 5018 0000 0009"])[0]


def test_a_phone_number_after_a_phone_cue_is_removed_in_any_layout(engine: PiiEngine) -> None:
    assert "47 11" not in engine.anonymize(["Mobile: 47 11 23 58, call after six."])[0]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Mobile +1-875-784-2210x48120 after six.", "+1-875-784-2210x48120"),
        ("Tel: 0316/89979677, Montag bis Freitag.", "0316/89979677"),
        ("Agent: best callback number?\nCaller: 61 44 20 97", "61 44 20 97"),
        ("Next of kin: son, Ravi, +55 41 1938-4417.", "+55 41 1938-4417"),
        ("She is on 221.604.7712 most days.", "221.604.7712"),
        ("He left 001-221-604-7712x41 for the nurse.", "001-221-604-7712x41"),
        ("Agent: Best number to call you back?\nCustomer: 505 408 533", "505 408 533"),
    ],
)
def test_phones_in_layouts_only_phones_take_or_answering_a_request_are_found(
    engine: PiiEngine, text: str, phone: str
) -> None:
    assert ("PHONE_NUMBER", phone) in found(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "Agent: and your account number?\nCustomer: 44172093",
        "Effective Date: 01.07.2024. Review on 03.03.2025.",
        "Our enterprise number 0417.497.106 appears on invoices.",
        "BP 120/80, HR 72, firmware 5.4.1.2, scored +5 points.",
    ],
)
def test_numbers_that_are_not_phones_are_kept(engine: PiiEngine, text: str) -> None:
    assert "PHONE_NUMBER" not in {k for k, _ in found(engine, text)}


def test_a_luhn_valid_card_number_named_by_a_charge_or_the_card_after_it_is_removed(
    engine: PiiEngine,
) -> None:
    text = "Customer: wrong charge on 6763 5563 0986\nAgent: Refund issued to that card."
    assert ("CREDIT_CARD", "6763 5563 0986") in found(engine, text)


def test_a_luhn_valid_order_number_with_no_card_cue_is_no_card(engine: PiiEngine) -> None:
    spans = found(engine, "Order 676355630986 shipped to the depot on Monday.")
    assert "CREDIT_CARD" not in {k for k, _ in spans}
