"""All reference-based scores of one set of predictions: ROUGE, BLEU and BERTScore together.

Used by `evaluate.py` (with subsample estimators for model_quality.json) and by `fmops eval score`
(flat summary), so both report the same numbers for the same texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from training_scripts.metrics.model_quality import MetricSource
from training_scripts.metrics.semantic import AUTO, BertScores, bertscore
from training_scripts.metrics.text_overlap import CorpusBleu, RougeScores, bleu, rouge
from training_scripts.vocabulary.metrics import BLEU


@dataclass(frozen=True)
class ReferenceScores:
    predictions: list[str]
    references: list[str]
    rouge: RougeScores
    bleu: float
    bert: BertScores

    @classmethod
    def compute(
        cls, predictions: Sequence[str], references: Sequence[str], bertscore_model: str = AUTO
    ) -> ReferenceScores:
        return cls(
            predictions=list(predictions),
            references=list(references),
            rouge=rouge(predictions, references),
            bleu=bleu(predictions, references),
            bert=bertscore(predictions, references, bertscore_model),
        )

    def _bleu_on(self, indices: Sequence[int]) -> float:
        corpus: CorpusBleu | None = getattr(self, "_corpus_bleu", None)
        if corpus is None:  # frozen dataclass: cache through object.__setattr__
            corpus = CorpusBleu(self.predictions, self.references)
            object.__setattr__(self, "_corpus_bleu", corpus)
        return corpus.score(indices)

    def summary(self) -> dict[str, float]:
        return {**self.rouge.mean(), BLEU: self.bleu, **self.bert.mean()}

    def sources(self) -> dict[str, MetricSource]:
        n = len(self.predictions)
        rouge_means, bert_means = self.rouge.mean(), self.bert.mean()
        sources = {
            name: MetricSource(value, n, partial(_mean_of, self.rouge.mean, name))
            for name, value in rouge_means.items()
        }
        sources[BLEU] = MetricSource(self.bleu, n, self._bleu_on)
        sources.update(
            {
                name: MetricSource(value, n, partial(_mean_of, self.bert.mean, name))
                for name, value in bert_means.items()
            }
        )
        return sources


def _mean_of(
    means: Callable[[Sequence[int]], dict[str, float]], name: str, indices: Sequence[int]
) -> float:
    """One metric's mean over `indices` (a subsample estimator for model_quality.json)."""
    return means(indices)[name]
