"""Exact (normalized hash) and near-duplicate (MinHash LSH, datasketch) removal.

Only hashes and MinHash signatures are kept in memory, never the texts: that index is the one
thing that grows with the corpus.
"""

from __future__ import annotations

import hashlib
import re
import zlib

from datasketch import LeanMinHash, MinHash, MinHashLSH

_WORD = re.compile(r"\w+")
NUM_PERM = 64  # enough for a 0.7-0.95 threshold; each signature costs 64 * 8 bytes


def normalize(text: str) -> str:
    """Lowercase words only: case, punctuation and spacing changes are still the same text."""
    return " ".join(_WORD.findall(text.lower()))


class ExactDeduper:
    def __init__(self) -> None:
        self._seen: dict[bytes, str] = {}

    def first_seen(self, text: str, where: str) -> str | None:
        """Where an identical (normalized) text was seen first, or None (and remember this one)."""
        key = hashlib.blake2b(normalize(text).encode(), digest_size=16).digest()
        found = self._seen.get(key)
        if found is None:
            self._seen[key] = where
        return found


def shingles(text: str, size: int = 3) -> set[bytes]:
    words = normalize(text).split()
    if len(words) <= size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


class NearDeduper:
    """Jaccard similarity of word 3-gram sets, estimated by MinHash and indexed by LSH."""

    def __init__(self, threshold: float) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-dup threshold {threshold}: must be in (0, 1]")
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.threshold = threshold
        self._indexed: list[tuple[str, LeanMinHash]] = []
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

    def near_duplicate_of(self, text: str, where: str) -> str | None:
        """Where a near-identical text was seen, or None (and index this one)."""
        signature = self.signature(text)
        for candidate in self._lsh.query(signature):
            # LSH only proposes candidates; confirm with the estimated Jaccard itself.
            seen_where, seen = self._indexed[candidate]
            if seen.jaccard(signature) >= self.threshold:
                return seen_where
        # Keyed by position: LSH hashes its keys, and hashing an int is free where hashing a
        # LeanMinHash serializes all its values (`where` is not unique: text chunks share it).
        self._lsh.insert(len(self._indexed), signature)
        self._indexed.append((where, signature))
        return None
