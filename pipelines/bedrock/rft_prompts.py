"""Reinforcement fine-tuning prompts made from prepared conversations.

RFT learns from prompts and a grader, not from answers to imitate: each prepared dialog
(`bedrock-conversation-2024`, written by `fmops data prepare --task conversation`) becomes one
prompt, the dialog up to its last user turn in OpenAI chat form, with the last assistant turn as
the `reference_answer` the grader compares against ("Prepare data for reinforcement fine-tuning").
Only prepared data is read (its manifest vouches for PII removal, dedup and filters), and the
output gets a manifest of its own naming that source, so `fmops bedrock submit` accepts it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.bedrock.prepared import check_prepared, manifest_for
from pipelines.bedrock.rft import REFERENCE_ANSWER
from training_scripts.governance.writers import sha256_file

TASK = "rft"


def _text(blocks: Any) -> str:
    if isinstance(blocks, list):
        return "\n".join(b["text"] for b in blocks if isinstance(b, dict) and "text" in b)
    return str(blocks or "")


def conversation_to_rft(record: dict[str, Any]) -> dict[str, Any] | None:
    """The RFT prompt of one conversation record; None when it has no answered user turn."""
    turns = [(m.get("role"), _text(m.get("content"))) for m in record.get("messages", [])]
    last = max((i for i, (role, _) in enumerate(turns) if role == "assistant"), default=-1)
    if last < 1 or turns[last - 1][0] != "user":
        return None
    messages = (
        [{"role": "system", "content": _text(record["system"])}] if "system" in record else []
    )
    messages += [{"role": role, "content": text} for role, text in turns[:last]]
    return {"messages": messages, REFERENCE_ANSWER: turns[last][1]}


def write_rft_prompts(prepared: Path, output: Path) -> dict[str, Any]:
    """Write OUTPUT/train/data.jsonl and OUTPUT/governance/manifest.json; return the manifest.

    Raises UnpreparedDataError when `prepared` is not an output of the prepare step.
    """
    source = check_prepared(prepared)
    target = output / "train" / "data.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    with prepared.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            prompt = conversation_to_rft(json.loads(line)) if line.strip() else None
            if prompt is None:
                skipped += 1
                continue
            out.write(json.dumps(prompt, ensure_ascii=False) + "\n")
            written += 1
    manifest = {
        "task": TASK,
        "format": TASK,
        "derived_from": {
            "path": str(prepared),
            "sha256": sha256_file(prepared),
            "manifest": str(manifest_for(prepared)),
            "task": source.get("task"),
        },
        "stages": {"read": written + skipped, "kept": written, "removed_no_answer": skipped},
        "outputs": {"train": {"path": str(target), "sha256": sha256_file(target)}},
    }
    governance = output / "governance"
    governance.mkdir(parents=True, exist_ok=True)
    (governance / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest
