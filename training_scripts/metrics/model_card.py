"""The model version's card: lineage, method, metrics against the baseline, gate, audit, risks.

Content follows the SageMaker model card JSON schema as simplified for model packages
(CreateModelPackage `ModelCard.ModelCardContent`, at most 100,000 characters; "Model package model
card schema", https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-details.html#model-card-schema):
snake_case sections `intended_uses`, `training_details`, `evaluation_details`,
`additional_information`. Not verified against AWS: the schema check happens server-side.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from training_scripts.vocabulary.metrics import (
    COMPARED_METRICS,
    LOWER_IS_BETTER,
    NUM_BENIGN,
    NUM_EXAMPLES,
    NUM_REDTEAM,
    REWARD_SCORE,
    SAFETY_METRICS,
    baseline_key,
    gain_key,
)

MAX_CONTENT_CHARS = 100_000

RowNumber = Literal["candidate", "baseline", "gain", "gain_ci_low", "gain_ci_high"]
_ROW_NUMBERS: tuple[RowNumber, ...] = (
    "candidate",
    "baseline",
    "gain",
    "gain_ci_low",
    "gain_ci_high",
)


class MetricRow(TypedDict):
    """One compared metric as the card and the local report show it."""

    metric: str
    candidate: float | None
    baseline: float | None
    gain: float | None
    gain_ci_low: float | None
    gain_ci_high: float | None
    better: Literal["lower", "higher"]


# What each method's model is for, and what can go wrong with it.
_USES = {
    "cpt": (
        "Domain language model (continued pre-training): a base for further tuning, not an "
        "assistant.",
        "Continues text; does not follow instructions or refuse requests.",
    ),
    "sft": (
        "Instruction-tuned assistant for the use case its data came from.",
        "May state unsupported facts fluently; answers outside the training domain are unreliable.",
    ),
    "reward": (
        "Reward model scoring replies for preference tuning.",
        "Scores reflect the annotators' rankings, including their biases.",
    ),
}
_RISKS = ("Automatic metrics are proxies: word overlap (ROUGE/BLEU), embedding similarity "
          "(BERTScore), an unsupported-word rate and a refusal-phrase detector. Release needs a "
          "human hallucination audit of this version.")  # fmt: skip


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def metric_rows(evaluation: Mapping[str, Any]) -> list[MetricRow]:
    """Candidate, baseline, gain and interval per compared metric (for the card and report)."""
    rows: list[MetricRow] = []
    for metric in (*COMPARED_METRICS, REWARD_SCORE, *SAFETY_METRICS):
        if metric not in evaluation:
            continue
        rows.append(
            {
                "metric": metric,
                "candidate": _number(evaluation.get(metric)),
                "baseline": _number(evaluation.get(baseline_key(metric))),
                "gain": _number(evaluation.get(gain_key(metric))),
                "gain_ci_low": _number(evaluation.get(gain_key(metric, "low"))),
                "gain_ci_high": _number(evaluation.get(gain_key(metric, "high"))),
                "better": "lower" if metric in LOWER_IS_BETTER else "higher",
            }
        )
    return rows


def model_card(
    evaluation: Mapping[str, Any],
    *,
    method: str,
    training: Mapping[str, Any],
    manifest: Mapping[str, Any],
    audit: Mapping[str, Any] | None,
    gate: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    purpose, caveat = _USES.get(method if method in _USES else "sft", _USES["sft"])
    if method in ("lora", "reft", "distill", "dpo", "grpo"):
        purpose, caveat = _USES["sft"]
    hyperparameters = training.get("hyperparameters") or {}
    bootstrap = evaluation.get("bootstrap") or {}
    metric_data = []
    for row in metric_rows(evaluation):
        for field in _ROW_NUMBERS:
            if row[field] is not None:
                metric_data.append(
                    {"name": f"{row['metric']}.{field}", "type": "number", "value": row[field],
                     "notes": f"{row['better']} is better"}
                )  # fmt: skip
    written = manifest.get("outputs")
    outputs: dict[str, Any] = written if isinstance(written, dict) else {}
    custom = {
        "method": method or "unknown",
        "gate": json.dumps(gate or {"decision": "registered only when every gate rule passed"}),
        "audit": json.dumps(dict(audit) if audit else {"status": "no human audit yet"}),
        "training_data": json.dumps(
            {
                name: {k: v for k, v in o.items() if k in ("records", "sha256")}
                for name, o in outputs.items()
                if isinstance(o, dict)
            },
            sort_keys=True,
        ),
        "removed_records": json.dumps(manifest.get("removed") or {}, sort_keys=True),
        "refusal_detector": json.dumps(
            {k: evaluation.get(f"refusal_detector_{k}") for k in ("precision", "recall")}
        ),
    }
    return {
        "intended_uses": {
            "purpose_of_model": purpose,
            "intended_uses": purpose,
            "factors_affecting_model_efficiency": caveat,
            "risk_rating": "Medium" if audit else "High",
            "explanations_for_risk_rating": (
                "Human audit recorded." if audit else "No human hallucination audit yet."
            ),
        },
        "training_details": {
            "training_job_details": {
                "hyper_parameters": [
                    {"name": str(k), "value": str(v)} for k, v in sorted(hyperparameters.items())
                ],
            },
        },
        "evaluation_details": [
            {
                "name": "held-out set: candidate vs baseline",
                "evaluation_observation": (
                    f"{evaluation.get(NUM_EXAMPLES)} held-out examples, "
                    f"{evaluation.get(NUM_REDTEAM)} red-team and "
                    f"{evaluation.get(NUM_BENIGN)} benign prompts; paired bootstrap "
                    f"{bootstrap.get('confidence', 0.95):.0%} intervals, "
                    f"{bootstrap.get('resamples')} resamples, seed {bootstrap.get('seed')}."
                ),
                "metric_groups": [{"name": "metrics", "metric_data": metric_data}],
            }
        ],
        "additional_information": {
            "ethical_considerations": _RISKS,
            "caveats_and_recommendations": caveat,
            "custom_details": custom,
        },
    }
