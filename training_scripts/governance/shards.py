"""The files a shard's govern step writes, and every shard's rows read back in global order.

Per shard `<s>` (a Processing instance's host name; "0" on one machine), rows in input order:
- `inputs-<s>.json`: the shard's input files in order (path, sha256, bytes);
- `signatures-<s>.bin`: one fixed-size `SIGNATURE` record per row (its file's number in
  `inputs`, its order number and line, flags, exact key, answer key, MinHash signature): hashes,
  never text, read by the reduce a numpy chunk at a time;
- `reasons-<s>.jsonl`: only rows flagged `REASONS`: `{"i": row in the shard, "quality": [...],
  "poisoning": [...], "contra": [...]}` (reasons text, and a preference pair's keys);
- `rows-<s>.jsonl`: each row's output record as the worker rendered it, one per line, followed
  by a tab and `{"source", "line", "pii", "entities"}` where a PII recognizer fired.
A file's rows are all in one shard, so the global order (input path, compared part by part, then
position) is the files' order with each file's rows as its shard wrote them.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from training_scripts.governance.dedup import NUM_PERM
from training_scripts.vocabulary.records import DataError

SIGNATURE = np.dtype([
    ("file", "<u4"), ("flags", "u1"), ("seq", "<i8"), ("line", "<i8"),
    ("exact", "<u8", (2,)), ("answer", "<u8", (2,)), ("minhash", "<u4", (NUM_PERM,)),
])  # fmt: skip
QUALITY, POISONING, ANSWER, REASONS = 1, 2, 4, 8  # SIGNATURE flags
SIGNATURES = "signatures-{}.bin"
REASONS_FILE = "reasons-{}.jsonl"
ROWS = "rows-{}.jsonl"
INPUTS = "inputs-{}.json"
# Row separator between the rendered output record and its PII counts in rows-*.jsonl: JSON
# text never holds a raw tab.
PII_SEPARATOR = "\t"
_READ_ROWS = 1 << 14  # records per read when scanning a signatures file


def order_key(name: str, seq: int) -> tuple[tuple[str, ...], int]:
    """Global row order: input path (compared part by part, as the one-process run sorts) and
    position in that file (the line number for JSONL, the record index otherwise)."""
    return tuple(name.split("/")), seq


def shard_names(shard_dir: Path) -> list[str]:
    prefix, suffix = SIGNATURES.split("{}")
    return sorted(
        p.name[len(prefix) : -len(suffix)] for p in shard_dir.glob(SIGNATURES.format("*"))
    )


def shard_inputs(shard_dir: Path) -> list[dict]:
    found = [item for p in shard_dir.rglob("inputs-*.json") for item in json.loads(p.read_text())]
    return sorted(found, key=lambda item: order_key(item["path"], 0))


@dataclass
class Chunk:
    """Consecutive rows in global order: their records, global row ids, global file numbers,
    shard numbers and positions in their shard."""

    records: np.ndarray
    ids: np.ndarray
    files: np.ndarray
    shards: np.ndarray
    local: np.ndarray


class ShardSet:
    """Every shard under `shard_dir`, as one sequence of rows in global order."""

    def __init__(self, shard_dir: Path) -> None:
        self.dir = shard_dir
        self.shards = shard_names(shard_dir)
        if not self.shards:
            raise DataError(f"{shard_dir}: no shard outputs ({SIGNATURES.format('*')}) to reduce")
        files = []  # (order key, name, shard, first row in the shard, rows)
        for s, shard in enumerate(self.shards):
            inputs = json.loads((shard_dir / INPUTS.format(shard)).read_text())
            counts = self._rows_per_file(shard, len(inputs))
            starts = np.cumsum(counts) - counts  # each file's first row in the shard
            files += [(order_key(item["path"], 0), item["path"], s, int(starts[i]), int(counts[i]))
                      for i, item in enumerate(inputs)]  # fmt: skip
        files.sort(key=lambda f: f[0])
        for a, b in itertools.pairwise(files):
            if a[1] == b[1]:
                raise DataError(f"{shard_dir}: input {a[1]} is in two shards")
        self.names = [f[1] for f in files]
        sizes = np.array([f[4] for f in files], dtype=np.int64)
        self._seg_shard = np.array([f[2] for f in files], dtype=np.int64)
        self._seg_local = np.array([f[3] for f in files], dtype=np.int64)
        self._seg_start = np.cumsum(sizes) - sizes  # global id of each file's first row
        self._seg_size = sizes
        self.rows = int(sizes.sum())
        self._handles = [os.open(self._path(SIGNATURES, s), os.O_RDONLY) for s in self.shards]
        self._reasons = [self._reason_lines(s) for s in self.shards]

    def _path(self, pattern: str, shard: str) -> Path:
        return self.dir / pattern.format(shard)

    def _rows_per_file(self, shard: str, files: int) -> np.ndarray:
        counts = np.zeros(files, dtype=np.int64)
        with self._path(SIGNATURES, shard).open("rb") as handle:
            while len(block := np.fromfile(handle, dtype=SIGNATURE, count=_READ_ROWS)):
                counts += np.bincount(block["file"], minlength=files)[:files]
        return counts

    def _reason_lines(self, shard: str) -> Iterator[dict]:
        path = self._path(REASONS_FILE, shard)
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                yield from map(json.loads, handle)

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The rows in global order, `size` at a time (a file's rows are read from its shard)."""
        for first in range(0, self.rows, size):
            yield self._chunk(first, min(first + size, self.rows))

    def _chunk(self, first: int, last: int) -> Chunk:
        segments = range(int(np.searchsorted(self._seg_start, first, "right")) - 1,
                         int(np.searchsorted(self._seg_start, last, "left")))  # fmt: skip
        parts, files, shards, local = [], [], [], []
        for seg in segments:
            if not self._seg_size[seg]:
                continue
            low = max(first, int(self._seg_start[seg]))
            high = min(last, int(self._seg_start[seg] + self._seg_size[seg]))
            start = int(self._seg_local[seg]) + low - int(self._seg_start[seg])
            parts.append(self._read(int(self._seg_shard[seg]), start, high - low))
            files.append(np.full(high - low, seg))
            shards.append(np.full(high - low, self._seg_shard[seg]))
            local.append(np.arange(start, start + high - low))
        return Chunk(np.concatenate(parts), np.arange(first, last), np.concatenate(files),
                     np.concatenate(shards), np.concatenate(local))  # fmt: skip

    def _read(self, shard: int, start: int, count: int) -> np.ndarray:
        size = SIGNATURE.itemsize
        data = os.pread(self._handles[shard], count * size, start * size)
        return np.frombuffer(data, dtype=SIGNATURE)

    def reasons(self, shard: int, local: int) -> dict:
        """The reasons line of a row flagged REASONS (asked for in order within a shard)."""
        found = next(self._reasons[shard])
        if found["i"] != local:
            raise DataError(f"{self.dir}: {REASONS_FILE.format(self.shards[shard])} is out of step")
        return found

    def record(self, row: int) -> np.void:
        seg = self._segment(row)
        start = int(self._seg_local[seg]) + row - int(self._seg_start[seg])
        return self._read(int(self._seg_shard[seg]), start, 1)[0]

    def _segment(self, row: int) -> int:
        """The file holding a global row id: the last file starting at or before it (an empty
        file starts where the next one does, so it is never the last)."""
        return int(np.searchsorted(self._seg_start, row, "right")) - 1

    def where(self, row: int) -> str:
        """`path:line` of a row by global id (the text reasons name a first-seen row by)."""
        return f"{self.names[self._segment(row)]}:{int(self.record(row)['line'])}"

    def output_chunks(self, size: int) -> Iterator[tuple[int, list[str]]]:
        """(first row id, lines) of the rows files, `size` rows at a time, in global order; each
        line is a row's output record (and PII counts) with its newline."""
        handles = [self._path(ROWS, s).open(encoding="utf-8") for s in self.shards]
        first, pending = 0, list[str]()
        try:
            for seg in range(len(self.names)):
                handle, remaining = handles[int(self._seg_shard[seg])], int(self._seg_size[seg])
                while remaining:
                    take = min(remaining, size - len(pending))
                    before = len(pending)
                    pending.extend(islice(handle, take))
                    if len(pending) - before < take:
                        raise DataError(
                            f"{self.dir}: a rows file has fewer rows than its signatures"
                        )
                    remaining -= take
                    if len(pending) == size:
                        yield first, pending
                        first, pending = first + size, []
            if pending:
                yield first, pending
        finally:
            for handle in handles:
                handle.close()

    def outputs(self) -> Iterator[str]:
        """Each row's line of its shard's rows file (without the newline), in global order."""
        for _, lines in self.output_chunks(1 << 13):
            for line in lines:
                yield line[:-1]

    def close(self) -> None:
        for handle in self._handles:
            os.close(handle)
