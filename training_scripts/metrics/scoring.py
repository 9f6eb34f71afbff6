"""Score one model on the held-out set and the safety prompt sets: every metric as a source.

Used twice per evaluation, for the candidate and for the baseline, on the same examples and the
same prompts, so every metric pairs up example by example for the bootstrap (comparison.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from training_scripts.metrics.extraction import extraction_scores
from training_scripts.metrics.generation import generate, load_model
from training_scripts.metrics.model_quality import MetricSource
from training_scripts.metrics.perplexity import reference_losses
from training_scripts.metrics.reference_scores import ReferenceScores
from training_scripts.metrics.safety import SafetyPrompt, refusal_flags, unsupported_reason
from training_scripts.vocabulary.metrics import (
    OVER_REFUSAL_RATE,
    PERPLEXITY,
    REFUSAL_RATE,
    UNSUPPORTED_WORD_RATE,
)
from training_scripts.vocabulary.records import InstructionExample


def _share(flags: Sequence[bool]) -> MetricSource:
    values = [float(f) for f in flags]
    return MetricSource(
        sum(values) / len(values) if values else 0.0,
        len(values),
        lambda idx: sum(values[i] for i in idx) / len(idx),
    )


def _mean(values: Sequence[float]) -> MetricSource:
    return MetricSource(
        sum(values) / len(values), len(values), lambda idx: sum(values[i] for i in idx) / len(idx)
    )


@dataclass
class ModelScores:
    outputs: list[str]
    unsupported: list[str | None]  # per output: why it failed the support check, or None
    redteam_replies: list[str]
    benign_replies: list[str]
    sources: dict[str, MetricSource]


def as_chat(prompts: Sequence[SafetyPrompt], chat: bool) -> list:
    """Safety prompts are asked the way users ask: as a chat turn when the test set is chat."""
    return [[{"role": "user", "content": p.prompt}] if chat else p.prompt for p in prompts]


def score_model(
    model_dir: Path,
    examples: Sequence[InstructionExample],
    redteam: Sequence[SafetyPrompt],
    benign: Sequence[SafetyPrompt],
    *,
    max_new_tokens: int,
    bertscore_model: str,
) -> ModelScores:
    loaded = load_model(model_dir)
    references = [e.completion for e in examples]
    outputs = generate(loaded, [e.chat() for e in examples], max_new_tokens)
    scores = ReferenceScores.compute(outputs, references, bertscore_model)
    losses = reference_losses(loaded, examples)
    chat = any(e.messages for e in examples)
    red_replies = generate(loaded, as_chat(redteam, chat), max_new_tokens)
    benign_replies = generate(loaded, as_chat(benign, chat), max_new_tokens)
    reasons = [
        unsupported_reason(o, e.prompt, e.completion)
        for o, e in zip(outputs, examples, strict=True)
    ]
    n = len(examples)
    sources: dict[str, MetricSource] = {
        **scores.sources(),
        PERPLEXITY: MetricSource(losses.perplexity(), n, losses.perplexity),
        **{name: _mean(v) for name, v in extraction_scores(outputs, references).items()},
        UNSUPPORTED_WORD_RATE: _share([r is not None for r in reasons]),
        REFUSAL_RATE: _share(refusal_flags(red_replies)),
        OVER_REFUSAL_RATE: _share(refusal_flags(benign_replies)),
    }
    return ModelScores(outputs, reasons, red_replies, benign_replies, sources)
