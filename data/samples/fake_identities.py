"""Fake people, companies and contact details shared by the sample-data generators.

Everything here is invented so the samples can carry realistic-looking PII for the prepare
step to anonymize without pointing at anyone real: e-mail domains are the reserved `example.*`
names (RFC 2606), US phone numbers use the 555-0100..0199 block set aside for fiction, and UK
numbers use Ofcom's drama range 020 7946 0000..0999.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = (
    "Eleanor", "Marcus", "Priya", "Tomasz", "Aisha", "Henrik", "Lucia", "Daniel", "Mei", "Samuel",
    "Fatima", "Oliver", "Ingrid", "Rafael", "Chloe", "Kwame", "Sofia", "Nathan", "Yuki", "Gabriel",
    "Amara", "Liam", "Beatriz", "Victor", "Hannah", "Omar", "Greta", "Julian", "Naomi", "Arjun",
    "Clara", "Desmond", "Elif", "Felix", "Rosa", "Hugo", "Leila", "Mateo", "Signe", "Theo",
)  # fmt: skip
SURNAMES = (
    "Whitfield", "Okafor", "Lindqvist", "Moreau", "Castellano", "Brennan", "Nakamura", "Adeyemi",
    "Kowalski", "Fitzgerald", "Haddad", "Van der Berg", "Marchetti", "Oyelaran", "Sorensen",
    "Delgado", "Abernathy", "Takahashi", "Quinlan", "Petrova", "Hargreaves", "Mbeki", "Santos",
    "Eriksen", "Carrington", "Iqbal", "Novak", "Ashworth", "Ferreira", "Gallagher", "Horvath",
    "Jablonski", "Kensington", "Laurent", "Mwangi", "Osei", "Pemberton", "Rahman", "Thorne",
)  # fmt: skip
FEMALE = frozenset(
    {"Eleanor", "Priya", "Aisha", "Lucia", "Mei", "Fatima", "Ingrid", "Chloe", "Sofia", "Yuki",
     "Amara", "Beatriz", "Hannah", "Greta", "Naomi", "Clara", "Elif", "Rosa", "Leila", "Signe"}
)  # fmt: skip
STREETS = (
    "Birch Lane", "Harbour Road", "Maple Avenue", "Quay Street", "Elm Court", "Station Road",
    "Willow Drive", "Cedar Boulevard", "Mill Lane", "Orchard Way", "Pine Street", "Kingsway",
    "Lighthouse Road", "Chestnut Grove", "Foundry Street", "Riverside Drive",
)  # fmt: skip
# (city, region/postcode pattern, country, phone style: US area code or "uk")
CITIES = (
    ("Springfield", "IL 627{0:02d}", "USA", "217"),
    ("Portland", "OR 972{0:02d}", "USA", "503"),
    ("Savannah", "GA 314{0:02d}", "USA", "912"),
    ("Long Beach", "CA 908{0:02d}", "USA", "562"),
    ("Houston", "TX 770{0:02d}", "USA", "713"),
    ("London", "E{0} 7QP", "United Kingdom", "uk"),
    ("Southampton", "SO{0} 3HF", "United Kingdom", "uk"),
    ("Felixstowe", "IP{0} 4BZ", "United Kingdom", "uk"),
)
COMPANY_STEMS = (
    "Harbourline", "Northwind", "Bluewater", "Meridian", "Anchorpoint", "Silverkeel", "Tidewell",
    "Crestmark", "Oceanic Bridge", "Polaris", "Granite Bay", "Seagate Freight", "Windrose",
    "Coral Reach", "Ironside", "Baltic Star", "Evergreen Cargo", "Summit Trade", "Lodestar",
    "Westport", "Amberline", "Kestrel", "Pacific Crown", "Fjordline",
)  # fmt: skip
COMPANY_KINDS = (
    "Logistics", "Shipping", "Trading", "Freight Forwarding", "Maritime", "Imports", "Exports",
    "Container Lines", "Supply", "Commodities",
)  # fmt: skip
COMPANY_SUFFIXES = ("Ltd.", "Inc.", "LLC", "GmbH", "B.V.", "Pte. Ltd.", "S.A.", "plc")


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool
    title: str  # courtesy title, kept for every later "Mrs. Surname" mention

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def titled(self) -> str:
        return f"{self.title} {self.full}"

    @property
    def courtesy_surname(self) -> str:
        return f"{self.title} {self.last}"


def person(rng: random.Random) -> Person:
    first = rng.choice(FIRST_NAMES)
    female = first in FEMALE
    title = rng.choice(("Ms.", "Mrs.")) if female else "Mr."
    return Person(first, rng.choice(SURNAMES), female, title)


def company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_SUFFIXES)}"


def email(rng: random.Random, who: Person, domain_hint: str = "") -> str:
    local = rng.choice(
        (
            f"{who.first}.{who.last}",
            f"{who.first[0]}.{who.last}",
            f"{who.first}{rng.randint(1, 99)}",
        )
    )
    local = local.lower().replace(" ", "")
    stem = "".join(ch for ch in domain_hint.lower() if ch.isalnum())[:14] or "mail"
    return f"{local}@{stem}.{rng.choice(('example.com', 'example.org', 'example.net'))}"


def phone(rng: random.Random, style: str = "") -> str:
    """A fictional number in a national or international layout; style: US area code or "uk"."""
    if style == "uk":
        line = f"{rng.randint(0, 999):03d}"
        return rng.choice((f"020 7946 0{line}", f"+44 20 7946 0{line}"))
    area, line = style or rng.choice(("206", "305", "617")), f"01{rng.randint(0, 99):02d}"
    return rng.choice(
        (
            f"({area}) 555-{line}",
            f"{area}-555-{line}",
            f"+1 {area} 555 {line}",
            f"{area}.555.{line}",
        )
    )


@dataclass(frozen=True)
class Address:
    line: str
    phone_style: str


def address(rng: random.Random) -> Address:
    city, region, country, style = rng.choice(CITIES)
    number = rng.randint(2, 980)
    region = region.format(rng.randint(1, 20))
    return Address(f"{number} {rng.choice(STREETS)}, {city}, {region}, {country}", style)
