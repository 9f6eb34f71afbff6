"""How a shard's rows reach the governing workers, and what they make reaches the shard's files.

The reading process only finds batches: runs of whole JSONL lines of about BLOCK_BYTES (their
offsets, not their bytes, go to a worker, which reads, decodes, parses, governs, signs and
serializes them), or parsed rows of the CSV and text files that need the whole file's context.
With worker processes, each batch's rows and signature records go to a file of its own beside
the outputs, which the reading process appends to the shard's files in input order (a copy in
the kernel) and removes: the rows never cross a pipe, and the disk holds at most a window of
batches more than the outputs.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
from collections import deque
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from training_scripts.governance.govern import Governed, RowGovernor
from training_scripts.governance.readers import (
    block_examples,
    is_jsonl,
    jsonl_blocks,
    read_examples,
)
from training_scripts.governance.shards import (
    INPUTS,
    REASONS_FILE,
    ROWS,
    SIGNATURES,
    order_key,
)
from training_scripts.governance.writers import sha256_file

BLOCK_BYTES = 256_000  # raw JSONL per task: amortizes the hand-over, bounds a worker's memory
CHUNK_ROWS = 256  # rows per task for inputs the reading process has to parse (CSV, text)

# A task: ("jsonl", file number, name, first line, path, offset, length) or ("rows", file
# number, [(name, seq, Example), ...]); the file number indexes the shard's inputs list.
Task = tuple[Any, ...]


class Part(NamedTuple):
    """Bytes a worker wrote to a file of its own (the whole file)."""

    path: str
    length: int


class _Worker:
    """A process's governor, its open inputs, and where it puts its batches (None: returned)."""

    def __init__(self, settings: Any, salt: str, parts: Path | None) -> None:
        self.governor = RowGovernor(settings, salt)
        self.parts = parts
        self.input: tuple[str, int] = ("", -1)  # path and descriptor of the open input
        self.done = 0

    def run(self, task: Task) -> Governed:
        governed = self.govern(task)
        if self.parts is None:
            return governed
        self.done += 1
        stem = self.parts / f"{os.getpid()}-{self.done}"
        rows = _write_part(stem.with_suffix(".rows"), governed.rows)
        signatures = _write_part(stem.with_suffix(".sig"), governed.signatures)
        return governed._replace(rows=rows, signatures=signatures)

    def close(self) -> None:
        if self.input[1] >= 0:
            os.close(self.input[1])
        self.input = ("", -1)

    def govern(self, task: Task) -> Governed:
        if task[0] != "jsonl":
            return self.governor.govern(task[1], task[2])
        _, file, name, first_line, path, offset, length = task
        if path != self.input[0]:  # one input open at a time: a corpus may have many files
            self.close()
            self.input = (path, os.open(path, os.O_RDONLY))
        block = os.pread(self.input[1], length, offset)
        settings = self.governor.s
        examples = block_examples(block, first_line, name, settings.task, settings.fields)
        return self.governor.govern(file, [(name, line, ex) for line, ex in examples])


def _write_part(path: Path, data: bytes | tuple[str, int]) -> Part:
    assert isinstance(data, bytes)  # as the governor returns it
    with path.open("wb") as handle:
        handle.write(data)
    return Part(str(path), len(data))


_WORKER: _Worker | None = None


def _init_worker(settings: Any, salt: str, parts: Path | None) -> None:
    global _WORKER
    _WORKER = _Worker(settings, salt, parts)


def _run(task: Task) -> Governed:
    assert _WORKER is not None
    return _WORKER.run(task)


def _tasks(files: list[Path], names: dict[Path, str], settings: Any) -> Iterator[Task]:
    for file, path in enumerate(files):
        name = names[path]
        if is_jsonl(path):
            for first_line, offset, block in jsonl_blocks(path, BLOCK_BYTES):
                yield ("jsonl", file, name, first_line, str(path), offset, len(block))
            continue
        # CSV and text need the whole file's context (quoting, paragraphs): read here.
        examples = read_examples(path, name, settings.task, settings.fields, settings.chunk_chars)
        numbered = ((name, seq, ex) for seq, ex in enumerate(examples))
        while chunk := list(islice(numbered, CHUNK_ROWS)):
            yield ("rows", file, chunk)


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
    (out_dir / INPUTS.format(shard)).write_text(json.dumps(inputs))
    parts = out_dir / f".parts-{shard}"
    count = 0
    try:
        with (
            # Unbuffered: a batch is written whole, and the kernel appends workers' parts.
            (out_dir / ROWS.format(shard)).open("wb", buffering=0) as rows,
            (out_dir / SIGNATURES.format(shard)).open("wb", buffering=0) as signatures,
            (out_dir / REASONS_FILE.format(shard)).open("w", encoding="utf-8") as reasons,
        ):
            for governed in _governed(files, names, settings, salt, workers, parts):
                _append(rows, governed.rows)
                _append(signatures, governed.signatures)
                reasons.writelines(f'{{"i": {count + i}, {body}\n' for i, body in governed.reasons)
                count += governed.size
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return count


def _append(handle: BinaryIO, data: bytes | tuple[str, int]) -> None:
    if isinstance(data, bytes):
        handle.write(data)
        return
    data = Part(*data)
    with open(data.path, "rb") as part:
        copied = 0
        if hasattr(os, "copy_file_range"):  # Linux: the kernel copies, no bytes in this process
            while copied < data.length:
                step = os.copy_file_range(part.fileno(), handle.fileno(), data.length - copied)
                if not step:
                    break
                copied += step
        if copied < data.length:
            part.seek(copied)
            shutil.copyfileobj(part, handle)
    os.unlink(data.path)


def _governed(
    files: list[Path], names: dict[Path, str], settings: Any, salt: str, workers: int,
    parts: Path,
) -> Iterator[Governed]:  # fmt: skip
    tasks = _tasks(files, names, settings)
    if workers <= 1:
        _init_worker(settings, salt, None)
        assert _WORKER is not None
        try:
            yield from map(_run, tasks)
        finally:
            _WORKER.close()
        return
    parts.mkdir(exist_ok=True)
    # A forked worker starts with what this process has imported and built (a spawned one
    # imports everything again: ~0.15 CPU-s with PII off, ~3 with PII on). With PII on this
    # process builds one governor first, so the workers' governors find the NER model, name
    # lists and Presidio imported (~0.01 CPU-s each) and share their pages; spaCy and Presidio
    # start no threads (numpy's BLAS pool, there with PII off too, is re-made after a fork).
    # It also warms that governor's PII engine up once (~0.2 CPU-s: regexes compiled, the
    # model's first batch), which each worker's first rows paid for. The workers still do all
    # the NER of the rows. Spawn where fork is missing.
    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork and settings.pii_mode != "off":
        pii = RowGovernor(settings, salt).pii  # fills the module-level caches the workers read
        assert pii is not None
        pii.warm_up()
    gc.freeze()  # what exists now is never collected in a worker: its pages stay shared
    try:
        pool = multiprocessing.get_context("fork" if fork else "spawn").Pool(
            workers, initializer=_init_worker, initargs=(settings, salt, parts)
        )
    finally:
        gc.unfreeze()
    # A bounded window of tasks in flight, results taken in order: memory (and the parts on
    # disk) stay flat whatever the corpus size, and the reading never runs ahead of the workers
    # by more than the window.
    pending: deque = deque()
    try:
        for task in tasks:
            pending.append(pool.apply_async(_run, (task,)))
            if len(pending) >= 3 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
    finally:
        pool.terminate()
        pool.join()
