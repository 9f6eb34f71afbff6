"""`fmops settings`: validated settings for humans and scripts; bad input is one line, exit 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def test_settings_show_json_prints_the_selected_stage() -> None:
    result = runner.invoke(app, ["settings", "show", "--stage", "prod", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["stage"] == "prod"
    assert shown["network"]["az_count"] == 3


def test_settings_show_table_names_every_leaf_key() -> None:
    result = runner.invoke(app, ["settings", "show"])
    assert result.exit_code == 0
    assert "network.az_count" in result.stdout
    assert "evaluation.max_hallucination_rate" in result.stdout


def test_unknown_stage_fails_with_one_line_and_exit_2() -> None:
    result = runner.invoke(app, ["settings", "show", "--stage", "qa"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: stage = 'qa': unknown stage (allowed: dev, prod)"
