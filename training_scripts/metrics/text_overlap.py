"""N-gram overlap: ROUGE (rouge-score) and corpus BLEU (sacrebleu), called as their authors intend.

ROUGE is recall-oriented overlap from summarization; we report the F-measure averaged over
examples, with the Porter stemmer as in the original ROUGE-1.5.5 `-m` setting. BLEU is a corpus
statistic (clipped n-gram precision with a brevity penalty), so it is never averaged per sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sacrebleu
from rouge_score import rouge_scorer, tokenizers

from training_scripts.vocabulary.metrics import ROUGE_1, ROUGE_KEYS, ROUGE_L


@dataclass(frozen=True)
class RougeScores:
    """Per-example ROUGE F-measures, so callers can average any subset."""

    per_example: dict[str, list[float]]

    def mean(self, indices: Sequence[int] | None = None) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, values in self.per_example.items():
            chosen = values if indices is None else [values[i] for i in indices]
            out[name] = sum(chosen) / len(chosen) if chosen else 0.0
        return out


@lru_cache(maxsize=1)
def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)


def rouge(predictions: Sequence[str], references: Sequence[str]) -> RougeScores:
    scorer = _scorer()
    per_example: dict[str, list[float]] = {name: [] for name in ROUGE_KEYS}
    for prediction, reference in zip(predictions, references, strict=True):
        # rouge-score's argument order is (target, prediction).
        scores = scorer.score(reference, prediction)
        for name in ROUGE_KEYS:
            per_example[name].append(scores[name].fmeasure)
    return RougeScores(per_example)


def bleu(predictions: Sequence[str], references: Sequence[str]) -> float:
    """sacrebleu corpus BLEU (0-100) with one reference per prediction, default 13a tokenizer."""
    return float(sacrebleu.corpus_bleu(list(predictions), [list(references)]).score)


class CorpusBleu:
    """Per-sentence BLEU statistics, so corpus BLEU of any subset needs no re-tokenizing.

    sacrebleu's own corpus_score is `_aggregate_and_compute(_extract_corpus_statistics(...))`;
    the bootstrap calls the same two steps, extracting once and aggregating per resample (two
    thousand re-tokenizations of the whole set cost minutes on a busy CPU).
    """

    def __init__(self, predictions: Sequence[str], references: Sequence[str]) -> None:
        from sacrebleu.metrics import BLEU

        self._metric = BLEU()
        self._stats = self._metric._extract_corpus_statistics(list(predictions), [list(references)])

    def score(self, indices: Sequence[int] | None = None) -> float:
        chosen = self._stats if indices is None else [self._stats[i] for i in indices]
        return float(self._metric._aggregate_and_compute(chosen).score)


def has_words(text: str) -> bool:
    """Whether ROUGE's own tokenizer finds any word (letters or digits) in `text`."""
    return bool(tokenizers.DefaultTokenizer(use_stemmer=False).tokenize(text))


def unigram_precision(prediction: str, support: str) -> float:
    """Share of the prediction's (stemmed) unigrams that also occur in `support` (ROUGE-1 P)."""
    return _scorer().score(support, prediction)[ROUGE_1].precision


def longest_common_precision(prediction: str, source: str) -> float:
    """Share of the prediction's words that a longest common subsequence with `source` covers."""
    return _scorer().score(source, prediction)[ROUGE_L].precision
