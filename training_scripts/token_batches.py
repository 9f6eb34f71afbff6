"""Tokenize examples into training rows: packed causal-LM rows and padded preference pairs.

Packing uses trl's `pack_dataset` (best-fit-decreasing). Each packed row carries position_ids
that restart at every example; given position_ids and no attention mask, transformers builds a
block-diagonal causal mask, so packed examples never attend to each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from datasets import Dataset
from transformers import PreTrainedTokenizerBase
from trl import pack_dataset

from training_scripts.vocabulary.records import InstructionExample, PreferenceExample, TextExample

IGNORE = -100  # label value torch's cross-entropy skips


@dataclass
class Rows:
    """Training rows (first dim = row) plus how much of them is padding."""

    tensors: dict[str, torch.Tensor]
    padding_waste: float

    def __len__(self) -> int:
        return len(next(iter(self.tensors.values())))


def _ids(tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def text_tokens(
    tokenizer: PreTrainedTokenizerBase, example: TextExample
) -> tuple[list[int], list[int]]:
    ids = [*_ids(tokenizer, example.text), tokenizer.eos_token_id]
    return ids, list(ids)


def prompt_text(tokenizer: PreTrainedTokenizerBase, example: InstructionExample) -> str:
    """Conversations go through the model's chat template; plain prompts stay as written."""
    if example.messages and tokenizer.chat_template:
        messages = [{"role": role, "content": text} for role, text in example.messages]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return example.prompt


def instruction_tokens(
    tokenizer: PreTrainedTokenizerBase, example: InstructionExample
) -> tuple[list[int], list[int]]:
    """Prompt tokens are masked out of the loss: the model learns only to answer."""
    prompt = _ids(tokenizer, prompt_text(tokenizer, example))
    completion = [*_ids(tokenizer, example.completion), tokenizer.eos_token_id]
    return prompt + completion, [IGNORE] * len(prompt) + completion


def packed_rows(
    sequences: Sequence[tuple[list[int], list[int]]], seq_length: int, pad_id: int, split: bool
) -> Rows:
    """Pack (input_ids, labels) pairs into rows of `seq_length`; `split` keeps overflow tokens."""
    data = Dataset.from_dict(
        {"input_ids": [s[0] for s in sequences], "labels": [s[1] for s in sequences]}
    )
    packed = pack_dataset(data, seq_length, strategy="bfd_split" if split else "bfd")
    count = len(packed)
    input_ids = torch.full((count, seq_length), pad_id, dtype=torch.long)
    labels = torch.full((count, seq_length), IGNORE, dtype=torch.long)
    position_ids = torch.zeros((count, seq_length), dtype=torch.long)
    n_tokens = torch.zeros(count, dtype=torch.long)
    for row, record in enumerate(packed):
        used = len(record["input_ids"])
        input_ids[row, :used] = torch.tensor(record["input_ids"])
        labels[row, :used] = torch.tensor(record["labels"])
        positions = [torch.arange(n) for n in record["seq_lengths"]]
        # Padding continues the last example's positions so it never opens a new "sequence".
        tail = seq_length - used
        start = len(positions[-1])
        positions.append(torch.arange(start, start + tail))
        position_ids[row] = torch.cat(positions)
        n_tokens[row] = used
    waste = 1.0 - float(n_tokens.sum()) / max(1, count * seq_length)
    tensors = {
        "input_ids": input_ids,
        "labels": labels,
        "position_ids": position_ids,
        "n_tokens": n_tokens,
    }
    return Rows(tensors, waste)


def preference_rows(
    tokenizer: PreTrainedTokenizerBase, examples: Sequence[PreferenceExample], seq_length: int
) -> Rows:
    """Right-padded prompt+chosen and prompt+rejected sequences, one pair per row."""
    pairs: list[tuple[list[int], list[int]]] = []
    for ex in examples:
        prompt = _ids(tokenizer, ex.prompt)
        eos = [tokenizer.eos_token_id]
        # Keep the end when too long: the response is what the preference is about.
        chosen = (prompt + _ids(tokenizer, ex.chosen) + eos)[-seq_length:]
        rejected = (prompt + _ids(tokenizer, ex.rejected) + eos)[-seq_length:]
        pairs.append((chosen, rejected))
    width = max(max(len(c), len(r)) for c, r in pairs)
    pad = tokenizer.pad_token_id
    tensors: dict[str, torch.Tensor] = {}
    for side, index in (("chosen", 0), ("rejected", 1)):
        ids = torch.full((len(pairs), width), pad, dtype=torch.long)
        mask = torch.zeros((len(pairs), width), dtype=torch.long)
        for row, pair in enumerate(pairs):
            ids[row, : len(pair[index])] = torch.tensor(pair[index])
            mask[row, : len(pair[index])] = 1
        tensors[f"{side}_input_ids"] = ids
        tensors[f"{side}_attention_mask"] = mask
    tensors["n_tokens"] = tensors["chosen_attention_mask"].sum(1) + tensors[
        "rejected_attention_mask"
    ].sum(1)
    waste = 1.0 - float(tensors["n_tokens"].sum()) / (2 * len(pairs) * width)
    return Rows(tensors, waste)
