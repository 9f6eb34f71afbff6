"""Score answers with a learned reward model, exactly as `Method=reward` trained it.

The reward model (methods/reward.py) read prompt tokens + response tokens + EOS and scores the
last real token; GRPO's training rewards and evaluate.py's `reward_score` both call
`RewardScorer.score`, so the policy is optimized and judged on the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from training_scripts import hf_compat

REWARD_HEAD_SUFFIX = "ForSequenceClassification"
# Where a grpo job keeps the reward model beside the policy (model dir) and a fitted one
# between restarts (checkpoint dir); Evaluate reads it from the candidate's model dir.
REWARD_MODEL_DIR = "reward_model"


def is_reward_model(directory: str | Path) -> bool:
    """True when `directory` holds a one-output sequence-classification model (Method=reward)."""
    config_file = Path(directory) / "config.json"
    if not config_file.is_file():
        return False
    config = json.loads(config_file.read_text(encoding="utf-8"))
    architectures = config.get("architectures") or []
    labels = config.get("num_labels", len(config.get("id2label") or {}) or 1)
    return any(a.endswith(REWARD_HEAD_SUFFIX) for a in architectures) and labels == 1


class RewardScorer:
    """A reward model and its tokenizer; `score` is batched and gradient-free."""

    def __init__(self, model_dir: str | Path, device: torch.device | None = None) -> None:
        from transformers import AutoModelForSequenceClassification

        self.tokenizer = hf_compat.load_tokenizer(model_dir)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
        self.device = device or torch.device("cpu")
        self.model.to(self.device)
        self.limit = int(getattr(self.model.config, "max_position_embeddings", 0) or 2048)

    def _ids(self, prompt: str, response: str) -> list[int]:
        encode = self.tokenizer
        ids = encode(prompt, add_special_tokens=False)["input_ids"]
        ids += encode(response, add_special_tokens=False)["input_ids"]
        # Keep the end when too long: the response is what the reward is about.
        return [*ids, self.tokenizer.eos_token_id][-self.limit :]

    @torch.no_grad()
    def score(
        self, prompts: Sequence[str], responses: Sequence[str], batch_size: int = 16
    ) -> list[float]:
        scores: list[float] = []
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(prompts), batch_size):
            rows = [
                self._ids(p, r)
                for p, r in zip(
                    prompts[start : start + batch_size],
                    responses[start : start + batch_size],
                    strict=True,
                )
            ]
            width = max(len(r) for r in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for i, row in enumerate(rows):
                ids[i, : len(row)] = torch.tensor(row)
                mask[i, : len(row)] = 1
            logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device))
            scores += logits.logits.squeeze(-1).float().tolist()
        return scores
