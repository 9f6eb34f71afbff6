"""Surrogate values for pseudonymization: consistent, salted, shaped like the original.

HMAC-SHA256(salt, type + value) seeds Faker, so one patient maps to one surrogate across the whole
dataset, the same run or the next, and nobody without the salt can rebuild the table. Name parts
map one by one, so "Maria Lopez" and a later "Ms. Lopez" become "Ana Smith" and "Ms. Smith".
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Callable
from datetime import date, timedelta

from faker import Faker
from faker.providers.person.en_US import Provider as PersonProvider

from training_scripts.governance.pii_recognizers import ADDRESS, DOB, PERSON

_FIRST_NAMES = frozenset(PersonProvider.first_names)
# Dates of birth are counted back from a fixed day, not from today as Faker's `date_of_birth`
# does: the same value and salt then give the same surrogate on whatever day prepare runs.
DOB_REFERENCE = date(2026, 1, 1)
_EARLIEST_BIRTH = DOB_REFERENCE.replace(year=DOB_REFERENCE.year - 96) + timedelta(days=1)
_LATEST_BIRTH = DOB_REFERENCE.replace(year=DOB_REFERENCE.year - 1)


def date_of_birth(fake: Faker) -> date:
    """A birth date 1 to 95 years before DOB_REFERENCE (Faker's ages 1-95), drawn by `fake`."""
    return fake.date_between_dates(date_start=_EARLIEST_BIRTH, date_end=_LATEST_BIRTH)


class Surrogates:
    """Consistent, salted fake values per entity type."""

    def __init__(self, salt: str) -> None:
        self._salt = salt.encode("utf-8")
        self._faker = Faker("en_US")
        self._cache: dict[tuple[str, str], str] = {}
        self.name_roles: dict[str, str] = {}  # name token -> "first" | "last"

    def _seed(self, kind: str, key: str) -> int:
        digest = hmac.new(self._salt, f"{kind}\x00{key}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    def _cached(self, kind: str, key: str, make: Callable[[int], str]) -> str:
        found = self._cache.get((kind, key))
        if found is None:
            found = self._cache[(kind, key)] = make(self._seed(kind, key))
        return found

    def _fake(self, seed: int) -> Faker:
        self._faker.seed_instance(seed)
        return self._faker

    def person(self, text: str) -> str:
        tokens = text.split()
        out = []
        for index, token in enumerate(tokens):
            if re.fullmatch(r"[A-Z]\.", token):
                out.append(self._cached("initial", token, lambda s: f"{chr(65 + s % 26)}."))
                continue
            # Within an example a full name says which part is which; a lone token elsewhere is a
            # first name when it is a known first name: a fact of the token, not of which rows a
            # process happened to see first, so any number of workers gives the same surrogate.
            role = self.name_roles.get(token) or ("first" if token in _FIRST_NAMES else "last")
            if len(tokens) > 1:
                role = "first" if index == 0 else "last"
            make = self._fake_first if role == "first" else self._fake_last
            out.append(self._cached(role, token, make))
        return " ".join(out)

    def _fake_first(self, seed: int) -> str:
        return self._fake(seed).first_name()

    def _fake_last(self, seed: int) -> str:
        return self._fake(seed).last_name()

    def value(self, entity: str, text: str) -> str:
        if entity == PERSON:
            return self.person(text)
        digits = re.sub(r"\D", "", text)
        if entity == "EMAIL_ADDRESS":
            # example.com is reserved (RFC 2606): a surrogate can never reach a real mailbox.
            return self._cached("email", text.lower(), lambda s: self._email(s))
        if entity == "IP_ADDRESS":
            return self._cached("ip", text, lambda s: _private_ip(s, ":" in text))
        if entity == DOB:
            return self._cached("dob", text, lambda s: self._date_like(s, text))
        if entity == ADDRESS:
            return self._cached("address", " ".join(text.lower().split()), self._address(text))
        first = "9" if entity == "US_SSN" else None  # 9xx area numbers are never issued
        return self._cached(entity, digits or text, lambda s: _same_shape(text, s, first))

    def _email(self, seed: int) -> str:
        return f"{self._fake(seed).user_name()}@example.com"

    def _date_like(self, seed: int, original: str) -> str:
        born = date_of_birth(self._fake(seed))
        if re.search(r"[A-Za-z]", original):
            return born.strftime("%B %-d, %Y")
        if re.match(r"\d{4}-", original):
            return born.isoformat()
        return born.strftime("%m/%d/%Y")

    def _address(self, original: str) -> Callable[[int], str]:
        def make(seed: int) -> str:
            fake = self._fake(seed)
            street = fake.street_address()
            if re.search(r"\d{5}$", original):
                return f"{street}, {fake.city()}, {fake.state_abbr()} {fake.zipcode()}"
            return street

        return make


def _same_shape(text: str, seed: int, first: str | None) -> str:
    """The same layout with other digits (phone, SSN, card, MRN keep their format)."""
    rng = random.Random(seed)
    out, seen = [], False
    for char in text:
        if char.isdigit():
            out.append(first if (first and not seen) else str(rng.randrange(10)))
            seen = True
        else:
            out.append(char)
    return "".join(out)


def _private_ip(seed: int, v6: bool) -> str:
    rng = random.Random(seed)
    if v6:
        return "fd00::" + ":".join(f"{rng.randrange(65536):x}" for _ in range(3))
    return "10." + ".".join(str(rng.randrange(256)) for _ in range(3))
