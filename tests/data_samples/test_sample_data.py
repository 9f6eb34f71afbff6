"""The bundled sample datasets: reproducible, in the documented formats, and fit for their use."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
GENERATOR = SAMPLES / "generate.py"
KEYS = {
    "legal/raw/contracts.jsonl": {"prompt", "completion"},
    "healthcare/raw/qa.jsonl": {"prompt", "completion"},
    "support/raw/dialogs.jsonl": {"schemaVersion", "system", "messages"},
    "support/raw/rankings.jsonl": {"prompt", "chosen", "rejected"},
}
NO_CLAUSE = "No Force Majeure clause."
PII_PATTERNS = {
    "titled_name": re.compile(r"\b(?:Mr|Mrs|Ms)\. [A-Z][a-z]+ [A-Z]"),
    "clinician": re.compile(r"\bDr\. [A-Z][a-z]+"),
    "dob": re.compile(r"DOB: \S"),
    "mrn": re.compile(r"\b(?:MRN:?|Medical record number) \d{8}\b"),
    "phone": re.compile(r"(?:\+\d{1,2} )?\(?\d{2,3}\)?[ .-]\d{3,4}[ .-]\d{4}\b"),
    "email": re.compile(r"\b[\w.]+@[\w.]+\.\w+\b"),
    "address": re.compile(
        r"\b\d{1,4} (?:[A-Z][a-z]+ )?(?:Lane|Road|Avenue|Street|Court|Drive|Boulevard|Way|Grove|"
        r"Kingsway)\b"
    ),
}
DOMAIN_TERMS = ("metformin", "lisinopril", "atorvastatin", "type 2 diabetes", "hypertension",
                "atrial fibrillation")  # fmt: skip
WORD = re.compile(r"\w+")


def _records(name: str) -> list[dict]:
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _notes() -> list[str]:
    return [
        p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("healthcare/raw/notes/*.md"))
    ]


def _sample_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("*/raw/**/*.*"))}


def _generate(out: Path, seed: int) -> dict[str, bytes]:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out), "--seed", str(seed)],
                   check=True, capture_output=True)  # fmt: skip
    return _sample_files(out)


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    assert _generate(tmp_path, seed=7) == _sample_files(SAMPLES)


def test_generator_output_depends_on_the_seed(tmp_path: Path) -> None:
    other = _generate(tmp_path, seed=8)
    committed = _sample_files(SAMPLES)
    assert other.keys() == committed.keys()
    assert all(other[name] != committed[name] for name in KEYS)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_jsonl_line_parses_with_exactly_the_documented_keys(name: str) -> None:
    records = _records(name)
    assert len(records) >= 150
    assert all(set(r) == KEYS[name] for r in records)
    assert all(isinstance(v, str) and v.strip() for r in records for v in r.values()
               if not isinstance(v, list))  # fmt: skip


def test_dialogs_alternate_user_and_assistant_starting_with_user() -> None:
    for record in _records("support/raw/dialogs.jsonl"):
        roles = [m["role"] for m in record["messages"]]
        assert record["schemaVersion"] == "bedrock-conversation-2024"
        assert roles == ["user", "assistant"] * (len(roles) // 2) and len(roles) >= 2
        assert all(set(m) == {"role", "content"} for m in record["messages"])
        texts = [c["text"] for m in record["messages"] for c in m["content"]]
        texts += [s["text"] for s in record["system"]]
        assert all(isinstance(t, str) and t.strip() for t in texts)


def test_some_dialogs_carry_customer_contact_details() -> None:
    dialogs = [json.dumps(r) for r in _records("support/raw/dialogs.jsonl")]
    with_contact = [d for d in dialogs if PII_PATTERNS["email"].search(d)
                    or PII_PATTERNS["phone"].search(d)]  # fmt: skip
    assert 0 < len(with_contact) < len(dialogs)


def test_legal_completion_is_the_clause_copied_from_the_prompt_or_no_clause() -> None:
    records = _records("legal/raw/contracts.jsonl")
    assert all(r["completion"] == NO_CLAUSE or r["completion"] in r["prompt"] for r in records)
    without = sum(r["completion"] == NO_CLAUSE for r in records)
    assert 0.1 * len(records) < without < 0.5 * len(records)


def test_legal_contracts_name_parties_with_contact_details() -> None:
    prompts = [r["prompt"] for r in _records("legal/raw/contracts.jsonl")]
    assert all(re.search(r"represented by [A-Z][a-z]+ [A-Z]", p) for p in prompts)
    assert all(PII_PATTERNS["email"].search(p) and PII_PATTERNS["phone"].search(p) for p in prompts)


def test_clinical_notes_carry_several_pii_types_for_anonymization() -> None:
    notes = _notes()
    assert len(notes) >= 30
    for note in notes:
        found = {kind for kind, pattern in PII_PATTERNS.items() if pattern.search(note)}
        assert found == set(PII_PATTERNS), sorted(set(PII_PATTERNS) - found)


def test_clinical_notes_mention_the_patient_again_by_surname_and_first_name() -> None:
    for note in _notes():
        first, last = re.search(r"Patient: \w+\. (\w+) (.+)", note).groups()
        body = note.split("Clinician:", 1)[1]
        assert f" {last}" in body and first in body


def test_clinical_notes_contain_the_domain_terms_that_must_survive() -> None:
    notes = _notes()
    assert all(sum(term in note for note in notes) >= 3 for term in DOMAIN_TERMS)


def test_medical_qa_has_no_pii() -> None:
    rows = [json.dumps(r) for r in _records("healthcare/raw/qa.jsonl")]
    leaks = [(k, r) for r in rows for k, p in PII_PATTERNS.items() if p.search(r)]
    assert leaks == []


def test_rankings_prefer_polite_step_by_step_help_over_a_bad_reply() -> None:
    for record in _records("support/raw/rankings.jsonl"):
        chosen, rejected = record["chosen"], record["rejected"]
        assert chosen != rejected
        assert re.search(r"\bThank", chosen) and "sorry" in chosen
        assert re.search(r"\n1\. |First, ", chosen)
        assert not re.search(r"(?i)\b(?:thank|sorry)", rejected)


def _shingles(text: str) -> set[str]:
    words = WORD.findall(text.lower())
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_no_two_records_are_near_duplicates(name: str) -> None:
    # The prepare step drops rows whose word 3-gram Jaccard similarity reaches 0.85; the samples
    # stay well below it so the demo trains on all of them.
    sets = [_shingles(json.dumps(r)) for r in _records(name)]
    worst = max(len(a & b) / len(a | b) for a, b in itertools.combinations(sets, 2))
    assert worst < 0.75


def test_sample_tree_stays_small() -> None:
    assert sum(len(b) for b in _sample_files(SAMPLES).values()) < 1_500_000
