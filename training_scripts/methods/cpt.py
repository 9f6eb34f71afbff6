"""Continued pre-training (or pre-training from scratch): next-token loss on packed raw text."""

from __future__ import annotations

from training_scripts.methods.causal_lm import lm_task
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.training_loop import Task
from training_scripts.vocabulary.records import TextExample


def build(run: RunContext) -> Task:
    corpus = [ex.text for ex in run.train if isinstance(ex, TextExample)]
    tokenizer = load_tokenizer(run, corpus)
    model = load_causal_lm(run, tokenizer)
    seq_length = max_length(model, run)
    return lm_task(run, tokenizer, model, seq_length, from_scratch=not run.model_source)
