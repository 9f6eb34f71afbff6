"""Method `reft`: LoReFT interventions (training_scripts/reft_model.py) on the frozen base."""

from __future__ import annotations

from pathlib import Path

from training_scripts.hf_compat import save_tokenizer
from training_scripts.methods.causal_lm import lm_task
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.reft_model import ReftModel
from training_scripts.training_loop import Task


def reft_layers(spec: str, count: int) -> list[int]:
    """`all` or comma-separated decoder layer indices (negative ones count from the end)."""
    if spec.strip() == "all":
        return list(range(count))
    try:
        chosen = [int(part) for part in spec.split(",")]
    except ValueError:
        raise ValueError(f"hyperparameter reft_layers = {spec!r}: use all or 0,1,...") from None
    if any(not -count <= layer < count for layer in chosen):
        raise ValueError(f"hyperparameter reft_layers = {spec!r}: the model has {count} layers")
    return [layer % count for layer in chosen]


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    base = load_causal_lm(run, tokenizer)
    layers = reft_layers(run.hp.reft_layers, base.config.num_hidden_layers)
    model = ReftModel(base, layers, run.hp.reft_rank)
    seq_length = max_length(base, run)

    def save(out: Path) -> None:
        model.save(out)
        save_tokenizer(tokenizer, out)

    return lm_task(run, tokenizer, model, seq_length, save)
