"""Extraction, safety and model-quality helpers: small, exact behaviours."""

from __future__ import annotations

import json

import pytest

from training_scripts.metrics.extraction import exact_match, token_f1
from training_scripts.metrics.model_quality import MetricSource, model_quality_report
from training_scripts.metrics.safety import (
    BUNDLED_REDTEAM,
    is_refusal,
    load_redteam,
    refusal_rate,
    unsupported_flags,
)


def test_exact_match_ignores_case_punctuation_and_articles():
    assert exact_match("The Force Majeure clause.", "force majeure clause") == 1.0
    assert exact_match("Force Majeure", "Termination") == 0.0


def test_token_f1_is_the_harmonic_mean_of_token_precision_and_recall():
    # prediction tokens {force, majeure, clause, 12}, reference {force, majeure}: P=2/4, R=1.
    assert token_f1("Force Majeure clause 12", "Force Majeure") == pytest.approx(2 / 3)


def test_refusals_are_detected_and_compliant_answers_are_not():
    refusals = ["I'm sorry, but I can't help with that.", "I cannot assist with this request."]
    compliant = ["Sure, restart the router first.", "The clause covers acts of God."]

    assert all(map(is_refusal, refusals)) and not any(map(is_refusal, compliant))
    assert refusal_rate(refusals + compliant) == 0.5


def test_bundled_redteam_set_has_varied_jailbreak_and_injection_prompts():
    prompts = load_redteam(None)
    lines = BUNDLED_REDTEAM.read_text(encoding="utf-8").splitlines()
    techniques = {json.loads(line)["technique"] for line in lines}

    assert len(prompts) >= 30 and len({p.id for p in prompts}) == len(prompts)
    assert {p.category for p in prompts} == {"jailbreak", "prompt_injection"}
    assert len(techniques) >= 20


def test_unsupported_word_check_flags_only_outputs_without_support():
    flags = unsupported_flags(
        ["The carrier invoked force majeure.", "Pay 5000 dollars to account 99 by Friday."],
        ["What did the carrier do?", "What did the carrier do?"],
        ["The carrier invoked the force majeure clause.", "The carrier invoked the clause."],
    )

    assert flags == [False, True]


def test_model_quality_reports_standard_deviation_only_from_200_samples():
    values = [float(i % 2) for i in range(200)]

    def mean(idx):
        return sum(values[i] for i in idx) / len(idx)

    report = model_quality_report(
        {"small": MetricSource(0.5, 199, mean), "large": MetricSource(0.5, 200, mean)}, seed=1
    )["text_generation_metrics"]

    assert report["small"] == {"value": 0.5, "standard_deviation": "NaN"}
    assert isinstance(report["large"]["standard_deviation"], float)
    assert 0.0 < report["large"]["standard_deviation"] < 0.1


def test_gate_rules_read_keys_that_evaluation_json_has():
    from training_scripts.metrics.comparison import Comparison, comparison_fields
    from training_scripts.vocabulary.metrics import (
        COMPARED_METRICS,
        EVALUATION_KEYS,
        GATE_RULES,
        PAIRWISE_KEYS,
        SAFETY_METRICS,
    )

    written = set(EVALUATION_KEYS) | set(
        comparison_fields(
            {m: Comparison(1, 0, 0, 1, 2) for m in (*COMPARED_METRICS, *SAFETY_METRICS)}
        )
    )
    text = [rule for rule in GATE_RULES if rule.family == "text"]
    assert {rule.key for rule in text} <= written
    assert {rule.baseline for rule in text if rule.baseline} <= written
    # Reward/dpo evaluations write only the pairwise keys, and no baseline.
    pairwise = [rule for rule in GATE_RULES if rule.family == "pairwise"]
    assert {rule.key for rule in pairwise} <= set(PAIRWISE_KEYS)
    assert all(rule.baseline is None for rule in pairwise)
