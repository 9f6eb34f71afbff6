"""Generate the bundled synthetic sample datasets for the offline presets (stdlib only).

    python data/samples/generate.py [--out data/samples] [--seed 7]

rewrites these files byte-identically for a given seed (each file has its own seeded
`random.Random`, so changing one generator leaves the other files unchanged):

legal/raw/contracts.jsonl        {"prompt", "completion"}: "Extract the Force Majeure clause from
                                 this contract:\\n<contract>" -> the clause body copied verbatim,
                                 or "No Force Majeure clause." (sft / lora).
healthcare/raw/notes/note_NNN.md clinical notes full of fake PII (names with titles, DOB, MRN,
                                 address, phone, e-mail, "Dr. ...") around drug and diagnosis
                                 terms: input for anonymization and continued pre-training (cpt).
healthcare/raw/qa.jsonl          {"prompt", "completion"} medical QA without PII (sft).
support/raw/dialogs.jsonl        bedrock-conversation-2024 support dialogs, some with a
                                 customer's e-mail, phone or order number (sft, conversation).
support/raw/rankings.jsonl       {"prompt", "chosen", "rejected"}: polite step-by-step help vs a
                                 dismissive or unsafe reply (reward / dpo).

Every name, address, phone number, e-mail, MRN and order number is invented (see
fake_identities.py). Run it with any Python 3.11+; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterable
from pathlib import Path

from clinical_notes import notes
from legal_contracts import contracts
from medical_qa import qa_pairs
from support_dialogs import dialogs, rankings

DEFAULT_OUT = Path(__file__).resolve().parent
DEFAULT_SEED = 7
NOTES_DIR = Path("healthcare/raw/notes")


def _rng(seed: int, name: str) -> random.Random:
    # A string seed is hashed with SHA-512 by Random, so it is stable across runs and platforms.
    return random.Random(f"{seed}:{name}")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _write_jsonl(path: Path, records: Iterable[dict]) -> None:
    _write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def generate(out: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write every sample file under `out`; returns the paths written."""
    jsonl = {
        "legal/raw/contracts.jsonl": contracts(_rng(seed, "contracts")),
        "healthcare/raw/qa.jsonl": qa_pairs(_rng(seed, "qa")),
        "support/raw/dialogs.jsonl": dialogs(_rng(seed, "dialogs")),
        "support/raw/rankings.jsonl": rankings(_rng(seed, "rankings")),
    }
    written = []
    for name, records in jsonl.items():
        _write_jsonl(out / name, records)
        written.append(out / name)
    notes_dir = out / NOTES_DIR
    for stale in notes_dir.glob("note_*.md"):  # a rerun must not leave notes of another seed
        stale.unlink()
    for number, text in enumerate(notes(_rng(seed, "notes")), 1):
        path = notes_dir / f"note_{number:03d}.md"
        _write_text(path, text)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="root of the sample tree")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    written = generate(args.out, args.seed)
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files ({size / 1024:.0f} KiB) under {args.out}")


if __name__ == "__main__":
    main()
