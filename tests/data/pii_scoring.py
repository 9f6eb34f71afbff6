"""Per-type recall and precision of the PII engine on a labelled JSONL set (tests/data/pii_eval).

Recall: a labelled value counts as found when it no longer appears in the redacted text.
Precision: a detected span counts as right when it overlaps a labelled value of the same type.
Domain terms kept: share of the `keep` terms still present after redaction.
Over-redaction: per domain (a row's optional `domain`), the share of replaced spans that overlap
no labelled value of any type (replaced text that was not PII).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from training_scripts.governance.pii import PiiEngine

EVAL_DIR = Path(__file__).resolve().parent / "pii_eval"


@dataclass(frozen=True)
class Scores:
    recall: dict[str, float]
    precision: dict[str, float]
    counts: dict[str, int]
    terms_kept: float
    misses: list[tuple[str, str]]  # (type, value) left in the output
    false_positives: list[tuple[str, str]]  # (type, span) overlapping no labelled value
    lost_terms: list[str]
    replaced: dict[str, int]  # domain -> spans replaced
    over_redacted: dict[str, int]  # domain -> replaced spans that overlap no labelled value

    def over_redaction(self, domain: str) -> float:
        replaced = self.replaced.get(domain, 0)
        return self.over_redacted.get(domain, 0) / replaced if replaced else 0.0

    def summary(self, label: str) -> str:
        """Counts and rates only: a frozen set's misses are never to be looked at while tuning."""
        rounded = {k: round(v, 3) for k, v in self.recall.items()}
        over = {d: round(self.over_redaction(d), 3) for d in sorted(self.replaced)}
        return (
            f"\n{label} recall {rounded}"
            f"\n{label} precision { {k: round(v, 3) for k, v in self.precision.items()} }"
            f"\n{label} counts {self.counts}"
            f"\n{label} terms kept {round(self.terms_kept, 3)} misses {len(self.misses)}"
            f"\n{label} over-redaction {over}"
        )


def found(engine: PiiEngine, text: str) -> list[tuple[str, str]]:
    """(type, value) of every span the engine detects in `text`."""
    return [(r.entity_type, text[r.start : r.end]) for r in engine.detect([text])[0]]


def redacts(engine: PiiEngine, text: str, gone: list[str], kept: list[str]) -> None:
    """Every `gone` string is replaced in `text` and every `kept` one survives."""
    out = engine.anonymize([text])[0]
    assert all(g not in out for g in gone) and all(k in out for k in kept), out


def load(name: str) -> list[dict]:
    lines = (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _spans(text: str, value: str) -> list[tuple[int, int]]:
    found, start = [], text.find(value)
    while start >= 0:
        found.append((start, start + len(value)))
        start = text.find(value, start + 1)
    return found


def score(engine: PiiEngine, rows: list[dict]) -> Scores:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    misses, false_positives, lost = [], [], []
    replaced: Counter[str] = Counter()
    over: Counter[str] = Counter()
    kept = terms = 0
    for row in rows:
        text = row["text"]
        results = engine.detect([text])[0]
        out = engine.anonymize([text])[0]
        labelled = [(kind, span) for kind, value in row["pii"] for span in _spans(text, value)]
        for kind, value in row["pii"]:
            totals[kind] += 1
            if value in out:
                misses.append((kind, value))
            else:
                hits[kind] += 1
        domain = row.get("domain", "all")
        for result in results:
            kind = result.entity_type
            replaced[domain] += 1
            over[domain] += not any(s < result.end and result.start < e for _, (s, e) in labelled)
            detected[kind] += 1
            if any(k == kind and s < result.end and result.start < e for k, (s, e) in labelled):
                right[kind] += 1
            else:
                false_positives.append((kind, text[result.start : result.end]))
        terms += len(row["keep"])
        for term in row["keep"]:
            if term in out:
                kept += 1
            else:
                lost.append(term)
    kinds = sorted(totals)
    return Scores(
        recall={k: hits[k] / totals[k] for k in kinds},
        precision={k: right[k] / detected[k] if detected[k] else 1.0 for k in kinds},
        counts=dict(totals),
        terms_kept=kept / terms if terms else 1.0,
        misses=misses,
        false_positives=false_positives,
        lost_terms=lost,
        replaced=dict(replaced),
        over_redacted=dict(over),
    )
