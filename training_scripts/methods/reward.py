"""Pairwise reward model (Bradley–Terry): P(chosen ≻ rejected) = σ(r(chosen) − r(rejected)).

A sequence-classification head with one output on the base model scores the last real token;
the loss is −log σ(r_c − r_r) (Ouyang et al., 2022, "Training language models to follow
instructions with human feedback"). Held-out pair accuracy = share of validation pairs ranked
the way the humans ranked them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoModelForSequenceClassification

from training_scripts.methods.causal_lm import hf_saver, parameter_counts
from training_scripts.model_source import RunContext, load_tokenizer, max_length, prepare
from training_scripts.token_batches import Rows, preference_rows
from training_scripts.training_loop import Task
from training_scripts.vocabulary.metrics import (
    EVAL_LOSS,
    EVAL_REWARD_ACCURACY,
    PADDING_WASTE,
    REWARD_ACCURACY,
)
from training_scripts.vocabulary.records import PreferenceExample

Batch = dict[str, torch.Tensor]


def pair_rewards(model: nn.Module, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Chosen and rejected rewards from one forward pass over both halves."""
    width = int(
        torch.cat([batch["chosen_attention_mask"], batch["rejected_attention_mask"]]).sum(1).max()
    )
    ids = torch.cat([batch["chosen_input_ids"], batch["rejected_input_ids"]])[:, :width]
    mask = torch.cat([batch["chosen_attention_mask"], batch["rejected_attention_mask"]])[:, :width]
    rewards = model(input_ids=ids, attention_mask=mask).logits.squeeze(-1)
    chosen, rejected = rewards.chunk(2)
    return chosen, rejected


def bradley_terry_loss(forward: nn.Module, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
    chosen, rejected = pair_rewards(forward, batch)
    loss = -F.logsigmoid(chosen - rejected).mean()
    return loss, {REWARD_ACCURACY: float((chosen > rejected).float().mean())}


def pair_accuracy(model: nn.Module, rows: Rows | None, device: torch.device):
    def evaluate() -> dict[str, float]:
        if rows is None:
            return {}
        batch = {k: v.to(device) for k, v in rows.tensors.items()}
        chosen, rejected = pair_rewards(model, batch)
        return {
            EVAL_REWARD_ACCURACY: float((chosen > rejected).float().mean()),
            EVAL_LOSS: float(-F.logsigmoid(chosen - rejected).mean()),
        }

    return evaluate


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    model = AutoModelForSequenceClassification.from_pretrained(run.model_source, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id  # the head reads the last non-pad token
    model = prepare(model, run)
    seq_length = max_length(model, run)
    pairs = [ex for ex in run.train if isinstance(ex, PreferenceExample)]
    rows = preference_rows(tokenizer, pairs, seq_length)
    held_out = [ex for ex in run.validation if isinstance(ex, PreferenceExample)]
    validation = preference_rows(tokenizer, held_out, seq_length) if held_out else None
    return Task(
        model=model,
        rows=rows,
        loss=bradley_terry_loss,
        save=hf_saver(model, tokenizer),
        evaluate=pair_accuracy(model, validation, run.dist.device),
        summary={PADDING_WASTE: rows.padding_waste, **parameter_counts(model)},
    )
