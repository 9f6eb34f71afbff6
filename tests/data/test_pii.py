"""PII recall on a labelled clinical/support/legal corpus, domain terms kept, pseudonyms stable."""

from __future__ import annotations

import datetime
import re
import runpy
import socket
from collections import Counter
from pathlib import Path

import pytest
from faker import Faker
from faker.providers import date_time as faker_date_time

from tests.data.pii_corpus import TRADE_COMPANIES, LabelledText, build_corpus
from tests.python_probe import run_python
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_common_words import everyday_words
from training_scripts.governance.pii_drugs import drug_names
from training_scripts.governance.pii_geo import places

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def redactor() -> PiiEngine:
    return PiiEngine("redact", "")


@pytest.fixture(scope="module")
def redacted(redactor: PiiEngine) -> list[tuple[LabelledText, str]]:
    return [(item, redactor.anonymize([item.text])[0]) for item in build_corpus()]


@pytest.fixture(scope="module")
def recall(redacted: list[tuple[LabelledText, str]]) -> dict[str, float]:
    """Per-type share of labelled PII values that no longer appear in the redacted text."""
    hits, totals, terms_kept, terms = Counter(), Counter(), 0, 0
    for item, out in redacted:
        for kind, value in item.pii:
            totals[kind] += 1
            hits[kind] += value not in out
        terms += len(item.terms)
        terms_kept += sum(term in out for term in item.terms)
    result = {kind: hits[kind] / totals[kind] for kind in totals}
    result["overall"] = sum(hits.values()) / sum(totals.values())
    result["domain_terms_kept"] = terms_kept / terms
    result["n_values"] = sum(totals.values())
    print("\nPII recall:", {k: round(v, 3) for k, v in sorted(result.items())})
    return result


def test_corpus_has_at_least_300_values_of_every_type(recall: dict[str, float]) -> None:
    assert recall["n_values"] >= 300
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IP_ADDRESS",
            "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER", "STREET_ADDRESS"} <= set(recall)  # fmt: skip


def test_overall_pii_recall_is_at_least_95_percent(recall: dict[str, float]) -> None:
    assert recall["overall"] >= 0.95


def test_person_name_recall_is_at_least_90_percent(recall: dict[str, float]) -> None:
    assert recall["PERSON"] >= 0.90


def test_every_pii_type_recall_is_at_least_90_percent(recall: dict[str, float]) -> None:
    low = {k: v for k, v in recall.items() if k.isupper() and v < 0.90}
    assert not low


def test_domain_terms_survive_anonymization(recall: dict[str, float]) -> None:
    assert recall["domain_terms_kept"] >= 0.90


def test_every_company_named_without_a_legal_suffix_survives(
    redacted: list[tuple[LabelledText, str]],
) -> None:
    lost = [(term, out) for item, out in redacted for term in item.terms
            if term in TRADE_COMPANIES and term not in out]  # fmt: skip
    assert sum(term in TRADE_COMPANIES for item, _ in redacted for term in item.terms) >= 30
    assert not lost


@pytest.mark.parametrize(
    ("text", "company", "person"),
    [
        ("between Acme Shipping Ltd and Blue Ocean Freight.", "Blue Ocean Freight", ""),
        ("between Harbourline Logistics and John Carter.", "Harbourline Logistics", "Carter"),
        ("between Fatima Delgado and Kestrel Holdings Group.", "Kestrel Holdings", "Delgado"),
        ("The clinic is represented by Riverside Clinic Services.", "Riverside Clinic", ""),
        ("Owner: Baltic Star Shipping, represented by Fatima Delgado.", "Baltic Star", "Delgado"),
    ],
)
def test_contract_parties_are_told_apart_from_companies(
    redactor: PiiEngine, text: str, company: str, person: str
) -> None:
    out = redactor.anonymize([text])[0]
    assert company in out
    if person:
        assert person not in out and "[NAME]" in out


def test_redact_writes_type_placeholders(redactor: PiiEngine) -> None:
    out = redactor.anonymize(["Patient Maria Lopez, email maria.lopez@gmail.com, takes metformin."])
    assert out == ["Patient [NAME], email [EMAIL], takes metformin."]


def test_one_patient_gets_one_surrogate_across_rows() -> None:
    engine = PiiEngine("pseudonymize", "salt-a")
    first = engine.anonymize(["Patient Maria Lopez was admitted with pneumonia."])[0]
    second = engine.anonymize(["Follow-up: patient Maria Lopez improved. Ms. Lopez went home."])[0]
    surrogate = first.removeprefix("Patient ").removesuffix(" was admitted with pneumonia.")
    assert "Lopez" not in first + second
    assert surrogate in second
    assert f"Ms. {surrogate.split()[-1]} went home" in second


def test_later_mentions_of_a_found_name_are_replaced_in_every_field() -> None:
    engine = PiiEngine("redact", "")
    prompt, completion = engine.anonymize(
        ["Customer Dana Whitfield asks about a refund.", "Whitfield will get it in 5 days."]
    )
    assert "Whitfield" not in prompt + completion


def test_surrogates_depend_on_the_salt() -> None:
    text = ["Patient Maria Lopez, SSN 219-09-9999, phone (212) 734-5512."]
    a = PiiEngine("pseudonymize", "salt-a").anonymize(text)
    b = PiiEngine("pseudonymize", "salt-b").anonymize(text)
    again = PiiEngine("pseudonymize", "salt-a").anonymize(text)
    assert a == again
    assert a != b
    assert "219-09-9999" not in a[0] and "734-5512" not in a[0]


def test_a_date_of_birth_surrogate_is_the_same_on_any_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prepare run on two days writes the same data: Faker's own `date_of_birth` counts back from
    today (the control below), the surrogate from a fixed day."""
    text = ["Patient Maria Lopez, DOB 03/14/1961, was admitted with pneumonia."]
    today = PiiEngine("pseudonymize", "salt-a").anonymize(text)
    control = Faker()
    control.seed_instance(7)
    faker_today = control.date_of_birth(minimum_age=1, maximum_age=95)

    class _LaterDay(datetime.datetime):
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> _LaterDay:
            return cls(2031, 7, 9, tzinfo=tz)

    monkeypatch.setattr(faker_date_time, "datetime", _LaterDay)
    control.seed_instance(7)
    assert control.date_of_birth(minimum_age=1, maximum_age=95) != faker_today  # the day matters
    assert PiiEngine("pseudonymize", "salt-a").anonymize(text) == today
    assert "1961" not in today[0]


def test_email_detection_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("PII detection tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    out = PiiEngine("redact", "").anonymize(["Write to jane.roe@clinic-mail.org today."])
    assert out == ["Write to [EMAIL] today."]


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Address: 484 Chestnut Grove, Southampton, SO8 3HF, United Kingdom", "Chestnut Grove"),
        ("Notices go to 12 Kingsway, London, WC2B 6AA.", "Kingsway"),
        ("She moved to 7 Bishopsgate, London last year.", "Bishopsgate"),
        ("Ship to 31 Laburnum Close, Flat 2, Leeds.", "Laburnum Close"),
        ("Lives at 5 Abbey Mews, Bath.", "Abbey Mews"),
        ("Deliver to 88 Victoria Parade, Torquay.", "Victoria Parade"),
    ],
)
def test_british_and_one_word_streets_are_addresses(
    redactor: PiiEngine, text: str, street: str
) -> None:
    out = redactor.anonymize([text])[0]
    assert street not in out and "[ADDRESS]" in out


@pytest.mark.parametrize(
    "text",
    [
        "Patient completed the 6 Minute Walk Test without desaturation.",
        "Grade 2 Airway, Mallampati class I.",
        "Clause 4 Delegate, Assign or Subcontract applies to both parties.",
        "Table 2 Row 3 lists 40 Blue Ocean Freight containers.",
        "The 3 Way Handshake completes, Then data flows.",
        "Revenue rose 12 percent on Broadway in 2023.",
    ],
)
def test_numbers_before_capitalised_words_are_not_addresses(redactor: PiiEngine, text: str) -> None:
    assert redactor.anonymize([text]) == [text]


def test_no_street_of_the_sample_clinical_notes_survives(redactor: PiiEngine) -> None:
    streets = runpy.run_path(str(SAMPLES / "fake_identities.py"))["STREETS"]
    line = re.compile(r"\b\d{1,4} (?:" + "|".join(map(re.escape, streets)) + r")\b")
    notes = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("healthcare/raw/notes/*"))]
    found = [hit for note in notes for hit in line.findall(note)]
    left = [hit for note in redactor.anonymize(notes) for hit in line.findall(note)]
    assert len(found) >= 40
    assert not left


def test_pii_import_skips_transformers_and_torch_and_leaves_them_importable() -> None:
    # Presidio's optional Hugging Face pipeline pulls in transformers and thinc's optional
    # PyTorch layers pull in torch (seconds per prepare worker); governance uses neither, and
    # code that imports them later still gets them.
    out = run_python(
        "import sys; import training_scripts.governance.pii\n"
        "from presidio_analyzer.nlp_engine import huggingface_token_pipe as hf\n"
        "print('transformers' in sys.modules, 'torch' in sys.modules, hf.hf_pipeline is None)\n"
        "import transformers, torch; print(bool(transformers.__version__), bool(torch.ones(1)))"
    )
    assert out.split() == ["False", "False", "True", "True", "True"]


def test_batched_ner_prefetch_changes_no_result(
    redactor: PiiEngine, redacted: list[tuple[LabelledText, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """prepare runs NER once per chunk through spaCy's pipe(); the redacted texts must be the
    ones a call per text gives, and no text may go back to spaCy one at a time."""
    texts = [item.text for item, _ in redacted]
    redactor.prefetch(texts)
    assert any(redactor._prefetched.values()), "no NER ran: the corpus has names NER must see"
    nlp = redactor._analyzer.nlp_engine  # type: ignore[union-attr]
    monkeypatch.setattr(nlp, "process_text", lambda *a, **k: pytest.fail("NER ran per text"))
    batched = [redactor.anonymize([text])[0] for text in texts]
    assert batched == [out for _, out in redacted]


def test_a_found_name_recurring_as_a_firm_or_street_is_kept_there_and_replaced_elsewhere() -> None:
    """A part of a found name is replaced wherever it recurs, but not inside a company or a
    street named after it: the same words found directly would be kept there."""
    engine = PiiEngine("redact", "")
    prompt, completion = engine.anonymize(
        [
            "Borrower: Mr Wei Zhang, of Sydney, represented by counsel.",
            "Guarantor: Zhang Holdings Pty Ltd, 4 Lindgren Street. Zhang signed on 3 May 2025.",
        ]
    )
    assert "Zhang Holdings Pty Ltd" in completion
    assert "Zhang signed" not in completion
    assert "Zhang" not in prompt


def test_a_name_ends_where_a_dashed_number_field_starts(redactor: PiiEngine) -> None:
    """The NER span of a list row ran on into the date after the name, and a span with a digit
    is no name: the whole row leaked. A field with no name before the dash stays as it is."""
    row, ward = redactor.anonymize(
        ["Sibusiso Mthembu - 02.03.1975 - seen in clinic for review.", "Ward 7 - 3 beds free."]
    )
    assert "Mthembu" not in row and "seen in clinic for review." in row
    assert ward == "Ward 7 - 3 beds free."


def test_the_veto_lists_load_with_the_ner_model_before_any_text() -> None:
    """Workers fork from an engine that has the place, drug and everyday-word lists already:
    read on a worker's first NER person instead, each worker would read them again."""
    for load in (places, drug_names, everyday_words):
        load.cache_clear()
    PiiEngine("redact", "")
    assert [load.cache_info().currsize for load in (places, drug_names, everyday_words)] == [1] * 3
