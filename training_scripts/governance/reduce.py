"""The order-dependent half of curation (the "reduce"), from the shards' files alone.

Signatures are replayed in global input order: a row that failed a per-row check keeps that
reason; then contradicting preference pairs, exact duplicates and near-duplicates (MinHash LSH)
are decided exactly as one process reading the whole corpus would. The result is a drop list;
the curated set is the shards' rows minus the drop list, minus backdoor-trigger rows, split.
"""

from __future__ import annotations

import base64
import heapq
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from training_scripts.governance.dedup import ExactDeduper, NearIndex
from training_scripts.governance.govern import order_key
from training_scripts.governance.poisoning import ContradictionIndex, TriggerDetector
from training_scripts.governance.records import Example

Key = tuple[tuple[str, ...], int]
# Stage names in the manifest, in the order a row meets them.
STAGES = ("quality", "poisoning", "dedup_exact", "dedup_near")


def _merged(shard_dir: Path, kind: str) -> Iterator[dict]:
    """Every shard's `kind` records in global order (each file is already in order)."""
    files = sorted(shard_dir.rglob(f"{kind}-*.jsonl"))

    def read(path: Path) -> Iterator[tuple[Key, dict]]:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                yield order_key(*record["k"]), record

    for _, record in heapq.merge(*(read(p) for p in files), key=lambda item: item[0]):
        yield record


def shard_inputs(shard_dir: Path) -> list[dict]:
    found = [item for p in shard_dir.rglob("inputs-*.json") for item in json.loads(p.read_text())]
    return sorted(found, key=lambda item: order_key(item["path"], 0))


def find_drops(
    shard_dir: Path, task: str, threshold: float, spill_dir: Path | None, drop_list: TextIO
) -> tuple[dict[Key, list[str]], Counter[str]]:
    """Rows to drop (key -> reasons) and how many rows each stage removed (plus "read")."""
    exact, near = ExactDeduper(spill_dir), NearIndex(threshold, spill_dir)
    contradictions = ContradictionIndex()
    drops: dict[Key, list[str]] = {}
    stages: Counter[str] = Counter()
    for sig in _merged(shard_dir, "signatures"):
        stages["read"] += 1
        stage, reasons = _decide(sig, task, exact, near, contradictions)
        if reasons:
            key = order_key(*sig["k"])
            drops[key] = reasons
            stages[f"removed_{stage}"] += 1
            source, line = sig["where"].rsplit(":", 1)
            record = {"source": source, "line": int(line), "stage": stage, "reasons": reasons}
            drop_list.write(json.dumps(record) + "\n")
    return drops, stages


def _decide(
    sig: dict, task: str, exact: ExactDeduper, near: NearIndex, contra: ContradictionIndex
) -> tuple[str, list[str]]:
    if sig["quality"]:
        return "quality", sig["quality"]
    found = list(sig["poisoning"])
    if task == "preference":
        prompt, chosen, rejected = sig["contra"]
        other = contra.seen_flipped(prompt, chosen, rejected, sig["where"])
        found += [f"preference:contradicts {other}"] if other else []
    if found:
        return "poisoning", found
    first = exact.first_seen_key(bytes.fromhex(sig["exact"]), sig["where"])
    if first:
        return "dedup_exact", [f"duplicate:exact of {first}"]
    values = np.frombuffer(base64.b64decode(sig["minhash"]), dtype=np.uint64)
    first = near.near_duplicate_of(values, sig["where"])
    if first:
        return "dedup_near", [f"duplicate:near of {first}"]
    return "", []


def merged_rows(shard_dir: Path) -> Iterator[tuple[Key, dict, Example]]:
    for row in _merged(shard_dir, "rows"):
        yield order_key(*row["k"]), row, Example(row["source"], row["line"], row["texts"])


def kept_rows(shard_dir: Path, drops: dict[Key, list[str]]) -> Iterator[tuple[int, Example]]:
    """Surviving rows numbered 0.. in global order (what the trigger detector indexes)."""
    position = 0
    for key, _, ex in merged_rows(shard_dir):
        if key not in drops:
            yield position, ex
            position += 1


def trigger_rows(
    shard_dir: Path, drops: dict[Key, list[str]], detector: TriggerDetector, task: str
) -> dict[int, str]:
    """Backdoor rows among the kept ones (streaming reads, only when a suspect group exists)."""
    from training_scripts.governance.poisoning import prompt_ngrams
    from training_scripts.governance.records import completion_text, prompt_text

    for position, ex in kept_rows(shard_dir, drops):
        detector.add(position, completion_text(task, ex))
    suspects = detector.suspect_rows()
    if not suspects:
        return {}
    prompts = {p: prompt_text(task, ex) for p, ex in kept_rows(shard_dir, drops) if p in suspects}
    candidates = detector.candidates(prompts)
    if not candidates:
        return {}
    phrases = {p for group in candidates.values() for p in group}
    counts: Counter[str] = Counter()
    for _, ex in kept_rows(shard_dir, drops):
        counts.update(prompt_ngrams(prompt_text(task, ex)) & phrases)
    return detector.find(candidates, counts)
