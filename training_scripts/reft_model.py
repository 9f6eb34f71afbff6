"""LoReFT: trainable low-rank edits of decoder layers' hidden states; base weights frozen.

Φ(h) = h + Rᵀ(W h + b − R h) with R (rank × hidden) kept row-orthonormal (Wu et al., 2024,
"ReFT: Representation Finetuning for Language Models", https://arxiv.org/abs/2404.03592), one
intervention per chosen layer output and optionally one on the token embeddings (the residual
stream before the first layer), applied at every position. pyreft is not used: it pins
transformers 4.45 and breaks trl. R uses the Cayley orthogonal map: torch's default Householder
map collapses to zeros after one AdamW step with weight decay.

The model only, without the training machinery: evaluation and serving load it without
importing trl or peft.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import orthogonal
from transformers import AutoModelForCausalLM, PreTrainedModel

from training_scripts.hf_compat import decoder_hidden_states, with_decoder_hidden_states

REFT_DIR = "reft"
EMBEDDINGS = "embeddings"  # the intervention on the embedding output, beside layer indices


class LoReFT(nn.Module):
    def __init__(self, hidden: int, rank: int) -> None:
        super().__init__()
        self.rotate = orthogonal(nn.Linear(hidden, rank, bias=False), orthogonal_map="cayley")
        self.learned = nn.Linear(hidden, rank)
        # W = R, b = 0: the edit starts as the identity (as LoRA's B starts at zero), so step 0
        # is the base model. A random W made the tiny base LM worse before it learned anything
        # (support loss 3.48 -> 4.16 at rank 16) and ended 0.1-0.4 nats behind.
        with torch.no_grad():
            self.learned.weight.copy_(self.rotate.weight)
            self.learned.bias.zero_()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        rotation = self.rotate.weight
        return hidden + (self.learned(hidden) - hidden @ rotation.T) @ rotation

    def freeze(self) -> None:
        """Bake R into a plain weight: inference then skips the Cayley map, a linear solve that
        runs on every forward call and that CUDA cannot do in bf16."""
        if parametrize.is_parametrized(self.rotate):
            parametrize.remove_parametrizations(self.rotate, "weight", leave_parametrized=True)


class ReftModel(nn.Module):
    """The frozen base with one intervention hooked onto each of `layers`' outputs and, with
    `embeddings`, one on the embedding output."""

    def __init__(
        self, base: PreTrainedModel, layers: Sequence[int], rank: int, embeddings: bool = False
    ) -> None:
        super().__init__()
        count = base.config.num_hidden_layers
        if not (layers or embeddings) or any(not 0 <= layer < count for layer in layers):
            raise ValueError(f"ReFT layers {list(layers)}: the model has layers 0..{count - 1}")
        base.requires_grad_(False)
        self.base, self.layers, self.rank = base, sorted(set(layers)), rank
        self.embeddings = embeddings
        sites = [str(layer) for layer in self.layers] + ([EMBEDDINGS] if embeddings else [])
        self.interventions = nn.ModuleDict(
            {site: LoReFT(base.config.hidden_size, rank) for site in sites}
        ).to(base.device)
        for layer in self.layers:
            base.model.layers[layer].register_forward_hook(partial(self._edit, str(layer)))
        if embeddings:
            base.get_input_embeddings().register_forward_hook(self._edit_embeddings)

    def _edit(self, layer: str, module: nn.Module, args: object, output: object) -> object:
        edited = self.interventions[layer](decoder_hidden_states(output))
        return with_decoder_hidden_states(output, edited)

    def _edit_embeddings(self, module: nn.Module, args: object, output: torch.Tensor) -> object:
        return self.interventions[EMBEDDINGS](output)

    def forward(self, **inputs: torch.Tensor):
        return self.base(**inputs)

    def save(self, out: Path) -> None:
        self.base.save_pretrained(out)
        (out / REFT_DIR).mkdir(parents=True, exist_ok=True)
        torch.save(self.interventions.state_dict(), out / REFT_DIR / "intervention.pt")
        config = {"layers": self.layers, "rank": self.rank, "embeddings": self.embeddings}
        (out / REFT_DIR / "config.json").write_text(json.dumps(config))


def load_reft(model_dir: Path) -> ReftModel:
    """Base + interventions from a model dir `reft` wrote (evaluation and serving use this)."""
    config = json.loads((model_dir / REFT_DIR / "config.json").read_text())
    state = torch.load(model_dir / REFT_DIR / "intervention.pt", weights_only=True)
    if "layer" in config:  # written before several layers: one intervention, unprefixed keys
        config = {"layers": [config.pop("layer")], **config}
        state = {f"{config['layers'][0]}.{key}": value for key, value in state.items()}
    model = ReftModel(AutoModelForCausalLM.from_pretrained(model_dir), **config)
    model.interventions.load_state_dict(state)
    for intervention in model.interventions.values():
        intervention.freeze()
    return model.eval()
