"""SageMaker model-quality metrics JSON, registered with the model package (ModelMetrics).

Shape from "Model quality metrics and Amazon CloudWatch monitoring"
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html):
`{"<problem type>_metrics": {"<metric>": {"value": v, "standard_deviation": s}}}`. The standard
deviation follows the same page: only with at least 200 samples, computed by drawing 80% of the
data five times, recomputing the metric and taking the deviation; otherwise the string "NaN".
Text generation has no built-in problem type, so the section is `text_generation_metrics`.
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SECTION = "text_generation_metrics"
MIN_SAMPLES_FOR_STD = 200
SUBSAMPLE_FRACTION = 0.8
SUBSAMPLE_ROUNDS = 5

# Recomputes a metric on a subset of example indices (corpus metrics such as BLEU included).
Estimator = Callable[[Sequence[int]], float]


@dataclass(frozen=True)
class MetricSource:
    value: float
    population: int
    estimator: Estimator | None = None


def standard_deviation(source: MetricSource, seed: int) -> float | str:
    if source.estimator is None or source.population < MIN_SAMPLES_FOR_STD:
        return "NaN"
    rng = random.Random(seed)
    size = int(source.population * SUBSAMPLE_FRACTION)
    values = [
        source.estimator(sorted(rng.sample(range(source.population), size)))
        for _ in range(SUBSAMPLE_ROUNDS)
    ]
    return statistics.stdev(values)


def model_quality_report(metrics: Mapping[str, MetricSource], seed: int) -> dict:
    return {
        SECTION: {
            name: {"value": source.value, "standard_deviation": standard_deviation(source, seed)}
            for name, source in metrics.items()
        }
    }


def write_model_quality(path: Path, metrics: Mapping[str, MetricSource], seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = model_quality_report(metrics, seed)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
