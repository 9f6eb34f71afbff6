"""Names shared by evaluate.py and the pipeline's ConditionStep. Dependency-free on purpose.

The pipeline builder imports this module, so the keys the gate reads with JsonGet are the keys
evaluate.py writes to evaluation.json.
"""

from __future__ import annotations

EVALUATION_FILE = "evaluation.json"
MODEL_QUALITY_FILE = "model_quality.json"
# config.json `architectures[0]` of the evaluated model; registration records it so that serving
# can refuse what Bedrock Custom Model Import does not support.
MODEL_ARCHITECTURE_KEY = "model_architecture"

EVALUATION_KEYS = (
    "rouge1", "rouge2", "rougeL", "bleu",
    "bertscore_precision", "bertscore_recall", "bertscore_f1",
    "perplexity", "exact_match", "token_f1", "refusal_rate", "hallucination_rate",
    "num_examples",
)  # fmt: skip

# Gate parameter -> (evaluation.json key, comparison the gate applies).
GATE_PARAMETERS: dict[str, tuple[str, str]] = {
    "MinRougeL": ("rougeL", ">="),
    "MinBleu": ("bleu", ">="),
    "MinBertscoreF1": ("bertscore_f1", ">="),
    "MinRefusalRate": ("refusal_rate", ">="),
    "MaxHallucinationRate": ("hallucination_rate", "<="),
}
