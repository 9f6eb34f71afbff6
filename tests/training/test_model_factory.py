"""Scratch models: a tokenizer trained on the corpus and a preset-sized model that reload."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from training_scripts.model_factory import init_causal_lm, train_bpe_tokenizer
from training_scripts.vocabulary.architectures import ARCHITECTURES


def test_saved_tiny_model_and_tokenizer_reload_and_agree(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = tokenizer("The patient was prescribed metformin.", return_tensors="pt").input_ids
    assert tokenizer.decode(ids[0]) == "The patient was prescribed metformin."
    logits = model(ids).logits
    assert logits.shape == (1, ids.shape[1], len(tokenizer))
    assert torch.isfinite(logits).all()


def test_tokenizer_learns_frequent_words_as_single_tokens() -> None:
    tokenizer = train_bpe_tokenizer(["metformin lowers glucose"] * 50, vocab_size=300)
    assert len(tokenizer.tokenize("metformin")) == 1


def test_chat_template_renders_roles() -> None:
    tokenizer = train_bpe_tokenizer(["hello"] * 5, vocab_size=280)
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert text == "<|user|>\nhi\n<|assistant|>\n"


def test_unknown_preset_names_the_allowed_ones() -> None:
    tokenizer = train_bpe_tokenizer(["hello"] * 5, vocab_size=280)
    with pytest.raises(ValueError, match="must be one of " + ", ".join(ARCHITECTURES)):
        init_causal_lm("huge", tokenizer)
