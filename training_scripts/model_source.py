"""Where the base model comes from: the `model` channel, a hub id, or a from-scratch preset."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import AutoModelForCausalLM, PreTrainedTokenizerBase

from training_scripts import hf_compat
from training_scripts.distributed import DistContext
from training_scripts.hyperparameters import Hyperparameters
from training_scripts.model_factory import init_causal_lm, train_bpe_tokenizer
from training_scripts.vocabulary.records import Example

SCRATCH_TOKENIZER = "tokenizer"  # kept beside the checkpoints so a resumed run reuses it


@dataclass
class RunContext:
    """Everything a method needs to build its task."""

    hp: Hyperparameters
    train: list[Example]
    validation: list[Example]
    model_source: str  # channel dir or hub id; "" = from scratch with hp.architecture
    dist: DistContext
    checkpoint_dir: Path
    teacher_source: str = ""
    reward_model_source: str = ""  # grpo: the `reward_model` channel dir, if any
    notes: dict[str, Any] = field(default_factory=dict)


def load_tokenizer(run: RunContext, corpus: list[str] | None = None) -> PreTrainedTokenizerBase:
    if run.model_source:
        tokenizer = hf_compat.load_tokenizer(run.model_source)
    else:
        saved = run.checkpoint_dir / SCRATCH_TOKENIZER
        if saved.is_dir():
            tokenizer = hf_compat.load_tokenizer(saved)
        else:
            # Every rank trains the same tokenizer from the same corpus (BPE is deterministic).
            tokenizer = train_bpe_tokenizer(corpus or [], run.hp.vocab_size, run.hp.max_seq_length)
            if run.dist.is_main:
                hf_compat.save_tokenizer(tokenizer, saved)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # common for hub causal LMs
    return tokenizer


def load_causal_lm(run: RunContext, tokenizer: PreTrainedTokenizerBase, source: str | None = None):
    source = run.model_source if source is None else source
    if source:
        model = AutoModelForCausalLM.from_pretrained(source)
    else:
        model = init_causal_lm(run.hp.architecture, tokenizer, seed=run.hp.seed)
    return prepare(model, run)


def prepare(model, run: RunContext):
    if model.config.pad_token_id is None:
        model.config.pad_token_id = model.config.eos_token_id
    if run.hp.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    return model.to(run.dist.device)


def max_length(model, run: RunContext) -> int:
    """max_seq_length, capped by what the model's position embeddings allow."""
    limit = getattr(model.config, "max_position_embeddings", None) or 10**9
    return min(run.hp.max_seq_length, int(limit))
