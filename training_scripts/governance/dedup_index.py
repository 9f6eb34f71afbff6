"""The reduce's duplicate indexes, a chunk of rows (in input order) at a time.

Both decide exactly what one row at a time would (tests/data/test_filters.py drives them one row
at a time): rows are numbered in input order, and a row's answer depends only on rows before
it. The common case, a row equal to nothing earlier, is decided for a whole chunk in numpy; only
rows that collide with an earlier one take a per-row step. Entries live in `runs.RunIndex`
(sorted runs spilled to disk past a bound), so memory stays flat whatever the corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from training_scripts.governance.dedup import NUM_PERM
from training_scripts.governance.minhash_params import band_split
from training_scripts.governance.runs import RunIndex

_NONE = np.empty(0, dtype=np.int64)


def key_pairs(keys: list[bytes]) -> np.ndarray:
    """16-byte keys (blake2b digests) as rows of two uint64 (key, check)."""
    return np.frombuffer(b"".join(keys), dtype="<u8").reshape(-1, 2)


class FirstSeen:
    """For each row: the id of the first earlier row with the same 16-byte key, or -1."""

    def __init__(self, name: str, directory: Path | None = None, bound: int | None = None) -> None:
        self._index = RunIndex(name, directory, bound)

    @property
    def index(self) -> RunIndex:
        return self._index

    def first_seen(self, keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """`keys`: (n, 2) uint64 per row, `ids` increasing; remembers the keys not seen before."""
        n = len(ids)
        if not n:
            return _NONE
        high, low = keys[:, 0], keys[:, 1]
        order = np.lexsort((low, high))  # stable: equal keys stay in row order
        starts = np.ones(n, dtype=bool)
        starts[1:] = (high[order][1:] != high[order][:-1]) | (low[order][1:] != low[order][:-1])
        group = np.empty(n, dtype=np.int64)
        group[order] = np.cumsum(starts) - 1
        leaders = order[starts]  # each key's first row in this chunk
        queries, values = self._index.lookup(high[leaders], low[leaders])
        stored = np.full(len(leaders), -1, dtype=np.int64)
        earliest = np.unique(queries, return_index=True)[1]  # values come sorted per query
        stored[queries[earliest]] = values[earliest]
        found = np.where(stored[group] >= 0, stored[group], ids[leaders][group])
        new = leaders[stored < 0]
        found[new] = -1
        self._index.add(high[new], low[new], ids[new])
        return found


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64: a hash of each band's `rows` values and the band's number. Equal bands
    give equal keys; a key collision is harmless (candidates are checked on the values)."""
    values = signatures[:, : bands * rows].reshape(len(signatures), bands, rows).astype(np.uint64)
    keys = np.broadcast_to(
        np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15),
        (len(signatures), bands),
    ).copy()
    for column in range(rows):  # FNV-style mixing, wrapping mod 2**64
        keys ^= values[:, :, column]
        keys *= np.uint64(0x100000001B3)
    keys ^= keys >> np.uint64(31)  # splitmix64's finalizer: every input bit reaches the top bits
    keys *= np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(29)
    return keys


class NearIndex:
    """LSH over the MinHash signatures of the rows kept so far (datasketch's band/row split for
    the threshold), a candidate confirmed by the estimated Jaccard; the earliest match wins.

    `signature_of(id)` gives back a kept row's signature (the index stores ids, not signatures).
    """

    def __init__(
        self, threshold: float, signature_of: Callable[[int], np.ndarray],
        directory: Path | None = None, bound: int | None = None,
    ) -> None:  # fmt: skip
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-dup threshold {threshold}: must be in (0, 1]")
        self.threshold = threshold
        self._bands, self._rows = band_split(threshold, NUM_PERM)
        self._index = RunIndex("bands", directory, bound)
        self._signature_of = signature_of
        self.stepped = 0  # rows that took the per-row step (a band shared with an earlier row)

    @property
    def index(self) -> RunIndex:
        return self._index

    def near_duplicates(self, signatures: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Per row: the id of the earliest kept row it nearly duplicates, or -1 (then it is kept
        and indexed). `ids` increase, and exceed every id indexed before."""
        n, bands = len(ids), self._bands
        if not n:
            return _NONE
        keys = band_keys(signatures, bands, self._rows)
        flat = keys.ravel()
        queries, values = self._index.lookup(flat, np.zeros(len(flat), dtype=np.uint64))
        earlier: dict[int, list[int]] = {}  # row -> ids of earlier chunks' rows sharing a band
        for row, value in zip((queries // bands).tolist(), values.tolist(), strict=True):
            earlier.setdefault(row, []).append(value)
        in_chunk = _shared_in_chunk(flat, bands)
        found = np.full(n, -1, dtype=np.int64)
        for row in sorted(set(earlier) | set(in_chunk)):
            self.stepped += 1
            candidates = {value: -1 for value in earlier.get(row, ())}
            candidates |= {int(ids[j]): j for j in in_chunk.get(row, ())}
            found[row] = self._first_match(signatures, row, candidates, found)
        kept = found < 0
        self._index.add(keys[kept].ravel(), np.zeros(int(kept.sum()) * bands, dtype=np.uint64),
                        np.repeat(ids[kept], bands))  # fmt: skip
        return found

    def _first_match(
        self, signatures: np.ndarray, row: int, candidates: dict[int, int], found: np.ndarray
    ) -> int:
        """The earliest kept candidate (id -> its row in this chunk, -1 for an earlier chunk's)
        sharing a whole band with `row` and close enough, or -1."""
        values, width = signatures[row], self._bands * self._rows
        for candidate in sorted(candidates):
            j = candidates[candidate]
            if j >= 0 and found[j] >= 0:  # not kept: never indexed
                continue
            seen = signatures[j] if j >= 0 else self._signature_of(candidate)
            shared = (seen[:width] == values[:width]).reshape(self._bands, self._rows)
            if not shared.all(axis=1).any():  # the band keys collided, not the bands
                continue
            if float(np.mean(seen == values)) >= self.threshold:
                return candidate
        return -1


def _shared_in_chunk(flat: np.ndarray, bands: int) -> dict[int, set[int]]:
    """Row -> the earlier rows of the chunk with an equal band key (`flat`: row-major keys)."""
    order = np.argsort(flat, kind="stable")  # equal keys in row order
    ordered = flat[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(flat)])
    shared: dict[int, set[int]] = {}
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        rows = (order[start : start + size] // bands).tolist()
        for at, row in enumerate(rows):
            earlier = {r for r in rows[:at] if r != row}
            if earlier:
                shared.setdefault(row, set()).update(earlier)
    return shared
