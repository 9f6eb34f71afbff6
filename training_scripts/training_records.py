"""Read a training channel's JSONL into typed examples, with file:line errors.

Dependency-free so `train.py` rejects a bad dataset in a fraction of a second, before torch
loads. Formats are the curated ones `prepare_data.py` writes; the method table says which record
kind each method learns from.
"""

from __future__ import annotations

from pathlib import Path

from training_scripts.vocabulary.methods import METHODS
from training_scripts.vocabulary.records import (
    DataError,
    Example,
    channel_files,
    parse_example,
    read_jsonl,
)


def read_examples(channel: Path, method: str, name: str = "train") -> list[Example]:
    files = channel_files(channel)
    if not files:
        raise DataError(f"{name} channel {channel}: no data.jsonl or *.jsonl file")
    kind = METHODS[method].record_kind
    examples = [
        parse_example(record, kind, f"{path}:{number}")
        for path in files
        for number, record in read_jsonl(path)
    ]
    if not examples:
        listed = ", ".join(p.name for p in files)
        raise DataError(f"{name} channel {channel}: no records in {listed} (dataset is empty)")
    return examples
