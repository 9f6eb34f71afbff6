"""Anonymize one field of a JSONL file: same rows, same order, every other byte of meaning kept."""

from __future__ import annotations

from pathlib import Path

from training_scripts.governance.pii import PiiEngine
from training_scripts.governance.salt import resolve_salt
from training_scripts.governance.writers import AtomicOutputs, write_jsonl
from training_scripts.vocabulary.records import DataError, read_jsonl


def anonymize_jsonl(source: Path, target: Path, field: str, mode: str) -> tuple[int, dict]:
    """Rows written and PII counts; raises DataError naming the line of any bad row."""
    if not source.is_file():
        raise DataError(f"{source}: file not found")
    salt = resolve_salt()[0] if mode == "pseudonymize" else ""
    engine = PiiEngine(mode, salt)
    rows = 0
    with AtomicOutputs() as out:
        sink = out.open(target)
        for line, row in read_jsonl(source):
            if not isinstance(row.get(field), str):
                raise DataError(f"{source}:{line}: no text field '{field}' (use --field)")
            row[field] = engine.anonymize([row[field]])[0]
            write_jsonl(sink, row)
            rows += 1
    return rows, dict(engine.found)
