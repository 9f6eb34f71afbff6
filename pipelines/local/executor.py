"""Execute a SageMaker pipeline definition locally, step by step, as the service would.

Steps run in dependency order; Processing and Training steps run their real entrypoints (see
jobs.py), ConditionSteps pick a branch from the files the steps really wrote, RegisterModel
appends to a local model registry, a FailStep ends the run with its message. Any other step
type stops the run: nothing is ever skipped silently.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

from pipelines.local.build_cache import job_libraries
from pipelines.local.definition import (
    JOB_STEP_TYPES,
    ConditionStep,
    FailStep,
    JsonObject,
    ParameterValue,
    PipelineError,
    Step,
    dependency_order,
    parse_definition,
)
from pipelines.local.expressions import ExecutionState, evaluate_condition, resolve
from pipelines.local.jobs import JobRunner, StepFailed
from pipelines.local.model_registry import LocalModelRegistry
from pipelines.local.state_files import write_atomic
from pipelines.local.storage import LocalS3, StorageError
from pipelines.local.tracking import LocalTracking
from pipelines.pipeline_parameters import (
    PipelineInputError,
    definition_parameters,
    parse_parameter_overrides,
    resolve_placeholders,
)
from training_scripts.tracking import ROUTING_ENV, THRESHOLD_ARG
from training_scripts.vocabulary.metrics import EVALUATION_FILE

# SageMaker's StepStatus and PipelineExecutionStatus values a local run can reach.
StepStatus = Literal["Executing", "Succeeded", "Failed"]
# What `on_event(step, event, text)` reports: a step started, printed a log line, finished,
# failed, decided its condition, or a note (an unreadable step record).
StepEvent = Literal["start", "log", "done", "failed", "decided", "note"]
_PARAMETER_TYPES: dict[str, Callable[[str], ParameterValue]] = {
    "String": str, "Float": float, "Integer": int,
    "Boolean": lambda v: {"true": True, "false": False}[v.lower()],
}  # fmt: skip


@dataclass
class StepRecord:
    name: str
    type: str
    status: StepStatus
    started: float
    ended: float
    detail: str = ""


class GateRow(TypedDict):
    """One ConditionStep comparison: the evaluation.json value against its threshold."""

    metric: str  # the JsonGet path, e.g. rougeL_gain_ci_low
    value: Any
    threshold_parameter: str
    threshold: Any
    comparison: str  # GreaterThanOrEqualTo | LessThanOrEqualTo
    passed: bool


@dataclass
class RunResult:
    run_id: str
    run_dir: Path
    parameters: dict[str, ParameterValue]
    status: StepStatus = "Executing"
    failure_reason: str | None = None
    failed_step: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    registered: JsonObject | None = None
    evaluation: JsonObject | None = None
    gate: list[GateRow] = field(default_factory=list)
    metrics: dict[str, list[tuple[float, dict[str, float]]]] = field(default_factory=dict)
    mlflow_run_id: str | None = None  # the run in the local MLflow store, when tracked
    mlflow_experiment_id: str | None = None


class _FailStepReached(RuntimeError):
    pass


def parse_parameters(
    definition: JsonObject, overrides: dict[str, str]
) -> dict[str, ParameterValue]:
    """Defaults from the definition, overridden and checked exactly as `fmops pipeline start`."""
    declared = definition_parameters(json.dumps(definition))
    chosen = {
        item["Name"]: item["Value"]
        for item in parse_parameter_overrides(
            [f"{name}={value}" for name, value in overrides.items()], declared
        )
    }
    values: dict[str, ParameterValue] = {}
    for name, parameter in declared.items():
        if name in chosen:
            values[name] = _PARAMETER_TYPES[parameter.type](chosen[name])
        elif parameter.default is not None:
            values[name] = parameter.default
        else:
            raise PipelineInputError(f"parameter {name} has no default; pass --param {name}=VALUE")
    return values


class LocalExecutor:
    def __init__(
        self,
        definition_text: str,
        *,
        run_dir: Path,
        s3: LocalS3,
        registry: Path,
        placeholders: dict[str, str],
        on_event: Callable[[str, StepEvent, str], None] | None = None,
        reuse: bool = False,
        tracking: LocalTracking | None = None,
    ) -> None:
        # Fill `${Name}` placeholders in the whole document, as Fn::Sub does in AWS.
        self.definition = parse_definition(
            json.loads(resolve_placeholders(definition_text, placeholders))
        )
        self.run_dir = run_dir
        self.reuse = reuse  # resume: skip jobs whose arguments, code and inputs are unchanged
        self.s3 = s3
        self.registry = LocalModelRegistry(registry, s3, self._mlflow_run_id)
        self.on_event = on_event or (lambda step, kind, text: None)
        self.jobs = JobRunner(
            s3=s3, run_dir=run_dir, on_line=lambda step, line: self.on_event(step, "log", line)
        )
        self.tracking = tracking
        if tracking is not None:
            self.jobs.extra_environment = tracking.job_environment()

    def run(self, run_id: str, overrides: dict[str, str]) -> RunResult:
        parameters = parse_parameters(self.definition.document, overrides)
        result = RunResult(run_id=run_id, run_dir=self.run_dir, parameters=parameters)
        state = ExecutionState(
            parameters=parameters,
            execution={
                "PipelineExecutionId": run_id,
                "PipelineName": "local",
                "PipelineExecutionArn": f"local:execution/{run_id}",
            },
        )
        try:
            for step in dependency_order(self.definition.steps):
                self._run_step(step, state, result)
            result.status = "Succeeded"
        except (StepFailed, _FailStepReached) as exc:
            result.status = "Failed"
            result.failure_reason = getattr(exc, "reason", str(exc))
        result.metrics = self.jobs.metrics
        if self.tracking is not None:
            self.tracking.finish(result.gate, result.registered, result.status == "Succeeded")
            result.mlflow_run_id = self.tracking.run_id()
            result.mlflow_experiment_id = self.tracking.experiment_id
        return result

    def _run_step(self, step: Step, state: ExecutionState, result: RunResult) -> None:
        name, kind = step.name, step.type
        started = time.time()
        self.on_event(name, "start", kind)
        record = StepRecord(name, kind, "Executing", started, started)
        result.steps.append(record)
        try:
            detail = self._execute(step, state, result)
        except StorageError as exc:
            record.status, record.ended, record.detail = "Failed", time.time(), str(exc)
            result.failed_step = result.failed_step or name  # the innermost step that failed
            self.on_event(name, "failed", record.detail)
            raise StepFailed(name, str(exc)) from None
        except (StepFailed, _FailStepReached) as exc:
            record.ended = time.time()
            decided = state.step_properties.get(name, {}).get("Outcome")
            if kind == "Condition" and decided is not None:
                # The condition itself was evaluated; the failure belongs to its branch.
                record.status, record.detail = "Succeeded", str(decided).lower()
                raise
            record.status, record.detail = "Failed", getattr(exc, "reason", str(exc))
            result.failed_step = result.failed_step or name  # the innermost step that failed
            self.on_event(name, "failed", record.detail)
            raise
        record.status, record.ended, record.detail = "Succeeded", time.time(), detail
        self.on_event(name, "done", detail)

    def _execute(self, step: Step, state: ExecutionState, result: RunResult) -> str:
        if isinstance(step, ConditionStep):
            return self._decide(step, state, result)
        if isinstance(step, FailStep):
            raise _FailStepReached(str(resolve(step.error_message, state)))
        args = resolve(step.arguments, state)
        if step.type in JOB_STEP_TYPES:
            properties, reused = self._run_job(step.name, step.type, args)
            if self.tracking is not None:
                self.tracking.step_done()
            state.step_properties[step.name] = properties
            self._record_property_files(step, args, state, result)
            note = " (reused: same arguments, code and inputs)" if reused else ""
            if step.type == "Training":
                return properties["ModelArtifacts"]["S3ModelArtifacts"] + note
            outputs = args.get("ProcessingOutputConfig", {}).get("Outputs", [])
            return f"{len(outputs)} outputs{note}"
        if step.type == "RegisterModel":
            execution_id = state.execution["PipelineExecutionId"]
            result.registered = self.registry.register(args, execution_id)
            state.step_properties[step.name] = result.registered
            return f"version {result.registered['ModelPackageVersion']}"
        raise PipelineError(f"step {step.name}: step type {step.type!r} is not supported locally")

    def _decide(self, step: ConditionStep, state: ExecutionState, result: RunResult) -> str:
        outcome = all(evaluate_condition(c, state) for c in step.conditions)
        result.gate.extend(self._gate_rows(step.conditions, state))
        state.step_properties[step.name] = {"Outcome": outcome}
        # Report the decision before the branch runs, so progress reads top to bottom.
        self.on_event(step.name, "decided", "true" if outcome else "false")
        for inner in dependency_order(step.if_steps if outcome else step.else_steps):
            self._run_step(inner, state, result)
        return "true" if outcome else "false"

    def _run_job(self, name: str, kind: str, args: JsonObject) -> tuple[JsonObject, bool]:
        """Run a job, or reuse its earlier result in this run dir when nothing it reads changed."""
        fingerprint = self._fingerprint(args)
        saved = self.run_dir / "steps" / f"{name}.json"
        if self.reuse and saved.is_file():
            record = self._step_record(name, saved)
            if record and record["fingerprint"] == fingerprint:
                return record["properties"], True
        if kind == "Processing":
            properties = self.jobs.run_processing(name, args)
        else:
            properties = self.jobs.run_training(name, args, fingerprint)
        write_atomic(saved, json.dumps({"fingerprint": fingerprint, "properties": properties}))
        return properties, False

    def _step_record(self, name: str, saved: Path) -> JsonObject | None:
        """The saved record, or None (said in one line) when a crash left it unreadable."""
        try:
            record = json.loads(saved.read_text(encoding="utf-8"))
            if isinstance(record, dict) and {"fingerprint", "properties"} <= set(record):
                return record
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            pass
        self.on_event(name, "note", f"step record {saved} is unreadable; running {name} again")
        return None

    def _fingerprint(self, args: JsonObject) -> str:
        """Resolved arguments (which carry the code hash; not where the job reports, see
        ROUTING_ENV, nor the gate thresholds Evaluate only logs, THRESHOLD_ARG), the versions
        of the libraries the jobs run on, plus the bytes of every input."""
        environment = {
            k: v for k, v in (args.get("Environment") or {}).items() if k not in ROUTING_ENV
        }
        computed = {**args, "Environment": environment}
        app = args.get("AppSpecification")
        if app and app.get("ContainerArguments"):
            given = [str(a) for a in app["ContainerArguments"]]
            kept = [  # each THRESHOLD_ARG and the value after it left out
                a for at, a in enumerate(given)
                if a != THRESHOLD_ARG and (at == 0 or given[at - 1] != THRESHOLD_ARG)
            ]  # fmt: skip
            computed["AppSpecification"] = {**app, "ContainerArguments": kept}
        digest = hashlib.sha256(json.dumps(computed, sort_keys=True, default=str).encode())
        digest.update(job_libraries().encode())
        uris = [i["S3Input"]["S3Uri"] for i in args.get("ProcessingInputs", [])]
        uris += [c["DataSource"]["S3DataSource"]["S3Uri"] for c in args.get("InputDataConfig", [])]
        for uri in uris:
            root = self.s3.path(uri)
            for path in sorted([root] if root.is_file() else root.rglob("*")):
                if path.is_file():
                    digest.update(str(path.relative_to(self.s3.root)).encode())
                    digest.update(path.read_bytes())
        return digest.hexdigest()

    def _record_property_files(
        self, step: Step, args: JsonObject, state: ExecutionState, result: RunResult
    ) -> None:
        outputs = {
            o["OutputName"]: o["S3Output"]["S3Uri"]
            for o in args.get("ProcessingOutputConfig", {}).get("Outputs", [])
        }
        files = state.property_files.setdefault(step.name, {})
        for spec in step.property_files:
            path = self.s3.path(outputs[spec.output_name]) / spec.path
            files[spec.name] = path
            if path.is_file() and path.name == EVALUATION_FILE:
                result.evaluation = json.loads(path.read_text(encoding="utf-8"))

    def _gate_rows(self, conditions: Sequence[JsonObject], state: ExecutionState) -> list[GateRow]:
        rows: list[GateRow] = []
        for condition in conditions:
            if "LeftValue" not in condition:
                continue
            left, right = condition["LeftValue"], condition["RightValue"]
            rows.append(
                GateRow(
                    metric=left.get("Std:JsonGet", {}).get("Path", str(left)),
                    value=resolve(left, state),
                    threshold_parameter=right.get("Get", "").removeprefix("Parameters."),
                    threshold=resolve(right, state),
                    comparison=condition["Type"],
                    passed=evaluate_condition(condition, state),
                )
            )
        return rows

    def _mlflow_run_id(self) -> str | None:
        return self.tracking.run_id() if self.tracking is not None else None
