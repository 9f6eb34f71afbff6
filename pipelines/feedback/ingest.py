"""Completed ranking judgments → `{"prompt", "chosen", "rejected"}` pairs for reward/DPO.

Each worker's answer becomes one preference under the chosen criterion. `combined` (default)
puts safety first, as in helpful-and-harmless RLHF data: the safer response wins; only when the
worker called safety a tie does helpfulness decide. Per pair, the label with the unique highest
total weight among valid judgments wins; a worker's weight is 1 unless `quality` flagged it
(0 under the `drop` policy, its worse score under `downweight`). A pair is written only when a
response wins; all-tie pairs, unresolved splits, gold questions and pairs without a valid
judgment are counted and left out, never guessed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.feedback import FeedbackError
from pipelines.feedback.agreement import Agreement, measure_agreement
from pipelines.feedback.manifests import Judgment, RatedPair
from pipelines.feedback.quality import (
    QualityPolicy,
    WorkerQuality,
    assess_workers,
    weighted_majority,
)
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


@dataclass
class IngestReport:
    criterion: str
    pairs: int = 0
    pairs_written: int = 0
    ties: int = 0
    conflicts_unresolved: int = 0
    disagreements_resolved_by_majority: int = 0
    unjudged: int = 0
    gold_items: int = 0
    judgments: int = 0
    invalid_judgments: int = 0
    wins_by_source: Counter[str] = field(default_factory=Counter)
    agreement: Agreement | None = None
    workers: dict[str, WorkerQuality] = field(default_factory=dict)
    worker_policy: str = "drop"

    @property
    def flagged_workers(self) -> list[str]:
        return [w for w, quality in self.workers.items() if quality.flagged]

    def as_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion,
            "pairs": self.pairs,
            "pairs_written": self.pairs_written,
            "ties": self.ties,
            "conflicts_unresolved": self.conflicts_unresolved,
            "disagreements_resolved_by_majority": self.disagreements_resolved_by_majority,
            "unjudged": self.unjudged,
            "gold_items": self.gold_items,
            "judgments": self.judgments,
            "invalid_judgments": self.invalid_judgments,
            "wins_by_source": dict(self.wins_by_source),
            "agreement": self.agreement.as_dict() if self.agreement else None,
            "worker_policy": self.worker_policy,
            "flagged_workers": self.flagged_workers,
            "workers": [quality.as_dict() for quality in self.workers.values()],
        }


def ingest_pairs(
    rated: list[RatedPair],
    *,
    criterion: str = "combined",
    quality: QualityPolicy | None = None,
) -> tuple[list[dict[str, str]], IngestReport]:
    """Vote every pair (weighted by worker quality); return the records and the counts."""
    if criterion not in CRITERIA_POLICIES:
        raise FeedbackError(
            f"criterion = {criterion!r}: unknown (allowed: {', '.join(CRITERIA_POLICIES)})"
        )
    quality = quality or QualityPolicy()
    report = IngestReport(criterion=criterion, pairs=len(rated), worker_policy=quality.policy)
    labelled: list[dict[str, str]] = []
    for pair in rated:
        labels: dict[str, str] = {}
        for judgment in pair.judgments:
            label = preference(judgment, criterion)
            if label is None:
                report.invalid_judgments += 1
            else:
                labels[judgment.worker_id] = label
        report.judgments += len(pair.judgments)
        labelled.append(labels)
    gold = {i: pair.gold for i, pair in enumerate(rated) if pair.gold is not None}
    report.workers = assess_workers(labelled, gold, quality)
    weights = {w: q.weight for w, q in report.workers.items()}
    records: list[dict[str, str]] = []
    for index, (pair, labels) in enumerate(zip(rated, labelled, strict=True)):
        if index in gold:
            # Gold questions measure the workers; their answer is known, so no new data.
            report.gold_items += 1
            continue
        outcome = weighted_majority(labels, weights)
        if outcome is None:
            report.unjudged += 1
            continue
        if outcome == "conflict":
            report.conflicts_unresolved += 1
            continue
        if outcome == "tie":
            report.ties += 1
            continue
        if len({label for w, label in labels.items() if weights.get(w, 1.0) > 0}) > 1:
            report.disagreements_resolved_by_majority += 1
        texts = {"1": pair.response_1, "2": pair.response_2}
        loser = "2" if outcome == "1" else "1"
        records.append({"prompt": pair.prompt, "chosen": texts[outcome], "rejected": texts[loser]})
        source = pair.sources[int(outcome) - 1]
        if source:
            report.wins_by_source[source] += 1
    report.pairs_written = len(records)
    # The dataset figure stays over every valid judgment (flagged workers included).
    report.agreement = measure_agreement([list(labels.values()) for labels in labelled], CHOICES)
    return records, report


def write_pairs(records: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
