"""The checks every frozen (held-out) PII set's test makes, written once for all of them.

A set's test module subclasses `FrozenSetChecks` (or `DomainSetChecks`, where each row names
its `domain`) and states only its own facts: the file, its sha256, its floors and the prose
saying where each floor comes from. Floors are regression floors (the measured value, rounded
down, where the goal is not met) or the goal itself (recall >= 0.95 per type, domain terms kept
>= 0.97, over-redaction < 5 % per domain). The sets are held out: a check prints counts and
rates only, never a value it missed.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

import pytest

from tests.data.pii_scoring import EVAL_DIR, Scores, load, score
from training_scripts.governance.pii import PiiEngine

DOMAINS = ("clinical", "contract", "support")


class FrozenSetChecks:
    """The set is unchanged; recall and precision per type and domain terms kept hold floors."""

    SET: ClassVar[str]
    SHA256: ClassVar[str]
    LABEL: ClassVar[str]  # names the set in the printed summary
    RECALL_FLOOR: ClassVar[dict[str, float]]
    PRECISION_FLOOR: ClassVar[dict[str, float]]
    TERMS_KEPT_FLOOR: ClassVar[float]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        # Each set has its own types and floors, so the parameters come from the subclass.
        floors = {"recall_kind": self.RECALL_FLOOR, "precision_kind": self.PRECISION_FLOOR}
        for arg, values in floors.items():
            if arg in metafunc.fixturenames:
                metafunc.parametrize(arg, sorted(values))
        if "domain" in metafunc.fixturenames:
            metafunc.parametrize("domain", DOMAINS)

    @pytest.fixture(scope="class")
    def scores(self) -> Scores:
        scores = score(PiiEngine("redact", ""), load(self.SET))
        print(scores.summary(self.LABEL))
        return scores

    def test_set_is_frozen(self) -> None:
        digest = hashlib.sha256((EVAL_DIR / self.SET).read_bytes()).hexdigest()
        assert digest == self.SHA256, f"{self.SET} changed: a held-out set must stay frozen"

    def test_recall_per_type(self, scores: Scores, recall_kind: str) -> None:
        assert scores.recall[recall_kind] >= self.RECALL_FLOOR[recall_kind]

    def test_precision_per_type(self, scores: Scores, precision_kind: str) -> None:
        assert scores.precision[precision_kind] >= self.PRECISION_FLOOR[precision_kind]

    def test_domain_terms_kept(self, scores: Scores) -> None:
        assert scores.terms_kept >= self.TERMS_KEPT_FLOOR


class DomainSetChecks(FrozenSetChecks):
    """A set of the ten types in three domains: its coverage, and over-redaction per domain."""

    MIN_IDENTIFIERS: ClassVar[int]
    MIN_PER_TYPE: ClassVar[int] = 9
    OVER_REDACTION_CEILING: ClassVar[dict[str, float]]

    def test_covers_ten_types_and_three_domains(self, scores: Scores) -> None:
        assert set(scores.counts) == set(self.RECALL_FLOOR)
        assert sum(scores.counts.values()) >= self.MIN_IDENTIFIERS
        assert all(n >= self.MIN_PER_TYPE for n in scores.counts.values())
        assert all(scores.replaced.get(domain, 0) >= 20 for domain in DOMAINS)

    def test_over_redaction_per_domain(self, scores: Scores, domain: str) -> None:
        assert scores.over_redaction(domain) <= self.OVER_REDACTION_CEILING[domain]
