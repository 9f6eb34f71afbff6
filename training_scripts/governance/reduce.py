"""The order-dependent half of curation (the "reduce"), from the shards' files alone.

Rows are decided in global input order, a numpy chunk at a time: a row that failed a per-row
check keeps that reason; then contradicting preference pairs, exact duplicates and
near-duplicates (MinHash LSH over the kept rows) are decided exactly as one process reading the
whole corpus row by row would (`dedup_index.py`: only rows that collide with an earlier one take
a per-row step). The result is a drop log; the curated set is the shards' rows minus the drop
log, minus backdoor-trigger rows, split.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from training_scripts.governance.dedup_index import FirstSeen, NearIndex
from training_scripts.governance.poisoning import ContradictionIndex, TriggerDetector, prompt_ngrams
from training_scripts.governance.records import Example, from_output, prompt_text
from training_scripts.governance.shards import ANSWER, PII_SEPARATOR, REASONS, Chunk, ShardSet

# Stage names in the manifest, in the order a row meets them.
STAGES = ("quality", "poisoning", "dedup_exact", "dedup_near")
CHUNK_ROWS = 8192  # rows decided per numpy step


class DropLog:
    """Dropped rows in global order (row id and the quarantine record's head), in a file: memory
    stays flat however many rows are dropped."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / "drops.log"
        self._handle: TextIO | None = self._path.open("w", encoding="utf-8")
        self.count = 0

    def add(self, row: int, head: str) -> None:
        assert self._handle is not None
        self._handle.write(f"{row}\t{head}\n")
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def read(self) -> Iterator[tuple[int, str]]:
        """(row id, head) in order, then (-1, "") forever (no row id is -1)."""
        self.close()
        with self._path.open(encoding="utf-8") as handle:
            for line in handle:
                row, _, head = line[:-1].partition("\t")
                yield int(row), head
        while True:
            yield -1, ""


class _Decider:
    """The per-chunk decisions, with the indexes they share across chunks."""

    def __init__(self, shards: ShardSet, task: str, threshold: float, spill_dir: Path) -> None:
        self.shards, self.task = shards, task
        self.exact = FirstSeen("exact", spill_dir)
        self.near = NearIndex(threshold, lambda row: shards.record(row)["minhash"], spill_dir)
        self.answers = FirstSeen("answers", spill_dir)
        self.contradictions = ContradictionIndex()

    def where(self, chunk: Chunk, i: int) -> str:
        return f"{self.shards.names[int(chunk.files[i])]}:{int(chunk.records['line'][i])}"

    def where_of(self, chunk: Chunk, row: int) -> str:
        first = int(chunk.ids[0])
        return self.where(chunk, row - first) if row >= first else self.shards.where(row)

    def decide(self, chunk: Chunk) -> tuple[np.ndarray, dict[int, list[str]]]:
        """Per row of the chunk: the stage that drops it (1.., index into STAGES + 1; 0 kept)
        and, for dropped rows, the reasons."""
        n, records = len(chunk.ids), chunk.records
        stage = np.zeros(n, dtype=np.int8)
        reasons: dict[int, list[str]] = {}
        for i in np.flatnonzero(records["flags"] & REASONS).tolist():
            line = self.shards.reasons(int(chunk.shards[i]), int(chunk.local[i]))
            if line["quality"]:
                stage[i], reasons[i] = 1, line["quality"]
                continue
            found = list(line["poisoning"])
            if self.task == "preference":
                prompt, chosen, rejected = line["contra"]
                where = self.where(chunk, i)
                other = self.contradictions.seen_flipped(prompt, chosen, rejected, where)
                found += [f"preference:contradicts {other}"] if other else []
            if found:
                stage[i], reasons[i] = 2, found
        for number, kind, index in ((3, "exact", self.exact), (4, "near", self.near)):
            rows = np.flatnonzero(stage == 0)
            if isinstance(index, FirstSeen):
                first = index.first_seen(records["exact"][rows], chunk.ids[rows])
            else:
                first = index.near_duplicates(records["minhash"][rows], chunk.ids[rows])
            for i, row in zip(rows[first >= 0].tolist(), first[first >= 0].tolist(), strict=True):
                stage[i], reasons[i] = number, [f"duplicate:{kind} of {self.where_of(chunk, row)}"]
        return stage, reasons


def find_drops(
    shards: ShardSet, task: str, threshold: float, spill_dir: Path, drop_list: TextIO,
    triggers: TriggerDetector,
) -> tuple[DropLog, Counter[str]]:  # fmt: skip
    """The dropped rows and how many rows each stage removed (plus "read"); every surviving
    row's answer key goes to `triggers`, numbered 0.. in order."""
    decider = _Decider(shards, task, threshold, spill_dir)
    drops = DropLog(spill_dir)
    stages: Counter[str] = Counter()
    kept = 0
    repeats: list[tuple[np.ndarray, np.ndarray]] = []  # (group's first position, position)
    for chunk in shards.chunks(CHUNK_ROWS):
        stage, reasons = decider.decide(chunk)
        stages["read"] += len(stage)
        for i in np.flatnonzero(stage).tolist():
            name, line = decider.shards.names[int(chunk.files[i])], int(chunk.records["line"][i])
            label = STAGES[stage[i] - 1]
            stages[f"removed_{label}"] += 1
            drop_list.write(json.dumps({"source": name, "line": line, "stage": label,
                                        "reasons": reasons[i]}) + "\n")  # fmt: skip
            head = {"source": name, "line": line, "reasons": reasons[i]}
            drops.add(int(chunk.ids[i]), json.dumps(head, ensure_ascii=False)[:-1])
        survivors = np.flatnonzero(stage == 0)
        positions = kept + np.arange(len(survivors))
        answered = (chunk.records["flags"][survivors] & ANSWER) != 0
        first = decider.answers.first_seen(
            chunk.records["answer"][survivors[answered]], positions[answered]
        )
        repeats.append((first[first >= 0], positions[answered][first >= 0]))
        kept += len(survivors)
    _answer_groups(repeats, triggers)
    drops.close()
    return drops, stages


def _answer_groups(repeats: list[tuple[np.ndarray, np.ndarray]], detector: TriggerDetector) -> None:
    """Add the rows of every answer group of `detector.min_rows` or more to `detector`, groups
    in the order of their first row (as if every kept row had been added one by one)."""
    firsts = np.concatenate([f for f, _ in repeats]) if repeats else np.empty(0, np.int64)
    positions = np.concatenate([p for _, p in repeats]) if repeats else np.empty(0, np.int64)
    order = np.argsort(firsts, kind="stable")  # each group's rows stay in order
    firsts, positions = firsts[order], positions[order]
    groups, starts, sizes = np.unique(firsts, return_index=True, return_counts=True)
    big = sizes + 1 >= detector.min_rows  # + the group's first row
    for group, start, size in zip(groups[big].tolist(), starts[big].tolist(), sizes[big].tolist(),
                                  strict=True):  # fmt: skip
        key = group.to_bytes(8, "big")  # the group's first row stands for its answer
        for row in [group, *positions[start : start + size].tolist()]:
            detector.add_key(row, key)


def kept_outputs(shards: ShardSet, drops: DropLog) -> Iterator[tuple[int, str]]:
    """(position among the surviving rows, output record) in global order."""
    dropped = drops.read()
    next_drop, _ = next(dropped)
    position = 0
    for row, line in enumerate(shards.outputs()):
        if row == next_drop:
            next_drop, _ = next(dropped)
            continue
        yield position, line.partition(PII_SEPARATOR)[0]
        position += 1


def trigger_rows(
    shards: ShardSet, drops: DropLog, detector: TriggerDetector, task: str
) -> dict[int, str]:
    """Backdoor rows among the kept ones, given `detector` filled by `find_drops` (the rows'
    texts are read only when a suspect group exists)."""
    suspects = detector.suspect_rows()
    if not suspects:
        return {}

    def prompt(output: str) -> str:
        texts = from_output(task, json.loads(output))
        return prompt_text(task, Example("", 0, texts))

    prompts = {p: prompt(out) for p, out in kept_outputs(shards, drops) if p in suspects}
    candidates = detector.candidates(prompts)
    if not candidates:
        return {}
    phrases = {p for group in candidates.values() for p in group}
    counts: Counter[str] = Counter()
    for _, output in kept_outputs(shards, drops):
        counts.update(prompt_ngrams(prompt(output)) & phrases)
    return detector.find(candidates, counts)
