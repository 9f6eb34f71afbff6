"""Pipeline runs as MLflow records: find them, compare them, open the local UI.

A run is named by its MLflow run id or by its pipeline execution id (a local run id, or a
SageMaker execution id / ARN). The store is the local SQLite file under a runs dir, or the
stage's managed MLflow (its ARN from the deployed training stack). mlflow is imported only by
the functions that talk to a store.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from deployment.contract import MLFLOW_TRACKING_ARN
from pipelines.deployment_outputs import Deployment, DeploymentOutputError
from pipelines.local.tracking import TRACKING_DB, local_store_uri
from pipelines.pipeline_ops import deployment_values
from pipelines.pipeline_parameters import PipelineInputError
from training_scripts.tracking import EXECUTION_TAG, GATE_TAG, MODEL_PACKAGE_TAG, MlflowSink
from training_scripts.vocabulary.metrics import (
    BERTSCORE_F1,
    BLEU,
    MEAN_MARGIN,
    PAIRWISE_ACCURACY,
    ROUGE_L,
    baseline_key,
    gain_key,
)

if TYPE_CHECKING:
    from mlflow.entities import Run  # annotations only: mlflow is imported lazily (see above)

# The rows every comparison shows (when a run has them); params that differ are added.
KEY_PARAMS = ("method",)
KEY_METRICS = (
    "final_train_loss",
    ROUGE_L, baseline_key(ROUGE_L), gain_key(ROUGE_L, "low"), gain_key(ROUGE_L, "high"),
    BLEU, gain_key(BLEU, "low"), BERTSCORE_F1, gain_key(BERTSCORE_F1, "low"),
    PAIRWISE_ACCURACY, MEAN_MARGIN,
)  # fmt: skip
KEY_TAGS = (GATE_TAG, MODEL_PACKAGE_TAG)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    name: str
    status: str
    experiment_id: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def execution_id(self) -> str:
        return self.tags.get(EXECUTION_TAG, "")


def local_uri(runs_dir: Path) -> str:
    """The runs dir's store; bad input (exit 2) when no local run has written one."""
    if not (runs_dir / TRACKING_DB).is_file():
        raise PipelineInputError(
            f"--runs-dir {runs_dir}: no MLflow store {TRACKING_DB} there; "
            "run `fmops local run` first (with tracking.enabled)"
        )
    return local_store_uri(runs_dir)


def stage_uri(deployment: Deployment) -> str:
    """The stage's MLflow ARN, as the deployed training stack handed it to the pipeline."""
    name = deployment.stack_name("training")
    uri = deployment_values(deployment).get(MLFLOW_TRACKING_ARN)
    if not uri:
        raise DeploymentOutputError(
            f"stack {name} hands no MLflow tracking server to the pipeline: "
            "tracking.enabled is false there, or the stack predates it (redeploy)"
        )
    return uri


def _summary(run: Run) -> RunSummary:
    return RunSummary(
        run_id=run.info.run_id,
        name=run.info.run_name or "",
        status=run.info.status,
        experiment_id=run.info.experiment_id,
        params=dict(run.data.params),
        metrics=dict(run.data.metrics),
        tags={k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
    )


def list_runs(uri: str, limit: int = 20) -> list[RunSummary]:
    """The newest pipeline runs of every experiment in the store."""
    sink = MlflowSink(uri)
    experiments = [e.experiment_id for e in sink.client.search_experiments()]
    runs = sink.client.search_runs(
        experiments, f"tags.`{EXECUTION_TAG}` != ''", max_results=limit,
        order_by=["attributes.start_time DESC"],
    )  # fmt: skip
    return [_summary(r) for r in runs]


def find_runs(uri: str, references: list[str]) -> list[RunSummary]:
    """Each reference's run, in order: an MLflow run id, or a pipeline execution id / ARN."""
    if len(references) < 2:
        raise PipelineInputError(
            f"runs {references}: give at least two runs to compare (run ids or execution ids)"
        )
    sink = MlflowSink(uri)
    experiments = [e.experiment_id for e in sink.client.search_experiments()]
    found = []
    for reference in references:
        execution = reference.rsplit("/", 1)[-1].replace("'", "")  # an execution ARN ends in the id
        runs: list[Run] = list(
            sink.client.search_runs(
                experiments,
                f"tags.`{EXECUTION_TAG}` = '{execution}'",
                max_results=1,
                order_by=["attributes.start_time DESC"],  # a resumed local run: its newest
            )
        )
        if not runs:
            runs = _by_run_id(sink, reference)
        if not runs:
            raise PipelineInputError(
                f"run {reference!r}: no MLflow run has that run id or pipeline execution id in "
                f"{uri} (list them with `fmops runs list`)"
            )
        found.append(_summary(runs[0]))
    return found


def _by_run_id(sink: MlflowSink, run_id: str) -> list[Run]:
    from mlflow.exceptions import MlflowException

    try:
        return [sink.client.get_run(run_id)]
    except MlflowException:  # RESOURCE_DOES_NOT_EXIST, or not a run id at all
        return []


def comparison_rows(runs: list[RunSummary]) -> list[tuple[str, list[str]]]:
    """(row name, one cell per run): key params, params that differ, key metrics, gate, version."""
    params = sorted({k for r in runs for k in r.params})
    differing = [
        k
        for k in params
        if k not in KEY_PARAMS and len({r.params.get(k) for r in runs}) > 1
        and not k.startswith(("data.input.", "gate."))
    ]  # fmt: skip
    rows: list[tuple[str, list[str]]] = [
        ("execution", [r.execution_id or r.name for r in runs]),
        ("status", [r.status for r in runs]),
    ]
    rows += [(k, [r.params.get(k, "–") for r in runs]) for k in (*KEY_PARAMS, *differing)]
    for key in KEY_METRICS:
        if any(key in r.metrics for r in runs):
            rows.append((key, [_number(r.metrics.get(key)) for r in runs]))
    rows += [(k, [r.tags.get(k, "–") for r in runs]) for k in KEY_TAGS]
    return rows


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def ui_command(runs_dir: Path, port: int) -> list[str]:
    """`mlflow ui` on the runs dir's store, listening on this machine only."""
    uri = local_uri(runs_dir)
    return [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri,
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
