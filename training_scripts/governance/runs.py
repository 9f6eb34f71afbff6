"""A uint64-keyed multimap for the reduce's indexes, in sorted numpy runs that spill to disk.

Entries (key, check, value) arrive a chunk at a time. Each chunk is sorted into an in-memory run;
past `bound` entries the in-memory runs are merged into one sorted run on disk (three flat
columns), read back memory-mapped. A lookup is a vectorized binary search (`np.searchsorted`) in
every run; a fixed-size Bloom filter over the spilled keys sends the keys never spilled (most
lookups) past the disk runs, so their pages are never touched. Memory stays flat: `bound` entries
plus the filter, whatever the corpus.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

# Entries kept in memory before spilling (24 B each): low enough that a 50 MB corpus spills
# already, so peak memory is the same at 50 MB and at 50 GB.
SPILL_BOUND = 1 << 17
# Bloom filter of the spilled keys: 8 MB, two probes; ~0.3 % false hits at 2M spilled keys.
BLOOM_BITS = 1 << 26
_MASK = np.uint64(BLOOM_BITS - 1)
_COLUMNS = (np.uint64, np.uint64, np.int64)  # key, check, value


class RunIndex:
    """key -> values, where an entry matches a query when its key and its check are equal."""

    def __init__(self, name: str, directory: Path | None = None, bound: int | None = None) -> None:
        self._name, self._bound = name, SPILL_BOUND if bound is None else bound
        self._directory = directory
        self._memory: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._in_memory = 0
        self._disk: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._bloom: np.ndarray | None = None
        self.spilled = 0  # entries written to disk runs
        self.disk_queries = 0  # keys that got past the filter into the disk runs

    def add(self, keys: np.ndarray, checks: np.ndarray, values: np.ndarray) -> None:
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        self._memory.append((keys[order], checks[order], values[order]))
        self._in_memory += len(keys)
        if self._in_memory > self._bound:
            self._spill()

    def lookup(self, keys: np.ndarray, checks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query index, value) of every entry matching a query, sorted by query then value."""
        found = [_search(run, keys, checks, np.arange(len(keys))) for run in self._memory]
        if self._disk and self._bloom is not None and len(keys):
            maybe = np.flatnonzero(_probe(self._bloom, keys))
            self.disk_queries += len(maybe)
            if len(maybe):
                found += [_search(run, keys[maybe], checks[maybe], maybe) for run in self._disk]
        if not found:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        queries = np.concatenate([q for q, _ in found])
        values = np.concatenate([v for _, v in found])
        order = np.lexsort((values, queries))
        return queries[order], values[order]

    def _spill(self) -> None:
        keys, checks, values = (np.concatenate(c) for c in zip(*self._memory, strict=True))
        order = np.argsort(keys, kind="stable")  # equal keys keep their order of arrival
        if self._bloom is None:
            self._bloom = np.zeros(BLOOM_BITS // 8, dtype=np.uint8)
        for bits in _positions(keys):
            np.bitwise_or.at(self._bloom, bits >> np.uint64(3), _BIT[bits & np.uint64(7)])
        directory = self._directory or Path(tempfile.mkdtemp(prefix="fmops-runs-"))
        path = directory / f"{self._name}-{len(self._disk)}.run"
        with path.open("wb") as handle:
            for column in (keys, checks, values):
                column[order].tofile(handle)
        n = len(keys)
        self._disk.append(tuple(  # type: ignore[arg-type]
            np.memmap(path, dtype=dtype, mode="r", offset=i * 8 * n, shape=(n,))
            for i, dtype in enumerate(_COLUMNS)
        ))  # fmt: skip
        self.spilled += n
        self._memory.clear()
        self._in_memory = 0


_BIT = (np.uint8(1) << np.arange(8, dtype=np.uint8)).astype(np.uint8)


def _positions(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two filter positions from a key's low and high 32 bits (keys are hashes already)."""
    return keys & _MASK, (keys >> np.uint64(32)) & _MASK


def _probe(bloom: np.ndarray, keys: np.ndarray) -> np.ndarray:
    hit = np.ones(len(keys), dtype=bool)
    for bits in _positions(keys):
        hit &= (bloom[bits >> np.uint64(3)] & _BIT[bits & np.uint64(7)]) != 0
    return hit


def _search(
    run: tuple[np.ndarray, np.ndarray, np.ndarray],
    keys: np.ndarray,
    checks: np.ndarray,
    query_ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(query id, value) of the entries of one sorted run equal to each query."""
    run_keys, run_checks, run_values = run
    low = np.searchsorted(run_keys, keys, side="left")
    counts = np.searchsorted(run_keys, keys, side="right") - low
    total = int(counts.sum())
    if not total:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.cumsum(counts) - counts
    entries = np.repeat(low - starts, counts) + np.arange(total)
    owners = np.repeat(np.arange(len(keys)), counts)
    same = np.asarray(run_checks[entries]) == checks[owners]
    return query_ids[owners[same]], np.asarray(run_values[entries[same]])
