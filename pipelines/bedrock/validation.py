"""Refuse a customization request locally, with every reason, before any AWS call.

Bedrock rejects a bad hyperparameter or dataset only after the job has queued; these checks use
the catalog (per-model facts) and `training_scripts.dataset_formats` (per-line JSONL checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.bedrock.catalog import (
    CUSTOMIZATION_TYPES,
    DISTILLATION,
    MODELS,
    TEACHERS,
    Customization,
    find_model,
    teacher_key,
)
from training_scripts.dataset_formats import validate_dataset


@dataclass(frozen=True)
class Problem:
    where: str  # "base model", "--hp epochCount", "train.jsonl:3", ...
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def parse_hyperparameters(pairs: list[str]) -> tuple[dict[str, str], list[Problem]]:
    values: dict[str, str] = {}
    problems = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            problems.append(Problem(f"--hp {pair!r}", "expected NAME=VALUE"))
        elif name.strip() in values:  # which one was meant? refuse rather than keep the last
            problems.append(Problem(f"--hp {name.strip()}", "given more than once"))
        else:
            values[name.strip()] = value.strip()
    return values, problems


def _hyperparameter_problems(spec: Customization, values: dict[str, str]) -> list[Problem]:
    known = {hp.name: hp for hp in spec.hyperparameters}
    allowed = ", ".join(known) or "none for this customization type"
    problems = []
    for name, raw in values.items():
        hp = known.get(name)
        reason = f"unknown hyperparameter (allowed: {allowed})" if hp is None else hp.check(raw)
        if reason:
            problems.append(Problem(f"--hp {name}={raw}", f"{reason} [{spec.hp_source}]"))
    return problems


def _teacher_problems(model_id: str, customization: str, teacher: str | None) -> list[Problem]:
    if customization != DISTILLATION:
        return [Problem("--teacher", f"only used with {DISTILLATION}")] if teacher else []
    if not teacher:
        return [Problem("--teacher", f"required for {DISTILLATION}")]
    key = teacher_key(teacher)
    if key is None:
        return [
            Problem(
                f"--teacher {teacher}",
                f"not a distillation teacher (allowed: {', '.join(TEACHERS)})",
            )
        ]
    if not any(model_id == s for s in TEACHERS[key]):
        students = ", ".join(TEACHERS[key])
        return [
            Problem(f"--teacher {teacher}", f"cannot teach {model_id} (its students: {students})")
        ]
    return []


def _dataset_problems(
    label: str, path: Path, spec: Customization, validation: bool
) -> list[Problem]:
    limits = spec.validation_limits if validation else spec.limits
    return [
        Problem(
            f"{path}:{p.line}" if p.line else str(path),
            f"{p.message} ({spec.dataset_format} format, {label})",
        )
        for p in validate_dataset(path, spec.dataset_format, limits)
    ]


def check_request(
    base_model: str,
    customization: str,
    train: Path,
    validation: Path | None = None,
    hyperparameters: dict[str, str] | None = None,
    teacher: str | None = None,
) -> list[Problem]:
    """Every problem with a request; an empty list means it may be submitted."""
    model = find_model(base_model)
    if model is None:
        known = ", ".join(m.model_id for m in MODELS)
        return [
            Problem(
                f"--base-model {base_model}",
                f"no customization facts for this model (known: {known})",
            )
        ]
    spec = model.customizations.get(customization)
    if spec is None:
        allowed = ", ".join(model.customizations)
        reason = (
            "unknown type"
            if customization not in CUSTOMIZATION_TYPES
            else "not offered for this model"
        )
        return [
            Problem(
                f"--customization {customization}",
                f"{reason} (allowed for {model.model_id}: {allowed})",
            )
        ]
    problems = _hyperparameter_problems(spec, hyperparameters or {})
    problems += _teacher_problems(model.model_id, customization, teacher)
    problems += _dataset_problems("training", train, spec, validation=False)
    if validation is not None:
        if spec.validation_supported:
            problems += _dataset_problems("validation", validation, spec, validation=True)
        else:
            problems.append(Problem("--validation", f"{customization} takes no validation dataset"))
    return problems
