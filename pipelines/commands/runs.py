"""`fmops runs`: pipeline runs from MLflow, side by side (the local store or the stage's server)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.commands.shared import AsJson, Region, stage_deployment
from pipelines.console import console, print_json
from pipelines.experiment_runs import (
    RunSummary,
    comparison_rows,
    find_runs,
    list_runs,
    local_uri,
    stage_uri,
)
from training_scripts.tracking import GATE_TAG, MODEL_PACKAGE_TAG

app = typer.Typer(help="Compare pipeline runs tracked in MLflow, offline or in a stage.")

RunsDir = Annotated[
    Path,
    typer.Option(help="Local runs dir whose MLflow store to read (ignored with --stage)."),
]


InStage = Annotated[
    str | None,
    typer.Option("--stage", "-s", help="Read this stage's managed MLflow, not the local store."),
]


def _uri(stage: str | None, region: str | None, runs_dir: Path) -> str:
    if stage is None:
        return local_uri(runs_dir)
    return stage_uri(stage_deployment(stage, region))


def _as_dict(run: RunSummary) -> dict[str, object]:
    return {"run_id": run.run_id, "execution": run.execution_id, "status": run.status,
            "params": run.params, "metrics": run.metrics, "tags": run.tags}  # fmt: skip


@app.command("compare")
def compare(
    runs: Annotated[list[str], typer.Argument(help="MLflow run ids or pipeline execution ids.")],
    runs_dir: RunsDir = Path("runs"),
    stage: InStage = None,
    region: Region = None,
    as_json: AsJson = False,
) -> None:
    """Key params and metrics of several runs, one column per run.

    Example: [cyan]fmops runs compare 20261207-101500-legal 20261207-103000-legal[/]
    In a stage: [cyan]fmops runs compare --stage dev EXECUTION_ID EXECUTION_ID[/]
    """
    found = find_runs(_uri(stage, region, runs_dir), runs)
    if as_json:
        print_json([_as_dict(r) for r in found])
        return
    table = Table(title="pipeline runs (MLflow)")
    table.add_column("")
    for run in found:
        table.add_column(run.execution_id or run.run_id[:12])
    for name, cells in comparison_rows(found):
        table.add_row(name, *cells)
    console.print(table)


@app.command("list")
def list_command(
    runs_dir: RunsDir = Path("runs"),
    stage: InStage = None,
    region: Region = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Newest runs to show.")] = 20,
    as_json: AsJson = False,
) -> None:
    """The newest pipeline runs in the store: ids to pass to `fmops runs compare`.

    Example: [cyan]fmops runs list --runs-dir runs[/]
    """
    found = list_runs(_uri(stage, region, runs_dir), limit)
    if as_json:
        print_json([_as_dict(r) for r in found])
        return
    table = Table(title="pipeline runs (MLflow)")
    for column in ("execution", "run id", "status", "method", "gate", "registered"):
        table.add_column(column)
    for run in found:
        table.add_row(
            run.execution_id, run.run_id, run.status, run.params.get("method", "–"),
            run.tags.get(GATE_TAG, "–"), run.tags.get(MODEL_PACKAGE_TAG, "–"),
        )  # fmt: skip
    console.print(table)
