"""Method `reft`: LoReFT interventions (training_scripts/reft_model.py) on the frozen base."""

from __future__ import annotations

from pathlib import Path

from training_scripts.hf_compat import save_tokenizer
from training_scripts.methods.causal_lm import lm_task
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.reft_model import EMBEDDINGS, ReftModel
from training_scripts.training_loop import Task


def reft_sites(spec: str, count: int) -> tuple[list[int], bool]:
    """(decoder layer indices, whether the embeddings too) for `all` (every layer and the
    embeddings) or a comma-separated list of `embeddings` and layer indices (negative ones count
    from the end)."""
    if spec.strip() == "all":
        return list(range(count)), True
    parts = [part.strip() for part in spec.split(",")]
    embeddings = EMBEDDINGS in parts
    try:
        chosen = [int(part) for part in parts if part != EMBEDDINGS]
    except ValueError:
        raise ValueError(
            f"hyperparameter reft_layers = {spec!r}: use all, or e.g. {EMBEDDINGS},0,-1"
        ) from None
    if any(not -count <= layer < count for layer in chosen):
        raise ValueError(f"hyperparameter reft_layers = {spec!r}: the model has {count} layers")
    if not (chosen or embeddings):
        raise ValueError(f"hyperparameter reft_layers = {spec!r}: name at least one site")
    return [layer % count for layer in chosen], embeddings


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    base = load_causal_lm(run, tokenizer)
    layers, embeddings = reft_sites(run.hp.reft_layers, base.config.num_hidden_layers)
    model = ReftModel(base, layers, run.hp.reft_rank, embeddings)
    seq_length = max_length(base, run)

    def save(out: Path) -> None:
        model.save(out)
        save_tokenizer(tokenizer, out)

    return lm_task(run, tokenizer, model, seq_length, save)
