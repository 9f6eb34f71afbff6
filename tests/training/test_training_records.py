"""Channel data is read in the curated formats; bad lines are reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training_scripts.training_records import read_examples
from training_scripts.vocabulary.records import DataError, InstructionExample, PreferenceExample


def _channel(tmp_path: Path, lines: list[str]) -> Path:
    (tmp_path / "data.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_conversation_prompt_is_every_turn_before_the_last_assistant_turn(tmp_path: Path) -> None:
    record = {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "Be brief."}],
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello."}]},
        ],
    }
    [example] = read_examples(_channel(tmp_path, [json.dumps(record)]), "sft")
    assert isinstance(example, InstructionExample)
    assert example.completion == "Hello."
    assert example.messages == (("system", "Be brief."), ("user", "Hi"))


def test_malformed_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    lines = [json.dumps({"prompt": "a", "chosen": "b", "rejected": "c"}), "{oops"]
    with pytest.raises(DataError, match=r"data.jsonl:2: not valid JSON"):
        read_examples(_channel(tmp_path, lines), "dpo")


def test_missing_field_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r":1: field 'rejected' must be a non-empty string"):
        read_examples(_channel(tmp_path, [json.dumps({"prompt": "a", "chosen": "b"})]), "reward")


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    line = json.dumps({"prompt": "a", "chosen": "b", "rejected": "c"})
    assert (
        read_examples(_channel(tmp_path, [line, "", line]), "dpo")
        == [PreferenceExample("a", "b", "c")] * 2
    )
