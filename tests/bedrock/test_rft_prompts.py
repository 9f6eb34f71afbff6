"""RFT prompts from the bundled support dialogs: prepare -> rft-prompts -> a file that
`fmops bedrock validate` accepts for Nova 2 Lite RFT and `submit` accepts as prepared data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.bedrock.prepared import check_prepared
from pipelines.bedrock.rft_prompts import conversation_to_rft
from pipelines.cli import app
from tests.bedrock.conftest import conversation, write_jsonl

ROOT = Path(__file__).resolve().parents[2]
DIALOGS = ROOT / "data" / "samples" / "support" / "raw" / "dialogs.jsonl"
runner = CliRunner()


def test_last_answer_becomes_the_reference_and_the_prompt_ends_on_the_user() -> None:
    record = conversation("Where is my order?", "It ships tomorrow.")
    record["messages"] += [
        {"role": "user", "content": [{"text": "Can I change the address?"}]},
        {"role": "assistant", "content": [{"text": "Yes, until it ships."}]},
    ]
    prompt = conversation_to_rft(record)
    assert prompt == {
        "messages": [
            {"role": "system", "content": "You are a support agent."},
            {"role": "user", "content": "Where is my order?"},
            {"role": "assistant", "content": "It ships tomorrow."},
            {"role": "user", "content": "Can I change the address?"},
        ],
        "reference_answer": "Yes, until it ships.",
    }


def test_rft_prompts_refuse_data_that_did_not_go_through_prepare(tmp_path: Path) -> None:
    raw = write_jsonl(tmp_path / "raw.jsonl", [conversation("a?", "b.")])
    result = runner.invoke(app, ["data", "rft-prompts", str(raw), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no prepare manifest" in result.stderr


@pytest.fixture(scope="module")
def rft_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("rft")
    prepared = runner.invoke(
        app,
        ["data", "prepare", str(DIALOGS), str(work / "curated"), "--task", "conversation",
         "--pii-mode", "redact", "--workers", "1"],
    )  # fmt: skip
    assert prepared.exit_code == 0, prepared.output
    result = runner.invoke(
        app, ["data", "rft-prompts", str(work / "curated/train/data.jsonl"), str(work / "rft")]
    )
    assert result.exit_code == 0, result.output
    return work / "rft" / "train" / "data.jsonl"


# Prepare loads the PII pipeline (spaCy, Presidio): ~90 s on 2 cores, the e2e lane.
@pytest.mark.e2e
def test_support_dialogs_become_a_valid_nova_2_lite_rft_file(rft_file: Path) -> None:
    lines = rft_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 100  # the RFT minimum, from the 180 bundled dialogs
    assert all(json.loads(line)["reference_answer"] for line in lines)
    result = runner.invoke(
        app,
        ["bedrock", "validate", "--base-model", "amazon.nova-2-lite-v1:0:256k",
         "--customization", "REINFORCEMENT_FINE_TUNING", "--train", str(rft_file),
         "--region", "us-east-1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.e2e
def test_rft_file_is_accepted_as_prepared_data(rft_file: Path) -> None:
    manifest = check_prepared(rft_file)
    assert manifest["task"] == "rft"
    assert manifest["derived_from"]["task"] == "conversation"
