"""A uint64-keyed multimap for the reduce's indexes, in sorted numpy runs that spill to disk.

Entries (key, check, value) arrive a chunk at a time. Each chunk is sorted into an in-memory run;
past `bound` entries the in-memory runs are merged into one sorted run on disk (three flat
columns), read back memory-mapped. A lookup is a vectorized binary search (`np.searchsorted`) in
every run; a fixed-size Bloom filter over the spilled keys sends the keys never spilled (most
lookups) past the disk runs, so their pages are never touched. FAN_IN runs of one size are
merged into one (a block at a time), so a lookup searches a few runs per size. Memory stays
flat: `bound` entries plus the filter, whatever the corpus.
"""

from __future__ import annotations

import itertools
import mmap
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

# Entries kept in memory before spilling (24 B each): low enough that every index of a 50 MB
# corpus spills already, so peak memory is the same at 50 MB and at 200 MB.
SPILL_BOUND = 1 << 15
# Bloom filter of the spilled keys: 4 MB per index, two probes; ~0.3 % false hits at 1M
# spilled keys, ~5 % at 5M (a false hit costs a binary search in the disk runs, no error).
BLOOM_BITS = 1 << 25
# Disk runs of one size merged into one run of the next size (log-structured merge): a lookup
# searches at most FAN_IN runs per size.
FAN_IN = 8
_MASK = np.uint64(BLOOM_BITS - 1)
_COLUMNS = (np.uint64, np.uint64, np.int64)  # key, check, value


class RunIndex:
    """key -> values, where an entry matches a query when its key and its check are equal."""

    def __init__(self, name: str, directory: Path | None = None, bound: int | None = None) -> None:
        self._name, self._bound = name, SPILL_BOUND if bound is None else bound
        self._directory = directory
        self._memory: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._in_memory = 0
        self._disk: list[_Run] = []
        self._bloom: np.ndarray | None = None
        self._made = 0  # runs made, for their file names
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
                for run in self._disk:
                    found.append(_search(run.columns, keys[maybe], checks[maybe], maybe))
                    run.release()
        if not found:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        queries = np.concatenate([q for q, _ in found])
        values = np.concatenate([v for _, v in found])
        order = np.lexsort((values, queries))
        return queries[order], values[order]

    def _spill(self) -> None:
        keys, checks, values = (np.concatenate(c) for c in zip(*self._memory, strict=True))
        order = np.argsort(keys, kind="stable")
        if self._bloom is None:
            self._bloom = np.zeros(BLOOM_BITS // 8, dtype=np.uint8)
        for bits in _positions(keys):
            np.bitwise_or.at(self._bloom, bits >> np.uint64(3), _BIT[bits & np.uint64(7)])
        run = self._new_run(0, len(keys))
        run.write(0, keys[order], checks[order], values[order])
        self._disk.append(run.opened())
        self.spilled += len(keys)
        self._memory.clear()
        self._in_memory = 0
        for level in itertools.count():
            same = [r for r in self._disk if r.level == level]
            if len(same) < FAN_IN:
                break
            self._merge(same, level + 1)

    def _new_run(self, level: int, size: int) -> _Run:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="fmops-runs-"))
        self._made += 1
        return _Run(self._directory / f"{self._name}-{self._made}.run", level, size)

    def _merge(self, runs: list[_Run], level: int) -> None:
        """One sorted run from `runs`, read and written a block at a time (memory stays
        FAN_IN blocks, and the merged runs' pages are never mapped)."""
        merged = self._new_run(level, sum(r.size for r in runs))
        # FAN_IN blocks in memory at once: about `bound` entries in all.
        readers = [r.blocks(max(1, self._bound // FAN_IN)) for r in runs]
        buffers = [next(reader, None) for reader in readers]
        at = 0
        while any(b is not None for b in buffers):
            # Every entry up to the smallest of the buffers' last keys can go out: what the
            # runs hold after their buffers is no smaller.
            limit = min(b[0][-1] for b in buffers if b is not None)
            pieces = []
            for i, buffer in enumerate(buffers):
                if buffer is None:
                    continue
                cut = int(np.searchsorted(buffer[0], limit, side="right"))
                pieces.append(tuple(column[:cut] for column in buffer))
                rest = tuple(column[cut:] for column in buffer)
                buffers[i] = rest if len(rest[0]) else next(readers[i], None)
            keys, checks, values = (np.concatenate(c) for c in zip(*pieces, strict=True))
            order = np.argsort(keys, kind="stable")
            merged.write(at, keys[order], checks[order], values[order])
            at += len(keys)
        self._disk = [r for r in self._disk if r not in runs] + [merged.opened()]
        for run in runs:
            run.remove()


class _Run:
    """A sorted run on disk: `size` keys, then their checks, then their values (8 B each)."""

    def __init__(self, path: Path, level: int, size: int) -> None:
        self.path, self.level, self.size = path, level, size
        self.columns: tuple[np.ndarray, ...] = ()
        self._map: mmap.mmap | None = None
        path.touch()

    def write(self, at: int, *columns: np.ndarray) -> None:
        with self.path.open("r+b") as handle:
            for i, column in enumerate(columns):
                handle.seek(8 * (i * self.size + at))
                column.tofile(handle)

    def opened(self) -> _Run:
        """Memory-mapped for lookups: only the pages a binary search touches are read."""
        with self.path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self.columns = tuple(
            np.frombuffer(self._map, dtype=dtype, count=self.size, offset=i * 8 * self.size)
            for i, dtype in enumerate(_COLUMNS)
        )
        return self

    def release(self) -> None:
        """Drop the pages lookups touched from this process's resident set (they stay in the
        page cache): otherwise they count as resident memory, which grows with the runs."""
        if self._map is not None and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)

    def blocks(self, size: int) -> Iterator[tuple[np.ndarray, ...]]:
        """(keys, checks, values) `size` entries at a time, read (not mapped)."""
        with self.path.open("rb") as handle:
            for start in range(0, self.size, size):
                count = min(size, self.size - start)
                block = []
                for i, dtype in enumerate(_COLUMNS):
                    handle.seek(8 * (i * self.size + start))
                    block.append(np.fromfile(handle, dtype=dtype, count=count))
                yield tuple(block)

    def remove(self) -> None:
        self.columns, self._map = (), None  # the mapping closes with its last view
        self.path.unlink()


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
    run: tuple[np.ndarray, ...],
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
