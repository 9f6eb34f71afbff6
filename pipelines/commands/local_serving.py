"""`fmops local approve` and `fmops local invoke`: the offline end of the serving route."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pipelines.console import console, err_console, fail, print_json
from pipelines.local.run import REGISTRY_FILE
from pipelines.serving import ServingError
from pipelines.serving.local import local_invoke, set_local_approval

Version = Annotated[int, typer.Option("--version", help="Model package version in the registry.")]
RunsDir = Annotated[Path, typer.Option(help="Where `fmops local run` keeps runs and the registry.")]
Group = Annotated[str | None, typer.Option(help="Model package group (default: the only one).")]


def approve(
    version: Version,
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approve.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (kept as ApprovalDescription).")] = None,
    runs_dir: RunsDir = Path("runs"),
    group: Group = None,
) -> None:
    """Approve (or --reject) a version in the local registry (runs/model-registry.json).

    Example: [cyan]fmops local approve --version 1 --reason "report reviewed"[/]
    """
    try:
        entry = set_local_approval(
            runs_dir / REGISTRY_FILE, version, approve=not reject, reason=reason, group=group
        )
    except ServingError as exc:
        raise fail(str(exc)) from None
    group_name = entry["ModelPackageGroupName"]
    console.print(f"{entry['ModelApprovalStatus']}: version {version} of {group_name}")


def invoke(
    version: Version,
    prompt: Annotated[str, typer.Option("--prompt", help="The user message.")],
    max_new_tokens: Annotated[int, typer.Option(help="Most tokens to generate.")] = 32,
    runs_dir: RunsDir = Path("runs"),
    group: Group = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Answer with an approved local version, behind the project's own input/output filters.

    Prompt injection is blocked (with the reason) and PII is masked in the prompt and the
    answer: a local stand-in for the Bedrock guardrail that `fmops invoke` uses in AWS.

    Example: [cyan]fmops local invoke --version 1 --prompt "Summarize the force majeure clause"[/]
    """
    if not 1 <= max_new_tokens <= 1024:
        raise fail(f"--max-new-tokens {max_new_tokens}: must be between 1 and 1024")
    # The registered model and tokenizer are local files: never ask a model hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        answer = local_invoke(
            runs_dir / REGISTRY_FILE, version, prompt, max_new_tokens=max_new_tokens, group=group
        )
    except ServingError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(answer.__dict__)
    else:
        err_console.print(f"[dim]{answer.guardrail}[/]", highlight=False)
        if answer.masked:
            err_console.print(f"[yellow]PII masked:[/] {', '.join(answer.masked)}")
        if answer.blocked:
            err_console.print(f"[bold yellow]blocked:[/] {', '.join(answer.reasons)}")
        console.print(answer.text, highlight=False)
