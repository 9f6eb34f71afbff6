"""Ranking tasks from Bedrock invocation logs: both log shapes, champion vs candidate, PII gone."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.feedback import FeedbackError
from pipelines.feedback.invocation_logs import (
    answer_of,
    candidate_pairs,
    prompt_of,
    read_logged_calls,
)

runner = CliRunner()
CHAMPION = "arn:aws:bedrock:us-east-1:111122223333:imported-model/champion"
CANDIDATE = "arn:aws:bedrock:us-east-1:111122223333:imported-model/candidate"


def converse_record(model: str, prompt: str, answer: str) -> dict[str, object]:
    """One record as model invocation logging writes it for a Converse call."""
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-11-30T10:00:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": "r-" + str(abs(hash((model, prompt)))),
        "operation": "Converse",
        "modelId": model,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {
                "system": [{"text": "You are a support agent."}],
                "messages": [{"role": "user", "content": [{"text": prompt}]}],
                "inferenceConfig": {"maxTokens": 256},
            },
            "inputTokenCount": 20,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 20, "outputTokens": 10, "totalTokens": 30},
            },
            "outputTokenCount": 10,
        },
    }


def write_logs(directory: Path) -> Path:
    """A day of traffic: champion and candidate answering the same prompts, gzipped like S3."""
    prompts = {
        "My name is Maria Lopez, call me at 415-555-0132 about my refund.": (
            "Sure Maria Lopez, we will call 415-555-0132 today.",
            "I can help with the refund; please use the secure form instead of sharing numbers.",
        ),
        "How do I reset my password?": ("Use the reset link.", "Send me your password."),
        "Can you delete my account?": ("Yes, from Settings > Account.", "No."),
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "2026/11/30/10/part-0001.json.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for prompt, (champion, candidate) in prompts.items():
        lines.append(converse_record(CHAMPION, prompt, champion))
        lines.append(converse_record(CANDIDATE, prompt, candidate))
    lines.append(converse_record(CHAMPION, "Only one model saw this.", "ok"))
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(line) + "\n" for line in lines))
    return directory


def test_prompt_and_answer_are_read_from_converse_and_invoke_model_bodies() -> None:
    assert prompt_of({"inputText": "titan prompt"}) == "titan prompt"
    assert answer_of({"results": [{"outputText": "titan answer"}]}) == "titan answer"
    assert prompt_of({"prompt": "llama prompt"}) == "llama prompt"
    assert answer_of({"generation": "llama answer"}) == "llama answer"
    messages = {
        "messages": [
            {"role": "user", "content": [{"text": "first"}]},
            {"role": "assistant", "content": [{"text": "reply"}]},
            {"role": "user", "content": [{"text": "second"}, {"text": "part"}]},
        ]
    }
    assert prompt_of(messages) == "second\npart"


def test_champion_and_candidate_answers_to_one_prompt_become_one_pair(tmp_path: Path) -> None:
    logs = write_logs(tmp_path / "logs")
    calls = read_logged_calls(logs.rglob("*.gz"))
    pairs = candidate_pairs(calls, responder=None)
    assert len(pairs) == 3  # the prompt only one model answered is left out without a responder
    assert {(p["source_a"], p["source_b"]) for p in pairs} == {(CANDIDATE, CHAMPION)}


def test_a_responder_answers_single_answer_prompts_at_two_temperatures(tmp_path: Path) -> None:
    calls = read_logged_calls(write_logs(tmp_path / "logs").rglob("*.gz"))
    asked: list[tuple[str, float]] = []

    def responder(prompt: str, temperature: float) -> str:
        asked.append((prompt, temperature))
        return f"answer at {temperature}"

    pairs = candidate_pairs(calls, responder=responder)
    assert len(pairs) == 4
    assert asked == [("Only one model saw this.", 0.2), ("Only one model saw this.", 1.0)]


def test_a_record_that_is_not_an_invocation_log_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"hello": "world"}) + "\n")
    with pytest.raises(FeedbackError, match=r"x.json:1: not a Bedrock invocation log record"):
        read_logged_calls([path])


def test_rank_tasks_from_invocation_logs_redacts_pii_before_people_see_it(tmp_path: Path) -> None:
    logs = write_logs(tmp_path / "logs")
    result = runner.invoke(
        app,
        [
            "feedback",
            "rank-tasks",
            "--from-invocation-logs",
            str(logs),
            "-o",
            str(tmp_path / "job"),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = (tmp_path / "job/manifest.jsonl").read_text()
    assert len(manifest.splitlines()) == 3
    for secret in ("Maria", "Lopez", "415-555-0132"):
        assert secret not in manifest
    assert "[NAME]" in manifest and "[PHONE]" in manifest
    assert "redacted before anyone sees it" in result.stdout
