"""Candidate vs baseline on the same examples: differences with paired bootstrap intervals.

Both models answer the same held-out prompts, so the comparison is paired: each bootstrap
replicate draws n example indices with replacement and recomputes *both* models' metric on those
same indices (corpus metrics such as BLEU are recomputed, not averaged), then takes the
difference. The 95 % interval is the percentile interval of those differences (Efron &
Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13). Pairing removes the
example-difficulty variance the two models share, which is what makes a small held-out set
able to decide anything at all. The seed is fixed, so the same outputs give the same interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from training_scripts.metrics.model_quality import Estimator, MetricSource
from training_scripts.vocabulary.metrics import baseline_key, gain_key

BOOTSTRAP_RESAMPLES = 1000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Comparison:
    candidate: float
    baseline: float
    low: float
    high: float
    n: int

    @property
    def gain(self) -> float:
        return self.candidate - self.baseline


def paired_bootstrap(
    candidate: Estimator,
    baseline: Estimator,
    n: int,
    seed: int,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Percentile interval of candidate(idx) - baseline(idx) over index resamples."""
    import numpy as np

    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(resamples, n))
    differences = np.array([candidate(row.tolist()) - baseline(row.tolist()) for row in draws])
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(differences, [tail, 100 - tail])
    return float(low), float(high)


def compare(candidate: MetricSource, baseline: MetricSource, seed: int) -> Comparison:
    if candidate.population != baseline.population:
        raise ValueError(
            f"paired comparison needs the same examples: {candidate.population} vs "
            f"{baseline.population}"
        )
    n = candidate.population
    if candidate.estimator is None or baseline.estimator is None or n < 2:
        gain = candidate.value - baseline.value
        return Comparison(candidate.value, baseline.value, gain, gain, n)
    low, high = paired_bootstrap(candidate.estimator, baseline.estimator, n, seed)
    return Comparison(candidate.value, baseline.value, low, high, n)


def comparison_fields(comparisons: Mapping[str, Comparison]) -> dict[str, float]:
    """The flat evaluation.json keys of every comparison (see gate_keys)."""
    fields: dict[str, float] = {}
    for metric, c in comparisons.items():
        fields[metric] = c.candidate
        fields[baseline_key(metric)] = c.baseline
        fields[gain_key(metric)] = c.gain
        fields[gain_key(metric, "low")] = c.low
        fields[gain_key(metric, "high")] = c.high
    return fields
