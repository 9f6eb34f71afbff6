"""Experiment tracking: every pipeline execution is one MLflow run; tracking never fails a job.

A step collects what it has to say (params, metric histories, tags) in a `StepRecord` and
`publish`es it once, at the end:
  * `FMOPS_TRACKING_OUTBOX` set (the local executor): the record is written there as JSON and
    the executor logs it, from one process, to the SQLite store under the runs dir. The jobs
    never import mlflow locally (its import alone costs seconds).
  * else `MLFLOW_TRACKING_URI` set (a stage: the managed MLflow's ARN, which the
    `sagemaker-mlflow` plugin resolves): the job logs to the run of its pipeline execution,
    found by the `fmops.pipeline_execution_id` tag or created by the first step that logs.
  * neither: nothing is tracked.
Any failure to write is one warning line on stderr; the job goes on. mlflow is imported only
inside `MlflowSink`, so importing this module costs nothing.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
EXPERIMENT_ENV = "FMOPS_MLFLOW_EXPERIMENT"
EXECUTION_ENV = "FMOPS_PIPELINE_EXECUTION_ID"
OUTBOX_ENV = "FMOPS_TRACKING_OUTBOX"
# Where a job reports, not what it computes: a resumed or moved local run reuses a job whose
# only change is one of these (the local store's path is absolute).
ROUTING_ENV = (TRACKING_URI_ENV, EXPERIMENT_ENV, EXECUTION_ENV)
# Evaluate's argument (repeated, `Parameter=value`) carrying a gate threshold: it changes only
# what Evaluate logs (the gate's decision per rule), so a local resume with another threshold
# reuses the Evaluate job and reruns only the gate.
THRESHOLD_ARG = "--threshold"
DEFAULT_EXPERIMENT = "fmops"
# Run tags. The run id goes on the model package / local registry entry under RUN_ID_KEY.
EXECUTION_TAG = "fmops.pipeline_execution_id"
MODEL_PACKAGE_TAG = "fmops.model_package"
GATE_TAG = "fmops.gate"
RUN_ID_KEY = "mlflow_run_id"
# The IAM actions of the calls a job makes (MlflowSink.pipeline_run, .log and, from Evaluate,
# .finish: UpdateRun); the training stack grants exactly these on the stage's tracking server.
# Service Authorization Reference, "Amazon SageMaker with MLflow":
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_sagemaker-mlflow.html
LOG_MLFLOW_ACTIONS = tuple(
    f"sagemaker-mlflow:{action}"
    for action in ("GetExperimentByName", "CreateExperiment", "SearchRuns", "CreateRun", "LogBatch")
)
# .finish (set_terminated) is called only by the step that logs the gate (its arguments carry
# THRESHOLD_ARG: Evaluate); Train and Evaluate share the job role, so the role keeps it.
FINISH_MLFLOW_ACTIONS = ("sagemaker-mlflow:UpdateRun",)
JOB_MLFLOW_ACTIONS = LOG_MLFLOW_ACTIONS + FINISH_MLFLOW_ACTIONS
# MLflow's limits per LogBatch request (REST API reference, "Log Batch"): 1000 metrics,
# 100 params, 100 tags, 1000 entities in all.
_BATCH_METRICS, _BATCH_PARAMS = 1000, 100
_PARAM_VALUE_MAX = 6000  # MLflow 3 refuses longer param values
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_\-. /]")


def metric_key(*parts: str) -> str:
    """A key MLflow accepts (letters, digits, `_-. /`): `removed.duplicate:exact` -> `..._exact`."""
    return _KEY_CHARS.sub("_", ".".join(p for p in parts if p))


@dataclass
class StepRecord:
    """What one pipeline step tells the tracking store about its pipeline run."""

    step: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[tuple[str, float, int]] = field(default_factory=list)  # key, value, step
    tags: dict[str, str] = field(default_factory=dict)

    def param(self, key: str, value: object) -> None:
        self.params[metric_key(key)] = str(value)[:_PARAM_VALUE_MAX]

    def metric(self, key: str, value: object, step: int = 0) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        if math.isfinite(float(value)):  # MLflow stores NaN, but a curve with it is unreadable
            self.metrics.append((metric_key(key), float(value), int(step)))

    def numbers(self, values: Mapping[str, Any], prefix: str = "", step: int = 0) -> None:
        for key, value in values.items():
            self.metric(metric_key(prefix, key), value, step)

    def governance(self, manifest: Mapping[str, Any]) -> None:
        """Prepare's facts: input/output hashes as params, counts per stage and reason as
        metrics."""
        for item in manifest.get("inputs") or []:
            if isinstance(item, dict) and "sha256" in item:
                self.param(f"data.input.{item.get('path', '?')}.sha256", item["sha256"])
        for name, output in (manifest.get("outputs") or {}).items():
            if isinstance(output, dict):
                self.param(f"data.output.{name}.sha256", output.get("sha256", ""))
                self.metric(f"data.output.{name}.records", output.get("records"))
        for key in ("task", "format"):
            if key in manifest:
                self.param(f"data.{key}", manifest[key])
        self.numbers(manifest.get("stages") or {}, "data.stages")
        self.numbers(manifest.get("removed") or {}, "data.removed")
        entities = (manifest.get("pii") or {}).get("entities")
        self.numbers(entities if isinstance(entities, dict) else {}, "data.pii")

    def gate(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Per gate rule (`threshold_parameter`, `threshold`, `passed`): `gate.<Parameter>`
        1 (pass) or 0 (fail), its threshold as a param, and the GATE_TAG summary."""
        rows = list(rows)
        failed = [row["threshold_parameter"] for row in rows if not row["passed"]]
        for row in rows:
            name = row["threshold_parameter"]
            self.metric(f"gate.{name}", 1.0 if row["passed"] else 0.0)
            self.param(f"gate.{name}.threshold", row["threshold"])
        if rows:
            self.tags[GATE_TAG] = f"failed: {', '.join(failed)}" if failed else "passed"

    def to_json(self) -> str:
        return json.dumps({"step": self.step, "params": self.params,
                           "metrics": self.metrics, "tags": self.tags})  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> StepRecord:
        data = json.loads(text)
        metrics = [(str(k), float(v), int(s)) for k, v, s in data.get("metrics", [])]
        return cls(data["step"], dict(data.get("params", {})), metrics, dict(data.get("tags", {})))


def warn(target: str, exc: BaseException) -> None:
    """The one line a failed tracking write leaves; the run goes on."""
    reason = (str(exc).strip().splitlines() or [""])[0][:200]
    print(
        f"warning: experiment tracking: {target} could not be written "
        f"({type(exc).__name__}: {reason}); the run goes on without it",
        file=sys.stderr,
        flush=True,
    )


def publish(
    record: StepRecord,
    environ: Mapping[str, str] = os.environ,
    gate: Iterable[Mapping[str, Any]] | None = None,
) -> str | None:
    """Hand the record on (see the module doc). Returns the MLflow run id when logged directly.

    `gate` (from the last step that logs, Evaluate: one row per rule, see `StepRecord.gate`):
    when logging directly, the decisions join the record and the run ends FINISHED if every
    rule passed, else FAILED. Through the outbox it is ignored: the local executor logs the
    gate it ran and ends the run itself."""
    outbox = environ.get(OUTBOX_ENV)
    uri = environ.get(TRACKING_URI_ENV)
    target = outbox or uri or ""
    try:
        if outbox:
            path = Path(outbox) / f"{record.step}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(record.to_json(), encoding="utf-8")
            return None
        if not uri:
            return None
        sink = MlflowSink(uri)
        run_id = sink.pipeline_run(
            environ.get(EXPERIMENT_ENV) or DEFAULT_EXPERIMENT, environ.get(EXECUTION_ENV) or ""
        )
        rows = None if gate is None else list(gate)
        if rows is not None:
            record.gate(rows)
        sink.log(run_id, record)
        if rows is not None:
            sink.finish(run_id, all(row["passed"] for row in rows))
        return run_id
    except Exception as exc:  # tracking must never fail the job
        warn(target, exc)
        return None


def tag_run(uri: str, run_id: str, tags: Mapping[str, str]) -> bool:
    """Set `tags` on run `run_id` (one LogBatch); False, after one warning line, when the store
    cannot be written: whoever links a run (`fmops pipeline approve`) goes on without it."""
    try:
        MlflowSink(uri).log(run_id, StepRecord("Link", tags=dict(tags)))
        return True
    except Exception as exc:  # tracking never fails the caller
        warn(uri, exc)
        return False


class MlflowSink:
    """Every MLflow call of the project; mlflow is imported here and nowhere earlier."""

    def __init__(self, uri: str) -> None:
        import logging

        from mlflow.tracking import MlflowClient

        # A new SQLite store logs its schema migrations at INFO: noise in a job's log.
        for name in ("mlflow", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri)

    def pipeline_run(
        self,
        experiment: str,
        execution_id: str,
        run_name: str = "",
        artifacts: str | None = None,
        new: bool = False,
    ) -> str:
        """The run of pipeline execution `execution_id`: found by its tag, else created.

        `artifacts`: a new experiment's artifact root (the server's default when None).
        `new`: always a new run (a resumed local run may change parameters, and MLflow params
        cannot change); its tag names the execution, the newest run of it is the current one."""
        found = self.client.get_experiment_by_name(experiment)
        experiment_id = (
            found.experiment_id
            if found
            else self.client.create_experiment(experiment, artifact_location=artifacts)
        )
        if execution_id and not new:
            quoted = execution_id.replace("'", "")
            runs = self.client.search_runs(
                [experiment_id], f"tags.`{EXECUTION_TAG}` = '{quoted}'", max_results=1,
                order_by=["attributes.start_time DESC"],
            )  # fmt: skip
            if runs:
                return str(runs[0].info.run_id)
        run = self.client.create_run(
            experiment_id, run_name=run_name or execution_id or None,
            tags={EXECUTION_TAG: execution_id} if execution_id else None,
        )  # fmt: skip
        return str(run.info.run_id)

    def log(self, run_id: str, record: StepRecord) -> None:
        from mlflow.entities import Metric, Param, RunTag

        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, s) for k, v, s in record.metrics]
        params = [Param(k, v) for k, v in record.params.items()]
        tagged = {**record.tags, f"fmops.step.{record.step}": "logged"}
        tags = [RunTag(k, v) for k, v in tagged.items()]
        for param_chunk in _chunks(params, _BATCH_PARAMS):
            self.client.log_batch(run_id, params=param_chunk)
        for metric_chunk in _chunks(metrics, _BATCH_METRICS):
            self.client.log_batch(run_id, metrics=metric_chunk)
        for tag_chunk in _chunks(tags, _BATCH_PARAMS):
            self.client.log_batch(run_id, tags=tag_chunk)

    def finish(self, run_id: str, succeeded: bool) -> None:
        self.client.set_terminated(run_id, "FINISHED" if succeeded else "FAILED")


_Item = TypeVar("_Item")


def _chunks(items: list[_Item], size: int) -> Iterable[list[_Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_STEP_PREFIX = re.compile(r"^step=(\d+);")


class MetricLines:
    """The training loop's `log`: prints each line (SageMaker scrapes stdout) and keeps the
    metrics of `step=N; name=value; ...` lines, read with the same regexes SageMaker uses."""

    def __init__(self, record: StepRecord, patterns: Mapping[str, re.Pattern[str]]) -> None:
        self.record = record
        self.patterns = patterns

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        step = _STEP_PREFIX.match(line)
        if step is None:
            return
        for name, pattern in self.patterns.items():
            found = pattern.search(line)
            if found:
                self.record.metric(name, float(found.group(1)), int(step.group(1)))
