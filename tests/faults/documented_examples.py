"""Run every documented `fmops` example, each in a forked child of one bare-environment process.

Examples come from the README's and docs/*.md's shell blocks and from every command's `--help`
("Example: ..."). Started with a bare environment (no HF_*, no AWS credentials or region) and
an empty working directory; each example runs in a fork of this process (cheap: the CLI's
modules are imported once) with that environment restored, its own stdout/stderr files, and the
exit code SystemExit carries. An exception that escapes the CLI is printed as the interpreter
would print it, so "Traceback" in stderr means the same as it does in a shell.

Usage: python documented_examples.py RESULTS.json  (prints nothing; writes a list of results)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

# Full pipeline runs take minutes each; tests/faults/test_network.py runs `local run --preset
# legal`, tests/local the rest.
SKIPPED = ("fmops local run",)
_BLOCK = re.compile(r"```(?:bash|sh|shell|console)?\n(.*?)```", re.S)
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def documented_commands() -> list[tuple[str, str]]:
    """(source, command line) for every `fmops ...` line in the docs' shell blocks."""
    found = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in _BLOCK.findall(doc.read_text(encoding="utf-8")):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split(" # ")[0].split("|")[0].strip()
                words = line.split()
                while words and _ASSIGNMENT.match(words[0]):
                    words.pop(0)
                if words[:1] == ["fmops"]:
                    found.append((doc.name, line))
    return found


def help_examples() -> list[tuple[str, str]]:
    """(command path, example) from each command's help text, and the commands without one."""
    import typer.main
    from typer._click.core import Command
    from typer.core import TyperGroup

    from pipelines.cli import app

    found = []

    # Typer vendors click (typer._click): its groups are not `click.Group`s, so checking for
    # the click package's Group walked nothing and found only "fmops".
    def walk(command: Command, path: str) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")
            return
        help_text = " ".join((command.help or "").split())
        match = re.search(r"Example: \[cyan\](.*?)\[/\]", help_text)
        found.append((path, match[1].strip() if match else ""))

    walk(typer.main.get_command(app), "fmops")
    return found


def _split(line: str) -> tuple[dict[str, str], list[str], str | None]:
    """Environment prefix, argv after `fmops`, and a `> file` stdout redirection."""
    words = shlex.split(os.path.expandvars(line))
    env = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    redirect = None
    if ">" in words:
        at = words.index(">")
        redirect, words = words[at + 1], words[:at]
    return env, words[1:], redirect


def run_in_fork(line: str, bare: dict[str, str], index: int) -> dict[str, Any]:
    env, argv, redirect = _split(line)
    out, err = Path(f".example-{index}.out"), Path(f".example-{index}.err")
    pid = os.fork()
    if pid == 0:  # the child: the example's own environment, output files and exit code
        os.environ.clear()
        os.environ.update({**bare, **env})
        with (Path(redirect) if redirect else out).open("w") as o, err.open("w") as e:
            os.dup2(o.fileno(), 1)
            os.dup2(e.fileno(), 2)
            code = 1
            try:
                from pipelines.cli import app

                app(argv, prog_name="fmops")
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    stdout = "" if redirect else out.read_text(errors="replace")
    return {"line": line, "code": os.waitstatus_to_exitcode(status), "stdout": stdout,
            "stderr": err.read_text(errors="replace")}  # fmt: skip


def main(results_path: str) -> None:
    bare = dict(os.environ)
    import pipelines.cli  # noqa: F401  (imported once, shared by every fork)

    examples = documented_commands() + [(path, ex) for path, ex in help_examples() if ex]
    seen: set[str] = set()
    results = []
    for index, (source, line) in enumerate(examples):
        if line in seen or line.startswith(SKIPPED):
            continue
        seen.add(line)
        results.append({"source": source, **run_in_fork(line, bare, index)})
    commands = [path for path, _ in help_examples()]
    Path(results_path).write_text(json.dumps({"results": results, "commands": commands}))


if __name__ == "__main__":
    main(sys.argv[1])
