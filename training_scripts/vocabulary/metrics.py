"""Metric names: what evaluate.py writes, what the quality gate reads, what training prints.

The pipeline builder reads the gate's keys from here with JsonGet and evaluate.py writes its
output under the same names, so a renamed metric changes both ends at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

# -- Evaluation (evaluation.json, model_quality.json, model_card.json) ----------------------
EVALUATION_FILE = "evaluation.json"
MODEL_QUALITY_FILE = "model_quality.json"
MODEL_CARD_FILE = "model_card.json"
# evaluation.json key holding the model card as a JSON string: RegisterModel passes it as
# CreateModelPackage ModelCard.ModelCardContent (a string) through JsonGet.
MODEL_CARD_CONTENT = "model_card_content"

# rouge-score's own type names double as our keys.
ROUGE_1, ROUGE_2, ROUGE_L = "rouge1", "rouge2", "rougeL"
BLEU = "bleu"
BERTSCORE_PRECISION = "bertscore_precision"
BERTSCORE_RECALL = "bertscore_recall"
BERTSCORE_F1 = "bertscore_f1"
PERPLEXITY = "perplexity"
EXACT_MATCH = "exact_match"
TOKEN_F1 = "token_f1"
# Share of held-out outputs that are empty, parrot the prompt, or whose words mostly occur in
# neither prompt nor reference: a word-overlap proxy, named for what it measures.
# Final: its literal type also names a HallucinationSource.
UNSUPPORTED_WORD_RATE: Final = "unsupported_word_rate"
REFUSAL_RATE = "refusal_rate"  # red-team prompts refused
OVER_REFUSAL_RATE = "over_refusal_rate"  # benign prompts refused
REFUSAL_DROP = "refusal_drop"  # baseline refusal_rate - candidate refusal_rate
# The best available hallucination measure: human audit > Bedrock judge > unsupported words.
HALLUCINATION_RATE = "hallucination_rate"
NUM_EXAMPLES = "num_examples"
# Reward and dpo models, on held-out ranked pairs (metrics/preference.py).
PAIRWISE_ACCURACY = "pairwise_accuracy"
MEAN_MARGIN = "mean_margin"
NUM_PAIRS = "num_pairs"
PAIR_SCORER = "pair_scorer"  # non-numeric: how the pairs were scored
# Policies optimized against a reward model (grpo): the reward model's mean score of the answers
# to held-out prompts (compared with the baseline like every compared metric), and the mean
# per-token KL(candidate || baseline) over the candidate's own answers.
REWARD_SCORE = "reward_score"
KL_TO_REFERENCE = "kl_to_reference"
NUM_REDTEAM = "num_redteam"
NUM_BENIGN = "num_benign"
# Non-numeric provenance evaluation.json carries beside the scores.
HALLUCINATION_RATE_SOURCE = "hallucination_rate_source"
# Where HALLUCINATION_RATE came from, best first: `fmops eval audit-ingest`'s human audit, the
# Bedrock judge (`--judge-model-id`), else the unsupported-word rate itself.
HallucinationSource = Literal["human_audit", "bedrock_judge", "unsupported_word_rate"]
BERTSCORE_MODEL = "bertscore_model"
# config.json `architectures[0]` of the evaluated model; registration records it so that serving
# can refuse what Bedrock Custom Model Import does not support.
MODEL_ARCHITECTURE = "model_architecture"

ROUGE_KEYS = (ROUGE_1, ROUGE_2, ROUGE_L)
BERTSCORE_KEYS = (BERTSCORE_PRECISION, BERTSCORE_RECALL, BERTSCORE_F1)
# Scores of predictions against references (evaluate.py and `fmops eval score`).
REFERENCE_SCORE_KEYS = (*ROUGE_KEYS, BLEU, *BERTSCORE_KEYS)
EXTRACTION_KEYS = (EXACT_MATCH, TOKEN_F1)
# Scored on the held-out set for candidate and baseline, paired per example. Every compared
# metric M is written as `M` (candidate), `baseline_M`, `M_gain` (candidate - baseline) and
# `M_gain_ci_low` / `M_gain_ci_high` (paired bootstrap interval of the gain).
COMPARED_METRICS = (
    *ROUGE_KEYS, BLEU, BERTSCORE_F1, PERPLEXITY, *EXTRACTION_KEYS, UNSUPPORTED_WORD_RATE,
)  # fmt: skip
# Scored on the red-team and the benign prompt sets for both models, paired per prompt.
SAFETY_METRICS = (REFUSAL_RATE, OVER_REFUSAL_RATE)
LOWER_IS_BETTER = frozenset({PERPLEXITY, UNSUPPORTED_WORD_RATE, OVER_REFUSAL_RATE})
# Every numeric key of evaluation.json that is not a baseline/gain key.
EVALUATION_KEYS = (
    *COMPARED_METRICS, *SAFETY_METRICS, BERTSCORE_PRECISION, BERTSCORE_RECALL,
    HALLUCINATION_RATE, REFUSAL_DROP, NUM_EXAMPLES, NUM_REDTEAM, NUM_BENIGN,
)  # fmt: skip
# Every numeric key of a pairwise (reward/dpo) evaluation.json: no baseline is scored for them.
PAIRWISE_KEYS = (PAIRWISE_ACCURACY, MEAN_MARGIN, NUM_PAIRS, NUM_EXAMPLES)
# A policy's evaluation.json holds EVALUATION_KEYS plus these (REWARD_SCORE compared as usual).
POLICY_KEYS = (REWARD_SCORE, KL_TO_REFERENCE)


def baseline_key(metric: str) -> str:
    return f"baseline_{metric}"


def gain_key(metric: str, bound: str = "") -> str:
    """`M_gain`, or with bound 'low'/'high' the paired bootstrap interval's end."""
    return f"{metric}_gain" + (f"_ci_{bound}" if bound else "")


# How a rule compares: the evaluation size, a floor or a ceiling on the candidate's own score,
# the lower end of the gain's interval, or the drop of the red-team refusal rate.
GateKind = Literal["size", "floor", "ceiling", "gain", "drop"]
# Which models a rule judges: "text" (continuation and generation families, by their answers),
# "pairwise" (reward and dpo, by held-out ranked pairs) or "policy" (grpo). evaluate.py writes
# only the keys of the model's family, so the gate branches on the method first.
GateFamily = Literal["text", "pairwise", "policy"]


@dataclass(frozen=True)
class GateRule:
    """One quality-gate ConditionStep: an evaluation.json value against a pipeline parameter."""

    parameter: str  # the pipeline parameter, e.g. MinRougeL
    key: str  # the evaluation.json value compared
    minimum: bool  # True: the value must be >= the threshold; False: <= the threshold
    settings_field: str  # the Settings.evaluation field that gives the parameter its default
    metric: str  # what the FailStep names
    kind: GateKind
    family: GateFamily = "text"
    # Other families the rule also judges (the safety rules judge policies too).
    also: tuple[GateFamily, ...] = ()

    def judges(self, family: str) -> bool:
        return family == self.family or family in self.also

    @property
    def baseline(self) -> str | None:
        """The evaluation.json key the FailStep quotes as the baseline's value, if any."""
        if self.kind == "size" or self.family == "pairwise":
            return None
        return baseline_key(self.metric)


def _rule(
    parameter: str,
    metric: str,
    kind: GateKind,
    settings_field: str,
    family: GateFamily = "text",
    also: tuple[GateFamily, ...] = (),
) -> GateRule:
    key = {"gain": gain_key(metric, "low"), "drop": REFUSAL_DROP}.get(kind, metric)
    minimum = kind in ("size", "floor", "gain")
    return GateRule(parameter, key, minimum, settings_field, metric, kind, family, also)


_POLICY: tuple[GateFamily, ...] = ("policy",)


# Order = the order the gate checks them; the first failing rule ends the run.
GATE_RULES = (
    _rule("MinEvalExamples", NUM_EXAMPLES, "size", "min_eval_examples", also=_POLICY),
    _rule("MinRougeL", ROUGE_L, "floor", "min_rouge_l"),
    _rule("MinBleu", BLEU, "floor", "min_bleu"),
    _rule("MinBertscoreF1", BERTSCORE_F1, "floor", "min_bertscore_f1"),
    _rule("MinRougeLGain", ROUGE_L, "gain", "min_rouge_l_gain"),
    _rule("MinBleuGain", BLEU, "gain", "min_bleu_gain"),
    _rule("MinBertscoreF1Gain", BERTSCORE_F1, "gain", "min_bertscore_f1_gain"),
    # Policies too: a grpo policy can raise a narrow reward model's score while its answers
    # drift from the references (docs/training.md, "RLHF": 0.50 -> 0.93); this ceiling refuses it.
    _rule(
        "MaxUnsupportedWordRate",
        UNSUPPORTED_WORD_RATE,
        "ceiling",
        "max_unsupported_word_rate",
        also=_POLICY,
    ),
    _rule("MinRefusalRate", REFUSAL_RATE, "floor", "min_refusal_rate", also=_POLICY),
    _rule("MaxRefusalDrop", REFUSAL_RATE, "drop", "max_refusal_drop", also=_POLICY),
    _rule(
        "MaxOverRefusalRate", OVER_REFUSAL_RATE, "ceiling", "max_over_refusal_rate", also=_POLICY
    ),
    _rule("MinPairwiseAccuracy", PAIRWISE_ACCURACY, "floor", "min_pairwise_accuracy", "pairwise"),
    _rule("MinMeanMargin", MEAN_MARGIN, "floor", "min_mean_margin", "pairwise"),
    # grpo: the reward model must prefer the candidate's answers to the baseline's (95% CI low).
    _rule("MinRewardGain", REWARD_SCORE, "gain", "min_reward_gain", "policy"),
)
GATE_PARAMETERS = tuple(rule.parameter for rule in GATE_RULES)


def family_rules(family: str) -> tuple[GateRule, ...]:
    """The rules that judge a family, in gate order."""
    return tuple(rule for rule in GATE_RULES if rule.judges(family))


def gate_family(evaluation: str) -> GateFamily:
    """The gate family of a method's evaluation kind (methods.Method.evaluation)."""
    if evaluation == "pairwise":
        return "pairwise"
    if evaluation == "policy":
        return "policy"
    return "text"


def gate_decisions(
    evaluation: Mapping[str, object], thresholds: Mapping[str, float], family: str
) -> list[dict[str, object]]:
    """What the pipeline's ConditionSteps decide, per rule of `family` whose threshold is
    given: `threshold_parameter`, `threshold`, `value` and `passed` (the same comparison as
    pipelines/quality_gate.py; a missing value fails, as the pipeline's JsonGet would)."""
    rows: list[dict[str, object]] = []
    for rule in family_rules(family):
        if rule.parameter not in thresholds:
            continue
        threshold, value = thresholds[rule.parameter], evaluation.get(rule.key)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        passed = number is not None and (
            number >= threshold if rule.minimum else number <= threshold
        )
        rows.append({"threshold_parameter": rule.parameter, "threshold": threshold,
                     "value": number, "passed": passed})  # fmt: skip
    return rows


# -- Training (`name=value;` lines train.py prints; the definition's metric regexes) --------
TRAIN_LOSS = "train_loss"
EVAL_LOSS = "eval_loss"
EVAL_PERPLEXITY = "eval_perplexity"
LEARNING_RATE = "learning_rate"
TOKENS_PER_SECOND = "tokens_per_second"
PADDING_WASTE = "padding_waste"
TRAINABLE_SHARE = "trainable_share"
DISTILL_KL = "distill_kl"
STUDENT_CE = "student_ce"  # printed beside distill_kl; not a metric definition
REWARD_ACCURACY = "reward_accuracy"
EVAL_REWARD_ACCURACY = "eval_reward_accuracy"
DPO_REWARD_ACCURACY = "dpo_reward_accuracy"
DPO_REWARD_MARGIN = "dpo_reward_margin"
# grpo, per logged step: mean total reward of the sampled answers, its two parts, and the
# per-token KL to the reference policy (trl's GRPOTrainer logs them).
GRPO_REWARD = "grpo_reward"
GRPO_MODEL_REWARD = "grpo_model_reward"
GRPO_RULE_REWARD = "grpo_rule_reward"
GRPO_KL = "grpo_kl"

# The pipeline turns these into metric definitions with contract.metric_definitions().
TRAINING_METRICS = (
    TRAIN_LOSS,
    EVAL_LOSS,
    EVAL_PERPLEXITY,
    LEARNING_RATE,
    TOKENS_PER_SECOND,
    PADDING_WASTE,
    TRAINABLE_SHARE,
    DISTILL_KL,
    REWARD_ACCURACY,
    EVAL_REWARD_ACCURACY,
    DPO_REWARD_ACCURACY,
    DPO_REWARD_MARGIN,
    GRPO_REWARD,
    GRPO_MODEL_REWARD,
    GRPO_RULE_REWARD,
    GRPO_KL,
)
