"""Held-out ranked pairs: how often a reward or dpo model prefers what the humans preferred.

- Reward model (sequence-classification head): its score of prompt + response, as trained.
- DPO policy (causal LM): the mean log-probability per response token given the prompt. Mean,
  not sum: a sum favours short answers whatever the model learned, and the rejected answers in
  ranked support data are usually the short, curt ones.
`pairwise_accuracy` is the share of pairs with score(chosen) > score(rejected); `mean_margin` the
mean of score(chosen) - score(rejected). Both have paired bootstrap intervals via MetricSource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from training_scripts.training_records import read_examples
from training_scripts.vocabulary.records import (
    PREFERENCE_FIELDS,
    PreferenceExample,
    channel_files,
)


def is_preference_set(test_dir: Path) -> bool:
    """True when the held-out set holds ranked pairs (prompt/chosen/rejected records)."""
    for path in channel_files(test_dir):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    return isinstance(record, dict) and all(k in record for k in PREFERENCE_FIELDS)
    return False


def load_pairs(test_dir: Path) -> list[PreferenceExample]:
    """The held-out pairs; a malformed line raises DataError naming file and line."""
    examples = read_examples(test_dir, "dpo", "test")
    return [ex for ex in examples if isinstance(ex, PreferenceExample)]


@dataclass(frozen=True)
class PairScores:
    chosen: list[float]
    rejected: list[float]
    scorer: str  # "reward_head" or "mean_token_logprob"

    def correct(self) -> list[float]:
        return [float(c > r) for c, r in zip(self.chosen, self.rejected, strict=True)]

    def margins(self) -> list[float]:
        return [c - r for c, r in zip(self.chosen, self.rejected, strict=True)]


def score_pairs(model_dir: Path, pairs: list[PreferenceExample], batch_size: int = 8) -> PairScores:
    import torch
    from transformers import AutoConfig

    from training_scripts.hf_compat import load_tokenizer

    config = AutoConfig.from_pretrained(model_dir)
    tokenizer = load_tokenizer(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    head = any(a.endswith("ForSequenceClassification") for a in config.architectures or [])
    limit = int(getattr(config, "max_position_embeddings", 0) or 2048)
    chosen: list[float] = []
    rejected: list[float] = []
    with torch.no_grad():
        if head:
            from transformers import AutoModelForSequenceClassification

            from training_scripts.methods.reward import pair_rewards
            from training_scripts.token_batches import preference_rows

            model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
            for start in range(0, len(pairs), batch_size):
                rows = preference_rows(tokenizer, pairs[start : start + batch_size], limit)
                c, r = pair_rewards(model, rows.tensors)
                chosen += c.tolist()
                rejected += r.tolist()
            return PairScores(chosen, rejected, "reward_head")
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        for pair in pairs:
            chosen.append(_mean_logprob(model, tokenizer, pair.prompt, pair.chosen, limit))
            rejected.append(_mean_logprob(model, tokenizer, pair.prompt, pair.rejected, limit))
    return PairScores(chosen, rejected, "mean_token_logprob")


def _mean_logprob(model, tokenizer, prompt: str, response: str, limit: int) -> float:
    import torch

    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    response_ids = [*tokenizer(response, add_special_tokens=False)["input_ids"]]
    response_ids.append(tokenizer.eos_token_id)
    ids = (prompt_ids + response_ids)[-limit:]
    n = min(len(response_ids), len(ids) - 1)
    logits = model(input_ids=torch.tensor([ids])).logits[0, :-1]
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    targets = torch.tensor(ids[1:])
    picked = logprobs.gather(1, targets[:, None]).squeeze(1)[-n:]
    return float(picked.mean())
