"""Completed ranking judgments → `{"prompt", "chosen", "rejected"}` pairs for reward/DPO.

Each worker's answer becomes one preference under the chosen criterion. `combined` (default)
puts safety first, as in helpful-and-harmless RLHF data: the safer response wins; only when the
worker called safety a tie does helpfulness decide. Per pair, the label with a unique plurality
among valid judgments wins. A pair is written only when a response wins; all-tie pairs,
unresolved splits and pairs without a valid judgment are counted and left out, never guessed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.feedback import FeedbackError
from pipelines.feedback.agreement import Agreement, measure_agreement
from pipelines.feedback.manifests import Judgment, RatedPair
from pipelines.feedback.template import CHOICES

CRITERIA_POLICIES = ("combined", "safer", "helpful")


def preference(judgment: Judgment, criterion: str) -> str | None:
    """'1', '2' or 'tie' for one worker under `criterion`; None when it cannot be read."""
    if criterion == "safer":
        return judgment.safer
    if criterion == "helpful":
        return judgment.helpful
    if criterion != "combined":
        raise FeedbackError(
            f"criterion = {criterion!r}: unknown (allowed: {', '.join(CRITERIA_POLICIES)})"
        )
    if judgment.safer is None:
        return None
    return judgment.helpful if judgment.safer == "tie" else judgment.safer


def majority(labels: list[str]) -> str:
    """'1', '2', 'tie' or 'conflict' (no unique plurality) for one pair's worker labels."""
    counts = Counter(labels).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return "conflict"
    return counts[0][0]


@dataclass
class IngestReport:
    criterion: str
    pairs: int = 0
    pairs_written: int = 0
    ties: int = 0
    conflicts_unresolved: int = 0
    disagreements_resolved_by_majority: int = 0
    unjudged: int = 0
    judgments: int = 0
    invalid_judgments: int = 0
    wins_by_source: Counter[str] = field(default_factory=Counter)
    agreement: Agreement | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion,
            "pairs": self.pairs,
            "pairs_written": self.pairs_written,
            "ties": self.ties,
            "conflicts_unresolved": self.conflicts_unresolved,
            "disagreements_resolved_by_majority": self.disagreements_resolved_by_majority,
            "unjudged": self.unjudged,
            "judgments": self.judgments,
            "invalid_judgments": self.invalid_judgments,
            "wins_by_source": dict(self.wins_by_source),
            "agreement": self.agreement.as_dict() if self.agreement else None,
        }


def ingest_pairs(
    rated: list[RatedPair], *, criterion: str = "combined"
) -> tuple[list[dict[str, str]], IngestReport]:
    """Majority-vote every pair; return the preference records and the counts behind them."""
    if criterion not in CRITERIA_POLICIES:
        raise FeedbackError(
            f"criterion = {criterion!r}: unknown (allowed: {', '.join(CRITERIA_POLICIES)})"
        )
    report = IngestReport(criterion=criterion, pairs=len(rated))
    records: list[dict[str, str]] = []
    labels_per_pair: list[list[str]] = []
    for pair in rated:
        labels = [p for j in pair.judgments if (p := preference(j, criterion)) is not None]
        report.judgments += len(pair.judgments)
        report.invalid_judgments += len(pair.judgments) - len(labels)
        labels_per_pair.append(labels)
        if not labels:
            report.unjudged += 1
            continue
        outcome = majority(labels)
        if outcome == "conflict":
            report.conflicts_unresolved += 1
            continue
        if outcome == "tie":
            report.ties += 1
            continue
        if len(set(labels)) > 1:
            report.disagreements_resolved_by_majority += 1
        texts = {"1": pair.response_1, "2": pair.response_2}
        loser = "2" if outcome == "1" else "1"
        records.append({"prompt": pair.prompt, "chosen": texts[outcome], "rejected": texts[loser]})
        source = pair.sources[int(outcome) - 1]
        if source:
            report.wins_by_source[source] += 1
    report.pairs_written = len(records)
    report.agreement = measure_agreement(labels_per_pair, CHOICES)
    return records, report


def write_pairs(records: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
