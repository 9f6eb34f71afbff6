"""The e-mail recognizer's fast path finds what its plain path finds (issue 31): the spelled-out
forms are run only where their signs are, and an address is validated once however many
patterns match it. Compared in the same process on the tuning sets (never the frozen sets) and
on texts built of the spelled and wrapped forms in every case."""

from __future__ import annotations

import random

import pytest
from presidio_analyzer import PatternRecognizer

from tests.data.pii_cases import TEXT_SETS, texts_of
from training_scripts.governance.pii_email import (
    _SPELLED_SIGNS,
    EMAIL_FORMS,
    OfflineEmailRecognizer,
    is_address,
)

_ADDRESSES = [
    "ana [at] clinic [dot] com", "ana (AT) clinic (Dot) org", "ana{at}mail.de", "a [ at ] x.co.uk",
    "ana at clinic dot com", "Ana AT Clinic DOT Com", "j.okonkwo@\nlagos.org", "ana@clinic.com",
    "meet at home dot local", "ana @ x", "x@ward7.hospital.local", "ana[at]x", "a.b-c@d-e.co",
    "ana at dotcom", "dot at dot dot com", "ana(at)x(dot)y(dot)com",
]  # fmt: skip
_GLUE = [" ", "\n", ", ", " email: ", "(", ") ", "; ", " or ", " at ", " dot ", "[", "]"]


class _Plain(OfflineEmailRecognizer):
    """Every pattern on every text, each match validated afresh."""

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        return PatternRecognizer.analyze(self, text, entities, nlp_artifacts, regex_flags)

    def validate_result(self, pattern_text: str) -> bool:
        return bool(is_address.__wrapped__(pattern_text))


@pytest.fixture(scope="module", params=TEXT_SETS)
def texts(request: pytest.FixtureRequest) -> list[str]:
    rng = random.Random(12)
    built = [
        "".join(rng.choice(_GLUE) + rng.choice(_ADDRESSES) for _ in range(rng.randrange(1, 4)))
        for _ in range(400)
    ]
    return texts_of(request.param) + built


def _found(recognizer: OfflineEmailRecognizer, text: str) -> list[tuple[int, int, float]]:
    return sorted((r.start, r.end, r.score) for r in recognizer.analyze(text, ["EMAIL_ADDRESS"]))


def test_skipping_the_spelled_forms_finds_what_every_pattern_finds(texts: list[str]) -> None:
    fast, plain = OfflineEmailRecognizer(), _Plain()
    found = 0
    for text in texts:
        expected = _found(plain, text)
        assert _found(fast, text) == expected, text
        found += bool(expected)
    assert found > 300


def test_a_spelled_form_matches_only_where_its_sign_is(texts: list[str]) -> None:
    recognizer = _Plain()
    recognizer.analyze("compile the patterns", [])
    matched = 0
    for form in EMAIL_FORMS:
        if form.name not in _SPELLED_SIGNS:
            continue
        for text in texts:
            if form.compiled_regex.search(text):
                assert _SPELLED_SIGNS[form.name].search(text), (form.name, text)
                matched += 1
    assert matched > 100
