"""ROUGE, BLEU and BERTScore: known values, and equality with the libraries called directly."""

from __future__ import annotations

import math

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from training_scripts.metrics.reference_scores import ReferenceScores
from training_scripts.metrics.semantic import bertscore
from training_scripts.vocabulary.metrics import REFERENCE_SCORE_KEYS

# A fixed set with partial overlap, a paraphrase and an exact hit, so no metric sits at 0 or 1.
PREDICTIONS = [
    "The patient was prescribed metformin for diabetes.",
    "Neither party is liable for delays caused by events beyond its control.",
    "Please restart the router and tell me if the connection works.",
    "The carrier invoked force majeure after the typhoon.",
]
REFERENCES = [
    "The patient was prescribed metformin for type 2 diabetes.",
    "Force Majeure: neither party is liable for delays caused by events beyond control.",
    "Please restart the router and let me know whether the connection is back.",
    "The carrier invoked force majeure after the typhoon.",
]


def test_identical_text_scores_bleu_100_rouge_1_bertscore_1(scorer):
    result = ReferenceScores.compute(REFERENCES, REFERENCES).summary()

    assert result["bleu"] == pytest.approx(100.0, abs=1e-9)  # sacrebleu gives 100.00000000000004
    for name in ("rouge1", "rouge2", "rougeL"):
        assert result[name] == pytest.approx(1.0)
    assert result["bertscore_f1"] == pytest.approx(1.0, abs=1e-4)


def test_disjoint_text_scores_near_zero(scorer):
    # No shared word or punctuation mark, so every n-gram precision is 0.
    predictions = ["Quantum chromodynamics describes strong interactions between quarks"]
    references = ["Bake bread at two hundred degrees for forty minutes"]

    result = ReferenceScores.compute(predictions, references).summary()

    assert result["bleu"] == pytest.approx(0.0, abs=1e-9)
    assert result["rouge1"] == result["rouge2"] == result["rougeL"] == 0.0
    assert result["bertscore_f1"] < 0.2


def test_scores_equal_the_libraries_called_directly(scorer):
    ours = ReferenceScores.compute(PREDICTIONS, REFERENCES).summary()

    rouge = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    per_pair = [rouge.score(ref, pred) for pred, ref in zip(PREDICTIONS, REFERENCES, strict=True)]
    precision, recall, f1 = scorer.score(PREDICTIONS, REFERENCES)
    direct = {
        **{n: sum(s[n].fmeasure for s in per_pair) / len(per_pair) for n in ("rouge1", "rouge2")},
        "rougeL": sum(s["rougeL"].fmeasure for s in per_pair) / len(per_pair),
        "bleu": sacrebleu.corpus_bleu(PREDICTIONS, [REFERENCES]).score,
        "bertscore_precision": precision.mean().item(),
        "bertscore_recall": recall.mean().item(),
        "bertscore_f1": f1.mean().item(),
    }
    assert set(ours) == set(REFERENCE_SCORE_KEYS)
    for name in REFERENCE_SCORE_KEYS:
        assert ours[name] == pytest.approx(direct[name], rel=1e-6), name
    assert 0.0 < ours["bleu"] < 100.0 and 0.0 < ours["rougeL"] < 1.0


def test_bertscore_ranks_a_paraphrase_far_above_unrelated_text(scorer):
    reference = "A storm delayed the delivery of the shipment."
    scores = bertscore(
        ["The shipment arrived late because of bad weather.", "I enjoy playing the violin."],
        [reference, reference],
    )

    paraphrase, unrelated = scores.f1
    assert paraphrase > 0.6 and unrelated < 0.3


def test_empty_prediction_scores_zero_bertscore_instead_of_crashing(scorer):
    scores = bertscore(["", "The carrier invoked force majeure."], ["Some reference.", "x y"])

    assert scores.f1[0] == 0.0 and scores.precision[0] == 0.0
    assert not math.isnan(scores.f1[1])
