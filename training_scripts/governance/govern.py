"""The per-row half of curation (the "map"): runs in worker processes and on every shard.

Each row is judged on its own (quality, injection, preference pair), hashed (exact key, MinHash
signature, preference keys) and anonymized; nothing here depends on other rows, so the result
is the same whichever process or machine handles a row. Output per shard, in input order:
`rows-<shard>.jsonl` (anonymized texts, recognizer counts) and `signatures-<shard>.jsonl`
(hashes and reasons only, never text), plus `inputs-<shard>.json`. The order-dependent decisions
(duplicates, contradictions, triggers, split) are taken by `reduce.py` from these files.
"""

from __future__ import annotations

import base64
import json
import multiprocessing
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from training_scripts.governance.dedup import MinHasher, exact_key, normalize
from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.poisoning import injection_reasons, preference_reasons
from training_scripts.governance.quality import quality_reasons
from training_scripts.governance.readers import read_examples
from training_scripts.governance.records import Example, prompt_text
from training_scripts.governance.writers import sha256_file

CHUNK_ROWS = 128  # rows per task handed to a worker: large enough to amortize the pickling


def order_key(name: str, seq: int) -> tuple[tuple[str, ...], int]:
    """Global row order: input path (compared part by part, as the one-process run sorts) and
    position in that file."""
    return tuple(name.split("/")), seq


class RowGovernor:
    """Per-process state (PII engine, MinHash permutations) built once."""

    def __init__(self, settings: Any, salt: str) -> None:
        self.s = settings
        self.pii = PiiEngine(settings.pii_mode, salt)
        self.hasher = MinHasher()

    def govern(self, name: str, seq: int, ex: Example) -> tuple[dict, dict]:
        task, texts = self.s.task, ex.texts
        optional = 1 if task == "conversation" else 0  # the system prompt may be empty
        quality = quality_reasons(texts, self.s.quality, optional)
        poisoning: list[str] = []
        contra: list[str] = []
        signature = ""
        joined = "\x1f".join(texts)
        if not quality:
            if task == "preference":
                poisoning = injection_reasons(texts[0], [texts[1]]) + preference_reasons(*texts)
                contra = [_short_hash(t) for t in texts]
            else:
                answers = texts[1:] if task == "sft" else texts[2::2] if task != "cpt" else []
                poisoning = injection_reasons(prompt_text(task, ex), answers)
            signature = base64.b64encode(self.hasher.values(joined).tobytes()).decode()
        anonymized = self.pii.anonymize(texts)
        row = {
            "k": [name, seq], "source": ex.source, "line": ex.line, "texts": anonymized,
            "pii": dict(self.pii.last_recognizers), "entities": dict(self.pii.last_entities),
        }  # fmt: skip
        sig = {
            "k": [name, seq], "where": ex.where, "quality": quality, "poisoning": poisoning,
            "exact": exact_key(joined).hex(), "minhash": signature, "contra": contra,
        }  # fmt: skip
        return row, sig


def _short_hash(text: str) -> str:
    return exact_key(normalize(text)).hex()


_GOVERNOR: RowGovernor | None = None


def _init_worker(settings: Any, salt: str) -> None:
    global _GOVERNOR
    _GOVERNOR = RowGovernor(settings, salt)


def _govern_chunk(chunk: list[tuple[str, int, Example]]) -> list[tuple[dict, dict]]:
    assert _GOVERNOR is not None
    _GOVERNOR.pii.prefetch(text for _, _, ex in chunk for text in ex.texts)
    return [_GOVERNOR.govern(name, seq, ex) for name, seq, ex in chunk]


def _chunks(files: list[Path], names: dict[Path, str], settings: Any) -> Iterator[list]:
    def rows() -> Iterator[tuple[str, int, Example]]:
        for path in files:
            examples = read_examples(
                path, names[path], settings.task, settings.fields, settings.chunk_chars
            )
            for seq, ex in enumerate(examples):
                yield names[path], seq, ex

    stream = rows()
    while chunk := list(islice(stream, CHUNK_ROWS)):
        yield chunk


def govern_shard(
    files: list[Path], names: dict[Path, str], settings: Any, salt: str, out_dir: Path,
    shard: str, workers: int,
) -> int:  # fmt: skip
    """Govern `files` (in name order) into `out_dir`; returns the number of rows. Reading stays
    in this process (errors name file and line); rows are governed by `workers` processes."""
    files = sorted(files, key=lambda p: order_key(names[p], 0))
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs = [
        {"path": names[p], "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in files
    ]
    (out_dir / f"inputs-{shard}.json").write_text(json.dumps(inputs))
    count = 0
    with (
        (out_dir / f"rows-{shard}.jsonl").open("w", encoding="utf-8") as rows,
        (out_dir / f"signatures-{shard}.jsonl").open("w", encoding="utf-8") as signatures,
    ):
        if workers <= 1:
            _init_worker(settings, salt)
            results: Iterator[list[tuple[dict, dict]]] = map(
                _govern_chunk, _chunks(files, names, settings)
            )
            pool = None
        else:
            # fork would copy a loaded spaCy model lazily but is unsafe with threads; spawn is
            # what SageMaker's containers and macOS use anyway.
            pool = multiprocessing.get_context("spawn").Pool(
                workers, initializer=_init_worker, initargs=(settings, salt)
            )
            results = pool.imap(_govern_chunk, _chunks(files, names, settings))
        try:
            for chunk in results:
                for row, sig in chunk:
                    rows.write(json.dumps(row, ensure_ascii=False) + "\n")
                    signatures.write(json.dumps(sig) + "\n")
                    count += 1
        finally:
            if pool is not None:
                pool.terminate()
    return count
