"""A labelled PII corpus for recall tests: clinical, support and legal text from templates.

Deterministic (seeded Faker + random), readable, and independent of the detectors: names come
from Faker's census lists, phone numbers use real US area codes, cards are Luhn-valid.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from faker import Faker

DRUGS = ["metformin", "lisinopril", "atorvastatin", "Humira", "Ozempic", "amoxicillin"]
DIAGNOSES = ["type 2 diabetes", "Hypertension", "Chronic Kidney Disease", "Parkinson's disease",
             "Hodgkin Lymphoma", "atrial fibrillation"]  # fmt: skip
CLAUSES = ["Force Majeure", "Indemnification", "Limitation of Liability", "Governing Law",
           "Confidentiality"]  # fmt: skip
COMPANIES = ["Acme Health Inc.", "Northwind Traders", "Globex Corporation", "Initech LLC",
             "Contoso Ltd"]  # fmt: skip
# Companies named without a legal suffix: only a trade word tells them from a person.
TRADE_COMPANIES = ["Blue Ocean Freight", "Harbourline Logistics", "Meridian Container Lines",
                   "Kestrel Holdings", "Granite Bay Cargo", "Riverside Clinic", "Apex Pharma",
                   "Vertex Systems", "Summit Partners", "Baltic Star Shipping",
                   "Evergreen Maritime", "Crescent Bank"]  # fmt: skip
_AREA = ["212", "312", "415", "617", "713", "206", "303", "404", "503", "602"]
_STREETS = ["Street", "St.", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Lane", "Drive", "Court",
            "Way", "Place", "Grove", "Close", "Crescent", "Gardens", "Terrace", "Row", "Mews",
            "Parade", "Walk", "Rise"]  # fmt: skip
# One-word streets; a UK town follows them ("12 Kingsway, London").
_ONE_WORD_STREETS = ["Kingsway", "Broadway", "Queensway", "Moorgate", "Highgate", "Southgate"]
_UK_TOWNS = ["London", "Leeds", "Bristol", "York", "Southampton"]
_INTL = ["+44 20 7946 {:04d}", "+49 30 9087 {:04d}", "+33 1 4268 {:04d}", "+61 2 9374 {:04d}"]

TEMPLATES = {
    "clinical": [
        "Patient {name}, DOB {dob}, MRN {mrn}, was admitted with {diagnosis}. Started {drug} "
        "500 mg daily. Contact number {phone}.",
        "Dr. {doctor} reviewed the chart. Patient {name} (MRN: {mrn}) tolerates {drug}; "
        "{title} {last} reports that {diagnosis} is stable.",
        "Discharge summary: patient {name} (date of birth {dob}) lives at {address}. Follow-up "
        "with Dr. {doctor} for {diagnosis}. Email {email}.",
        "Referral for {name}: seen by Dr. {doctor} for {diagnosis}; SSN on file {ssn}. "
        "Prescribed {drug}. Call {phone} to schedule.",
    ],
    "support": [
        "Hi, this is {name}. My order never arrived at {address}. You can reach me at {phone} "
        "or {email}.",
        "Customer {name} reported a double charge on card {card} at {company}. Agent {agent} "
        "issued a refund. The login came from IP {ip}.",
        "Dear {first}, thanks for contacting {company} support. We changed the email on your "
        "account to {email}.\nRegards,\n{agent}",
        "My name is {name} and my SSN is {ssn}. The router at {ip} keeps dropping; call me "
        "at {intl_phone}.",
    ],
    "legal": [
        "This Agreement is made between {company} and {name}, represented by {lawyer}. The "
        "{clause} clause applies. Notices go to {address}.",
        "Tenant {name} (SSN {ssn}) accepts the {clause} clause. Landlord {name2} can be "
        "reached at {phone} or {email}.",
        "Witness {name} signed the agreement with {company}. Counsel: {lawyer}, {email}. "
        "{title} {last} accepted the {clause} terms.",
        "Borrower {name}, born {dob}, residing at {address}, pays by card {card} under the "
        "{clause} section.",
        "Charter made between {company} and {party_org}, represented by {lawyer}. Notices for "
        "{party_org} go to Attn: {name}, {email}.",
        "Services agreement between {party_org} and {name}. {party_org} accepts the {clause} "
        "clause; {name} signs for the customer.",
    ],
}
# Placeholder -> PII type whose value must not survive anonymization.
PII_SLOTS = {
    "name": "PERSON", "name2": "PERSON", "doctor": "PERSON", "agent": "PERSON",
    "lawyer": "PERSON", "first": "PERSON", "last": "PERSON", "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER", "intl_phone": "PHONE_NUMBER", "ssn": "US_SSN",
    "card": "CREDIT_CARD", "ip": "IP_ADDRESS", "dob": "DATE_OF_BIRTH",
    "mrn": "MEDICAL_RECORD_NUMBER", "address": "STREET_ADDRESS",
}  # fmt: skip
DOMAIN_SLOTS = ("drug", "diagnosis", "clause", "company", "party_org")


@dataclass(frozen=True)
class LabelledText:
    domain: str
    text: str
    pii: list[tuple[str, str]]  # (type, value)
    terms: list[str]  # domain terms that must survive


def _luhn_card(rng: random.Random) -> str:
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    sep = rng.choice([" ", "-", ""])
    return sep.join(s[i : i + 4] for i in range(0, 16, 4))


def _values(fake: Faker, rng: random.Random) -> dict[str, str]:
    first, last = fake.first_name(), fake.last_name()
    area, exchange, line = rng.choice(_AREA), rng.randrange(201, 990), rng.randrange(10000)
    phone_format = rng.choice(["({a}) {e}-{n:04d}", "{a}-{e}-{n:04d}", "{a}.{e}.{n:04d}",
                               "+1 {a} {e} {n:04d}"])  # fmt: skip
    born = fake.date_of_birth(minimum_age=18, maximum_age=90)
    unit = rng.choice(["", f", Apt {rng.randrange(1, 40)}", f" Suite {rng.randrange(100, 900)}"])
    city = rng.choice(["", f", {fake.city()}, {fake.state_abbr()} {fake.zipcode()}"])
    street = f"{rng.randrange(1, 9999)} {fake.last_name()} {rng.choice(_STREETS)}{unit}{city}"
    if rng.random() < 0.25:
        street = f"{rng.randrange(1, 999)} {rng.choice(_ONE_WORD_STREETS)}, {rng.choice(_UK_TOWNS)}"

    def full() -> str:
        return f"{fake.first_name()} {fake.last_name()}"

    return {
        "name": f"{first} {last}", "first": first, "last": last, "name2": full(),
        "doctor": fake.last_name() if rng.random() < 0.5 else full(),  # "Dr. Patel" or full name
        "agent": full(), "lawyer": full(),
        "title": rng.choice(["Mr.", "Ms.", "Mrs."]),
        "email": fake.email(),
        "phone": phone_format.format(a=area, e=exchange, n=line),
        "intl_phone": rng.choice(_INTL).format(rng.randrange(10000)),
        "ssn": fake.ssn(),
        "card": _luhn_card(rng),
        "ip": fake.ipv4_public(),
        "dob": born.strftime(rng.choice(["%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d"])),
        "mrn": rng.choice(["", "MR-"]) + str(rng.randrange(1000000, 99999999)),
        "address": street,
        "drug": rng.choice(DRUGS), "diagnosis": rng.choice(DIAGNOSES),
        "clause": rng.choice(CLAUSES), "company": rng.choice(COMPANIES + TRADE_COMPANIES),
        "party_org": rng.choice(TRADE_COMPANIES),
    }  # fmt: skip


def build_corpus(per_template: int = 8, seed: int = 7) -> list[LabelledText]:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    corpus = []
    for domain, templates in TEMPLATES.items():
        for template in templates:
            for _ in range(per_template):
                values = _values(fake, rng)
                slots = re.findall(r"{(\w+)}", template)
                pii = [(PII_SLOTS[s], values[s]) for s in slots if s in PII_SLOTS]
                terms = [values[s] for s in slots if s in DOMAIN_SLOTS]
                corpus.append(LabelledText(domain, template.format(**values), pii, terms))
    return corpus
