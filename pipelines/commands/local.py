"""`fmops local run`: the real pipeline definition, executed on this machine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from deployment.settings import SettingsError
from pipelines.console import console, fail
from pipelines.local.executor import PipelineError, RunResult
from pipelines.local.presets import PRESETS
from pipelines.local.run import REGISTRY_FILE, local_run
from pipelines.pipeline_parameters import PipelineInputError, split_pairs

app = typer.Typer(help="Run the SageMaker pipeline offline: same definition, same entrypoints.")


class _Progress:
    """One line per finished step; the running step's latest output on a spinner."""

    def __init__(self) -> None:
        self.status = console.status("starting", spinner="dots")
        self.started: dict[str, float] = {}
        self.conditions: set[str] = set()  # printed when decided, not again when done

    def __call__(self, step: str, kind: str, text: str) -> None:
        if kind == "start":
            self.started[step] = time.monotonic()
            self.status.update(f"[bold]{step}[/] ({text})")
        elif kind == "log":
            if "=" in text and ";" in text:  # a metric line: show training progress
                self.status.update(f"[bold]{step}[/] {text[:110]}")
        elif kind == "decided":
            self.conditions.add(step)
            console.print(f"[cyan]?[/] {step} → {text}", highlight=False)
        elif step not in self.conditions:
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            mark = "[green]✓[/]" if kind == "done" else "[red]✗[/]"
            console.print(f"{mark} {step} [dim]({seconds:.1f} s)[/] {text[:160]}", highlight=False)


def _summary(result: RunResult) -> Table:
    table = Table(title="quality gate", show_lines=False)
    for column in ("metric", "value", "threshold", "result"):
        table.add_column(column)
    for row in result.gate:
        ok = row["passed"]
        table.add_row(
            row["metric"],
            f"{float(row['value']):.4f}",
            f"{row['threshold_parameter']} = {row['threshold']}",
            "[green]pass[/]" if ok else "[red]FAIL[/]",
        )
    return table


@app.command("run")
def run(
    preset: Annotated[str, typer.Option(help=f"Use case: {', '.join(PRESETS)}.")] = "healthcare",
    stage: Annotated[str | None, typer.Option(help="Stage whose settings to start from.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Pipeline parameter override Name=Value (repeatable)."),
    ] = None,
    runs_dir: Annotated[Path, typer.Option(help="Where runs and the model registry live.")] = Path(
        "runs"
    ),
    run_id: Annotated[str | None, typer.Option(help="Name of the run directory.")] = None,
    resume: Annotated[
        bool,
        typer.Option(
            help="Re-run --run-id, reusing steps whose arguments, code and inputs are unchanged "
            "(e.g. change a gate threshold without retraining)."
        ),
    ] = False,
) -> None:
    """Execute the training pipeline's definition locally with a tiny model.

    Steps run their real entrypoints with SageMaker's container layout under runs/<id>/,
    s3:// URIs map to runs/<id>/s3/, the gate reads the evaluation.json the evaluate step
    wrote, and a passing model lands in runs/model-registry.json.

    Example: [cyan]fmops local run --preset legal --param MinRougeL=0.3[/]
    """
    if resume and not run_id:
        raise fail("--resume needs --run-id RUN_ID (the run directory to resume)")
    if preset not in PRESETS:
        raise fail(f"--preset {preset!r}: unknown (allowed: {', '.join(PRESETS)})")
    try:
        overrides = split_pairs(param or [])
    except PipelineInputError as exc:
        raise fail(str(exc)) from None
    progress = _Progress()
    try:
        with progress.status:
            result = local_run(
                PRESETS[preset],
                stage=stage,
                overrides=overrides,
                runs_dir=runs_dir,
                run_id=run_id,
                on_event=progress,
                resume=resume,
            )
    except (
        PipelineError,
        PipelineInputError,
        SettingsError,
        FileExistsError,
        FileNotFoundError,
    ) as exc:
        raise fail(str(exc)) from None
    if result.gate:
        console.print(_summary(result))
    report = result.run_dir / "report.html"
    if result.status == "Succeeded":
        version = result.registered["ModelPackageVersion"] if result.registered else "?"
        console.print(
            f"[green]Succeeded[/]: registered version {version} in {runs_dir / REGISTRY_FILE}"
        )
        console.print(f"report: {report}")
        return
    console.print(
        f"[red]Failed[/] at {result.failed_step}: {result.failure_reason}", highlight=False
    )
    console.print(f"report: {report}")
    raise typer.Exit(1)
