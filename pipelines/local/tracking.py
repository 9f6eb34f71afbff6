"""A local run's MLflow run, in the SQLite store under the runs dir (no server).

The jobs write their `StepRecord`s to an outbox in the run dir (training_scripts/tracking.py);
this module logs them, the gate's decisions and the registered version from the executor's
process, on one background thread: mlflow's import (~2 s of CPU) and, on a new store, its
schema migrations happen while the first job runs instead of adding to the run. A store that
cannot be written costs one warning line; the run goes on.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from training_scripts.tracking import (
    EXECUTION_ENV,
    MODEL_PACKAGE_TAG,
    OUTBOX_ENV,
    MlflowSink,
    StepRecord,
    warn,
)

TRACKING_DB = "mlflow.db"  # under the runs dir, shared by every local run
OUTBOX_DIR = "tracking"  # under a run dir: the jobs' StepRecords
ARTIFACTS_DIR = "mlflow-artifacts"  # under the runs dir: the local experiments' artifact root


def local_store_uri(runs_dir: Path) -> str:
    """The SQLite store of the runs under `runs_dir` (`mlflow ui --backend-store-uri URI`)."""
    return f"sqlite:///{(runs_dir.resolve() / TRACKING_DB).as_posix()}"


Task = Callable[[MlflowSink, str], None]


class LocalTracking:
    """The MLflow run of one local pipeline run, written by a worker thread."""

    def __init__(self, uri: str, experiment: str, execution_id: str, run_dir: Path) -> None:
        self.uri = uri
        self.outbox = run_dir / OUTBOX_DIR
        self.execution_id = execution_id
        self._tasks: queue.Queue[Task | None] = queue.Queue()
        self._opened = threading.Event()
        self._run_id: str | None = None
        self.experiment_id: str | None = None
        self._failed = False
        self._flushed: set[str] = set()
        self._thread = threading.Thread(
            target=self._work, args=(experiment,), name="mlflow-tracking", daemon=True
        )
        self._thread.start()

    def job_environment(self) -> dict[str, str]:
        """What the jobs need: hand records to the outbox, never import mlflow themselves."""
        return {OUTBOX_ENV: str(self.outbox), EXECUTION_ENV: self.execution_id}

    def run_id(self) -> str | None:
        """The MLflow run id (waits for the store to open); None when tracking failed."""
        self._opened.wait()
        return None if self._failed else self._run_id

    def step_done(self) -> None:
        """Log the records the jobs have written to the outbox so far."""
        self._tasks.put(self._flush_outbox)

    def finish(self, gate: Sequence[Mapping[str, Any]], registered: dict[str, Any] | None,
               succeeded: bool) -> None:  # fmt: skip
        """The gate's decision per rule, the registered version, the status; then wait."""
        self._tasks.put(self._flush_outbox)
        self._tasks.put(lambda sink, run_id: sink.log(run_id, gate_record(gate, registered)))
        self._tasks.put(lambda sink, run_id: sink.finish(run_id, succeeded))
        self._tasks.put(None)
        self._thread.join()

    def _work(self, experiment: str) -> None:
        sink = None
        try:
            sink = MlflowSink(self.uri)
            # Artifacts beside the store, not in ./mlruns of whatever directory fmops ran in.
            artifacts = (self.outbox.parent.parent / ARTIFACTS_DIR).resolve().as_uri()
            # Each local run (a resume too) is a new MLflow run of the execution: a resume
            # may change parameters, which an MLflow run cannot. The outbox still holds the
            # reused jobs' records, so the new run has every step.
            self._run_id = sink.pipeline_run(
                experiment, self.execution_id, self.execution_id, artifacts, new=True
            )
            self.experiment_id = sink.client.get_run(self._run_id).info.experiment_id
        except Exception as exc:  # tracking must never fail the run
            self._fail(exc)
        finally:
            self._opened.set()
        while (task := self._tasks.get()) is not None:
            if self._failed or sink is None or self._run_id is None:
                continue
            try:
                task(sink, self._run_id)
            except Exception as exc:
                self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        self._failed = True
        warn(self.uri, exc)

    def _flush_outbox(self, sink: MlflowSink, run_id: str) -> None:
        for path in sorted(self.outbox.glob("*.json")) if self.outbox.is_dir() else []:
            if path.name not in self._flushed:
                self._flushed.add(path.name)
                sink.log(run_id, StepRecord.from_json(path.read_text(encoding="utf-8")))


def gate_record(gate: Sequence[Mapping[str, Any]], registered: dict[str, Any] | None) -> StepRecord:
    """Per gate rule: `gate.<Parameter>` 1 (pass) or 0 (fail) and its threshold; the version."""
    record = StepRecord("Gate")
    record.gate(gate)
    if registered:
        group, version = registered["ModelPackageGroupName"], registered["ModelPackageVersion"]
        record.tags[MODEL_PACKAGE_TAG] = f"{group}/{version}"
        record.metric("model_package_version", version)
    return record
