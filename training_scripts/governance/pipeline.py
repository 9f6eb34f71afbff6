"""The whole curation path: read -> quality -> poisoning -> dedup -> triggers -> PII -> split.

Pass 1 streams every input once, keeps only hashes/signatures in memory and spools surviving
examples to a temp file; pass 2 streams the spool, anonymizes and writes the split. PII runs last
(it is the slow step) but also on every quarantined row, so no output carries raw PII.
"""

from __future__ import annotations

import json
import platform
import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from training_scripts.governance.dedup import ExactDeduper, NearDeduper
from training_scripts.governance.pii import MODES, PiiEngine
from training_scripts.governance.poisoning import (
    ContradictionIndex,
    TriggerDetector,
    injection_reasons,
    preference_reasons,
    prompt_ngrams,
)
from training_scripts.governance.quality import QualitySettings, quality_reasons
from training_scripts.governance.readers import FieldMap, input_files, read_examples
from training_scripts.governance.records import (
    Example,
    completion_text,
    prompt_text,
    to_output,
)
from training_scripts.governance.writers import AtomicOutputs, sha256_file, write_jsonl
from training_scripts.vocabulary.methods import DATA_TASKS, TASK_NAMES
from training_scripts.vocabulary.records import DataError

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


class _Curator:
    """Pass-1 decisions for one example: reasons to quarantine it, or none."""

    def __init__(self, settings: PrepareSettings) -> None:
        self.s = settings
        self.exact = ExactDeduper()
        self.near = NearDeduper(settings.near_dup_threshold)
        self.contradictions = ContradictionIndex()

    def reasons(self, ex: Example) -> tuple[str, list[str]]:
        """(stage, reasons) of the first stage that rejects `ex`; ("", []) when it survives."""
        task, texts = self.s.task, ex.texts
        optional = 1 if task == "conversation" else 0  # the system prompt may be empty
        found = quality_reasons(texts, self.s.quality, optional)
        if found:
            return "quality", found
        found = self._poisoning(ex)
        if found:
            return "poisoning", found
        joined = "\x1f".join(texts)
        first = self.exact.first_seen(joined, ex.where)
        if first:
            return "dedup_exact", [f"duplicate:exact of {first}"]
        first = self.near.near_duplicate_of(joined, ex.where)
        if first:
            return "dedup_near", [f"duplicate:near of {first}"]
        return "", []

    def _poisoning(self, ex: Example) -> list[str]:
        task, texts = self.s.task, ex.texts
        if task == "preference":
            prompt, chosen, rejected = texts
            found = injection_reasons(prompt, [chosen]) + preference_reasons(*texts)
            other = self.contradictions.seen_flipped(prompt, chosen, rejected, ex.where)
            return found + ([f"preference:contradicts {other}"] if other else [])
        answers = [] if task == "cpt" else texts[2::2] if task == "conversation" else texts[1:]
        return injection_reasons(prompt_text(task, ex), answers)


def reason_code(reason: str) -> str:
    """`duplicate:exact of a.jsonl:3` -> `duplicate:exact` (the key counted in the manifest)."""
    return reason.split(" ", 1)[0]


def prepare(
    input_root: Path,
    outputs: PrepareOutputs,
    settings: PrepareSettings,
    salt: str,
    salt_source: str = "given by the caller",
) -> dict:
    """Curate every input under `input_root` into `outputs`; returns the manifest written.

    `salt_source` (governance/salt.py) goes into the manifest, so a dataset pseudonymized with
    the public default salt says so.
    """
    settings.check()
    files = input_files(input_root)
    base = input_root if input_root.is_dir() else input_root.parent
    names = {path: str(path.relative_to(base)) for path in files}
    pii = PiiEngine(settings.pii_mode, salt)
    curator = _Curator(settings)
    triggers = TriggerDetector(min_rows=settings.trigger_min_rows)
    stages: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    targets = {
        "train": outputs.train / "data.jsonl",
        "validation": outputs.validation / "data.jsonl",
        "quarantine": outputs.governance / "quarantine.jsonl",
    }
    with tempfile.TemporaryDirectory(prefix="fmops-prepare-") as tmp, AtomicOutputs() as out:
        spool_path = Path(tmp) / "spool.jsonl"
        quarantine = out.open(targets["quarantine"])

        def reject(ex: Example, reasons: list[str]) -> None:
            removed.update(reason_code(r) for r in reasons)
            ex.texts = pii.anonymize(ex.texts)
            record = {"source": ex.source, "line": ex.line, "reasons": reasons}
            write_jsonl(quarantine, record | {"record": to_output(settings.task, ex)})

        kept = 0
        with spool_path.open("w", encoding="utf-8") as spool:
            for row, ex in enumerate(_examples(files, names, settings)):
                stages["read"] += 1
                stage, reasons = curator.reasons(ex)
                if reasons:
                    stages[f"removed_{stage}"] += 1
                    reject(ex, reasons)
                    continue
                triggers.add(row, completion_text(settings.task, ex))
                write_jsonl(spool, {"row": row, "source": ex.source, "line": ex.line,
                                    "texts": ex.texts})  # fmt: skip
                kept += 1
        flagged = _trigger_rows(spool_path, triggers, settings.task)
        stages["removed_trigger_phrase"] = len(flagged)
        kept -= len(flagged)
        rng = random.Random(settings.seed)
        n_validation = round(kept * settings.validation_fraction)
        if settings.validation_fraction > 0 and kept >= 2:
            n_validation = max(1, n_validation)
        validation_rows = set(rng.sample(range(kept), n_validation))
        split = {"train": out.open(targets["train"]), "validation": out.open(targets["validation"])}
        counts: Counter[str] = Counter()
        position = 0
        for row, ex in _spooled(spool_path):
            if row in flagged:
                reject(ex, [flagged[row]])
                continue
            ex.texts = pii.anonymize(ex.texts)
            name = "validation" if position in validation_rows else "train"
            write_jsonl(split[name], to_output(settings.task, ex))
            counts[name] += 1
            position += 1
        counts["quarantine"] = stages["read"] - position
        out.close()
        manifest = {
            "task": settings.task,
            "format": DATA_TASKS[settings.task].dataset_format,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "inputs": [
                {"path": names[p], "sha256": sha256_file(p), "bytes": p.stat().st_size}
                for p in files
            ],
            "stages": {
                "read": stages["read"],
                **{k: v for k, v in stages.items() if k != "read"},
                "kept": position,
            },
            "removed": dict(sorted(removed.items())),
            "outputs": {
                name: {
                    "path": str(target),
                    "records": counts[name],
                    "sha256": sha256_file(out.temp_path(target)),
                }
                for name, target in targets.items()
            },
            "pii": {
                "mode": settings.pii_mode,
                "entities": dict(sorted(pii.found.items())),
                **({"salt": salt_source} if settings.pii_mode == "pseudonymize" else {}),
            },
            "settings": asdict(settings),
            "versions": _versions(),
        }
        manifest_file = out.open(outputs.governance / "manifest.json")
        manifest_file.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _examples(
    files: list[Path], names: dict[Path, str], settings: PrepareSettings
) -> Iterator[Example]:
    for path in files:
        yield from read_examples(
            path, names[path], settings.task, settings.fields, settings.chunk_chars
        )


def _spooled(path: Path) -> Iterator[tuple[int, Example]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            yield item["row"], Example(item["source"], item["line"], item["texts"])


def _trigger_rows(spool: Path, triggers: TriggerDetector, task: str) -> dict[int, str]:
    """Backdoor rows: two extra streaming reads of the spool, only when a suspect group exists."""
    suspects = triggers.suspect_rows()
    if not suspects:
        return {}
    prompts = {row: prompt_text(task, ex) for row, ex in _spooled(spool) if row in suspects}
    candidates = triggers.candidates(prompts)
    if not candidates:
        return {}
    phrases = {p for group in candidates.values() for p in group}
    counts: Counter[str] = Counter()
    for _, ex in _spooled(spool):
        counts.update(prompt_ngrams(prompt_text(task, ex)) & phrases)
    return triggers.find(candidates, counts)


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for tool in _TOOLS:
        try:
            found[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            found[tool] = "not installed"
    return found
