"""The street recognizer tries a pattern only where the text holds its sign (a piece of the
pattern's own regex that every match holds) or, for the others, one of the words one of which
every match of some pattern holds (issue 31): it finds what all patterns find. Compared in the
same process on the tuning sets (never the frozen sets) and on street lines of every signed
form and many worded ones, in texts built around them."""

from __future__ import annotations

import random
import re

import pytest

from tests.data.pii_cases import TEXT_SETS, texts_of
from training_scripts.governance.pii_addresses import PATTERNS, SIGNED, StreetAddressRecognizer

_LINES = [
    "221B Baker Street", "1200 SW 8th Street", "1717 K St NW", "4 Chestnut Grove", "44 elm street",
    "12/B Oak Hill Rd", "7-IV Main Road", "7 The Paddocks", "12 The Crescent, London",
    "62 Peckham Rye, London SE15 4JR", "62 peckham rye, london se15 4jr", "9 quai des chartrons",
    "14 McKnight Avenue", "3 O'Connell Road", "Flat 7, 18 Nevern Square", "Hauptstraße 112",
    "Keizersgracht 221-III", "Storgatan 24, 2 tr", "Nørrebrogade 52, 3. tv", "Bergmannstr. 41",
    "Ismail-Leber-Gasse 5", "Ilica 42, 10000 Zagreb", "Kloof Road 12, 8001 Cape Town",
    "Rue O'Neill 4, 75001 Paris", "9/31 đường Bà Triệu", "Số 3/28 Đường số 34",
    "5/96/969 Võ Văn Tần", "88 Jalan Besar #05-12", "123 Teheran-ro", "lindenstraße 41/2",
]  # fmt: skip
_GLUE = [" ", "\n", ", ", ": ", " at ", "(", ") ", "; ", " lives at ", "Address: ", " and "]


@pytest.fixture(scope="module", params=TEXT_SETS)
def texts(request: pytest.FixtureRequest) -> list[str]:
    rng = random.Random(23)
    built = [
        "".join(rng.choice(_GLUE) + rng.choice(_LINES) for _ in range(rng.randrange(1, 3)))
        + rng.choice(_GLUE)
        for _ in range(500)
    ]
    return texts_of(request.param) + _LINES + built


class _EveryPattern(StreetAddressRecognizer):
    def patterns_for(self, text: str) -> tuple[re.Pattern[str], ...]:
        return PATTERNS


def test_a_signed_pattern_matches_only_where_its_sign_is(texts: list[str]) -> None:
    signed = [(pattern, sign) for pattern, sign in SIGNED if sign is not None]
    assert len(signed) >= 5
    for pattern, sign in signed:
        matched = 0
        for text in texts:
            if pattern.search(text):
                assert sign.search(text), (pattern.pattern[:60], text)
                matched += 1
        assert matched, pattern.pattern[:60]  # every signed form is among the texts


def test_trying_patterns_only_where_signed_or_worded_finds_what_all_patterns_find(
    texts: list[str],
) -> None:
    fast, every = StreetAddressRecognizer(), _EveryPattern()
    found = 0
    for text in texts:
        expected = sorted((r.start, r.end) for r in every.analyze(text, []))
        assert sorted((r.start, r.end) for r in fast.analyze(text, [])) == expected, text
        found += bool(expected)
    assert found > 300
