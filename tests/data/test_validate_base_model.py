"""`fmops data validate --base-model` applies the Bedrock catalog's limits for that model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()
TITAN = "amazon.titan-text-express-v1"  # 4,096 tokens per record (~6 chars/token)


def _dataset(tmp_path: Path, completion_chars: int) -> Path:
    path = tmp_path / "train.jsonl"
    record = {"prompt": "Summarise the clause.", "completion": "x" * completion_chars}
    path.write_text(json.dumps(record) + "\n")
    return path


def test_record_over_the_models_token_limit_fails_only_with_base_model(tmp_path: Path) -> None:
    path = _dataset(tmp_path, completion_chars=6 * 4096 + 600)
    plain = runner.invoke(app, ["data", "validate", "--format", "prompt_completion", str(path)])
    assert plain.exit_code == 0, plain.output
    checked = runner.invoke(
        app, ["data", "validate", "--format", "prompt_completion", str(path), "--base-model", TITAN]
    )
    assert checked.exit_code == 2
    assert "4096" in checked.output


def test_record_within_the_limit_passes_with_base_model(tmp_path: Path) -> None:
    path = _dataset(tmp_path, completion_chars=600)
    result = runner.invoke(
        app, ["data", "validate", "--format", "prompt_completion", str(path), "--base-model", TITAN]
    )
    assert result.exit_code == 0, result.output


def test_unknown_model_and_unsupported_format_are_refused(tmp_path: Path) -> None:
    path = _dataset(tmp_path, completion_chars=10)
    unknown = runner.invoke(
        app,
        [
            "data",
            "validate",
            "--format",
            "prompt_completion",
            str(path),
            "--base-model",
            "acme.model-v1",
        ],
    )
    assert unknown.exit_code == 2
    assert "not in the Bedrock catalog" in unknown.stderr
    wrong = runner.invoke(
        app, ["data", "validate", "--format", "preference", str(path), "--base-model", TITAN]
    )
    assert wrong.exit_code == 2
    assert f"{TITAN} does not take it" in wrong.stderr


def test_nova_file_with_5_records_or_role_markers_is_refused(tmp_path: Path) -> None:
    def record(user: str) -> dict:
        return {
            "schemaVersion": "bedrock-conversation-2024",
            "messages": [
                {"role": "user", "content": [{"text": user}]},
                {"role": "assistant", "content": [{"text": "Reset it."}]},
            ],
        }

    path = tmp_path / "nova.jsonl"
    path.write_text("".join(json.dumps(record(f"Router {i} is down.")) + "\n" for i in range(5)))
    args = ["data", "validate", "--format", "conversation", str(path)]
    nova = [*args, "--base-model", "amazon.nova-lite-v1:0"]
    assert runner.invoke(app, args).exit_code == 0
    few = runner.invoke(app, nova)
    assert few.exit_code == 2 and "below the minimum of 8" in few.output
    rows = [record(f"Router {i} is down.") for i in range(9)] + [record("User: it is down")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    marked = runner.invoke(app, nova)
    assert marked.exit_code == 2 and "reserved marker" in marked.output
