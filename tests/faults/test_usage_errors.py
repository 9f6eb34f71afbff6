"""The CLI's own usage errors are one `error:` line and exit 2, like every other bad input.

Typer would print them as a boxed panel under a usage line; pipelines/error_path.py turns them
into the one line the rest of `fmops` uses, with a pointer to the command's `--help`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.faults.conftest import REPO, error_line, stderr_error_line

runner = CliRunner()


USAGE_ERRORS = {
    "not-an-integer": (
        ["advise", "--queries-per-day", "abc"],
        "Invalid value for '--queries-per-day'",
    ),
    "missing-argument": (["data", "validate"], "Missing argument 'file'"),
    "unknown-option": (["pipeline", "list", "--bogus"], "No such option: --bogus"),
    "unknown-top-level-option": (["--bogus"], "No such option: --bogus"),
    "unknown-command": (["nosuch"], "No such command 'nosuch'"),
    "unknown-subcommand": (["pipeline", "nosuch"], "No such command 'nosuch'"),
}


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_error_is_one_line_with_exit_2(args: list[str], message: str) -> None:
    line = error_line(runner.invoke(app, args), 2)
    assert message in line
    assert "--help" in line
    assert "╭" not in line


def test_usage_error_names_the_command_whose_help_to_read() -> None:
    line = error_line(runner.invoke(app, ["pipeline", "list", "--bogus"]), 2)
    assert line.endswith("pipeline list --help`)")


def test_help_is_still_printed_as_help() -> None:
    result = runner.invoke(app, ["data", "validate", "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "error:" not in result.output


def test_a_group_without_its_command_still_shows_its_help() -> None:
    result = runner.invoke(app, ["pipeline"])
    assert "Usage:" in result.output and "error:" not in result.output


def test_usage_error_in_a_bare_shell_is_one_line(tmp_path: Path) -> None:
    # The real console path (no CliRunner): only PATH and HOME, no terminal, no locale.
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "advise", "--queries-per-day", "abc"],
        cwd=REPO, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    line = stderr_error_line(done.stderr)
    assert "Invalid value for '--queries-per-day'" in line and "╭" not in done.stderr
