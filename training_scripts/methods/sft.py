"""Supervised instruction tuning of every weight; prompt tokens are masked out of the loss."""

from __future__ import annotations

from training_scripts.methods.causal_lm import (
    eval_loss,
    hf_saver,
    lm_loss,
    parameter_counts,
    rows_for,
)
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.training_loop import Task


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    model = load_causal_lm(run, tokenizer)
    seq_length = max_length(model, run)
    rows = rows_for(tokenizer, run.train, seq_length)
    assert rows is not None
    return Task(
        model=model,
        rows=rows,
        loss=lm_loss,
        save=hf_saver(model, tokenizer),
        evaluate=eval_loss(model, rows_for(tokenizer, run.validation, seq_length), run.dist.device),
        summary={"padding_waste": rows.padding_waste, **parameter_counts(model)},
    )
