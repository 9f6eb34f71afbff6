"""Reward and dpo models are scored on held-out ranked pairs (metrics/preference.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.evaluation.test_evaluate_entrypoint import lay_out, run_evaluate
from training_scripts.metrics.preference import PairScores, is_preference_set
from training_scripts.vocabulary.metrics import PAIRWISE_KEYS

PAIRS = [
    {"prompt": "My order is late.", "chosen": "Sorry, I will track it for you now.",
     "rejected": "Not my problem."},
    {"prompt": "The router keeps dropping.", "chosen": "Please restart it; I can help further.",
     "rejected": "Buy a new one."},
]  # fmt: skip


def test_pair_accuracy_counts_only_pairs_ranked_the_humans_way() -> None:
    scores = PairScores(chosen=[2.0, 0.5, 1.0], rejected=[1.0, 1.5, 1.0], scorer="reward_head")
    assert scores.correct() == [1.0, 0.0, 0.0]  # a tie is not a correct ranking
    assert scores.margins() == [1.0, -1.0, 0.0]


def test_a_test_set_of_ranked_pairs_is_recognised(tmp_path: Path) -> None:
    (tmp_path / "data.jsonl").write_text(json.dumps(PAIRS[0]) + "\n")
    assert is_preference_set(tmp_path)
    (tmp_path / "data.jsonl").write_text(json.dumps({"prompt": "a", "completion": "b"}) + "\n")
    assert not is_preference_set(tmp_path)


@pytest.mark.parametrize("head", [False, True], ids=["dpo policy", "reward model"])
def test_evaluate_writes_pairwise_metrics_for_ranked_pairs(
    tmp_path: Path, tiny_model_dir: Path, head: bool
) -> None:
    model = tiny_model_dir
    if head:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        model = tmp_path / "reward-model"
        reward = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=1)
        reward.config.pad_token_id = reward.config.eos_token_id
        reward.save_pretrained(model)
        AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(model)
    lay_out(tmp_path / "run", model, PAIRS)
    done = run_evaluate(tmp_path / "run")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "run" / "opt/ml/processing/output/evaluation"
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert set(PAIRWISE_KEYS) <= set(evaluation)
    assert evaluation["num_pairs"] == 2
    assert evaluation["pair_scorer"] == ("reward_head" if head else "mean_token_logprob")
    assert evaluation["pairwise_accuracy"] in (0.0, 0.5, 1.0)
    assert "rougeL" not in evaluation  # text metrics are not faked for a pairwise model
