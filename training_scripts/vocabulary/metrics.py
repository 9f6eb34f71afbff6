"""Metric names: what evaluate.py writes, what the quality gate reads, what training prints.

The pipeline builder reads the gate's keys from here with JsonGet and evaluate.py writes its
output under the same names, so a renamed metric changes both ends at once.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- Evaluation (evaluation.json, model_quality.json) --------------------------------------
EVALUATION_FILE = "evaluation.json"
MODEL_QUALITY_FILE = "model_quality.json"

# rouge-score's own type names double as our keys.
ROUGE_1, ROUGE_2, ROUGE_L = "rouge1", "rouge2", "rougeL"
BLEU = "bleu"
BERTSCORE_PRECISION = "bertscore_precision"
BERTSCORE_RECALL = "bertscore_recall"
BERTSCORE_F1 = "bertscore_f1"
PERPLEXITY = "perplexity"
EXACT_MATCH = "exact_match"
TOKEN_F1 = "token_f1"
REFUSAL_RATE = "refusal_rate"
HALLUCINATION_RATE = "hallucination_rate"
NUM_EXAMPLES = "num_examples"
# Non-numeric provenance evaluation.json carries beside the scores.
HALLUCINATION_RATE_SOURCE = "hallucination_rate_source"
BERTSCORE_MODEL = "bertscore_model"

ROUGE_KEYS = (ROUGE_1, ROUGE_2, ROUGE_L)
BERTSCORE_KEYS = (BERTSCORE_PRECISION, BERTSCORE_RECALL, BERTSCORE_F1)
# Scores of predictions against references (evaluate.py and `fmops eval score`).
REFERENCE_SCORE_KEYS = (*ROUGE_KEYS, BLEU, *BERTSCORE_KEYS)
EXTRACTION_KEYS = (EXACT_MATCH, TOKEN_F1)
# Every numeric key of evaluation.json.
EVALUATION_KEYS = (
    *REFERENCE_SCORE_KEYS,
    PERPLEXITY,
    *EXTRACTION_KEYS,
    REFUSAL_RATE,
    HALLUCINATION_RATE,
    NUM_EXAMPLES,
)


@dataclass(frozen=True)
class GateRule:
    """One quality-gate threshold: a pipeline parameter compared with an evaluation.json key."""

    parameter: str  # the pipeline's Float parameter, e.g. MinRougeL
    key: str  # the evaluation.json key it is compared with
    minimum: bool  # True: the value must be >= the threshold; False: <= the threshold
    settings_field: str  # the Settings.evaluation field that gives the parameter its default


GATE_RULES = (
    GateRule("MinRougeL", ROUGE_L, True, "min_rouge_l"),
    GateRule("MinBleu", BLEU, True, "min_bleu"),
    GateRule("MinBertscoreF1", BERTSCORE_F1, True, "min_bertscore_f1"),
    GateRule("MinRefusalRate", REFUSAL_RATE, True, "min_refusal_rate"),
    GateRule("MaxHallucinationRate", HALLUCINATION_RATE, False, "max_hallucination_rate"),
)
GATE_PARAMETERS = tuple(rule.parameter for rule in GATE_RULES)

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
)
