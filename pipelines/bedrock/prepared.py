"""Only prepared data goes to Bedrock: a dataset must be an output of the prepare step.

`fmops data prepare RAW OUT` (and the pipeline's prepare step) writes OUT/train/data.jsonl,
OUT/validation/data.jsonl and OUT/governance/manifest.json, whose `outputs.<name>.sha256` is the
hash of each file as written. A file is accepted only when such a manifest sits beside it and
the file still hashes to what the manifest recorded: PII removal, dedup and the poisoning
filters ran on exactly these bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training_scripts.governance.writers import sha256_file

PREPARED_OUTPUTS = ("train", "validation")


class UnpreparedDataError(ValueError):
    """The dataset did not come out of the prepare step, or changed since."""


def manifest_for(dataset: Path) -> Path:
    """Where prepare put the manifest of `dataset` (OUT/<output>/data.jsonl)."""
    return dataset.resolve().parent.parent / "governance" / "manifest.json"


def check_prepared(dataset: Path, manifest_path: Path | None = None) -> dict[str, Any]:
    """The manifest that vouches for `dataset`; raises UnpreparedDataError otherwise."""
    manifest_path = manifest_path or manifest_for(dataset)
    prepare_first = "run `fmops data prepare RAW_DIR OUT_DIR` and submit OUT_DIR/train/data.jsonl"
    if not manifest_path.is_file():
        raise UnpreparedDataError(
            f"{dataset}: no prepare manifest at {manifest_path}; {prepare_first}"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded = {
            name: str(manifest["outputs"][name]["sha256"])
            for name in PREPARED_OUTPUTS
            if name in manifest["outputs"]
        }
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise UnpreparedDataError(
            f"{manifest_path}: not a prepare manifest ({type(exc).__name__}: {exc})"
        ) from None
    digest = sha256_file(dataset)
    if digest not in recorded.values():
        known = ", ".join(f"{name} {value[:12]}" for name, value in recorded.items()) or "none"
        raise UnpreparedDataError(
            f"{dataset}: sha256 {digest[:12]} matches no output of {manifest_path} ({known}); "
            f"it changed after prepare, {prepare_first}"
        )
    return dict(manifest)
