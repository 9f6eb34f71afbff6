"""Paired bootstrap intervals of candidate - baseline: fixed seed, recomputed per resample."""

from __future__ import annotations

import numpy as np
import pytest

from training_scripts.metrics.comparison import (
    BOOTSTRAP_RESAMPLES,
    compare,
    paired_bootstrap,
)
from training_scripts.metrics.model_quality import MetricSource
from training_scripts.metrics.text_overlap import bleu

CANDIDATE = [0.9, 0.7, 0.8, 0.4, 0.95, 0.6, 0.75, 0.85]
BASELINE = [0.5, 0.6, 0.2, 0.45, 0.7, 0.1, 0.5, 0.3]


def _mean(values):
    return MetricSource(
        sum(values) / len(values), len(values), lambda idx: sum(values[i] for i in idx) / len(idx)
    )


def test_interval_equals_a_direct_computation_on_a_fixed_example():
    result = compare(_mean(CANDIDATE), _mean(BASELINE), seed=13)

    # Direct: draw the same index matrix, take per-row mean differences, 2.5th/97.5th percentile.
    draws = np.random.default_rng(13).integers(0, 8, size=(BOOTSTRAP_RESAMPLES, 8))
    differences = (np.array(CANDIDATE)[draws] - np.array(BASELINE)[draws]).mean(axis=1)
    low, high = np.percentile(differences, [2.5, 97.5])

    assert (result.low, result.high) == pytest.approx((low, high), abs=1e-12)
    assert result.gain == pytest.approx(np.mean(CANDIDATE) - np.mean(BASELINE))
    assert result.n == 8
    assert result.low < result.gain < result.high


def test_interval_agrees_with_scipys_paired_percentile_bootstrap():
    from scipy.stats import bootstrap

    ours = paired_bootstrap(
        _mean(CANDIDATE).estimator, _mean(BASELINE).estimator, 8, seed=1, resamples=20000
    )
    theirs = bootstrap(
        (np.array(CANDIDATE), np.array(BASELINE)),
        lambda c, b, axis=-1: np.mean(c, axis=axis) - np.mean(b, axis=axis),
        paired=True, n_resamples=20000, method="percentile", random_state=2,
    ).confidence_interval  # fmt: skip

    assert ours == pytest.approx((theirs.low, theirs.high), abs=0.02)


def test_pairing_cancels_what_both_models_share():
    # Candidate = baseline + 0.1 on every example: every paired resample differs by exactly 0.1.
    shifted = [v + 0.1 for v in BASELINE]

    result = compare(_mean(shifted), _mean(BASELINE), seed=13)

    assert result.low == pytest.approx(0.1) and result.high == pytest.approx(0.1)


def test_same_seed_same_interval_and_corpus_bleu_is_recomputed_per_resample():
    outputs = ["the carrier is excused", "pay within thirty days", "no clause", "notice in writing"]
    references = ["the carrier is excused from delay", "pay in thirty days", "no clause",
                  "written notice"]  # fmt: skip
    weaker = ["a", "b", "c", "d"]

    def source(predictions):
        return MetricSource(
            bleu(predictions, references), 4,
            lambda idx: bleu([predictions[i] for i in idx], [references[i] for i in idx]),
        )  # fmt: skip

    first = compare(source(outputs), source(weaker), seed=5)
    again = compare(source(outputs), source(weaker), seed=5)

    assert first == again
    assert first.gain == pytest.approx(bleu(outputs, references) - bleu(weaker, references))
    assert first.low <= first.gain <= first.high


def test_different_populations_cannot_be_paired():
    with pytest.raises(ValueError, match="same examples: 8 vs 3"):
        compare(_mean(CANDIDATE), _mean(BASELINE[:3]), seed=1)


def test_corpus_bleu_of_a_subset_from_statistics_equals_sacrebleu_on_that_subset():
    from training_scripts.metrics.text_overlap import CorpusBleu

    outputs = ["the carrier is excused", "pay within thirty days", "no clause", "notice in writing",
               "the goods are delivered late", "payment is due"]  # fmt: skip
    references = ["the carrier is excused from delay", "pay in thirty days", "no clause",
                  "written notice", "goods delivered late", "payment due in ten days"]  # fmt: skip
    stats = CorpusBleu(outputs, references)

    for subset in ([0, 1, 2, 3, 4, 5], [0, 0, 3, 5], [2, 2, 2], [1, 4]):
        direct = bleu([outputs[i] for i in subset], [references[i] for i in subset])
        assert stats.score(subset) == pytest.approx(direct, abs=1e-12), subset
