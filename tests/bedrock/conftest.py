"""Datasets and a moto-backed AWS for the Bedrock client tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def conversation(user: str, assistant: str) -> dict[str, Any]:
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are a support agent."}],
        "messages": [
            {"role": "user", "content": [{"text": user}]},
            {"role": "assistant", "content": [{"text": assistant}]},
        ],
    }


def claude_record(user: str, assistant: str) -> dict[str, Any]:
    """Claude 3 Haiku fine-tuning record: string system prompt and string content."""
    return {
        "system": "You are a support agent.",
        "messages": [
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ],
    }


@pytest.fixture
def claude_conversations(tmp_path: Path) -> Path:
    # Claude 3 Haiku needs at least 32 training records.
    records = [
        claude_record(f"How do I reset router {i}?", "Hold reset for 10 s.") for i in range(40)
    ]
    return write_jsonl(tmp_path / "claude.jsonl", records)


@pytest.fixture
def prompt_completion(tmp_path: Path) -> Path:
    records = [{"prompt": f"Question {i}?", "completion": f"Answer {i}."} for i in range(120)]
    return write_jsonl(tmp_path / "pc.jsonl", records)


def as_prepared(dataset: Path, output: str = "train") -> Path:
    """Lay `dataset` out as prepare writes it: OUT/<output>/data.jsonl + OUT/governance/manifest."""
    out = dataset.parent / f"prepared-{dataset.stem}"
    target = out / output / "data.jsonl"
    target.parent.mkdir(parents=True)
    target.write_bytes(dataset.read_bytes())
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    manifest = {"outputs": {output: {"path": str(target), "sha256": digest}}}
    (out / "governance").mkdir()
    (out / "governance" / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.fixture
def prepared_prompt_completion(prompt_completion: Path) -> Path:
    return as_prepared(prompt_completion)


@pytest.fixture
def conversations(tmp_path: Path) -> Path:
    records = [
        conversation(f"How do I reset router {i}?", "Hold reset for 10 s.") for i in range(120)
    ]
    return write_jsonl(tmp_path / "conv.jsonl", records)


@pytest.fixture
def cpt_text(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "cpt.jsonl", [{"input": f"Clause {i}: force majeure."} for i in range(20)]
    )


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def bedrock(aws: None) -> Any:
    return boto3.client("bedrock", region_name=REGION)


def set_job_status(job_name: str, status: str) -> None:
    """moto 5.2.5 keeps every customization job InProgress; tests move it on by hand."""
    from moto.bedrock.models import bedrock_backends

    bedrock_backends[ACCOUNT][REGION].model_customization_jobs[job_name].status = status
