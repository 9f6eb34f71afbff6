"""LoRA via peft: low-rank adapters on the linear layers, base frozen.

The model dir gets the merged weights (a plain HF model evaluation and serving load as is) and
the adapter alone in `adapter/` (small, for serving many adapters on one base).
"""

from __future__ import annotations

from pathlib import Path

from peft import LoraConfig, get_peft_model

from training_scripts.methods.causal_lm import lm_task
from training_scripts.model_source import RunContext, load_causal_lm, load_tokenizer, max_length
from training_scripts.training_loop import Task

ADAPTER_DIR = "adapter"


def build(run: RunContext) -> Task:
    tokenizer = load_tokenizer(run)
    base = load_causal_lm(run, tokenizer)
    targets = run.hp.lora_target_modules
    config = LoraConfig(
        r=run.hp.lora_r,
        lora_alpha=run.hp.lora_alpha,
        lora_dropout=run.hp.lora_dropout,
        target_modules=targets if targets == "all-linear" else targets.split(","),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(base, config)
    seq_length = max_length(base, run)

    def save(out: Path) -> None:
        model.save_pretrained(out / ADAPTER_DIR)
        tokenizer.save_pretrained(out / ADAPTER_DIR)
        model.merge_and_unload().save_pretrained(out)
        tokenizer.save_pretrained(out)

    return lm_task(run, tokenizer, model, seq_length, save)
