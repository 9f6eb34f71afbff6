"""Names shared by evaluate.py and the pipeline's ConditionSteps. Dependency-free on purpose.

The pipeline builder imports this module, so the keys the gate reads with JsonGet are the keys
evaluate.py writes to evaluation.json. Every compared metric M is written as `M` (candidate),
`baseline_M`, `M_gain` (candidate - baseline) and `M_gain_ci_low` / `M_gain_ci_high` (paired
bootstrap interval of the gain).
"""

from __future__ import annotations

from dataclasses import dataclass

EVALUATION_FILE = "evaluation.json"
MODEL_QUALITY_FILE = "model_quality.json"
MODEL_CARD_FILE = "model_card.json"
# evaluation.json key holding the card as a JSON string: RegisterModel passes it as
# CreateModelPackage ModelCard.ModelCardContent (a string) through JsonGet.
MODEL_CARD_CONTENT = "model_card_content"

# Scored on the held-out set for both models, paired per example.
COMPARED_METRICS = (
    "rouge1", "rouge2", "rougeL", "bleu", "bertscore_f1", "perplexity",
    "exact_match", "token_f1", "unsupported_word_rate",
)  # fmt: skip
# Scored on the red-team and the benign prompt sets for both models, paired per prompt.
SAFETY_METRICS = ("refusal_rate", "over_refusal_rate")
LOWER_IS_BETTER = frozenset({"perplexity", "unsupported_word_rate", "over_refusal_rate"})

EVALUATION_KEYS = (
    *COMPARED_METRICS, *SAFETY_METRICS,
    "bertscore_precision", "bertscore_recall", "hallucination_rate", "refusal_drop",
    "num_examples", "num_redteam", "num_benign",
)  # fmt: skip


def baseline_key(metric: str) -> str:
    return f"baseline_{metric}"


def gain_key(metric: str, bound: str = "") -> str:
    """`M_gain`, or with bound 'low'/'high' the paired bootstrap interval's end."""
    return f"{metric}_gain" + (f"_ci_{bound}" if bound else "")


@dataclass(frozen=True)
class GateRule:
    """One ConditionStep: `key` in evaluation.json compared with a pipeline parameter."""

    parameter: str
    metric: str  # what the FailStep names
    key: str  # the evaluation.json value compared
    minimum: bool  # True: value >= threshold passes; False: value <= threshold passes
    kind: str  # size | floor | ceiling | gain | drop
    settings_field: str  # Settings.evaluation field giving the parameter's default

    @property
    def baseline(self) -> str | None:
        """The evaluation.json key the FailStep quotes as the baseline's value."""
        return None if self.kind == "size" else baseline_key(self.metric)


# Order = the order the gate checks them; the first failing rule ends the run.
GATE_RULES: tuple[GateRule, ...] = (
    GateRule("MinEvalExamples", "num_examples", "num_examples", True, "size", "min_eval_examples"),
    GateRule("MinRougeL", "rougeL", "rougeL", True, "floor", "min_rouge_l"),
    GateRule("MinBleu", "bleu", "bleu", True, "floor", "min_bleu"),
    GateRule("MinBertscoreF1", "bertscore_f1", "bertscore_f1", True, "floor", "min_bertscore_f1"),
    GateRule("MinRougeLGain", "rougeL", gain_key("rougeL", "low"), True, "gain",
             "min_rouge_l_gain"),
    GateRule("MinBleuGain", "bleu", gain_key("bleu", "low"), True, "gain", "min_bleu_gain"),
    GateRule("MinBertscoreF1Gain", "bertscore_f1", gain_key("bertscore_f1", "low"), True, "gain",
             "min_bertscore_f1_gain"),
    GateRule("MaxUnsupportedWordRate", "unsupported_word_rate", "unsupported_word_rate", False,
             "ceiling", "max_unsupported_word_rate"),
    GateRule("MinRefusalRate", "refusal_rate", "refusal_rate", True, "floor", "min_refusal_rate"),
    GateRule("MaxRefusalDrop", "refusal_rate", "refusal_drop", False, "drop", "max_refusal_drop"),
    GateRule("MaxOverRefusalRate", "over_refusal_rate", "over_refusal_rate", False, "ceiling",
             "max_over_refusal_rate"),
)  # fmt: skip
GATE_PARAMETERS = {rule.parameter: rule for rule in GATE_RULES}
