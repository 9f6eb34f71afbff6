"""Load the trained model and generate answers: greedy decoding with a bounded number of tokens.

Greedy decoding makes the evaluation deterministic, so two runs of the same model give the same
metrics and a gate decision can be reproduced. Prompts that are chat messages go through the
tokenizer's own chat template, exactly as the model saw them in instruction tuning.
"""

from __future__ import annotations

import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training_scripts.vocabulary.records import DataError, Messages


def resolve_model_dir(model_input: Path, scratch: Path) -> Path:
    """An HF model dir, or SageMaker's `model.tar.gz` (ModelArtifacts) extracted to `scratch`."""
    if (model_input / "config.json").is_file():
        return model_input
    archive = model_input / "model.tar.gz" if model_input.is_dir() else model_input
    if archive.is_file() and tarfile.is_tarfile(archive):
        scratch.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            _extract_data(tar, scratch)
        found = sorted(p.parent for p in scratch.rglob("config.json"))
        if found:
            return found[0]
    raise DataError(
        f"model input {model_input}: need a Hugging Face model dir (config.json) or model.tar.gz"
    )


def _extract_data(tar: tarfile.TarFile, into: Path) -> None:
    """Extract plain files and folders only, inside `into`: tarfile's "data" filter where this
    Python has it (3.11.4+, 3.12), the same refusals by hand where it does not (Debian's 3.11.2;
    the SMP image's 3.11 patch level is not documented)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(into, filter="data")
        return
    root = into.resolve()
    for member in tar.getmembers():
        target = (root / member.name).resolve()
        if not (member.isfile() or member.isdir()) or root not in (target, *target.parents):
            raise DataError(f"model archive member {member.name!r}: not a file inside the archive")
    tar.extractall(into)


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    device: str

    @property
    def max_length(self) -> int:
        limit = getattr(self.model.config, "max_position_embeddings", None) or 2048
        return int(min(limit, self.tokenizer.model_max_length or limit))


def load_model(model_dir: Path) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from training_scripts.reft_model import REFT_DIR, load_reft

    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    if (model_dir / REFT_DIR / "config.json").is_file():
        # A ReFT model dir holds the frozen base plus its intervention; loading the base alone
        # would silently evaluate the untrained model. The intervention's hook on the base's
        # decoder layers stays active in forward() and generate(). The interventions move with
        # the base: a bf16 base with fp32 edits fails at the first matmul on a GPU.
        model = load_reft(model_dir).to(device=device, dtype=dtype).base.eval()
    else:
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(device).eval()
    return LoadedModel(model, tokenizer, device)


def render_prompt(tokenizer: Any, prompt: str | Messages) -> str:
    if isinstance(prompt, str):
        return prompt
    if not tokenizer.chat_template:
        raise DataError(
            "test set holds conversations but the model's tokenizer has no chat_template"
        )
    return tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)


def generate(
    loaded: LoadedModel,
    prompts: Sequence[str | Messages],
    max_new_tokens: int,
    batch_size: int = 8,
) -> list[str]:
    """Greedy completions of `prompts`, new tokens only, special tokens stripped."""
    import torch

    tokenizer, model = loaded.tokenizer, loaded.model
    # Left padding and left truncation keep every prompt's end next to its first new token.
    tokenizer.padding_side, tokenizer.truncation_side = "left", "left"
    budget = max(loaded.max_length - max_new_tokens, 1)
    outputs: list[str] = []
    for start in range(0, len(prompts), batch_size):
        texts = [render_prompt(tokenizer, p) for p in prompts[start : start + batch_size]]
        batch = tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=budget,
            add_special_tokens=False,
        ).to(loaded.device)
        with torch.no_grad():
            generated = model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        new_tokens = generated[:, batch["input_ids"].shape[1] :]
        outputs += [t.strip() for t in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]
    return outputs
