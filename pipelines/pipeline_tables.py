"""Rich tables for `fmops pipeline`: runs, their steps, and registered model versions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from pipelines.pipeline_ops import ModelPackage

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import (
        PipelineExecutionStepTypeDef,
        PipelineExecutionSummaryTypeDef,
    )


def _when(value: datetime | str | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if isinstance(value, datetime) else str(value or "")


def _table(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for column in columns:
        # ARNs are copied into the next command: fold them, never cut them with an ellipsis.
        table.add_column(column, overflow="fold" if column in ("arn", "execution") else "ellipsis")
    return table


def steps_table(steps: list[PipelineExecutionStepTypeDef]) -> Table:
    table = _table("steps", ("step", "status", "started", "ended", "failure"))
    for step in steps:
        table.add_row(
            step.get("StepName", ""),
            step.get("StepStatus", ""),
            _when(step.get("StartTime")),
            _when(step.get("EndTime")),
            escape(step.get("FailureReason", "")),
        )
    return table


def runs_table(pipeline: str, runs: list[PipelineExecutionSummaryTypeDef]) -> Table:
    table = _table(f"runs of {pipeline}", ("execution", "status", "started"))
    for run in runs:
        table.add_row(
            run["PipelineExecutionArn"], run["PipelineExecutionStatus"], _when(run.get("StartTime"))
        )
    return table


def models_table(packages: list[ModelPackage]) -> Table:
    table = _table("model versions", ("version", "approval", "model quality report", "arn"))
    for package in packages:
        table.add_row(
            str(package.version),
            package.approval_status,
            package.model_quality_uri or "-",
            package.arn,
        )
    return table
