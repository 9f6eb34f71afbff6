"""What `evaluate.py` is asked to do: one frozen dataclass is the schema (names, types, defaults).

The processing job passes `--name value` arguments; `parse_config` turns them into an
`EvaluateConfig` or exits 2 with one line naming the argument, the value and what is allowed.
deployment/settings.py takes the step's `max_examples`/`max_new_tokens` defaults from here, so
each default is stated once.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from training_scripts import tracking
from training_scripts.metrics.semantic import AUTO
from training_scripts.vocabulary.metrics import GATE_PARAMETERS


def _arg(default: object, help: str | None = None) -> Any:
    """A field whose metadata carries its `--help` line."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class EvaluateConfig:
    max_new_tokens: int = _arg(48, "tokens per generated answer")
    max_examples: int = _arg(200, "held-out examples scored (a seeded sample when more)")
    bertscore_model: str = _arg(
        AUTO,
        "encoder for BERTScore: a hub name or a local dir; 'auto' = packaged MiniLM when "
        "HF_HUB_OFFLINE=1, else roberta-large",
    )
    audit_sample_size: int = _arg(50, "outputs sampled for a human hallucination audit")
    seed: int = _arg(13, "sampling and bootstrap seed")
    method: str = _arg("", "training method, for the model card and the gate family")
    judge_model_id: str = _arg(
        "", "Bedrock model id of an LLM-as-a-judge faithfulness check (off when empty)"
    )
    # The gate's thresholds (pipeline parameter -> value), so the decision per rule is logged;
    # parsed from repeated `--threshold PARAMETER=VALUE` arguments.
    thresholds: Mapping[str, float] = field(default_factory=dict)


DEFAULTS = EvaluateConfig()
_AT_LEAST_ONE = ("max_new_tokens", "max_examples", "audit_sample_size")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Score the candidate against a baseline.")
    for spec in fields(EvaluateConfig):
        if spec.name == "thresholds":
            continue
        default = getattr(DEFAULTS, spec.name)
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=type(default),
            default=default,
            help=spec.metadata.get("help"),
        )
    parser.add_argument(
        tracking.THRESHOLD_ARG,
        action="append",
        default=[],
        metavar="PARAMETER=VALUE",
        help="a quality-gate threshold (the pipeline parameter's value), repeated per rule: "
        "the gate's decision per rule is logged to MLflow",
    )
    return parser


def parse_config(argv: Sequence[str] | None = None) -> EvaluateConfig:
    parser = _parser()
    args = parser.parse_args(argv)
    for name in _AT_LEAST_ONE:
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name)}: must be at least 1")
    values = {spec.name: getattr(args, spec.name) for spec in fields(EvaluateConfig)
              if spec.name != "thresholds"}  # fmt: skip
    return EvaluateConfig(**values, thresholds=_thresholds(parser, args.threshold))


def _thresholds(parser: argparse.ArgumentParser, given: list[str]) -> dict[str, float]:
    thresholds: dict[str, float] = {}
    for item in given:
        name, _, value = item.partition("=")
        try:
            if name not in GATE_PARAMETERS:
                raise ValueError(name)
            thresholds[name] = float(value)
        except ValueError:
            parser.error(f"{tracking.THRESHOLD_ARG} {item!r}: must be PARAMETER=NUMBER, "
                         f"PARAMETER one of {', '.join(GATE_PARAMETERS)}")  # fmt: skip
    return thresholds
