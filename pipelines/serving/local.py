"""Offline serving: approve a version in the local registry and answer with its model.

The local stand-in for the Bedrock guardrail is the project's own data filters: the
prompt-injection patterns (training_scripts/governance/poisoning.py) block an input, and the PII
engine (training_scripts/governance/pii.py, redact mode) masks PII in the prompt before the
model sees it and in the answer before the user does. It is not the Bedrock guardrail: its
detectors are the curation filters, not Bedrock's classifiers, and every answer says so.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.local.registry_file import read_registry
from pipelines.serving import ServingError

STAND_IN = (
    "local stand-in for the Bedrock guardrail: the project's prompt-injection and PII filters "
    "(training_scripts/governance), not Bedrock's classifiers"
)
APPROVED, REJECTED = "Approved", "Rejected"


def _read(registry: Path) -> dict[str, list[dict[str, Any]]]:
    if not registry.is_file():
        raise ServingError(f"{registry}: no local model registry (run `fmops local run` first)")
    return read_registry(registry)


def _group(registry: dict[str, list[dict[str, Any]]], group: str | None, path: Path) -> str:
    if group is not None:
        if group not in registry:
            raise ServingError(f"--group {group!r}: not in {path} (has: {', '.join(registry)})")
        return group
    if len(registry) != 1:
        names = ", ".join(registry)
        raise ServingError(f"{path} holds {len(registry)} groups: pass --group ({names})")
    return next(iter(registry))


def find_version(registry_path: Path, version: int, group: str | None = None) -> dict[str, Any]:
    registry = _read(registry_path)
    name = _group(registry, group, registry_path)
    for entry in registry[name]:
        if entry["ModelPackageVersion"] == version:
            return entry
    known = ", ".join(str(e["ModelPackageVersion"]) for e in registry[name]) or "none"
    raise ServingError(f"--version {version}: not registered in {name} (versions: {known})")


def set_local_approval(
    registry_path: Path, version: int, *, approve: bool, reason: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Approve or reject one version, as UpdateModelPackage would; written atomically."""
    registry = _read(registry_path)
    name = _group(registry, group, registry_path)
    find_version(registry_path, version, name)  # a clear error for an unknown version
    entry = next(e for e in registry[name] if e["ModelPackageVersion"] == version)
    entry["ModelApprovalStatus"] = APPROVED if approve else REJECTED
    entry["ApprovalDescription"] = reason
    entry["LastModifiedTime"] = datetime.now(UTC).isoformat(timespec="seconds")
    temporary = registry_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(registry, indent=2))
    temporary.replace(registry_path)
    return entry


@dataclass
class LocalAnswer:
    text: str
    blocked: bool
    reasons: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)  # PII types masked in prompt or answer
    guardrail: str = STAND_IN


class LocalGuardrail:
    """Input: block prompt injection, mask PII. Output: mask PII, block injected text."""

    def __init__(self, salt: str = "local-invoke") -> None:
        from training_scripts.governance.pii import PiiEngine

        self.pii = PiiEngine("redact", salt)

    def check(self, text: str) -> list[str]:
        from training_scripts.governance.poisoning import injection_reasons

        return injection_reasons(text, [])

    def mask(self, text: str) -> tuple[str, list[str]]:
        before = dict(self.pii.found)
        (masked,) = self.pii.anonymize([text])
        return masked, sorted(k for k, n in self.pii.found.items() if n > before.get(k, 0))


def local_invoke(
    registry_path: Path, version: int, prompt: str, *, max_new_tokens: int = 32,
    group: str | None = None, guardrail: LocalGuardrail | None = None,
) -> LocalAnswer:  # fmt: skip
    """Answer `prompt` with an approved local version behind the local guardrail."""
    if not prompt.strip():
        raise ServingError("--prompt: empty")
    entry = find_version(registry_path, version, group)
    if entry["ModelApprovalStatus"] != APPROVED:
        raise ServingError(
            f"--version {version}: {entry['ModelApprovalStatus']}, not Approved "
            f"(approve it first: fmops local approve --version {version})"
        )
    guard = guardrail or LocalGuardrail()
    reasons = guard.check(prompt)
    if reasons:
        return LocalAnswer("Sorry, I can't help with that request.", True, reasons)
    clean_prompt, masked_in = guard.mask(prompt)
    from training_scripts.metrics.generation import generate, load_model, resolve_model_dir

    with tempfile.TemporaryDirectory() as scratch:
        model_dir = resolve_model_dir(Path(entry["LocalModelData"]), Path(scratch))
        (text,) = generate(load_model(model_dir), [clean_prompt], max_new_tokens)
    out_reasons = guard.check(text)
    if out_reasons:
        return LocalAnswer("Sorry, I can't share that answer.", True, out_reasons, masked_in)
    answer, masked_out = guard.mask(text)
    return LocalAnswer(answer, False, [], sorted(set(masked_in) | set(masked_out)))
