"""A policy optimized against a reward model (grpo): its answers' reward, and its drift.

- `reward_score`: the mean score the reward model (the one the policy learned from, saved beside
  it as `reward_model/`) gives the answers to the held-out prompts. Scored per example for the
  candidate and the baseline on the same prompts, so the gain gets the paired bootstrap
  interval of comparison.py like every compared metric.
- `kl_to_reference`: the mean per-token KL(candidate || reference) over the candidate's own
  answers, sum_v p_c(v) (log p_c(v) - log p_r(v)) at each answer position, where the reference
  is the baseline (by default the model the policy started from). The quantity GRPO's beta
  penalizes (Shao et al., 2024, eq. 4 estimates it per sampled token); large values mean the
  policy left the reference far behind, which is where reward hacking lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from training_scripts.metrics.model_quality import MetricSource
from training_scripts.metrics.preference import load_pairs
from training_scripts.reward_scoring import REWARD_MODEL_DIR, RewardScorer, is_reward_model
from training_scripts.vocabulary.records import DataError, InstructionExample


def _mean(values: Sequence[float]) -> MetricSource:
    return MetricSource(
        sum(values) / len(values) if values else 0.0,
        len(values),
        lambda idx: sum(values[i] for i in idx) / len(idx),
    )


def policy_examples(test_dir: Path) -> list[InstructionExample]:
    """Held-out ranked pairs as prompts whose reference is the humans' preferred answer."""
    return [InstructionExample(p.prompt, p.chosen) for p in load_pairs(test_dir)]


def reward_model_of(candidate_dir: Path) -> Path:
    found = candidate_dir / REWARD_MODEL_DIR
    if not is_reward_model(found):
        raise DataError(
            f"model input {candidate_dir}: no reward model in {REWARD_MODEL_DIR}/; a grpo "
            "Train step saves the reward model it learned from beside the policy"
        )
    return found


def reward_sources(
    reward_dir: Path, prompts: Sequence[str], candidate: Sequence[str], baseline: Sequence[str]
) -> tuple[MetricSource, MetricSource]:
    """Per-example reward of the candidate's and of the baseline's answers."""
    scorer = RewardScorer(reward_dir)
    return _mean(scorer.score(prompts, candidate)), _mean(scorer.score(prompts, baseline))


def kl_source(
    candidate_dir: Path, reference_dir: Path, prompts: Sequence[str], answers: Sequence[str]
) -> MetricSource:
    """Mean per-token KL(candidate || reference) over each answer (0 for an empty answer)."""
    import torch
    from transformers import AutoModelForCausalLM

    from training_scripts.hf_compat import load_tokenizer

    tokenizer = load_tokenizer(candidate_dir)
    candidate = AutoModelForCausalLM.from_pretrained(candidate_dir).eval()
    reference = AutoModelForCausalLM.from_pretrained(reference_dir).eval()
    if candidate.config.vocab_size != reference.config.vocab_size:
        raise DataError(
            f"baseline input {reference_dir}: vocabulary {reference.config.vocab_size} differs "
            f"from the candidate's {candidate.config.vocab_size}; kl_to_reference needs the "
            "model the policy started from"
        )
    limit = int(getattr(candidate.config, "max_position_embeddings", 0) or 2048)
    values: list[float] = []
    with torch.no_grad():
        for prompt, answer in zip(prompts, answers, strict=True):
            prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
            ids = (prompt_ids + answer_ids)[-limit:]
            n = min(len(answer_ids), len(ids) - 1)
            if n <= 0:
                values.append(0.0)
                continue
            batch = torch.tensor([ids])
            # Positions that predict the answer's tokens.
            log_c = torch.log_softmax(candidate(input_ids=batch).logits[0, -n - 1 : -1].float(), -1)
            log_r = torch.log_softmax(reference(input_ids=batch).logits[0, -n - 1 : -1].float(), -1)
            per_token = (log_c.exp() * (log_c - log_r)).sum(-1)
            values.append(float(per_token.mean()))
    return _mean(values)
