"""Bedrock JSONL checks name every bad line before a job is submitted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training_scripts.dataset_formats import (
    FORMATS,
    DatasetLimits,
    FormatProblem,
    validate_dataset,
)

GOOD = {
    "cpt": {"input": "Metformin is a first-line therapy for type 2 diabetes."},
    "prompt_completion": {"prompt": "Summarise the clause.", "completion": "No liability."},
    "preference": {"prompt": "Greet.", "chosen": "Hello, how can I help?", "rejected": "What."},
    "conversation": {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are a support agent."}],
        "messages": [
            {"role": "user", "content": [{"text": "My router is down."}]},
            {"role": "assistant", "content": [{"text": "Please restart it."}]},
        ],
    },
    # Claude 3 Haiku fine-tuning: string system prompt and string content, no schemaVersion.
    "claude_conversation": {
        "system": "You are a support agent.",
        "messages": [
            {"role": "user", "content": "My router is down."},
            {"role": "assistant", "content": "Please restart it."},
            {"role": "user", "content": "Done, still down."},
            {"role": "assistant", "content": "Then call your provider."},
        ],
    },
}


def _write(path: Path, lines: list[object]) -> Path:
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def _lines(problems: list[FormatProblem]) -> list[int]:
    return [p.line for p in problems]


@pytest.mark.parametrize("fmt", FORMATS)
def test_valid_file_of_each_format_has_no_problems(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD[fmt]] * 3)
    assert validate_dataset(path, fmt) == []


def test_every_bad_json_line_is_reported_by_number(tmp_path: Path) -> None:
    good = GOOD["prompt_completion"]
    path = _write(tmp_path / "d.jsonl", [good, "{not json", good, "[1, 2]", good, '{"a": '])
    assert _lines(validate_dataset(path, "prompt_completion")) == [2, 4, 6]


def test_empty_line_in_the_middle_is_a_problem(tmp_path: Path) -> None:
    good = GOOD["cpt"]
    path = _write(tmp_path / "d.jsonl", [good, "", good])
    problems = validate_dataset(path, "cpt")
    assert _lines(problems) == [2]
    assert "empty line" in problems[0].message


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"input": "ok"}\n{"input": "caf\xe9"}\n')
    problems = validate_dataset(path, "cpt")
    assert _lines(problems) == [2]
    assert "UTF-8" in problems[0].message


def test_missing_and_extra_keys_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [{"prompt": "p", "answer": "a"}])
    messages = " ".join(p.message for p in validate_dataset(path, "prompt_completion"))
    assert "missing key 'completion'" in messages
    assert "'answer'" in messages


def test_empty_and_non_string_values_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [{"input": "  "}, {"input": 3}])
    problems = validate_dataset(path, "cpt")
    assert _lines(problems) == [1, 2]


@pytest.mark.parametrize(
    ("roles", "fragment"),
    [
        (["assistant", "user"], "must be 'user'"),
        (["user", "user"], "must be 'assistant'"),
        (["user", "assistant", "user"], "last message"),
        (["user"], "at least 2"),
    ],
)
def test_conversation_roles_must_alternate_from_user_to_assistant(
    tmp_path: Path, roles: list[str], fragment: str
) -> None:
    record = dict(GOOD["conversation"])
    record["messages"] = [{"role": r, "content": [{"text": "hi"}]} for r in roles]
    problems = validate_dataset(_write(tmp_path / "d.jsonl", [record]), "conversation")
    assert any(fragment in p.message for p in problems), problems


def test_conversation_schema_version_must_match(tmp_path: Path) -> None:
    record = dict(GOOD["conversation"], schemaVersion="bedrock-conversation-2023")
    problems = validate_dataset(_write(tmp_path / "d.jsonl", [record]), "conversation")
    assert any("schemaVersion" in p.message for p in problems)


def test_record_over_the_token_limit_uses_six_chars_per_token(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [{"input": "x" * 600}, {"input": "x" * 606}])
    problems = validate_dataset(path, "cpt", DatasetLimits(max_tokens_per_record=100))
    assert _lines(problems) == [2]


def test_record_count_and_file_size_limits_are_whole_file_problems(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD["cpt"]] * 5)
    too_many = validate_dataset(path, "cpt", DatasetLimits(max_records=4))
    too_few = validate_dataset(path, "cpt", DatasetLimits(min_records=6))
    too_big = validate_dataset(path, "cpt", DatasetLimits(max_file_bytes=10))
    assert [p.line for p in too_many + too_few + too_big] == [0, 0, 0]


def test_only_the_first_n_problems_are_listed_then_a_count(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", ["{bad"] * 10)
    problems = validate_dataset(path, "cpt", max_problems=3)
    assert _lines(problems) == [1, 2, 3, 0]
    assert "7 more" in problems[-1].message


def test_missing_or_empty_file_is_a_whole_file_problem(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    assert _lines(validate_dataset(tmp_path / "nope.jsonl", "cpt")) == [0]
    assert _lines(validate_dataset(tmp_path / "empty.jsonl", "cpt")) == [0]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="prompt_completion"):
        validate_dataset(Path("x.jsonl"), "alpaca")


def _claude(**changes: object) -> dict:
    return {**GOOD["claude_conversation"], **changes}


def test_claude_record_without_system_is_valid(tmp_path: Path) -> None:
    record = {"messages": GOOD["claude_conversation"]["messages"][:2]}
    assert validate_dataset(_write(tmp_path / "d.jsonl", [record]), "claude_conversation") == []


def test_claude_refuses_converse_content_blocks_on_their_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD["claude_conversation"], GOOD["conversation"]])
    problems = validate_dataset(path, "claude_conversation")
    assert set(_lines(problems)) == {2}
    messages = " ".join(p.message for p in problems)
    assert "unexpected key(s) 'schemaVersion'" in messages
    assert "'system' must be a string, got list" in messages
    assert "'messages[0].content' must be a string, got list" in messages


def test_claude_refuses_prompt_completion_records(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD["prompt_completion"]])
    messages = " ".join(p.message for p in validate_dataset(path, "claude_conversation"))
    assert "missing key 'messages'" in messages
    assert "unexpected key(s) 'completion', 'prompt'" in messages


def test_converse_format_refuses_claude_string_content(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD["claude_conversation"]])
    messages = " ".join(p.message for p in validate_dataset(path, "conversation"))
    assert "missing key 'schemaVersion'" in messages
    assert "non-empty list of" in messages


@pytest.mark.parametrize(
    ("roles", "fragment"),
    [
        (["assistant", "user"], "must be 'user'"),
        (["user", "user"], "must be 'assistant'"),
        (["user", "assistant", "user"], "last message"),
        (["user"], "at least 2"),
        (["user", "system"], "must be 'assistant'"),
    ],
)
def test_claude_roles_must_alternate_from_user_to_assistant(
    tmp_path: Path, roles: list[str], fragment: str
) -> None:
    record = _claude(messages=[{"role": r, "content": "hi"} for r in roles])
    problems = validate_dataset(_write(tmp_path / "d.jsonl", [record]), "claude_conversation")
    assert any(fragment in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        (_claude(system="  "), "'system' is empty"),
        (_claude(system=7), "'system' must be a string, got int"),
        (
            _claude(
                messages=[{"role": "user", "content": ""}, {"role": "assistant", "content": "a"}]
            ),
            "'messages[0].content' is empty",
        ),
        (
            _claude(
                messages=[
                    {"role": "user", "content": "q", "name": "x"},
                    {"role": "assistant", "content": "a"},
                ]
            ),
            "'messages[0]' must be an object with exactly the keys 'role' and 'content'",
        ),
        (_claude(messages="hello"), "'messages' must be a list of at least 2 messages"),
        (_claude(id=3), "unexpected key(s) 'id'; allowed: messages, system"),
    ],
)
def test_claude_record_problems_are_named(tmp_path: Path, record: dict, fragment: str) -> None:
    path = _write(tmp_path / "d.jsonl", [GOOD["claude_conversation"], record])
    problems = validate_dataset(path, "claude_conversation")
    assert _lines(problems) and set(_lines(problems)) == {2}
    assert any(fragment in p.message for p in problems), problems


def test_claude_token_estimate_counts_system_and_every_message(tmp_path: Path) -> None:
    # 6 chars/token: 100 tokens = 600 characters over system + messages.
    short = _claude(
        system="s" * 200,
        messages=[
            {"role": "user", "content": "u" * 200},
            {"role": "assistant", "content": "a" * 200},
        ],
    )
    long = _claude(
        system="s" * 206,
        messages=[
            {"role": "user", "content": "u" * 200},
            {"role": "assistant", "content": "a" * 200},
        ],
    )
    path = _write(tmp_path / "d.jsonl", [short, long])
    problems = validate_dataset(
        path, "claude_conversation", DatasetLimits(max_tokens_per_record=100)
    )
    assert _lines(problems) == [2]
