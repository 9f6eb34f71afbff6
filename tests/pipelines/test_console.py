"""Piped or captured output is never wrapped, whatever COLUMNS said when the console was made."""

from __future__ import annotations

import io

import pytest
from rich.table import Table

from pipelines.console import _Console

ARN = "arn:aws:bedrock:us-east-1:123456789012:custom-model/" + "x" * 90


def _table() -> Table:
    table = Table("name", "arn")
    table.add_row("m1", ARN)
    return table


def test_piped_table_keeps_an_arn_on_one_line_even_with_columns_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # rich reads it once, when the console is made
    out = io.StringIO()
    _Console(file=out).print(_table())
    assert any(ARN in line for line in out.getvalue().splitlines())


def test_a_size_set_on_the_console_still_wraps() -> None:
    out = io.StringIO()
    console = _Console(file=out)
    console.size = (60, 25)
    console.print(_table())
    assert not any(ARN in line for line in out.getvalue().splitlines())
