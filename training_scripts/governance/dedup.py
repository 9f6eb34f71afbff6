"""Exact (normalized hash) and near-duplicate (MinHash LSH, datasketch) removal.

Only hashes and MinHash signatures are indexed, never the texts; past a bound the index spills
to an SQLite file, so memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import zlib
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

_WORD = re.compile(r"\w+")
NUM_PERM = 64  # enough for a 0.7-0.95 threshold; each signature costs 64 * 8 bytes


def normalize(text: str) -> str:
    """Lowercase words only: case, punctuation and spacing changes are still the same text."""
    return " ".join(_WORD.findall(text.lower()))


SPILL_BOUND = 200_000  # entries per index kept in memory (~100-600 B each) before spilling


class SpillIndex:
    """bytes key -> values (each a (text-or-int, blob) pair), in memory up to `bound` entries,
    then in an SQLite file under `directory` (a temp dir when None)."""

    def __init__(self, name: str, directory: Path | None = None, bound: int = SPILL_BOUND) -> None:
        self._memory: dict[bytes, list[tuple[object, bytes | None]]] = {}
        self._size, self._bound, self._name, self._directory = 0, bound, name, directory
        self._db: sqlite3.Connection | None = None
        self.spilled = 0

    def add(self, key: bytes, value: object, blob: bytes | None = None) -> None:
        self._memory.setdefault(key, []).append((value, blob))
        self._size += 1
        if self._size > self._bound:
            self._spill()

    def get(self, key: bytes) -> list[tuple[object, bytes | None]]:
        found = list(self._memory.get(key, ()))
        if self._db is not None:
            rows = self._db.execute("SELECT v, b FROM i WHERE k = ? ORDER BY rowid", (key,))
            found = [*rows.fetchall(), *found]  # spilled entries are the older ones
        return found

    def _spill(self) -> None:
        if self._db is None:
            import tempfile

            directory = self._directory or Path(tempfile.mkdtemp(prefix="fmops-dedup-"))
            self._db = sqlite3.connect(directory / f"{self._name}.sqlite")
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute("CREATE TABLE i (k BLOB, v, b BLOB)")
            self._db.execute("CREATE INDEX ik ON i (k)")
        rows = ((k, v, b) for k, values in self._memory.items() for v, b in values)
        self._db.executemany("INSERT INTO i VALUES (?, ?, ?)", rows)
        self._db.commit()
        self.spilled += self._size
        self._memory.clear()
        self._size = 0


def exact_key(text: str) -> bytes:
    return hashlib.blake2b(normalize(text).encode(), digest_size=16).digest()


class ExactDeduper:
    def __init__(self, directory: Path | None = None, bound: int = SPILL_BOUND) -> None:
        self._seen = SpillIndex("exact", directory, bound)

    def first_seen(self, text: str, where: str) -> str | None:
        """Where an identical (normalized) text was seen first, or None (and remember this one)."""
        return self.first_seen_key(exact_key(text), where)

    def first_seen_key(self, key: bytes, where: str) -> str | None:
        found = self._seen.get(key)
        if found:
            return str(found[0][0])
        self._seen.add(key, where)
        return None


def shingles(text: str, size: int = 3) -> set[bytes]:
    words = normalize(text).split()
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


class MinHasher:
    """MinHash signatures of word 3-gram sets (datasketch), the same in every process."""

    def __init__(self) -> None:
        # Building permutations costs more than hashing a row: make them once, share them.
        template = MinHash(num_perm=NUM_PERM, seed=1)
        self._permutations, self._scheme = template.permutations, template.scheme

    def signature(self, text: str) -> LeanMinHash:
        # crc32 (C) instead of the default per-shingle SHA-1 object: 32-bit is all affine32 uses.
        minhash = MinHash(
            num_perm=NUM_PERM,
            seed=1,
            hashfunc=zlib.crc32,
            permutations=self._permutations,
            scheme=self._scheme,
        )
        minhash.update_batch(list(shingles(text)))
        return LeanMinHash(minhash)

    def values(self, text: str) -> np.ndarray:
        return np.asarray(self.signature(text).hashvalues, dtype=np.uint64)


class NearIndex:
    """LSH over MinHash signatures (datasketch's band/row split for the threshold), confirmed by
    the estimated Jaccard; the earliest indexed match wins. Spills like SpillIndex."""

    def __init__(
        self, threshold: float, directory: Path | None = None, bound: int = SPILL_BOUND
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-dup threshold {threshold}: must be in (0, 1]")
        self.threshold = threshold
        self._bands, self._rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
        self._buckets = SpillIndex("bands", directory, bound)
        self._signatures = SpillIndex("signatures", directory, bound)
        self._count = 0

    def near_duplicate_of(self, hashvalues: np.ndarray, where: str) -> str | None:
        """Where a near-identical signature was indexed first, or None (and index this one)."""
        r = self._rows
        keys = [bytes([i]) + hashvalues[i * r : (i + 1) * r].tobytes() for i in range(self._bands)]
        candidates = sorted({int(v) for key in keys for v, _ in self._buckets.get(key)})  # type: ignore[call-overload]
        for candidate in candidates:
            seen_where, blob = self._signatures.get(candidate.to_bytes(8, "big"))[0]
            seen = np.frombuffer(blob or b"", dtype=hashvalues.dtype)
            if float(np.mean(seen == hashvalues)) >= self.threshold:
                return str(seen_where)
        for key in keys:
            self._buckets.add(key, self._count)
        self._signatures.add(self._count.to_bytes(8, "big"), where, hashvalues.tobytes())
        self._count += 1
        return None


class NearDeduper:
    """Jaccard similarity of word 3-gram sets, estimated by MinHash and indexed by LSH."""

    def __init__(self, threshold: float) -> None:
        self._hasher = MinHasher()
        self._index = NearIndex(threshold)
        self.threshold = threshold

    def signature(self, text: str) -> LeanMinHash:
        return self._hasher.signature(text)

    def near_duplicate_of(self, text: str, where: str) -> str | None:
        """Where a near-identical text was seen, or None (and index this one)."""
        return self._index.near_duplicate_of(self._hasher.values(text), where)
