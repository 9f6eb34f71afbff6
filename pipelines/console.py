"""Terminal output shared by every `fmops` command: Rich consoles and the one-line failure."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape


class _Console(Console):
    """Wraps at the terminal's width; piped or captured output is never wrapped.

    Rich assumes 80 columns when stdout is not a terminal (or COLUMNS, read once when the
    console is made), which splits ARNs and paths across lines where a script (or a person
    copying them) cannot use them. Only a size set on the console itself wraps piped output.
    """

    _sized = False

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self.is_terminal or self._sized:
            return size
        return ConsoleDimensions(10_000, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
        self._sized = True


console = _Console()
err_console = _Console(stderr=True)


_HTML = re.compile(r"<(!doctype|html)\b.*?(</html>|$)", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def without_html(text: str) -> str:
    """An HTML page in an error (a proxy's or load balancer's 500) reduced to its title.

    botocore puts a non-JSON error body into the message whole: five lines of markup after
    the error, and inside `pipeline start`'s estimate.
    """

    def title(match: re.Match[str]) -> str:
        found = _TITLE.search(match[0])
        return f"[HTML page: {found[1].strip()}]" if found else "[HTML page]"

    return _HTML.sub(title, text)


def one_line(text: str) -> str:
    """`text` without HTML, its lines joined: an error is one line whatever a library says."""
    return " ".join(line.strip() for line in without_html(text).splitlines() if line.strip())


def print_error(message: str) -> None:
    """The one `error:` line on stderr (markup in `message` is printed literally)."""
    err_console.print(
        f"[bold red]error:[/] {escape(one_line(message))}", highlight=False, soft_wrap=True
    )


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one actionable line to stderr and return the exit to raise.

    Usage: `raise fail(f"{path}:{line}: missing key 'prompt'")`. Exit 2 marks bad input,
    before anything touched AWS; other failures use 1. Exceptions a command does not catch
    get the same treatment from pipelines/error_path.py. The message is printed literally:
    Rich markup is off for it, so a regex like `^[a-z]{1,11}$` or a `[/]` in a name survives.
    """
    print_error(message)
    return typer.Exit(code)


def _ours_only(data: Any) -> Any:
    """boto3 responses carry ResponseMetadata (request ids, HTTP headers): not our output."""
    if isinstance(data, dict):
        return {k: _ours_only(v) for k, v in data.items() if k != "ResponseMetadata"}
    if isinstance(data, list):
        return [_ours_only(item) for item in data]
    return data


def print_json(data: Any) -> None:
    """Machine-readable output for `--json`: stable key order, nothing else on stdout."""
    sys.stdout.write(json.dumps(_ours_only(data), indent=2, sort_keys=True, default=str) + "\n")
