"""The per-row half of curation (the "map"): runs in worker processes and on every shard.

Each row is judged on its own (quality, injection, preference pair), hashed (exact key, MinHash
signature, preference keys) and anonymized; nothing here depends on other rows, so the result
is the same whichever process or machine handles a row. Output per shard, in input order:
`rows-<shard>.jsonl` (anonymized texts, recognizer counts, and the output record already
rendered) and `signatures-<shard>.jsonl` (hashes and reasons only, never text), plus
`inputs-<shard>.json`. The order-dependent decisions (duplicates, contradictions, triggers,
split) are taken by `reduce.py` from these files.

The reading process only reads: JSONL arrives at a worker as raw blocks of whole lines, and the
worker decodes, parses, governs, signs and serializes them (docs/data_governance.md,
"Performance", has the per-stage profile this split came from).
"""

from __future__ import annotations

import base64
import json
import multiprocessing
from collections import deque
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from training_scripts.governance.dedup import MinHasher, gram_hashes, words, words_key
from training_scripts.governance.poisoning import (
    answer_key,
    injection_cues,
    injection_reasons,
    no_injection_cue,
    preference_reasons,
)
from training_scripts.governance.quality import quality_reasons, repetition_suspects
from training_scripts.governance.readers import (
    block_examples,
    is_jsonl,
    jsonl_blocks,
    read_examples,
)
from training_scripts.governance.records import (
    Example,
    completion_text,
    prompt_text,
    to_output,
)
from training_scripts.governance.writers import sha256_file

BLOCK_BYTES = 256_000  # raw JSONL per task: amortizes the hand-over, bounds a worker's memory
CHUNK_ROWS = 256  # rows per task for inputs the reading process has to parse (CSV, text)
# Row separator between the reduce's metadata and the rendered output record in rows-*.jsonl:
# JSON text never holds a raw tab, so the first tab on a line is this one.
OUTPUT_SEPARATOR = "\t"

# One encoder for every line (json.dumps builds a new one per call when given options).
_encode = json.JSONEncoder(ensure_ascii=False).encode
# The string encoder that `_encode` applies to every str (C, no ASCII escaping).
_encode_str = json.encoder.encode_basestring


def render_output(task: str, example: Example) -> str:
    """`_encode(to_output(task, example))`: the flat records (sft, cpt) are formatted around
    their encoded strings instead of building and encoding a dict per row (the same bytes, the
    encoder's ", " and ": " separators; tests/data/test_prepare.py compares the two)."""
    texts = example.texts
    if task == "sft":
        return f'{{"prompt": {_encode_str(texts[0])}, "completion": {_encode_str(texts[1])}}}'
    if task == "cpt":
        return f'{{"input": {_encode_str(texts[0])}}}'
    return _encode(to_output(task, example))


# A task: ("jsonl", name, first line, raw block) or ("rows", [(name, seq, Example), ...]).
Task = tuple[Any, ...]


def order_key(name: str, seq: int) -> tuple[tuple[str, ...], int]:
    """Global row order: input path (compared part by part, as the one-process run sorts) and
    position in that file (the line number for JSONL, the record index otherwise)."""
    return tuple(name.split("/")), seq


class RowGovernor:
    """Per-process state (PII engine, MinHash permutations) built once."""

    def __init__(self, settings: Any, salt: str, permutations: Any = None) -> None:
        self.s = settings
        self.pii = None
        if settings.pii_mode != "off":
            # Presidio and spaCy load only where PII is on: a worker with PII off starts in
            # well under a second.
            from training_scripts.governance.pii import PiiEngine

            self.pii = PiiEngine(settings.pii_mode, salt)
        self.hasher = MinHasher(permutations)

    def govern(self, items: list[tuple[str, int, Example]]) -> tuple[str, str, int]:
        """rows-*.jsonl and signatures-*.jsonl lines for a batch of rows, in order."""
        task = self.s.task
        if self.pii is not None:  # one batched NER pass over the texts that need it
            self.pii.prefetch(text for _, _, ex in items for text in ex.texts)
        split, qualities, poisonings, signatures = self._judge([ex for _, _, ex in items])
        rows, sigs = [], []
        for index, (name, seq, ex) in enumerate(items):
            text_words, quality, poisoning = split[index], qualities[index], poisonings[index]
            contra = []
            if task == "preference" and not quality:
                contra = [_short_hash(t) for t in ex.texts]
            texts, pii, entities = self._anonymize(ex.texts)
            anonymized = Example(ex.source, ex.line, texts)
            # The trigger detector groups kept rows by their (anonymized) answer: the key goes
            # in the signature, so the reduce reads no texts unless a group is suspect.
            answer = answer_key(completion_text(task, anonymized)).hex()
            # Formatted by hand around the encoded parts: json's encoder per small record cost
            # more than the rest of the row (the reduce parses these lines with json).
            where, q = ex.line, _encode(name)  # name is ex.source
            output = render_output(task, anonymized)
            rows.append(
                f'{{"k": [{q}, {seq}], "source": {q}, "line": {where}, "pii": {_json(pii)}, '
                f'"entities": {_json(entities)}}}{OUTPUT_SEPARATOR}{output}\n'
            )
            b64 = "" if quality else _b64(signatures[index].tobytes())
            sigs.append(
                f'{{"k": [{q}, {seq}], "where": {q[:-1]}:{where}", "quality": {_json(quality)}, '
                f'"poisoning": {_json(poisoning)}, "exact": "{words_key(text_words).hex()}", '
                f'"contra": {_json(contra)}, "answer": "{answer}", "minhash": "{b64}"}}\n'
            )
        return "".join(rows), "".join(sigs), len(items)

    def _judge(self, examples: list[Example]) -> tuple[list, list, list, np.ndarray]:
        """[words, quality reasons, poisoning reasons, MinHash signature] per row of a batch.

        The batch-wide work runs once: every row's word 3-gram hashes (shared by the repetition
        screen and MinHash), and the injection needles searched in the batch's distinct words.
        A row that fails quality gets no
        poisoning check; its signature is computed with the others and not used."""
        if not examples:
            return [], [], [], np.empty((0, 0), dtype=np.uint32)
        optional = 1 if self.s.task == "conversation" else 0  # the system prompt may be empty
        split = [words("\x1f".join(ex.texts)) for ex in examples]
        grams, counts = gram_hashes(split)
        lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        settings = self.s.quality
        suspects = repetition_suspects(grams, counts, lengths, settings.max_repeated_ngram_fraction)
        cues = injection_cues([ex.texts for ex in examples], split)
        quality, poisoning = [], []
        for ex, text_words, suspect, cue in zip(examples, split, suspects, cues, strict=True):
            reasons = quality_reasons(ex.texts, settings, optional, text_words, bool(suspect))
            quality.append(reasons)
            # Preference pairs have checks of their own beyond injection: always run.
            screened_out = not cue and self.s.task != "preference"
            poisoning.append([] if reasons or screened_out else self._poisoning(ex))
        return split, quality, poisoning, self.hasher.from_grams(grams, counts)

    def _poisoning(self, ex: Example) -> list[str]:
        task, texts = self.s.task, ex.texts
        if task == "preference":
            found = [] if no_injection_cue(texts[:2]) else injection_reasons(texts[0], [texts[1]])
            return found + preference_reasons(*texts)
        if no_injection_cue(texts):
            return []
        answers = texts[1:] if task == "sft" else texts[2::2] if task != "cpt" else []
        return injection_reasons(prompt_text(task, ex), answers)

    def _anonymize(self, texts: list[str]) -> tuple[list[str], dict, dict]:
        if self.pii is None:
            return list(texts), {}, {}
        anonymized = self.pii.anonymize(texts)
        return anonymized, dict(self.pii.last_recognizers), dict(self.pii.last_entities)


def _json(value: list | dict) -> str:
    return _encode(value) if value else "{}" if isinstance(value, dict) else "[]"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _short_hash(text: str) -> str:
    return words_key(words(text)).hex()


_GOVERNOR: RowGovernor | None = None


def _init_worker(settings: Any, salt: str, permutations: Any = None) -> None:
    global _GOVERNOR
    _GOVERNOR = RowGovernor(settings, salt, permutations)


def _govern_task(task: Task) -> tuple[str, str, int]:
    assert _GOVERNOR is not None
    if task[0] == "jsonl":
        _, name, first_line, block = task
        settings = _GOVERNOR.s
        items = [
            (name, line, ex)
            for line, ex in block_examples(block, first_line, name, settings.task, settings.fields)
        ]
    else:
        items = task[1]
    return _GOVERNOR.govern(items)


def _tasks(files: list[Path], names: dict[Path, str], settings: Any) -> Iterator[Task]:
    for path in files:
        name = names[path]
        if is_jsonl(path):
            for first_line, block in jsonl_blocks(path, BLOCK_BYTES):
                yield ("jsonl", name, first_line, block)
            continue
        # CSV and text need the whole file's context (quoting, paragraphs): read here.
        examples = read_examples(path, name, settings.task, settings.fields, settings.chunk_chars)
        numbered = ((name, seq, ex) for seq, ex in enumerate(examples))
        while chunk := list(islice(numbered, CHUNK_ROWS)):
            yield ("rows", chunk)


def govern_shard(
    files: list[Path], names: dict[Path, str], settings: Any, salt: str, out_dir: Path,
    shard: str, workers: int,
) -> int:  # fmt: skip
    """Govern `files` (in name order) into `out_dir`; returns the number of rows. This process
    reads and dispatches; rows are parsed and governed by `workers` processes (here when 1)."""
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
        for row_lines, sig_lines, n in _governed(files, names, settings, salt, workers):
            rows.write(row_lines)
            signatures.write(sig_lines)
            count += n
    return count


def _governed(
    files: list[Path], names: dict[Path, str], settings: Any, salt: str, workers: int
) -> Iterator[tuple[str, str, int]]:
    tasks = _tasks(files, names, settings)
    if workers <= 1:
        _init_worker(settings, salt)
        yield from map(_govern_task, tasks)
        return
    # fork would copy a loaded spaCy model lazily but is unsafe with threads; spawn is what
    # SageMaker's containers and macOS use anyway.
    permutations = MinHasher().permutations  # made once here, not once per worker
    pool = multiprocessing.get_context("spawn").Pool(
        workers, initializer=_init_worker, initargs=(settings, salt, permutations)
    )
    # A bounded window of tasks in flight, results taken in order: memory stays flat whatever
    # the corpus size, and the reading never runs ahead of the workers by more than the window.
    pending: deque = deque()
    try:
        for task in tasks:
            pending.append(pool.apply_async(_govern_task, (task,)))
            if len(pending) >= 3 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    finally:
        pool.terminate()
        pool.join()
