"""Refuse a customization request locally, with every reason, before any AWS call.

Bedrock rejects a bad hyperparameter or dataset only after the job has queued; these checks use
the catalog (per-model facts) and `training_scripts.dataset_formats` (per-line JSONL checks).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.bedrock.canvas import CANVAS_FORMAT
from pipelines.bedrock.canvas import record_problems as canvas_record_problems
from pipelines.bedrock.catalog import (
    CUSTOMIZATION_TYPES,
    DISTILLATION,
    MODELS,
    REINFORCEMENT_FINE_TUNING,
    RFT_FORMAT,
    SUPPORTED,
    TEACHERS,
    BaseModel,
    Customization,
    find_model,
    teacher_key,
)
from pipelines.bedrock.rft import validate_rft
from pipelines.bedrock.rules import NO_CONTEXT, RFT, Context, check_rules, count_records
from training_scripts.dataset_formats import DatasetLimits, validate_dataset

# Titan Text (TITAN_DATA): the per-record token limit drops at these batch sizes.
SMALL_BATCHES = range(2, 5)


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


def _limits(spec: Customization, validation: bool, hp: dict[str, str]) -> DatasetLimits:
    limits = spec.validation_limits if validation else spec.limits
    small = spec.rules.small_batch_tokens
    batch = hp.get("batchSize", "")
    if small is not None and batch.isdigit() and int(batch) in SMALL_BATCHES:
        return replace(limits, max_tokens_per_record=small)
    return limits


def _dataset_problems(
    label: str,
    path: Path,
    spec: Customization,
    validation: bool,
    hp: dict[str, str],
    context: Context,
) -> list[Problem]:
    limits = _limits(spec, validation, hp)
    if spec.dataset_format == RFT_FORMAT:
        found = validate_rft(path, limits)
    elif spec.dataset_format == CANVAS_FORMAT:
        found = validate_rft(path, limits, check=canvas_record_problems, unit="records")
    else:
        found = validate_dataset(path, spec.dataset_format, limits)
    found += check_rules(path, spec.rules, context)
    return [
        Problem(
            f"{path}:{p.line}" if p.line else str(path),
            f"{p.message} ({spec.dataset_format} format, {label}) [{spec.data_source}]"
            if "[https://" not in p.message
            else f"{p.message} ({spec.dataset_format} format, {label})",
        )
        for p in found
    ]


def _total_problems(spec: Customization, train: Path, validation: Path) -> list[Problem]:
    cap = spec.rules.max_total_records
    if cap is None or not train.is_file() or not validation.is_file():
        return []
    total = count_records(train) + count_records(validation)
    if total <= cap:
        return []
    return [
        Problem(
            f"{train} + {validation}",
            f"{total} records in training and validation together, above {cap} "
            f"[{spec.data_source}]",
        )
    ]


def _region_problem(model_id: str, spec: Customization, region: str | None) -> list[Problem]:
    if region is None or not spec.regions or region in spec.regions:
        return []
    return [
        Problem(
            f"region {region}",
            f"{model_id} is customized in {', '.join(spec.regions)} only [{spec.region_source}]",
        )
    ]


def catalog_notes(base_model: str) -> list[str]:
    """Warnings that do not refuse a request (a model the guides no longer list)."""
    model: BaseModel | None = find_model(base_model)
    if model is None or model.listed:
        return []
    return [
        f"{model.model_id} is no longer listed for customization [{SUPPORTED}]; its facts here "
        "are the last published ones and Bedrock may refuse the job"
    ]


def check_request(
    base_model: str,
    customization: str,
    train: Path,
    validation: Path | None = None,
    hyperparameters: dict[str, str] | None = None,
    teacher: str | None = None,
    region: str | None = None,
    context: Context = NO_CONTEXT,
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
        page = RFT if customization == REINFORCEMENT_FINE_TUNING else SUPPORTED
        return [
            Problem(
                f"--customization {customization}",
                f"{reason} (allowed for {model.model_id}: {allowed}) [{page}]",
            )
        ]
    hp = hyperparameters or {}
    problems = _region_problem(model.model_id, spec, region)
    problems += _hyperparameter_problems(spec, hp)
    problems += _teacher_problems(model.model_id, customization, teacher)
    problems += _dataset_problems("training", train, spec, False, hp, context)
    if validation is not None:
        if spec.validation_supported:
            problems += _dataset_problems("validation", validation, spec, True, hp, context)
            problems += _total_problems(spec, train, validation)
        else:
            problems.append(
                Problem(
                    "--validation",
                    f"{customization} of {model.model_id} takes no validation dataset "
                    f"[{spec.data_source}]",
                )
            )
    return problems
