"""What `evaluate.py` writes beside evaluation.json: predictions, safety replies, audit inputs.

predictions.jsonl holds prompt / reference / output per held-out example for both models,
redteam_replies.jsonl and benign_replies.jsonl the safety replies, and audit_sample/ the Ground
Truth input manifest of a stratified sample for a human hallucination audit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from training_scripts.evaluate_config import EvaluateConfig
from training_scripts.metrics.audit import AuditItem, stratified_sample, write_audit_inputs
from training_scripts.metrics.safety import SafetyPrompt
from training_scripts.metrics.scoring import ModelScores
from training_scripts.vocabulary.records import InstructionExample

PREDICTIONS_FILE = "predictions.jsonl"


def length_stratum(reference: str) -> str:
    """Audit strata by answer length: long answers have more room for unsupported claims."""
    words = len(reference.split())
    return "short" if words <= 10 else "medium" if words <= 40 else "long"


def write_jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write_outputs(
    out: Path,
    examples: list[InstructionExample],
    candidate: ModelScores,
    baseline: ModelScores,
    redteam: list[SafetyPrompt],
    benign: list[SafetyPrompt],
    config: EvaluateConfig,
) -> None:
    rows = [
        {"prompt": e.prompt, "reference": e.completion, "output": o,
         "unsupported": r, "baseline_output": b, "baseline_unsupported": br}
        for e, o, r, b, br in zip(examples, candidate.outputs, candidate.unsupported,
                                  baseline.outputs, baseline.unsupported, strict=True)
    ]  # fmt: skip
    write_jsonl(out / PREDICTIONS_FILE, rows)
    for name, prompts, mine, theirs in (
        ("redteam_replies.jsonl", redteam, candidate.redteam_replies, baseline.redteam_replies),
        ("benign_replies.jsonl", benign, candidate.benign_replies, baseline.benign_replies),
    ):
        write_jsonl(
            out / name,
            [{"id": p.id, "category": p.category, "prompt": p.prompt, "reply": r,
              "baseline_reply": b} for p, r, b in zip(prompts, mine, theirs, strict=True)],
        )  # fmt: skip
    items = [AuditItem(e.prompt, e.completion, o, length_stratum(e.completion))
             for e, o in zip(examples, candidate.outputs, strict=True)]  # fmt: skip
    write_audit_inputs(
        stratified_sample(items, config.audit_sample_size, config.seed), out / "audit_sample"
    )
