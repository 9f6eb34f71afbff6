"""Evaluation metrics for generated text, each a thin wrapper over the library made for it.

text_overlap (rouge-score, sacrebleu), semantic (bert-score), perplexity, extraction (exact match /
token F1), safety (refusals on the red-team set, hallucination proxy), audit (Ground Truth human
review), model_quality (SageMaker model-quality JSON). `records` reads and checks the inputs;
every input problem is a `vocabulary.records.DataError`.
"""
