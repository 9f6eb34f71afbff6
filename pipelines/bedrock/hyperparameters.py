"""Hyperparameter names and ranges per base model and customization type (cited per table).

Fine-tuning, continued pre-training and distillation take `hyperParameters`, a map of strings;
reinforcement fine-tuning takes `customizationConfig.rftConfig.hyperParameters`, a typed
structure whose ranges botocore's Bedrock model carries (the API's own shape, read, not copied).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

DOCS = "https://docs.aws.amazon.com/bedrock/latest/userguide"
HP_TITAN = f"{DOCS}/cm-hp-titan-text.html"
HP_NOVA = f"{DOCS}/cm-hp-nova-mm.html"
HP_LLAMA31 = f"{DOCS}/cm-hp-meta-llama31.html"
HP_LLAMA32 = f"{DOCS}/cm-hp-meta-llama32.html"
HP_COHERE = f"{DOCS}/cm-hp-cohere-command.html"
# "Anthropic Claude 3 model customization hyperparameters".
HP_CLAUDE = f"{DOCS}/cm-hp-anth-claude-3.html"
# Bedrock API reference, "RFTHyperParameters": the ranges botocore's shape carries.
HP_RFT = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTHyperParameters.html"


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    kind: type  # int, float or str; Bedrock takes fine-tuning values as strings
    minimum: float | None = None
    maximum: float | None = None
    default: float | None = None
    choices: tuple[str, ...] = ()  # for kind=str: the allowed values

    def check(self, raw: str) -> str | None:
        """None when `raw` is acceptable, else the reason it is not."""
        if self.kind is str:
            return None if raw in self.choices else f"must be one of {', '.join(self.choices)}"
        try:
            value = self.kind(raw)
        except ValueError:
            return f"must be {'an integer' if self.kind is int else 'a number'}"
        low = self.minimum if self.minimum is not None else float("-inf")
        high = self.maximum if self.maximum is not None else float("inf")
        if not low <= value <= high:
            if self.maximum is None:
                return f"must be at least {low:g}"
            return f"must be between {low:g} and {high:g}"
        return None

    def typed(self, raw: str) -> str | int | float:
        """The value as the typed RFT structure wants it (after `check` passed)."""
        return raw if self.kind is str else self.kind(raw)


def _hp(name: str, kind: type, lo: float, hi: float, default: float) -> Hyperparameter:
    return Hyperparameter(name, kind, lo, hi, default)


# Titan Text Express / Lite (cm-hp-titan-text, "Lite and Express" table).
TITAN_HP = (
    _hp("epochCount", int, 1, 10, 5),
    _hp("batchSize", int, 1, 64, 1),
    _hp("learningRate", float, 0.0, 1.0, 1e-5),
    _hp("learningRateWarmupSteps", int, 0, 250, 5),
)
# Titan Text Premier (cm-hp-titan-text, Premier table).
TITAN_PREMIER_HP = (
    _hp("epochCount", int, 1, 5, 2),
    _hp("batchSize", int, 1, 1, 1),
    _hp("learningRate", float, 1e-7, 1e-5, 1e-6),
    _hp("learningRateWarmupSteps", int, 0, 20, 5),
)
NOVA_HP = (
    _hp("epochCount", int, 1, 5, 2),
    _hp("learningRate", float, 1e-6, 1e-4, 1e-5),
    _hp("learningRateWarmupSteps", int, 0, 100, 10),
)
LLAMA_HP = (
    _hp("epochCount", int, 1, 10, 5),
    _hp("batchSize", int, 1, 1, 1),
    _hp("learningRate", float, 5e-6, 0.1, 1e-4),
)


def cohere_hp(max_batch: int) -> tuple[Hyperparameter, ...]:
    return (
        _hp("epochCount", int, 1, 100, 1),
        _hp("batchSize", int, 8, max_batch, 8),
        _hp("learningRate", float, 5e-6, 0.1, 1e-5),
        _hp("earlyStoppingThreshold", float, 0.0, 0.1, 0.01),
        _hp("earlyStoppingPatience", int, 1, 10, 6),
        _hp("evalPercentage", float, 5, 50, 20),
    )


# Claude 3 Haiku (cm-hp-anth-claude-3): the learning rate is a multiplier of the service's own,
# and early stopping is tuned on the validation loss.
CLAUDE_HP = (
    _hp("epochCount", int, 1, 10, 2),
    _hp("batchSize", int, 4, 256, 32),
    _hp("learningRateMultiplier", float, 0.1, 2, 1),
    _hp("earlyStoppingThreshold", float, 0.0, 0.1, 0.001),
    _hp("earlyStoppingPatience", int, 1, 10, 2),
)

_BOTO_KINDS = {"integer": int, "float": float, "double": float, "string": str}


@cache
def rft_hyperparameters() -> tuple[Hyperparameter, ...]:
    """RFTHyperParameters as botocore's Bedrock model states it: names, types, ranges, enums.

    maxPromptLength and inferenceMaxTokens have no published range: any positive integer.
    """
    import botocore.session

    service = botocore.session.get_session().get_service_model("bedrock")
    shape = service.shape_for("RFTHyperParameters")
    found = []
    for name, member in shape.members.items():
        kind = _BOTO_KINDS[member.type_name]
        low = member.metadata.get("min", 1 if kind is int else None)
        found.append(
            Hyperparameter(
                name,
                kind,
                low,
                member.metadata.get("max"),
                choices=tuple(getattr(member, "enum", None) or ()),
            )
        )
    return tuple(found)
