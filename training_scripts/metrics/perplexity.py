"""Perplexity of the reference answers given their prompts: exp(mean negative log-likelihood).

Only answer tokens are scored (prompt tokens are masked with -100), so the number says how well
the model predicts what it should say, not how predictable the question was. The corpus value
pools tokens over examples (total NLL / total tokens), the usual definition for held-out text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from training_scripts.metrics.generation import LoadedModel, render_prompt
from training_scripts.vocabulary.records import InstructionExample


@dataclass(frozen=True)
class TokenLosses:
    nll: list[float]  # summed negative log-likelihood per example
    tokens: list[int]  # scored tokens per example

    def perplexity(self, indices: Sequence[int] | None = None) -> float:
        chosen = range(len(self.nll)) if indices is None else indices
        total_tokens = sum(self.tokens[i] for i in chosen)
        if total_tokens == 0:
            return float("nan")
        return math.exp(sum(self.nll[i] for i in chosen) / total_tokens)


def reference_losses(loaded: LoadedModel, examples: Sequence[InstructionExample]) -> TokenLosses:
    import torch

    tokenizer, model = loaded.tokenizer, loaded.model
    nll: list[float] = []
    tokens: list[int] = []
    for example in examples:
        prompt_ids = tokenizer(render_prompt(tokenizer, example.chat()), add_special_tokens=False)[
            "input_ids"
        ]
        answer_ids = tokenizer(example.completion, add_special_tokens=False)["input_ids"]
        if tokenizer.eos_token_id is not None:
            answer_ids = [*answer_ids, tokenizer.eos_token_id]
        # Keep the whole answer when it fits and cut the prompt from the left.
        answer_ids = answer_ids[: loaded.max_length - 1]
        prompt_ids = prompt_ids[-(loaded.max_length - len(answer_ids)) :] if prompt_ids else []
        input_ids = torch.tensor([prompt_ids + answer_ids], device=loaded.device)
        labels = input_ids.clone()
        labels[0, : len(prompt_ids)] = -100
        scored = int((labels[0, 1:] != -100).sum())  # the first position is never predicted
        if scored == 0:
            nll.append(0.0)
            tokens.append(0)
            continue
        with torch.no_grad():
            mean_loss = model(input_ids=input_ids, labels=labels).loss.float().item()
        nll.append(mean_loss * scored)
        tokens.append(scored)
    return TokenLosses(nll, tokens)
