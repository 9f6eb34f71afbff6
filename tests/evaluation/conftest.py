"""Evaluation fixtures: the BERTScore encoder is built once per session (it dominates cost)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def scorer():
    """The offline default BERTScorer (packaged MiniLM); later `bertscore()` calls reuse it."""
    import torch

    from training_scripts.metrics.semantic import load_scorer

    torch.set_num_threads(1)
    return load_scorer()
