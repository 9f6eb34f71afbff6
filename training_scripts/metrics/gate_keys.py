"""Names shared by evaluate.py and the pipeline's ConditionStep. Dependency-free on purpose.

The pipeline builder imports this module, so the keys the gate reads with JsonGet are the keys
evaluate.py writes to evaluation.json.
"""

from __future__ import annotations

EVALUATION_FILE = "evaluation.json"
MODEL_QUALITY_FILE = "model_quality.json"

EVALUATION_KEYS = (
    "rouge1", "rouge2", "rougeL", "bleu",
    "bertscore_precision", "bertscore_recall", "bertscore_f1",
    "perplexity", "exact_match", "token_f1", "refusal_rate", "hallucination_rate",
    "pairwise_accuracy", "mean_margin", "num_pairs",
    "num_examples",
)  # fmt: skip

# Methods whose model is judged on held-out ranked pairs instead of generated text.
PREFERENCE_METHODS = ("reward", "dpo")

# Gate parameter -> (evaluation.json key, comparison the gate applies).
GATE_PARAMETERS: dict[str, tuple[str, str]] = {
    "MinRougeL": ("rougeL", ">="),
    "MinBleu": ("bleu", ">="),
    "MinBertscoreF1": ("bertscore_f1", ">="),
    "MinRefusalRate": ("refusal_rate", ">="),
    "MaxHallucinationRate": ("hallucination_rate", "<="),
    "MinPairwiseAccuracy": ("pairwise_accuracy", ">="),
    "MinMeanMargin": ("mean_margin", ">="),
}
# Which family of models each gate parameter judges: "text" (generated answers) or
# "preference" (reward and dpo models, scored on held-out ranked pairs).
GATE_FAMILY: dict[str, str] = {
    parameter: "preference" if key in ("pairwise_accuracy", "mean_margin") else "text"
    for parameter, (key, _) in GATE_PARAMETERS.items()
}
