"""Pieces the next-token methods share: packed rows, causal-LM loss, eval loss, saving."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedTokenizerBase

from training_scripts.model_source import RunContext
from training_scripts.token_batches import (
    Rows,
    instruction_tokens,
    packed_rows,
    text_tokens,
)
from training_scripts.training_loop import Task
from training_scripts.vocabulary.metrics import (
    EVAL_LOSS,
    EVAL_PERPLEXITY,
    PADDING_WASTE,
    TRAINABLE_SHARE,
)
from training_scripts.vocabulary.records import Example, InstructionExample, TextExample

Batch = dict[str, torch.Tensor]


def rows_for(
    tokenizer: PreTrainedTokenizerBase, examples: list[Example], seq_length: int
) -> Rows | None:
    if not examples:
        return None
    if isinstance(examples[0], TextExample):
        # Pre-training text may be longer than a row: split it rather than lose tokens.
        seqs = [text_tokens(tokenizer, ex) for ex in examples if isinstance(ex, TextExample)]
        return packed_rows(seqs, seq_length, tokenizer.pad_token_id, split=True)
    seqs = [
        instruction_tokens(tokenizer, ex) for ex in examples if isinstance(ex, InstructionExample)
    ]
    return packed_rows(seqs, seq_length, tokenizer.pad_token_id, split=False)


def lm_loss(forward: nn.Module, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
    out = forward(
        input_ids=batch["input_ids"], position_ids=batch["position_ids"], labels=batch["labels"]
    )
    return out.loss, {}


def eval_loss(
    model: nn.Module, rows: Rows | None, device: torch.device, batch_size: int = 8
) -> Callable[[], dict[str, float]]:
    """Token-weighted validation loss (and perplexity) over every validation row."""

    def evaluate() -> dict[str, float]:
        if rows is None:
            return {}
        total, count = 0.0, 0
        for start in range(0, len(rows), batch_size):
            batch = {k: v[start : start + batch_size].to(device) for k, v in rows.tensors.items()}
            loss, _ = lm_loss(model, batch)
            tokens = int((batch["labels"][:, 1:] != -100).sum())
            total += float(loss) * tokens
            count += tokens
        mean = total / max(1, count)
        return {EVAL_LOSS: mean, EVAL_PERPLEXITY: float(torch.exp(torch.tensor(mean)))}

    return evaluate


def hf_saver(model: nn.Module, tokenizer: PreTrainedTokenizerBase) -> Callable[[Path], None]:
    def save(out: Path) -> None:
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)

    return save


def parameter_counts(model: nn.Module) -> dict[str, float]:
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {
        "trainable_parameters": trainable,
        "total_parameters": total,
        TRAINABLE_SHARE: trainable / max(1, total),
    }


def lm_task(
    run: RunContext,
    tokenizer: PreTrainedTokenizerBase,
    model: nn.Module,
    seq_length: int,
    save: Callable[[Path], None] | None = None,
    **summary: Any,
) -> Task:
    """The next-token task cpt, sft, lora and reft share: packed rows, LM loss, eval loss."""
    rows = rows_for(tokenizer, run.train, seq_length)
    assert rows is not None
    return Task(
        model=model,
        rows=rows,
        loss=lm_loss,
        save=save or hf_saver(model, tokenizer),
        evaluate=eval_loss(model, rows_for(tokenizer, run.validation, seq_length), run.dist.device),
        summary={PADDING_WASTE: rows.padding_waste, **parameter_counts(model), **summary},
    )
