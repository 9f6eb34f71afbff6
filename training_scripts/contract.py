"""SageMaker container contract, resolved from the environment under a relocatable root.

In AWS the root is `/`; the local executor and the tests set `FMOPS_CONTAINER_ROOT` to a run
directory and lay out `<root>/opt/ml/...` the same way SageMaker does. An explicit `SM_*`
variable always wins over the rooted default, as it does in SageMaker's own toolkit.
Nothing else in the project reads `SM_*` variables.

Dependency-free on purpose: the pipeline builder imports this module too.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT_ENV = "FMOPS_CONTAINER_ROOT"

# Metric lines look like `train_loss=1.2345; learning_rate=0.0001;` on stdout. SageMaker scrapes
# them with these regexes (TrainingStep metric definitions), the local executor with the same.
# The name must start the line or follow a space or ';': reward_accuracy would otherwise read
# the value of eval_reward_accuracy or dpo_reward_accuracy printed before it.
METRIC_PATTERN = r"(?:^|[\s;]){name}=([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?);"


class ContractError(RuntimeError):
    """The container was started without something the contract promises."""


def container_root(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get(ROOT_ENV, "/"))


def _ml(environ: Mapping[str, str], *parts: str) -> Path:
    return container_root(environ).joinpath("opt", "ml", *parts)


def _read_json(path: Path, default: object) -> object:
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ContractError(f"{path}: not valid JSON ({exc})") from None


@dataclass(frozen=True)
class TrainingContract:
    """Where a training job finds its inputs and puts its outputs."""

    root: Path
    hyperparameters: dict[str, str]
    channels: dict[str, Path]
    model_dir: Path
    output_data_dir: Path
    checkpoint_dir: Path
    failure_file: Path
    hosts: list[str] = field(default_factory=lambda: ["algo-1"])
    current_host: str = "algo-1"
    num_gpus: int = 0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> TrainingContract:
        config = _ml(environ, "input", "config")
        raw_hps = _read_json(config / "hyperparameters.json", {})
        if not isinstance(raw_hps, dict):
            raise ContractError(f"{config / 'hyperparameters.json'}: must hold a JSON object")
        # SageMaker hands every hyperparameter over as a string; keep that, the schema parses.
        hyperparameters = {
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw_hps.items()
        }
        resource = _read_json(config / "resourceconfig.json", {})
        assert isinstance(resource, dict)

        channels: dict[str, Path] = {}
        data_dir = _ml(environ, "input", "data")
        if data_dir.is_dir():
            channels = {p.name: p for p in sorted(data_dir.iterdir()) if p.is_dir()}
        for key, value in environ.items():
            if key.startswith("SM_CHANNEL_"):
                channels[key.removeprefix("SM_CHANNEL_").lower()] = Path(value)

        hosts = environ.get("SM_HOSTS")
        return cls(
            root=container_root(environ),
            hyperparameters=hyperparameters,
            channels=channels,
            model_dir=Path(environ.get("SM_MODEL_DIR", _ml(environ, "model"))),
            output_data_dir=Path(environ.get("SM_OUTPUT_DATA_DIR", _ml(environ, "output", "data"))),
            checkpoint_dir=Path(environ.get("SM_CHECKPOINT_DIR", _ml(environ, "checkpoints"))),
            failure_file=_ml(environ, "output", "failure"),
            hosts=json.loads(hosts) if hosts else list(resource.get("hosts", ["algo-1"])),
            current_host=environ.get("SM_CURRENT_HOST", resource.get("current_host", "algo-1")),
            num_gpus=int(environ.get("SM_NUM_GPUS", "0")),
        )

    def channel(self, name: str) -> Path:
        """The directory of input channel `name`; a clear error if the job has none."""
        path = self.channels.get(name)
        if path is None or not path.is_dir():
            have = ", ".join(sorted(self.channels)) or "none"
            raise ContractError(f"input channel '{name}' is missing (channels given: {have})")
        return path


@dataclass(frozen=True)
class ProcessingContract:
    """Processing jobs read and write under /opt/ml/processing, as each step declares."""

    root: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> ProcessingContract:
        return cls(root=container_root(environ))

    @property
    def base(self) -> Path:
        return self.root / "opt" / "ml" / "processing"

    def input(self, name: str) -> Path:
        return self.base / "input" / name

    def output(self, name: str) -> Path:
        return self.base / "output" / name

    @property
    def failure_file(self) -> Path:
        # The first 1 KB becomes DescribeProcessingJob.ExitMessage (SageMaker developer guide,
        # "Save and Access Metadata Information About Your Processing Job").
        return self.root / "opt" / "ml" / "output" / "message"


def metric_definitions(names: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    """SageMaker TrainingStep metric definitions for the metric names a script prints."""
    return [{"Name": name, "Regex": METRIC_PATTERN.format(name=re.escape(name))} for name in names]


def format_metrics(values: Mapping[str, float]) -> str:
    return " ".join(f"{name}={value:.6g};" for name, value in values.items())


def report_failure(failure_file: Path, message: str) -> None:
    """Write the one-line reason where SageMaker surfaces it (FailureReason) and to stderr."""
    print(f"error: {message}", file=sys.stderr)
    try:
        failure_file.parent.mkdir(parents=True, exist_ok=True)
        failure_file.write_text(message + "\n", encoding="utf-8")
    except OSError:
        pass  # stderr already has it; a read-only failure path must not mask the real error
