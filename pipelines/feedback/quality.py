"""Annotator quality: each worker against the other workers and against gold questions.

A careless or malicious annotator is a poisoning path for reward and DPO data, and a dataset-wide
agreement figure hides one bad worker among good ones. So every worker is measured on its own:
- agreement: the share of its labels that equal the consensus of the OTHER workers on the same
  pair (leave-one-out, so a worker cannot vote itself into agreement; pairs where the others
  disagree among themselves are not counted);
- gold accuracy: the share of gold questions (pairs with a known answer, mixed into the job by
  `fmops feedback rank-tasks --gold`) it answered correctly.
A worker with enough judgments below either threshold is flagged; the ingest policy then drops
its labels, down-weights them (weight = its worse score) or keeps them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipelines.feedback import FeedbackError

WORKER_POLICIES = ("drop", "downweight", "keep")


@dataclass(frozen=True)
class QualityPolicy:
    min_agreement: float = 0.6
    min_gold_accuracy: float = 0.7
    # Fewer scored judgments than this say too little about a worker to flag it.
    min_scored: int = 3
    policy: str = "drop"

    def __post_init__(self) -> None:
        if self.policy not in WORKER_POLICIES:
            raise FeedbackError(
                f"worker policy = {self.policy!r}: unknown (allowed: {', '.join(WORKER_POLICIES)})"
            )
        for name in ("min_agreement", "min_gold_accuracy"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise FeedbackError(f"{name} = {value}: must be between 0 and 1")
        if self.min_scored < 1:
            raise FeedbackError(f"min_scored = {self.min_scored}: must be at least 1")


@dataclass(frozen=True)
class WorkerQuality:
    worker_id: str
    judgments: int
    agreement_scored: int
    agreement: float | None
    gold_answered: int
    gold_accuracy: float | None
    flagged: bool
    reasons: tuple[str, ...]
    weight: float

    def as_dict(self) -> dict[str, object]:
        return {
            "worker_id": self.worker_id,
            "judgments": self.judgments,
            "agreement_scored": self.agreement_scored,
            "agreement": self.agreement,
            "gold_answered": self.gold_answered,
            "gold_accuracy": self.gold_accuracy,
            "flagged": self.flagged,
            "reasons": list(self.reasons),
            "weight": self.weight,
        }


def _unique_plurality(labels: Sequence[str]) -> str | None:
    counts = Counter(labels).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


def assess_workers(
    items: Sequence[Mapping[str, str]],
    gold: Mapping[int, str],
    policy: QualityPolicy,
) -> dict[str, WorkerQuality]:
    """Quality per worker from `items[i] = {worker_id: label}` and `gold[i] = correct label`."""
    judged: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    scored: Counter[str] = Counter()
    gold_right: Counter[str] = Counter()
    gold_seen: Counter[str] = Counter()
    for index, labels in enumerate(items):
        for worker, label in labels.items():
            judged[worker] += 1
            if index in gold:
                gold_seen[worker] += 1
                gold_right[worker] += label == gold[index]
            others = [other for w, other in labels.items() if w != worker]
            consensus = _unique_plurality(others)
            if consensus is not None:
                scored[worker] += 1
                agreed[worker] += label == consensus
    result: dict[str, WorkerQuality] = {}
    for worker in sorted(judged):
        agreement = agreed[worker] / scored[worker] if scored[worker] else None
        accuracy = gold_right[worker] / gold_seen[worker] if gold_seen[worker] else None
        reasons: list[str] = []
        enough = scored[worker] >= policy.min_scored
        if enough and agreement is not None and agreement < policy.min_agreement:
            reasons.append(f"agreement {agreement:.2f} < {policy.min_agreement}")
        if accuracy is not None and accuracy < policy.min_gold_accuracy:
            reasons.append(f"gold accuracy {accuracy:.2f} < {policy.min_gold_accuracy}")
        flagged = bool(reasons)
        weight = 1.0
        if flagged and policy.policy == "drop":
            weight = 0.0
        elif flagged and policy.policy == "downweight":
            weight = min(s for s in (agreement, accuracy) if s is not None)
        result[worker] = WorkerQuality(
            worker_id=worker,
            judgments=judged[worker],
            agreement_scored=scored[worker],
            agreement=None if agreement is None else round(agreement, 4),
            gold_answered=gold_seen[worker],
            gold_accuracy=None if accuracy is None else round(accuracy, 4),
            flagged=flagged,
            reasons=tuple(reasons),
            weight=round(weight, 4),
        )
    return result


def weighted_majority(labels: Mapping[str, str], weights: Mapping[str, float]) -> str | None:
    """The label with the unique highest total weight; None without weight, "conflict" on a tie."""
    totals: dict[str, float] = {}
    for worker, label in labels.items():
        weight = weights.get(worker, 1.0)
        if weight > 0:
            totals[label] = totals.get(label, 0.0) + weight
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return None
    if len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) < 1e-9:
        return "conflict"
    return ranked[0][0]
