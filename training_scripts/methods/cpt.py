"""Continued pre-training (or pre-training from scratch): next-token loss on packed raw text."""

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
from training_scripts.training_records import TextExample


def build(run: RunContext) -> Task:
    corpus = [ex.text for ex in run.train if isinstance(ex, TextExample)]
    tokenizer = load_tokenizer(run, corpus)
    model = load_causal_lm(run, tokenizer)
    seq_length = max_length(model, run)
    rows = rows_for(tokenizer, run.train, seq_length)
    assert rows is not None
    validation = rows_for(tokenizer, run.validation, seq_length)
    return Task(
        model=model,
        rows=rows,
        loss=lm_loss,
        save=hf_saver(model, tokenizer),
        evaluate=eval_loss(model, validation, run.dist.device),
        summary={
            "padding_waste": rows.padding_waste,
            "from_scratch": not run.model_source,
            **parameter_counts(model),
        },
    )
