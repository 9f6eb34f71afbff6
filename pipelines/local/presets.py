"""Use-case presets for `fmops local run`: bundled data, a tiny base model, demo thresholds.

A preset changes Settings (through the same cdk.json context merge a stage uses) and stages the
preset's raw data and a tiny scratch base model in local S3; the pipeline definition is then
built by the same builder as in AWS. The gate thresholds are set from measured runs (numbers
beside each preset): a full preset run must pass and a model trained for one step
(`--hp max_steps=1`) must fail; production thresholds live in cdk.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deployment.settings import REPO_ROOT
from pipelines.pipeline_parameters import PipelineInputError
from training_scripts.hyperparameters import HyperparameterError, parse_hyperparameters

SAMPLES = REPO_ROOT / "data" / "samples"

# Make a scratch model train in seconds; everything else is the stage's own settings.
_LOCAL_TRAINING: dict[str, Any] = {
    "instance_count": 1,
    "distribution": "none",
    "use_spot": False,
    "checkpoint_every_steps": 20,
}
_FAST = {"max_steps": "120", "batch_size": "8", "max_seq_length": "128", "log_every": "5",
         "learning_rate": "0.003", "warmup_steps": "4"}  # fmt: skip


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    method: str
    raw: tuple[str, ...]  # paths under data/samples/<name>/
    thresholds: dict[str, str]
    hyperparameters: dict[str, str] = field(default_factory=dict)
    data_task: str | None = None  # prepare_data.py --task when not the method's default
    root: Path = SAMPLES  # where <name>/<raw...> live; tests point it at their own data

    def parameters(self) -> dict[str, str]:
        """Pipeline parameters the preset passes, as StartPipelineExecution would."""
        return {**self.thresholds, **({"DataTask": self.data_task} if self.data_task else {})}

    def raw_paths(self) -> list[Path]:
        return [self.root / self.name / item for item in self.raw]

    def with_hyperparameters(self, overrides: dict[str, str]) -> Preset:
        """This preset with train.py hyperparameters overridden (`--hp NAME=VALUE`), checked
        against train.py's schema for the preset's method before anything runs."""
        if not overrides:
            return self
        merged = {**_FAST, **self.hyperparameters, **overrides}
        try:
            parse_hyperparameters(self.method, merged)
        except HyperparameterError as exc:
            raise PipelineInputError(f"--hp: {exc}") from None
        return replace(self, hyperparameters={**self.hyperparameters, **overrides})

    def settings_overrides(self) -> dict[str, Any]:
        """Deep-merged over the stage's cdk.json values, exactly like a stage override."""
        return {
            "training": {
                **_LOCAL_TRAINING,
                "method": self.method,
                "hyperparameters": {**_FAST, **self.hyperparameters},
            },
            "models": {"sagemaker_base_model": f"local/tiny-{self.name}"},
            # Every held-out example is scored (>= 30 per preset, see data/samples/README.md).
            "evaluation": {"max_examples": 200, "max_new_tokens": 24, "holdout_fraction": 0.2},
            "pipeline": {"trigger_prefix": f"incoming/{self.name}/"},
        }


def _gate(**thresholds: float) -> dict[str, str]:
    """Pipeline parameters for the gate rules a preset sets (the rest come from cdk.json)."""
    return {name: str(value) for name, value in thresholds.items()}


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="healthcare",
            description="Continued pre-training on anonymized clinical notes",
            method="cpt",
            raw=("raw/notes",),
            # Measured (40 notes, 120 steps): rougeL 0.030, bertscore_f1 0.23.
            thresholds=_gate(),
        ),
        Preset(
            name="legal",
            description="Force Majeure clause extraction from shipping contracts (sft)",
            method="sft",
            raw=("raw/contracts.jsonl",),
            # Contracts run to ~600 tokens: the whole prompt must fit for the clause to be seen.
            hyperparameters={"max_seq_length": "768"},
            # Measured (160 contracts, 120 steps): rougeL 0.29, bertscore_f1 0.43.
            thresholds=_gate(),
        ),
        Preset(
            name="support",
            description="Polite customer-support dialogs (sft on bedrock-conversation-2024)",
            method="sft",
            raw=("raw/dialogs.jsonl",),
            data_task="conversation",
            # Dialogs run to ~380 tokens with the chat template.
            hyperparameters={"max_seq_length": "512"},
            # Measured (150 dialogs, 120 steps): rougeL 0.086, bertscore_f1 0.34.
            thresholds=_gate(),
        ),
    )
}
