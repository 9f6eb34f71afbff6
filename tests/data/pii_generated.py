"""A large labelled PII tuning set from presidio-evaluator's synthetic generator, and its scoring.

The generator (`PresidioSentenceFaker`) fills the templates below (three domains: clinical notes,
contracts, support chats) from per-person records drawn with Faker in many locales, so names,
street lines, IBANs and phone numbers come in each country's own forms; dates of birth, record
numbers and names are written in the forms seen in real notes (ISO, dotted, `12-Jan-1993`,
`Last, First`, lower case, ALL CAPS). Non-PII fill-ins (companies, job titles, cities) and the
over-redaction words written into the templates (defined terms, speaker and form labels, clinical
signs) are the domain terms that must survive.

This is the TUNING set: recognizers may be adjusted while looking at its misses. The frozen sets
in `tests/data/pii_eval` are the evaluation sets. Scored two ways: presidio-evaluator's
`SpanEvaluator` (per-entity precision, recall, F2 at its character IoU threshold) and the
project's own string-removal recall plus over-redaction (`tests/data/pii_scoring.py`).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date

import spacy
from faker import Faker
from faker.providers import BaseProvider

# presidio-evaluator ships no type information.
from presidio_evaluator import InputSample, Span  # type: ignore[import-untyped]
from presidio_evaluator.data_generator import (  # type: ignore[import-untyped]
    PresidioSentenceFaker,
)
from presidio_evaluator.evaluation import SpanEvaluator  # type: ignore[import-untyped]
from presidio_evaluator.models import BaseModel  # type: ignore[import-untyped]
from presidio_evaluator.span_to_tag import (  # type: ignore[import-untyped]
    loaded_spacy,
    span_to_tag,
)

from tests.data.pii_scoring import EVAL_DIR
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.pii_surrogates import date_of_birth

# Latin-script locales (the engine is English-language; the names and addresses are not).
LOCALES = (
    "en_US", "en_GB", "en_IE", "en_IN", "en_NG", "en_KE", "en_NZ", "de_DE", "de_AT", "de_CH",
    "fr_FR", "fr_BE", "es_ES", "es_MX", "it_IT", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL",
    "cs_CZ", "sv_SE", "da_DK", "no_NO", "fi_FI", "tr_TR", "vi_VN", "ro_RO", "hr_HR", "zu_ZA",
    "yo_NG", "ig_NG", "id_ID", "ga_IE",
)  # fmt: skip
PII_TYPES = {
    "person": "PERSON", "name_last_first": "PERSON", "first_name": "PERSON", "relative": "PERSON",
    "last_name": "PERSON",
    "street_line": "STREET_ADDRESS", "dob": "DATE_OF_BIRTH", "mrn": "MEDICAL_RECORD_NUMBER",
    "iban": "IBAN_CODE", "phone": "PHONE_NUMBER", "email": "EMAIL_ADDRESS", "ssn": "US_SSN",
    "card": "CREDIT_CARD", "ip": "IP_ADDRESS",
    "email_written": "EMAIL_ADDRESS", "email_spelled": "EMAIL_ADDRESS", "iban_typed": "IBAN_CODE",
}  # fmt: skip
KEEP_TYPES = {"company": "ORGANIZATION", "job": "TITLE", "city": "GPE"}

# `domain<TAB>template` per line ({{key}} fill-ins, "\\n" for a line break); plain words around
# the fill-ins are domain terms a redactor must leave alone.
TEMPLATES_FILE = EVAL_DIR / "generator_templates.tsv"


# The generator turns "<" and ">" into fill-in braces: templates write "‹" and "›" for a literal
# angle bracket ("<mailto:...>"), put back after generation.
_ANGLE_BRACKETS = str.maketrans("‹›", "<>")


def templates() -> list[tuple[str, str]]:
    lines = TEMPLATES_FILE.read_text(encoding="utf-8").splitlines()
    return [(d, t.replace("\\n", "\n")) for d, t in (line.split("\t", 1) for line in lines if line)]


# Words the templates write that a redactor must leave alone (defined terms, speaker and form
# labels, clinical signs, headings): scored as domain terms wherever a sample contains one.
KEEP_WORDS = (
    "Murphy's sign", "Babinski sign", "Homans' sign", "Kernig's sign", "Romberg's test",
    "Chvostek's sign", "Hoffmann's sign", "Tinel's sign", "Phalen's test", "Consultant Neurologist",
    "Mallampati", "NIHSS", "RUQ", "eGFR", "Next of kin", "Discharge summary", "Safeguarding note",
    "Supplier", "Buyer", "Landlord", "Tenant", "Licensor", "Licensee", "Claimant", "Respondent",
    "Guarantor", "Borrower", "Consultant", "Client", "Employer", "Employee", "Principal",
    "Governing Law", "Limitation of Liability", "Force Majeure", "Non-Compete", "Events of Default",
    "SERVICES AGREEMENT", "CLAIM FORM", "POWER OF ATTORNEY", "Agent", "Caller", "Customer",
    "Visitor", "Email:", "Tel:", "Kind regards", "Dear Support", "Guten Tag", "Subject: Refund",
    # hard negatives the formats templates write: dates that are no birth dates, lab values,
    # doses, clause, order, invoice, ticket, lot and version numbers
    "BP 120/80", "11/02/2025", "2025-04-07", "1 April 2025", "14/05/2019", "ticket 55120",
    "Clause 14.2.3", "Potassium 5.9 mmol/L", "metformin 500 mg BD", "order #771203",
    "INV-2024-00871", "version 3.2.1", "v5.4.1.2", "24 hours", "Lot 22B", "Effective Date",
    # the name-context templates (issue 30): firms, wards, drugs and roles beside a name
    "OPERATION NOTE", "Kocher manoeuvre", "Romberg", "Florence Nightingale Ward", "Lisinopril",
    "Pharmacist", "CLINIC LETTER", "Johnson Controls International", "Morgan Stanley",
    "Managing Director", "Key Personnel", "Project Lead", "Support:", "Wells Fargo",
    "Customer Success Manager", "Charles Schwab",
)  # fmt: skip

_MONTHS = [date(2000, month, 1).strftime("%B") for month in range(1, 13)]


def _dob(rng: random.Random, fake: Faker) -> str:
    born = date_of_birth(fake)  # a fixed reference day: the same set on any day
    d, m, y, month = born.day, born.month, born.year, _MONTHS[born.month - 1]
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return rng.choice((
        f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{y}/{m:02d}/{d:02d}",
        f"{d}-{month[:3]}-{y}", f"{d}{suffix} {month} {y}", f"{d} {month[:3]} {y}",
        f"{m:02d}/{d:02d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{month} {d}, {y}",
        f"{d} {month.lower()} {y}",
    ))  # fmt: skip


def _mrn(rng: random.Random) -> str:
    n = rng.randrange(10**7, 10**8)
    return rng.choice((
        str(n), f"{n // 10**4}-{n % 10**4:04d}", f"H-{rng.randrange(10**6, 10**7)}",
        f"RX{rng.randrange(10**6, 10**7)}", f"{rng.randrange(100, 999)} {rng.randrange(100, 999)} "
        f"{rng.randrange(1000, 9999)}", str(rng.randrange(10**5, 10**6)),
    ))  # fmt: skip


def _iban(rng: random.Random, fake: Faker) -> str:
    compact = fake.iban()
    if rng.random() < 0.5:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


_NEW_TLDS = ("health", "clinic", "legal", "dental", "care")


def _email_written(rng: random.Random, fake: Faker) -> str:
    """An address typed in the forms people use: capitals, plus-addressing, a subdomain, a new
    gTLD (the plain form is the `email` key)."""
    user, domain = fake.user_name(), fake.domain_name()
    return rng.choice((
        f"{user}@{domain}".upper(), f"{user}+{rng.choice(('billing', 'nhs', 'x7'))}@{domain}",
        f"{user}@mail.{domain}", f"{user}@{domain.split('.')[0]}.{rng.choice(_NEW_TLDS)}",
    ))  # fmt: skip


def _email_spelled(rng: random.Random, fake: Faker) -> str:
    """An address spelled out in a chat, with no "@" typed."""
    user, domain = fake.user_name(), fake.domain_name()
    return rng.choice((
        f"{user} [at] {domain.replace('.', ' [dot] ')}",
        f"{user} at {domain.replace('.', ' dot ')}", f"{user}(at){domain}", f"{user} (at) {domain}",
    ))  # fmt: skip


def _iban_typed(rng: random.Random, fake: Faker) -> str:
    """An IBAN as people type it: lower case, dashes, groups that are not of four."""
    compact = fake.iban()
    fours = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    return rng.choice((
        " ".join(fours).lower(), "-".join(fours), compact.lower(),
        f"{compact[:8]} {' '.join(compact[i : i + 4] for i in range(8, len(compact), 4))}",
        f"{compact[:4]} {compact[4:12]} {compact[12:]}",
    ))  # fmt: skip


@functools.cache
def _sorted_cities(locale: str) -> tuple[str, ...]:
    """it_IT's city list is built from a set, so its order (and the city a seed draws) changed
    with the process's hash seed: sorted, the generated set is the same in every process."""
    for provider in Faker(locale).get_providers():
        cities = getattr(provider, "cities", None)
        if isinstance(cities, (list, tuple)) and len(cities) > 1000:
            return tuple(sorted(cities))
    return ()


def _city(fake: Faker, locale: str) -> str:
    cities = _sorted_cities(locale)
    return str(fake.random_element(cities)) if cities else fake.city()


def _record(rng: random.Random, locale: str) -> dict[str, str]:
    fake = Faker(locale)
    fake.seed_instance(rng.randrange(2**32))
    first, last = fake.first_name(), fake.last_name()
    person = rng.choice((f"{first} {last}", f"{first} {last}", f"{first[0]}. {last}",
                         f"{first} {last}".lower(), f"{first} {last}".upper()))  # fmt: skip
    us = Faker("en_US")
    us.seed_instance(rng.randrange(2**32))
    return {
        "person": person, "name_last_first": f"{last}, {first}", "relative": fake.first_name(),
        "first_name": first, "last_name": last,
        "street_line": fake.street_address().replace("\n", ", "), "city": _city(fake, locale),
        "dob": _dob(rng, fake), "mrn": _mrn(rng), "iban": _iban(rng, fake),
        "phone": fake.phone_number(), "email": fake.email(), "ssn": us.ssn(),
        "card": us.credit_card_number(), "ip": rng.choice((us.ipv4_public(), us.ipv6())),
        "company": fake.company(), "job": us.job(),
        "email_written": _email_written(rng, fake), "email_spelled": _email_spelled(rng, fake),
        "iban_typed": _iban_typed(rng, fake),
    }  # fmt: skip


class _Fallback(BaseProvider):
    """Values for a key a template uses twice (the record holds one of each)."""

    def relative(self) -> str:
        return str(self.generator.first_name())


@dataclass(frozen=True)
class Generated:
    samples: list[InputSample]  # spans: PII and keep fill-ins, typed as in PII_TYPES/KEEP_TYPES
    domains: list[str]

    def rows(self) -> list[dict]:
        """The JSONL form `tests/data/pii_scoring.py` reads (text, pii, keep, domain)."""
        keep_types = set(KEEP_TYPES.values())
        return [
            {
                "text": s.full_text,
                "domain": domain,
                "pii": [
                    [sp.entity_type, sp.entity_value]
                    for sp in s.spans
                    if sp.entity_type not in keep_types
                ],
                "keep": [sp.entity_value for sp in s.spans if sp.entity_type in keep_types]
                + [word for word in KEEP_WORDS if word in s.full_text],
            }
            for s, domain in zip(self.samples, self.domains, strict=True)
        ]


def generate(n: int, seed: int = 30) -> Generated:
    rng = random.Random(seed)
    domain_templates = templates()
    records = [_record(rng, LOCALES[i % len(LOCALES)]) for i in range(max(n, len(LOCALES)))]
    faker = PresidioSentenceFaker(
        locale="en_US", lower_case_ratio=0.0, sentence_templates=[t for _, t in domain_templates],
        entity_providers=[_Fallback], base_records=records,
        entity_type_mapping={**PII_TYPES, **KEEP_TYPES}, provider_aliases=[("name", "person")],
        random_seed=seed,
    )  # fmt: skip
    samples = faker.generate_new_fake_sentences(n)
    for sample in samples:  # same length, so every span's offsets still hold
        sample.full_text = sample.full_text.translate(_ANGLE_BRACKETS)
    return Generated(samples, [domain_templates[s.template_id][0] for s in samples])


class EngineModel(BaseModel):
    """The project's PiiEngine as a presidio-evaluator model (IO tags per token)."""

    def __init__(self, engine: PiiEngine) -> None:
        super().__init__(labeling_scheme="IO")
        self.engine = engine

    def predict(self, sample: InputSample, **kwargs: object) -> list[str]:
        return self.batch_predict([sample])[0]

    def batch_predict(self, dataset: list[InputSample], **kwargs: object) -> list[list[str]]:
        out = []
        for sample in dataset:
            found = self.engine.detect([sample.full_text])[0]
            out.append(span_to_tag(
                scheme="IO", text=sample.full_text, tokens=sample.tokens,
                starts=[r.start for r in found], ends=[r.end for r in found],
                tags=[r.entity_type for r in found], scores=[r.score for r in found],
            ))  # fmt: skip
        return out


@dataclass(frozen=True)
class EntityScore:
    precision: float
    recall: float
    f2: float
    annotated: int


def span_scores(engine: PiiEngine, generated: Generated) -> dict[str, EntityScore]:
    """Per-entity precision, recall and F2 from presidio-evaluator's SpanEvaluator."""
    # Tags need only a tokenizer: a blank English pipeline stands in for the model name the
    # harness loads by default (the re-upload installs under another package name).
    loaded_spacy.setdefault("en_core_web_sm", spacy.blank("en"))
    pii = set(PII_TYPES.values())
    dataset = [
        InputSample(
            s.full_text,
            spans=[
                Span(sp.entity_type, sp.entity_value, sp.start_position, sp.end_position)
                for sp in s.spans
                if sp.entity_type in pii
            ],
            create_tags_from_span=True,
            scheme="IO",
            sample_id=i,
        )
        for i, s in enumerate(generated.samples)
    ]
    frame = EngineModel(engine).predict_dataset(dataset)
    result = SpanEvaluator(iou_threshold=0.5).calculate_score_on_df(frame, beta=2, level="entity")
    return {
        kind: EntityScore(m.precision, m.recall, m.f_beta, m.num_annotated)
        for kind, m in sorted(result.per_type.items())
        if kind in pii
    }
