"""Scoring a grpo policy: its reward model's scores and its KL to the reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

from training_scripts.hf_compat import save_tokenizer
from training_scripts.metrics.policy import kl_source, reward_model_of, reward_sources
from training_scripts.reward_scoring import REWARD_MODEL_DIR, RewardScorer, is_reward_model
from training_scripts.vocabulary.records import DataError

PROMPTS = ["My order is late.\n", "Please restart the router.\n"]
ANSWERS = ["Thank you for contacting support.", "Please let me know."]


@pytest.fixture(scope="module")
def reward_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training_scripts.hf_compat import load_tokenizer

    out = tmp_path_factory.mktemp("reward")
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=1)
    model.save_pretrained(out)
    save_tokenizer(load_tokenizer(tiny_model_dir), out)
    return out


def _perturbed(source: Path, out: Path, scale: float) -> Path:
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(source)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(scale * torch.randn_like(parameter))
    model.save_pretrained(out)
    shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
    shutil.copy(source / "tokenizer_config.json", out / "tokenizer_config.json")
    return out


def test_kl_of_a_model_to_itself_is_zero_and_grows_with_drift(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    same = kl_source(tiny_model_dir, tiny_model_dir, PROMPTS, ANSWERS)
    near = _perturbed(tiny_model_dir, tmp_path / "near", 0.02)
    far = _perturbed(tiny_model_dir, tmp_path / "far", 0.2)

    assert same.value == pytest.approx(0.0, abs=1e-6) and same.population == 2
    small = kl_source(near, tiny_model_dir, PROMPTS, ANSWERS).value
    large = kl_source(far, tiny_model_dir, PROMPTS, ANSWERS).value
    assert 0.0 < small < large


def test_reward_sources_pair_the_same_prompts_for_both_models(reward_dir: Path) -> None:
    scorer = RewardScorer(reward_dir)
    mine, theirs = reward_sources(reward_dir, PROMPTS, ANSWERS, ANSWERS[::-1])

    assert mine.population == theirs.population == 2
    assert mine.value == pytest.approx(sum(scorer.score(PROMPTS, ANSWERS)) / 2, rel=1e-5)
    assert mine.estimator is not None and mine.estimator([0, 0]) == pytest.approx(
        scorer.score(PROMPTS[:1], ANSWERS[:1])[0], rel=1e-5
    )


def test_reward_model_is_told_apart_from_a_causal_lm(
    reward_dir: Path, tiny_model_dir: Path
) -> None:
    assert is_reward_model(reward_dir)
    assert not is_reward_model(tiny_model_dir)


def test_a_policy_without_its_reward_model_is_refused_with_the_place_it_looked(
    tiny_model_dir: Path, reward_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(DataError, match=f"no reward model in {REWARD_MODEL_DIR}/"):
        reward_model_of(tiny_model_dir)
    policy = shutil.copytree(tiny_model_dir, tmp_path / "policy")
    shutil.copytree(reward_dir, policy / REWARD_MODEL_DIR)
    assert reward_model_of(policy) == policy / REWARD_MODEL_DIR
