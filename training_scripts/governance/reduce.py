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
from training_scripts.governance.govern import OUTPUT_SEPARATOR, order_key
from training_scripts.governance.poisoning import ContradictionIndex, TriggerDetector, prompt_ngrams
from training_scripts.governance.records import Example, from_output, prompt_text

Key = tuple[tuple[str, ...], int]
# Stage names in the manifest, in the order a row meets them.
STAGES = ("quality", "poisoning", "dedup_exact", "dedup_near")


def _merged(shard_dir: Path, kind: str) -> Iterator[tuple[dict, str]]:
    """Every shard's `kind` records in global order (each file is already in order), with what
    follows the record on its line (a rows file's rendered output, after OUTPUT_SEPARATOR)."""
    files = sorted(shard_dir.rglob(f"{kind}-*.jsonl"))

    def read(path: Path) -> Iterator[tuple[Key, dict, str]]:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                head, _, rest = line.rstrip("\n").partition(OUTPUT_SEPARATOR)
                record = json.loads(head)
                yield order_key(*record["k"]), record, rest

    if len(files) == 1:  # one shard (a one-machine run): already in order, nothing to merge
        for _, record, rest in read(files[0]):
            yield record, rest
        return
    for _, record, rest in heapq.merge(*(read(p) for p in files), key=lambda item: item[0]):
        yield record, rest


def shard_inputs(shard_dir: Path) -> list[dict]:
    found = [item for p in shard_dir.rglob("inputs-*.json") for item in json.loads(p.read_text())]
    return sorted(found, key=lambda item: order_key(item["path"], 0))


class AnswerGroups:
    """Kept rows by answer key, in an SQLite table (memory stays flat whatever the corpus):
    only groups of at least `min_rows` rows, the trigger detector's suspects, come back."""

    def __init__(self, directory: Path | None) -> None:
        import sqlite3
        import tempfile

        folder = directory or Path(tempfile.mkdtemp(prefix="fmops-answers-"))
        self._db = sqlite3.connect(folder / "answers.sqlite")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE a (k BLOB, r INTEGER)")
        self._buffer: list[tuple[bytes, int]] = []

    def add(self, key: bytes, row: int) -> None:
        self._buffer.append((key, row))
        if len(self._buffer) >= 50_000:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO a VALUES (?, ?)", self._buffer)
        self._buffer.clear()

    def into(self, detector: TriggerDetector) -> None:
        """Add the rows of every group of `detector.min_rows` or more to `detector`, groups in
        the order of their first row (as if every row had been added one by one)."""
        self._flush()
        query = ("SELECT k, r FROM a WHERE k IN (SELECT k FROM a GROUP BY k HAVING COUNT(*) >= ?)"
                 " ORDER BY k, r")  # fmt: skip
        groups: dict[bytes, list[int]] = {}
        for key, row in self._db.execute(query, (detector.min_rows,)):
            groups.setdefault(key, []).append(row)
        for key, rows in sorted(groups.items(), key=lambda item: item[1][0]):
            for row in rows:
                detector.add_key(row, key)
        self._db.close()


def find_drops(
    shard_dir: Path, task: str, threshold: float, spill_dir: Path | None, drop_list: TextIO,
    triggers: TriggerDetector,
) -> tuple[dict[Key, list[str]], Counter[str]]:  # fmt: skip
    """Rows to drop (key -> reasons) and how many rows each stage removed (plus "read"); every
    surviving row's answer goes to `triggers`, numbered 0.. in order, in the same pass."""
    exact, near = ExactDeduper(spill_dir), NearIndex(threshold, spill_dir)
    answers = AnswerGroups(spill_dir)
    contradictions = ContradictionIndex()
    drops: dict[Key, list[str]] = {}
    stages: Counter[str] = Counter()
    for sig, _ in _merged(shard_dir, "signatures"):
        stages["read"] += 1
        stage, reasons = _decide(sig, task, exact, near, contradictions)
        if reasons:
            key = order_key(*sig["k"])
            drops[key] = reasons
            stages[f"removed_{stage}"] += 1
            source, line = sig["where"].rsplit(":", 1)
            record = {"source": source, "line": int(line), "stage": stage, "reasons": reasons}
            drop_list.write(json.dumps(record) + "\n")
        else:
            if sig["answer"]:
                answers.add(bytes.fromhex(sig["answer"]), stages["kept"])
            stages["kept"] += 1
    del stages["kept"]
    answers.into(triggers)
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
    values = np.frombuffer(base64.b64decode(sig["minhash"]), dtype=np.uint32)
    first = near.near_duplicate_of(values, sig["where"])
    if first:
        return "dedup_near", [f"duplicate:near of {first}"]
    return "", []


def merged_rows(shard_dir: Path) -> Iterator[tuple[Key, dict, str]]:
    """(order key, metadata, the output record as rendered JSON) for every row, in order."""
    for row, output in _merged(shard_dir, "rows"):
        yield order_key(*row["k"]), row, output


def kept_rows(shard_dir: Path, drops: dict[Key, list[str]]) -> Iterator[tuple[int, dict, str]]:
    """Surviving rows numbered 0.. in global order (what the trigger detector indexes)."""
    position = 0
    for key, row, output in merged_rows(shard_dir):
        if key not in drops:
            yield position, row, output
            position += 1


def trigger_rows(
    shard_dir: Path, drops: dict[Key, list[str]], detector: TriggerDetector, task: str
) -> dict[int, str]:
    """Backdoor rows among the kept ones, given `detector` filled by `find_drops` (the rows'
    texts are read only when a suspect group exists)."""
    suspects = detector.suspect_rows()
    if not suspects:
        return {}

    def prompt(output: str) -> str:
        texts = from_output(task, json.loads(output))
        return prompt_text(task, Example("", 0, texts))

    prompts = {p: prompt(out) for p, _, out in kept_rows(shard_dir, drops) if p in suspects}
    candidates = detector.candidates(prompts)
    if not candidates:
        return {}
    phrases = {p for group in candidates.values() for p in group}
    counts: Counter[str] = Counter()
    for _, _, output in kept_rows(shard_dir, drops):
        counts.update(prompt_ngrams(prompt(output)) & phrases)
    return detector.find(candidates, counts)
