"""Supervised instruction tuning of every weight; prompt tokens are masked out of the loss."""

from __future__ import annotations

from training_scripts.methods.causal_lm import lm_task
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.training_loop import Task


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    model = load_causal_lm(run, tokenizer)
    seq_length = max_length(model, run)
    return lm_task(run, tokenizer, model, seq_length)
