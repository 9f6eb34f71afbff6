"""Use-case presets for `fmops local run`: bundled data, a tiny base model, demo thresholds.

A preset changes Settings (through the same cdk.json context merge a stage uses) and stages the
preset's raw data and a tiny scratch base model in local S3; the pipeline definition is then
built by the same builder as in AWS. The gate thresholds are demo values for a ~1M-parameter
model trained for a few dozen steps on CPU, set a little below what such a run measures so the
gate still decides something; production thresholds live in cdk.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deployment.settings import REPO_ROOT
from training_scripts.vocabulary.metrics import GATE_RULES

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

    def settings_overrides(self) -> dict[str, Any]:
        """Deep-merged over the stage's cdk.json values, exactly like a stage override."""
        return {
            "training": {
                **_LOCAL_TRAINING,
                "method": self.method,
                "hyperparameters": {**_FAST, **self.hyperparameters},
            },
            "models": {"sagemaker_base_model": f"local/tiny-{self.name}"},
            "evaluation": {"max_examples": 16, "max_new_tokens": 24},
            "pipeline": {"trigger_prefix": f"incoming/{self.name}/"},
        }


def _gate(**thresholds: float) -> dict[str, str]:
    """Demo thresholds by Settings.evaluation field, set at about half of what the preset
    measured (see each preset); a gate rule not named here gets 0.0."""
    unknown = set(thresholds) - {rule.settings_field for rule in GATE_RULES}
    if unknown:
        raise ValueError(f"preset thresholds {sorted(unknown)}: not gate settings")
    return {rule.parameter: str(thresholds.get(rule.settings_field, 0.0)) for rule in GATE_RULES}


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="healthcare",
            description="Continued pre-training on anonymized clinical notes",
            method="cpt",
            raw=("raw/notes",),
            # Measured (40 notes, 120 steps): rougeL 0.030, bertscore_f1 0.23.
            thresholds=_gate(min_rouge_l=0.015, min_bertscore_f1=0.12, max_hallucination_rate=0.5),
        ),
        Preset(
            name="legal",
            description="Force Majeure clause extraction from shipping contracts (sft)",
            method="sft",
            raw=("raw/contracts.jsonl",),
            # Contracts run to ~600 tokens: the whole prompt must fit for the clause to be seen.
            hyperparameters={"max_seq_length": "768"},
            # Measured (160 contracts, 120 steps): rougeL 0.29, bertscore_f1 0.43.
            thresholds=_gate(min_rouge_l=0.15, min_bertscore_f1=0.25, max_hallucination_rate=0.5),
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
            thresholds=_gate(min_rouge_l=0.04, min_bertscore_f1=0.17, max_hallucination_rate=0.5),
        ),
    )
}
