"""The whole curation path: read -> quality -> poisoning -> dedup -> triggers -> PII -> split.

Two halves, the same on one core, on N worker processes and on N Processing instances:
`govern.py` judges, hashes and anonymizes each row on its own (parallel), `reduce.py` takes the
order-dependent decisions from the signatures alone (duplicates, contradictions) and writes the
split. Every row is anonymized, quarantined ones too, so no output carries raw PII.
"""

from __future__ import annotations

import json
import os
import platform
import random
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from training_scripts.governance.dispatch import govern_shard
from training_scripts.governance.modes import MODES
from training_scripts.governance.poisoning import TriggerDetector
from training_scripts.governance.quality import QualitySettings
from training_scripts.governance.readers import FieldMap, input_files
from training_scripts.governance.reduce import STAGES, find_drops, trigger_rows
from training_scripts.governance.shards import ShardSet, shard_inputs
from training_scripts.governance.split import Tally, write_split
from training_scripts.governance.writers import AtomicOutputs, sha256_file
from training_scripts.vocabulary.methods import DATA_TASKS, TASK_NAMES
from training_scripts.vocabulary.records import DataError

# Input per worker process when PII is on: a forked worker shares the reading process's NER
# model, but each still warms its own caches (phone regions' metadata) and, where workers are
# spawned (no fork), loads the model itself (seconds, ~200 MB).
BYTES_PER_WORKER = 4_000_000
BYTES_PER_WORKER_PII_OFF = 500_000  # a worker without Presidio starts in ~0.15 CPU-seconds
_TOOLS = ("presidio-analyzer", "presidio-anonymizer", "spacy", "datasketch", "phonenumbers",
          "faker", "tldextract")  # fmt: skip


@dataclass(frozen=True)
class PrepareSettings:
    task: str = "sft"
    fields: FieldMap = field(default_factory=FieldMap)
    pii_mode: str = "pseudonymize"
    validation_fraction: float = 0.1
    seed: int = 13
    near_dup_threshold: float = 0.85
    quality: QualitySettings = field(default_factory=QualitySettings)
    chunk_chars: int = 4000
    trigger_min_rows: int = 5
    # Top-level input folders left out (recorded in the manifest's settings), e.g. the ranked
    # pairs under preferences/ when preparing instruction data from the same input prefix.
    skip_dirs: tuple[str, ...] = ()
    # Zero kept rows usually means a wrong field name or format: refuse unless asked for.
    allow_empty: bool = False

    def check(self) -> None:
        if self.task not in DATA_TASKS:
            raise DataError(
                f"task {self.task!r} is not supported: use one of {', '.join(TASK_NAMES)}"
            )
        if self.pii_mode not in MODES:
            raise DataError(f"PII mode {self.pii_mode!r}: use one of {', '.join(MODES)}")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise DataError(f"validation fraction {self.validation_fraction}: must be in [0, 1)")
        if not 0.0 < self.near_dup_threshold <= 1.0:
            raise DataError(f"near-dup threshold {self.near_dup_threshold}: must be in (0, 1]")


@dataclass(frozen=True)
class PrepareOutputs:
    train: Path
    validation: Path
    governance: Path

    @classmethod
    def under(cls, root: Path) -> PrepareOutputs:
        return cls(root / "train", root / "validation", root / "governance")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def govern_inputs(
    input_root: Path, shard_dir: Path, settings: PrepareSettings, salt: str, shard: str = "0",
    workers: int = 1,
) -> int:  # fmt: skip
    """The per-row "map" over every input under `input_root` (one shard's share in the cloud)."""
    settings.check()
    base = input_root if input_root.is_dir() else input_root.parent
    files = [
        path
        for path in input_files(input_root)
        if path.relative_to(base).parts[0] not in settings.skip_dirs
    ]
    if not files:
        raise DataError(f"{input_root}: no input files outside {', '.join(settings.skip_dirs)}/")
    names = {path: path.relative_to(base).as_posix() for path in files}
    size = sum(path.stat().st_size for path in files)
    workers = effective_workers(workers, size, settings.pii_mode)
    return govern_shard(files, names, settings, salt, shard_dir, shard, workers)


def effective_workers(workers: int, input_bytes: int, pii_mode: str) -> int:
    """Worker processes worth starting for this much input (see BYTES_PER_WORKER), so a small
    input is not slower with many cores."""
    per_worker = BYTES_PER_WORKER if pii_mode != "off" else BYTES_PER_WORKER_PII_OFF
    return max(1, min(workers, input_bytes // per_worker))


def prepare(
    input_root: Path, outputs: PrepareOutputs, settings: PrepareSettings, salt: str,
    workers: int = 1, salt_source: str = "given by the caller",
) -> dict:  # fmt: skip
    """Curate every input under `input_root` into `outputs`; returns the manifest written.

    The same two halves as the sharded cloud run (govern, then reduce), in one process tree.
    """
    with tempfile.TemporaryDirectory(prefix="fmops-shards-") as tmp:
        govern_inputs(input_root, Path(tmp) / "shards", settings, salt, "0", workers)
        try:
            return reduce_shards(Path(tmp) / "shards", outputs, settings, salt_source)
        except DataError as exc:  # name the user's input, not the temporary shard folder
            raise DataError(f"{input_root}: {exc}") from None


def reduce_shards(
    shard_dir: Path,
    outputs: PrepareOutputs,
    settings: PrepareSettings,
    salt_source: str = "given by the caller",
) -> dict:
    """Decide duplicates/contradictions/triggers from the shards' files and write the dataset.

    `salt_source` (governance/salt.py) goes into the manifest, so a dataset pseudonymized with
    the public default salt says so.
    """
    settings.check()
    shards = ShardSet(shard_dir)
    targets = {
        "train": outputs.train / "data.jsonl",
        "validation": outputs.validation / "data.jsonl",
        "quarantine": outputs.governance / "quarantine.jsonl",
    }
    with tempfile.TemporaryDirectory(prefix="fmops-reduce-") as tmp, AtomicOutputs() as out:
        drop_file = out.open(outputs.governance / "drop_list.jsonl")
        triggers = TriggerDetector(min_rows=settings.trigger_min_rows)
        drops, stages = find_drops(
            shards, settings.task, settings.near_dup_threshold, Path(tmp), drop_file, triggers
        )
        flagged = trigger_rows(shards, drops, triggers, settings.task)
        stages["removed_trigger_phrase"] = len(flagged)
        kept = stages["read"] - drops.count - len(flagged)
        files = {name: out.open(target) for name, target in targets.items()}
        recognizer_rows = out.open(outputs.governance / "pii_recognizers.jsonl")
        validation = _validation_sample(kept, settings)
        tally = write_split(shards, drops, flagged, validation, files, recognizer_rows)
        shards.close()
        tally.records["quarantine"] = stages["read"] - tally.kept
        # Raising here aborts every temp file: the previous outputs stay as they were.
        if stages["read"] == 0:
            raise DataError("no input rows; nothing written (earlier outputs kept)")
        if tally.kept == 0 and not settings.allow_empty:
            raise DataError(
                f"all {stages['read']} rows were quarantined "
                f"({', '.join(sorted(tally.removed)) or 'no reason'}); nothing written (earlier "
                "outputs kept; --allow-empty writes empty outputs)"
            )
        out.close()
        hashes = {name: sha256_file(out.temp_path(target)) for name, target in targets.items()}
        manifest = _manifest(settings, shard_dir, len(shards.shards), stages, tally, salt_source)
        manifest["outputs"] = {
            name: {"path": str(target), "records": tally.records[name], "sha256": hashes[name]}
            for name, target in targets.items()
        }
        manifest_file = out.open(outputs.governance / "manifest.json")
        manifest_file.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _validation_sample(kept: int, settings: PrepareSettings) -> list[int]:
    """Positions among the kept rows that go to validation (seeded: the same on every run)."""
    n_validation = round(kept * settings.validation_fraction)
    if settings.validation_fraction > 0 and kept >= 2:
        n_validation = max(1, n_validation)
    return random.Random(settings.seed).sample(range(kept), n_validation)


def _manifest(
    settings: PrepareSettings, shard_dir: Path, shards: int, stages: Counter[str], tally: Tally,
    salt_source: str,
) -> dict:  # fmt: skip
    """The manifest but its outputs (added once they are hashed)."""
    return {
        "task": settings.task,
        "format": DATA_TASKS[settings.task].dataset_format,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": shard_inputs(shard_dir),
        "shards": shards,
        "stages": {
            "read": stages["read"],
            **{f"removed_{k}": n for k in STAGES if (n := stages[f"removed_{k}"])},
            "removed_trigger_phrase": stages["removed_trigger_phrase"],
            "kept": tally.kept,
        },
        "removed": dict(sorted(tally.removed.items())),
        "pii": {
            "mode": settings.pii_mode,
            "entities": dict(sorted(tally.entities.items())),
            # which recognizers fired: rows they fired on and entities found (never values)
            "recognizers": {k: dict(v) for k, v in sorted(tally.recognizers.items())},
            **({"salt": salt_source} if settings.pii_mode == "pseudonymize" else {}),
        },
        "settings": asdict(settings),
        "versions": _versions(),
    }


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for tool in _TOOLS:
        try:
            found[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            found[tool] = "not installed"
    return found
