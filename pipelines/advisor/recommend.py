"""RAG, FINE_TUNING or BOTH: rules from what the model must learn and how fast the data moves.

Facts belong in retrieval: a fine-tuned model recalls them unreliably, cannot cite them and is
stale the day the data changes. Style, format and vocabulary are behaviour, which fine-tuning
teaches and retrieval cannot. When behaviour must change AND the content moves weekly or faster,
do both: fine-tune the behaviour, retrieve the content.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.advisor import AdvisorError
from pipelines.advisor.costs import HOSTING_MODES, REFRESHES_PER_MONTH, Workload, monthly_costs
from pipelines.advisor.prices import PriceTable

GOALS = ("facts", "style", "vocabulary", "format")
FAST_CHANGES = ("daily", "weekly")


@dataclass(frozen=True)
class Advice:
    recommendation: str
    reasons: list[str]
    costs: dict[str, dict[str, object]]
    inputs: dict[str, object]
    prices: dict[str, object]

    def as_dict(self) -> dict[str, object]:
        return {
            "recommendation": self.recommendation,
            "reasons": self.reasons,
            "costs": self.costs,
            "inputs": self.inputs,
            "prices": self.prices,
        }


def _check(workload: Workload, goal: str) -> None:
    checks = [
        ("--data-changes", workload.data_changes, tuple(REFRESHES_PER_MONTH)),
        ("--goal", goal, GOALS),
        ("--hosting", workload.hosting, HOSTING_MODES),
    ]
    for option, value, allowed in checks:
        if value not in allowed:
            raise AdvisorError(f"{option} = {value!r}: unknown (allowed: {', '.join(allowed)})")
    for option, count in (
        ("--queries-per-day", workload.queries_per_day),
        ("--corpus-tokens", workload.corpus_tokens),
    ):
        if count <= 0:
            raise AdvisorError(f"{option} = {count}: must be a positive integer")


def _rule(goal: str, changes: str) -> tuple[str, list[str]]:
    fast = changes in FAST_CHANGES
    if goal == "facts":
        reasons = [
            "goal is facts: retrieval grounds answers in the current documents and can cite "
            "them; fine-tuning recalls facts unreliably and invents plausible ones",
        ]
        if fast:
            reasons.append(
                f"data changes {changes}: a Knowledge Base sync picks up new documents in "
                "minutes, while every change would need a new training job"
            )
        else:
            reasons.append(
                f"data changes {changes}: even slow-moving facts are better retrieved than "
                "memorised, and re-syncing is cheaper than retraining"
            )
        return "RAG", reasons
    behaviour = {
        "style": "a tone and style are behaviour the model must learn; retrieval cannot teach it",
        "format": "a fixed output format is learned reliably from examples by fine-tuning and "
        "frees the prompt of long format instructions",
        "vocabulary": "technical vocabulary is learned by domain adaptation (continued "
        "pre-training / fine-tuning); retrieved passages do not change how the model writes",
    }[goal]
    if fast:
        return "BOTH", [
            f"goal is {goal}: {behaviour}",
            f"data changes {changes}: keep the fast-moving content in retrieval and fine-tune "
            "only the behaviour, which does not need retraining for every data change",
        ]
    return "FINE_TUNING", [
        f"goal is {goal}: {behaviour}",
        f"data changes {changes}: retraining that rarely is affordable",
    ]


def advise(prices: PriceTable, workload: Workload, goal: str) -> Advice:
    _check(workload, goal)
    recommendation, reasons = _rule(goal, workload.data_changes)
    costs = monthly_costs(prices, workload)
    rag, ft = costs["rag"].total, costs["fine_tuning_bedrock"].total
    names = ("RAG", "Bedrock fine-tuning")
    cheaper, dearer = names if rag <= ft else names[::-1]
    reasons.append(
        f"cost: {cheaper} is about ${min(rag, ft):,.0f}/month against ${max(rag, ft):,.0f} for "
        f"{dearer} at {workload.queries_per_day:,} queries/day and "
        f"{workload.corpus_tokens:,} corpus tokens (prices as of {prices.as_of}; "
        f"{len(prices.assumptions())} figures are assumptions)"
    )
    if workload.hosting == "provisioned":
        reasons.append(
            "custom-model hosting is priced as Provisioned Throughput, billed every hour whether "
            "used or not; try --hosting on-demand if your custom model supports on-demand inference"
        )
    return Advice(
        recommendation=recommendation,
        reasons=reasons,
        costs={name: cost.as_dict() for name, cost in costs.items()},
        inputs={
            "data_changes": workload.data_changes,
            "goal": goal,
            "queries_per_day": workload.queries_per_day,
            "corpus_tokens": workload.corpus_tokens,
            "hosting": workload.hosting,
        },
        prices={
            "as_of": prices.as_of,
            "currency": prices.currency,
            "region": prices.region,
            "sources": {k: s.url for k, s in prices.sources.items()},
            "assumptions": prices.assumptions(),
        },
    )
