"""LoReFT: a trainable low-rank edit of one decoder layer's hidden states; base weights frozen.

Φ(h) = h + Rᵀ(W h + b − R h) with R (rank × hidden) kept row-orthonormal (Wu et al., 2024,
"ReFT: Representation Finetuning for Language Models", https://arxiv.org/abs/2404.03592).
Applied at every position. pyreft is not used: it pins transformers 4.45 and breaks trl.
R uses the Cayley orthogonal map: torch's default Householder map collapses to zeros after one
AdamW step with weight decay.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.parametrizations import orthogonal
from transformers import AutoModelForCausalLM, PreTrainedModel

from training_scripts.methods.causal_lm import lm_task
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.training_loop import Task

REFT_DIR = "reft"


class LoReFT(nn.Module):
    def __init__(self, hidden: int, rank: int) -> None:
        super().__init__()
        self.rotate = orthogonal(nn.Linear(hidden, rank, bias=False), orthogonal_map="cayley")
        self.learned = nn.Linear(hidden, rank)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        rotation = self.rotate.weight
        return hidden + (self.learned(hidden) - hidden @ rotation.T) @ rotation


class ReftModel(nn.Module):
    """The frozen base with the intervention hooked onto decoder layer `layer`'s output."""

    def __init__(self, base: PreTrainedModel, layer: int, rank: int) -> None:
        super().__init__()
        base.requires_grad_(False)
        self.base, self.layer, self.rank = base, layer, rank
        self.intervention = LoReFT(base.config.hidden_size, rank).to(base.device)
        base.model.layers[layer].register_forward_hook(self._edit)

    def _edit(self, module: nn.Module, args: object, output: object) -> object:
        # transformers 5 decoder layers return a tensor; older ones a tuple led by it.
        if isinstance(output, tuple):
            return (self.intervention(output[0]), *output[1:])
        return self.intervention(output)

    def forward(self, **inputs: torch.Tensor):
        return self.base(**inputs)

    def save(self, out: Path) -> None:
        self.base.save_pretrained(out)
        (out / REFT_DIR).mkdir(parents=True, exist_ok=True)
        torch.save(self.intervention.state_dict(), out / REFT_DIR / "intervention.pt")
        config = {"layer": self.layer, "rank": self.rank}
        (out / REFT_DIR / "config.json").write_text(json.dumps(config))


def load_reft(model_dir: Path) -> ReftModel:
    """Base + intervention from a model dir `reft` wrote (evaluation and serving use this)."""
    config = json.loads((model_dir / REFT_DIR / "config.json").read_text())
    model = ReftModel(AutoModelForCausalLM.from_pretrained(model_dir), **config)
    state = torch.load(model_dir / REFT_DIR / "intervention.pt", weights_only=True)
    model.intervention.load_state_dict(state)
    return model.eval()


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    base = load_causal_lm(run, tokenizer)
    layers = base.config.num_hidden_layers
    layer = run.hp.reft_layer
    if layer >= layers:
        raise ValueError(f"hyperparameter reft_layer = {layer}: the model has {layers} layers")
    model = ReftModel(base, layers // 2 if layer < 0 else layer, run.hp.reft_rank)
    seq_length = max_length(base, run)

    def save(out: Path) -> None:
        model.save(out)
        tokenizer.save_pretrained(out)

    return lm_task(run, tokenizer, model, seq_length, save)
