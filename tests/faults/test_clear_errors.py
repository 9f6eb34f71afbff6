"""Errors a person can read: literal messages, one line for an HTML answer, the region found."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.faults.conftest import error_line

runner = CliRunner()


@pytest.mark.parametrize("value", ["[/]x", "[bold]x", "^[a-z][a-z0-9-]{1,11}$"])
def test_brackets_in_a_message_are_printed_literally(tmp_path: Path, value: str) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"prompt": "a", "completion": "b"}\n')
    result = runner.invoke(app, ["data", "validate", "--format", value, str(data)])
    assert error_line(result, 2).startswith(f"error: --format {value!r}: use one of ")


def test_a_settings_error_keeps_its_regex(capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.console import fail

    fail("settings.prefix = 'X': must match pattern '^[a-z][a-z0-9-]{1,11}$'")
    err = capsys.readouterr().err
    assert (
        err.strip() == "error: settings.prefix = 'X': must match pattern '^[a-z][a-z0-9-]{1,11}$'"
    )
