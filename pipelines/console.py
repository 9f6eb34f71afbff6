"""Terminal output shared by every `fmops` command: Rich consoles and the one-line failure."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one actionable line to stderr and return the exit to raise.

    Usage: `raise fail(f"{path}:{line}: missing key 'prompt'")`. Exit 2 marks bad input,
    before anything touched AWS; other failures use 1.
    """
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def print_json(data: Any) -> None:
    """Machine-readable output for `--json`: stable key order, nothing else on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
