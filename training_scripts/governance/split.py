"""The curated split written from the shards' rendered rows, a chunk of rows at a time.

Every row, in global order, goes to quarantine (dropped by the reduce or flagged by the trigger
detector, with its reasons), to validation (its position among the kept rows was sampled) or to
train. The kept rows of a chunk are written with one call per output file; only quarantined rows
and rows with PII counts are handled one by one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np

from training_scripts.governance.reduce import DropLog
from training_scripts.governance.shards import PII_SEPARATOR, ShardSet
from training_scripts.governance.writers import write_jsonl

CHUNK_ROWS = 8192


def reason_code(reason: str) -> str:
    """`duplicate:exact of a.jsonl:3` -> `duplicate:exact` (the key counted in the manifest)."""
    return reason.split(" ", 1)[0]


@dataclass
class Tally:
    records: Counter[str] = field(default_factory=Counter)  # per output file
    removed: Counter[str] = field(default_factory=Counter)  # per reason code
    entities: Counter[str] = field(default_factory=Counter)  # PII entities per type
    recognizers: dict[str, Counter[str]] = field(default_factory=dict)
    kept: int = 0

    def pii(self, line: str, recognizer_rows: TextIO) -> str:
        """Count a rows-file line's PII part; returns the line without it."""
        output, _, pii = line[:-1].partition(PII_SEPARATOR)
        found = json.loads(pii)
        self.entities.update(found["entities"])
        for name, n in found["pii"].items():
            self.recognizers.setdefault(name, Counter()).update({"rows": 1, "entities": n})
        if found["pii"]:
            write_jsonl(recognizer_rows, {"source": found["source"], "line": found["line"],
                                          "recognizers": found["pii"]})  # fmt: skip
        return output + "\n"


def write_split(
    shards: ShardSet, drops: DropLog, flagged: dict[int, str], validation: list[int],
    files: dict[str, TextIO], recognizer_rows: TextIO,
) -> Tally:  # fmt: skip
    """Write every row; `flagged`: survivor position -> trigger reason, `validation`: the kept
    positions sampled for validation."""
    tally = Tally()
    dropped = drops.read()
    next_drop, head = next(dropped)
    flagged_at = np.array(sorted(flagged), dtype=np.int64)
    sampled = np.array(sorted(validation), dtype=np.int64)
    survivor = 0
    for first, lines in shards.output_chunks(CHUNK_ROWS):
        for i, line in enumerate(lines):
            if PII_SEPARATOR in line:
                lines[i] = tally.pii(line, recognizer_rows)
        heads: dict[int, str] = {}  # quarantined row (in this chunk) -> record head
        while 0 <= next_drop < first + len(lines):
            heads[next_drop - first] = head
            next_drop, head = next(dropped)
        survivors = np.delete(np.arange(len(lines)), list(heads))
        positions = survivor + np.arange(len(survivors))
        triggered = np.isin(positions, flagged_at)
        for i, position in zip(
            survivors[triggered].tolist(), positions[triggered].tolist(), strict=True
        ):
            source, line_number = shards.where(first + i).rsplit(":", 1)
            record = {"source": source, "line": int(line_number), "reasons": [flagged[position]]}
            heads[i] = json.dumps(record, ensure_ascii=False)[:-1]
        kept = survivors[~triggered]
        to_validation = np.isin(tally.kept + np.arange(len(kept)), sampled)
        for name, rows in (("validation", kept[to_validation]), ("train", kept[~to_validation])):
            files[name].write("".join([lines[i] for i in rows.tolist()]))
            tally.records[name] += len(rows)
        for i in sorted(heads):
            reasons = json.loads(heads[i] + "}")["reasons"]
            tally.removed.update(reason_code(r) for r in reasons)
            # The output record was rendered by the worker: spliced in, not parsed again.
            files["quarantine"].write(f'{heads[i]}, "record": {lines[i][:-1]}}}\n')
        tally.records["quarantine"] += len(heads)
        tally.kept += len(kept)
        survivor += len(survivors)
    return tally
