"""Llama-style model sizes by name: train.py's `architecture` hyperparameter (cpt from scratch),
the local base LM and teacher (pipelines/local/base_models.py) and the benchmarks."""

from __future__ import annotations

# Llama-style architectures by size. `tiny` trains at hundreds of steps/s on one CPU core.
ARCHITECTURES: dict[str, dict[str, int]] = {
    "tiny": dict(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
    ),
    # ~1M parameters: the local teacher for distillation, 5x the tiny base LM and a third of
    # `small`'s cost per token (its forward pass is most of a distill step).
    "mini": dict(
        hidden_size=128,
        intermediate_size=344,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
    ),
    "small": dict(
        hidden_size=256,
        intermediate_size=688,
        num_hidden_layers=4,
        num_attention_heads=8,
        num_key_value_heads=4,
        max_position_embeddings=512,
    ),
    # ~110M parameters with a 32k vocabulary (tied embeddings): the GPU benchmark size.
    "base": dict(
        hidden_size=768,
        intermediate_size=2048,
        num_hidden_layers=12,
        num_attention_heads=12,
        num_key_value_heads=12,
        max_position_embeddings=2048,
    ),
}
