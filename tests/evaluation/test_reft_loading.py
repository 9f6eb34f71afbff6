"""Evaluation loads a ReFT model with its intervention, not the untrained base alone."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from training_scripts.methods.reft import ReftModel
from training_scripts.metrics.generation import load_model


def test_reft_model_dir_is_evaluated_with_its_intervention(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    reft = ReftModel(AutoModelForCausalLM.from_pretrained(tiny_model_dir), layer=1, rank=2)
    with torch.no_grad():  # a trained intervention is not the identity
        reft.intervention.learned.weight.normal_(std=0.5)
    reft.save(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    ids = tokenizer("metformin lowers glucose", return_tensors="pt").input_ids

    loaded = load_model(tmp_path)
    with torch.no_grad():
        evaluated = loaded.model(ids).logits
        expected = reft(input_ids=ids).logits
        base_only = AutoModelForCausalLM.from_pretrained(tmp_path)(ids).logits
    assert torch.allclose(evaluated, expected, atol=1e-5)
    assert not torch.allclose(evaluated, base_only, atol=1e-3)
