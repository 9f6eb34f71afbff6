"""Exact (normalized hash) and near-duplicate (MinHash LSH, datasketch) removal.

Only hashes and MinHash signatures are indexed, never the texts; past a bound the index spills
to an SQLite file, so memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import sqlite3
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# datasketch is imported where it is used: its LSH module imports scipy (0.5 CPU-s), which a
# worker process given the permutations never needs.

_WORD = re.compile(r"\w+")
NUM_PERM = 64  # enough for a 0.7-0.95 threshold; each signature costs 64 * 8 bytes


def normalize(text: str) -> str:
    """Lowercase words only: case, punctuation and spacing changes are still the same text."""
    return " ".join(_WORD.findall(text.lower()))


# ASCII text (most corpora) is split with two C passes over bytes instead of the Unicode regex:
# every byte that `\w` does not match becomes a space. Same words as `normalize`, as bytes.
_ASCII_NON_WORD = bytes(
    b if chr(b).isascii() and re.fullmatch(r"\w", chr(b).lower()) else 32 for b in range(256)
)


def words(text: str) -> list[bytes]:
    """`normalize(text).split()`, UTF-8 encoded: what exact keys and shingles are made of."""
    if text.isascii():
        return text.encode().lower().translate(_ASCII_NON_WORD).split()
    return [word.encode() for word in _WORD.findall(text.lower())]


def words_key(text_words: list[bytes]) -> bytes:
    """`exact_key` from already split words."""
    return hashlib.blake2b(b" ".join(text_words), digest_size=16).digest()


# Entries per index kept in memory (~100-600 B each) before spilling: low enough that every
# index of a 50 MB corpus spills already, so peak memory is the same at 50 MB and at 50 GB.
SPILL_BOUND = 50_000
# 8 MB per spilled index; ~0.5 % false hits at 1M spilled keys; a power of two (bits are masked)
BLOOM_BITS = 1 << 26


class SpillIndex:
    """bytes key -> values (each a (text-or-int, blob) pair), in memory up to `bound` entries,
    then in an SQLite file under `directory` (a temp dir when None)."""

    def __init__(self, name: str, directory: Path | None = None, bound: int = SPILL_BOUND) -> None:
        self._memory: dict[bytes, list[tuple[object, bytes | None]]] = {}
        self._size, self._bound, self._name, self._directory = 0, bound, name, directory
        self._db: sqlite3.Connection | None = None
        # Which keys were spilled, approximately (a Bloom filter of fixed size, so memory stays
        # flat): most lookups are for keys never seen, and these skip the SQLite query.
        self._spilled_keys = bytearray()
        self.spilled = 0
        self.queries = 0

    def add(self, key: bytes, value: object, blob: bytes | None = None) -> None:
        self._memory.setdefault(key, []).append((value, blob))
        self._size += 1
        if self._size > self._bound:
            self._spill()

    def get(self, key: bytes) -> list[tuple[object, bytes | None]]:
        found = list(self._memory.get(key, ()))
        if self._db is not None and self._maybe_spilled(key):
            self.queries += 1
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
            self._spilled_keys = bytearray(BLOOM_BITS // 8)
        for key in self._memory:
            for bit in _bloom_bits(key):
                self._spilled_keys[bit >> 3] |= 1 << (bit & 7)
        # Inserted in key order (measured 2x cheaper than random order into the key index);
        # the sort is stable, so a key's entries keep their order of arrival (rowid order).
        rows = sorted(
            ((k, v, b) for k, values in self._memory.items() for v, b in values),
            key=lambda row: row[0],
        )
        self._db.executemany("INSERT INTO i VALUES (?, ?, ?)", rows)
        self._db.commit()
        self.spilled += self._size
        self._memory.clear()
        self._size = 0

    def _maybe_spilled(self, key: bytes) -> bool:
        low, high = _bloom_bits(key)
        bits = self._spilled_keys
        return bool(bits[low >> 3] >> (low & 7) & 1 and bits[high >> 3] >> (high & 7) & 1)


def _bloom_bits(key: bytes) -> tuple[int, int]:
    """Two bit positions for `key` from Python's own 64-bit hash of the bytes (SipHash, computed
    in C and cached on the key; keys are row numbers too, not only hashes, so they are hashed).
    The hash is salted per process, and the filter never leaves the process that built it."""
    digest = hash(key)
    return digest & (BLOOM_BITS - 1), digest >> 32 & (BLOOM_BITS - 1)


def exact_key(text: str) -> bytes:
    return words_key(words(text))


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


SHINGLE = 3  # words per shingle
_BLOCK = 8192  # shingles per vectorized MinHash step


# Multipliers that make a 3-gram's hash depend on the order of its words (odd: no bit lost).
_MIX = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D)


def gram_hashes(word_lists: list[list[bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every text's word 3-grams (a text of fewer than 3 words is one gram),
    concatenated, and how many each text has.

    Each word is hashed once (crc32, in C) and a 3-gram's hash mixes its three words' hashes in
    numpy, instead of building and hashing a string per 3-gram (measured 4x cheaper). Equal
    3-gram sets give equal hash sets, which is all MinHash needs.
    """
    lengths = np.fromiter(map(len, word_lists), dtype=np.int64, count=len(word_lists))
    flat = itertools.chain.from_iterable(word_lists)
    hashes = np.fromiter(map(zlib.crc32, flat), dtype=np.uint32, count=int(lengths.sum()))
    padded = np.concatenate([hashes, np.zeros(SHINGLE - 1, dtype=np.uint32)])
    mix = [np.uint32(m) for m in _MIX]
    every = padded[:-2] * mix[0] ^ padded[1:-1] * mix[1] ^ padded[2:] * mix[2]
    counts = np.maximum(lengths - (SHINGLE - 1), 1)
    starts_out = np.cumsum(counts) - counts
    local = np.arange(len(hashes)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    keep = local <= np.repeat(lengths - SHINGLE, lengths)  # a 3-gram starts here
    grams = np.empty(int(counts.sum()), dtype=np.uint32)
    grams[np.repeat(starts_out, lengths)[keep] + local[keep]] = every[keep]
    for row in np.flatnonzero(lengths < SHINGLE):  # short texts: their words as one gram
        value = 0
        for word, m in zip(word_lists[row], _MIX, strict=False):
            value ^= zlib.crc32(word) * m & 0xFFFFFFFF
        grams[starts_out[row]] = value
    return grams, counts


class MinHasher:
    """MinHash signatures of word 3-gram sets, the same in every process.

    datasketch's permutations and scheme (affine32: a MurmurHash3 finalizer, then one affine map
    per permutation), applied to a whole batch of texts at once: one numpy pass over every
    shingle of the batch and a segmented minimum, instead of one MinHash object per text.
    `tests/data/test_filters.py` checks each signature equals datasketch's own for the same
    shingle hashes.
    """

    def __init__(self, permutations: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """`permutations`: another MinHasher's (a worker is handed the reading process's)."""
        if permutations is None:
            # Building permutations costs more than hashing a row: make them once, share them.
            from datasketch import MinHash

            template = MinHash(num_perm=NUM_PERM, seed=1)
            if template.scheme != "affine32":
                raise RuntimeError(f"datasketch scheme {template.scheme!r}: expected affine32")
            permutations = template.permutations
        self.permutations = permutations
        self._a, self._b = (np.asarray(p, dtype=np.uint32) for p in permutations)

    def signature(self, text: str) -> LeanMinHash:
        """datasketch's own MinHash of the text's 3-gram hashes (what `batch` must equal)."""
        from datasketch import LeanMinHash, MinHash

        minhash = MinHash(
            num_perm=NUM_PERM, seed=1, hashfunc=int, permutations=self.permutations,
            scheme="affine32",
        )  # fmt: skip
        minhash.update_batch(gram_hashes([words(text)])[0].tolist())
        return LeanMinHash(minhash)

    def batch(self, word_lists: list[list[bytes]]) -> np.ndarray:
        """One signature row (NUM_PERM uint32 values, datasketch's affine32 dtype) per text,
        given each text's `words`."""
        if not word_lists:
            return np.empty((0, NUM_PERM), dtype=np.uint32)
        return self.from_grams(*gram_hashes(word_lists))

    def from_grams(self, grams: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """`batch` from `gram_hashes`' output (computed once per batch, shared with the
        repetition filter); `grams` is left as it was."""
        out = np.empty((len(sizes), NUM_PERM), dtype=np.uint32)
        # MurmurHash3's 32-bit finalizer, as datasketch's affine32 pre-mixes each input hash.
        hv = grams ^ grams >> np.uint32(16)
        hv *= np.uint32(0x85EBCA6B)
        hv ^= hv >> np.uint32(13)
        hv *= np.uint32(0xC2B2AE35)
        hv ^= hv >> np.uint32(16)
        ends = np.cumsum(sizes)
        first = 0
        while first < len(sizes):
            # Rows whose shingles fill about one block: the (NUM_PERM x block) product stays in
            # cache (measured 35x faster than one product over the whole batch).
            last = max(first + 1, int(np.searchsorted(ends, ends[first] - sizes[first] + _BLOCK)))
            lo, hi = ends[first] - sizes[first], ends[last - 1]
            permuted = np.multiply.outer(self._a, hv[lo:hi])  # wraps mod 2**32, as datasketch
            permuted += self._b[:, None]
            starts = ends[first:last] - sizes[first:last] - lo
            out[first:last] = np.minimum.reduceat(permuted, starts, axis=1).T
            first = last
        return out

    def values(self, text: str) -> np.ndarray:
        return self.batch([words(text)])[0]


class NearIndex:
    """LSH over MinHash signatures (datasketch's band/row split for the threshold), confirmed by
    the estimated Jaccard; the earliest indexed match wins. Spills like SpillIndex."""

    def __init__(
        self, threshold: float, directory: Path | None = None, bound: int = SPILL_BOUND
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-dup threshold {threshold}: must be in (0, 1]")
        self.threshold = threshold
        from datasketch.lsh import _optimal_param

        self._bands, self._rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
        self._buckets = SpillIndex("bands", directory, bound)
        self._signatures = SpillIndex("signatures", directory, bound)
        self._count = 0

    def near_duplicate_of(self, hashvalues: np.ndarray, where: str) -> str | None:
        """Where a near-identical signature was indexed first, or None (and index this one)."""
        r = self._rows
        data, width = hashvalues.tobytes(), r * hashvalues.itemsize  # slicing bytes, not arrays
        keys = [bytes((i,)) + data[i * width : (i + 1) * width] for i in range(self._bands)]
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
