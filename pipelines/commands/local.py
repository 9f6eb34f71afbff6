"""`fmops local run`: the real pipeline definition, executed on this machine."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from deployment.settings import SettingsError
from pipelines.console import console, fail
from pipelines.experiment_runs import ui_command
from pipelines.local.executor import PipelineError, RunResult
from pipelines.local.jobs import RunInterrupted
from pipelines.local.presets import PRESETS, Preset
from pipelines.local.run import REGISTRY_FILE, local_run
from pipelines.local.run_inputs import DEFAULT_PRESET, RunInputs, resumed_inputs
from pipelines.local.state_files import check_run_id
from pipelines.offline import use_bundled_weights
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
        elif kind == "note":  # something the user should know, e.g. a recovered record
            console.print(f"[yellow]![/] {step}: {text}", highlight=False)
        elif kind == "decided":
            self.conditions.add(step)
            console.print(f"[cyan]?[/] {step} → {text}", highlight=False)
        elif step not in self.conditions:
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            mark = "[green]✓[/]" if kind == "done" else "[red]✗[/]"
            console.print(f"{mark} {step} [dim]({seconds:.1f} s)[/] {text[:160]}", highlight=False)


# A closed terminal (SIGHUP) stops a run like SIGTERM and Ctrl-C: checkpoint, exit 143.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM, SIGHUP and Ctrl-C stop the run cleanly: jobs get SIGTERM, write a checkpoint,
    exit 143. A second signal while the jobs stop is ignored: it used to interrupt the stop
    itself and exit 130 without the checkpoint."""
    stopping: list[str] = []

    def stop(signum: int, frame: object) -> None:
        if stopping:
            return
        stopping.append(signal.Signals(signum).name)
        raise RunInterrupted(f"stopped by {stopping[0]}")

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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


def _tracked(result: RunResult, runs_dir: Path) -> None:
    if result.mlflow_run_id:
        console.print(
            f"MLflow run: {result.mlflow_run_id} (see it: fmops local ui --runs-dir {runs_dir})",
            highlight=False,
        )


@app.command("ui")
def ui(
    runs_dir: Annotated[Path, typer.Option(help="Runs dir whose MLflow store to show.")] = Path(
        "runs"
    ),
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Local port.")] = 5000,
) -> None:
    """The MLflow UI on the local runs' store (mlflow.db under the runs dir); Ctrl-C stops it.

    Example: [cyan]fmops local ui --runs-dir runs[/], then open http://127.0.0.1:5000
    """
    command = ui_command(runs_dir, port)
    console.print(" ".join(command[1:]), highlight=False)
    # Become the server: Ctrl-C and SIGTERM reach it directly, nothing is left running.
    os.execv(command[0], command)


@app.command("run")
def run(
    preset: Annotated[
        str | None,
        typer.Option(
            help=f"Use case: {', '.join(PRESETS)} [default: {DEFAULT_PRESET}].", show_default=False
        ),
    ] = None,
    stage: Annotated[str | None, typer.Option(help="Stage whose settings to start from.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Pipeline parameter override Name=Value (repeatable)."),
    ] = None,
    hp: Annotated[
        list[str] | None,
        typer.Option(
            "--hp",
            help="train.py hyperparameter override NAME=VALUE (repeatable), e.g. max_steps=1.",
        ),
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
    A model the gate must refuse: [cyan]fmops local run --preset legal --hp max_steps=1[/]
    """
    if resume and not run_id:
        raise fail("--resume needs --run-id RUN_ID (the run directory to resume)")
    if preset is not None and preset not in PRESETS:
        raise fail(f"--preset {preset!r}: unknown (allowed: {', '.join(PRESETS)})")
    try:
        inputs = RunInputs(
            preset or DEFAULT_PRESET, stage, split_pairs(hp or [], option="--hp"),
            split_pairs(param or []),
        )  # fmt: skip
        if resume and run_id:  # the original --hp/--param, --preset and --stage, then these
            inputs = resumed_inputs(
                runs_dir.resolve() / check_run_id(run_id), inputs, preset is not None
            )
        chosen = PRESETS[inputs.preset].with_hyperparameters(inputs.hyperparameters)
    except PipelineInputError as exc:
        raise fail(str(exc)) from None
    result = _execute(chosen, inputs, runs_dir, run_id, resume)
    _print_result(result, runs_dir)


def _execute(
    chosen: Preset, inputs: RunInputs, runs_dir: Path, run_id: str | None, resume: bool
) -> RunResult:
    progress = _Progress()
    use_bundled_weights()
    try:
        with progress.status, _stopped_by_sigterm():
            return local_run(
                chosen,
                stage=inputs.stage,
                remember=inputs,
                overrides=inputs.parameters,
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
    except RunInterrupted as exc:
        stopped = exc.run_id or run_id
        again = f"--run-id {stopped} --resume" if stopped else "--run-id <id> --resume"
        raise fail(f"{exc}; jobs stopped, checkpoints kept: continue with {again}", 143) from None


def _print_result(result: RunResult, runs_dir: Path) -> None:
    """The gate, the outcome and the report; exit 1 when the run failed."""
    if result.gate:
        console.print(_summary(result))
    report = result.run_dir / "report.html"
    if result.status == "Succeeded":
        version = result.registered["ModelPackageVersion"] if result.registered else "?"
        console.print(
            f"[green]Succeeded[/]: registered version {version} in {runs_dir / REGISTRY_FILE}"
        )
        console.print(f"report: {report}")
        _tracked(result, runs_dir)
        return
    console.print(
        f"[red]Failed[/] at {result.failed_step}: {result.failure_reason}", highlight=False
    )
    console.print(f"report: {report}")
    _tracked(result, runs_dir)
    raise typer.Exit(1)
