"""Estimates printed before `fmops pipeline start` and `fmops bedrock submit` spend money.

Linear arithmetic a reviewer can redo by hand: instance-hours x hourly price per pipeline step
(minus managed-spot savings), and tokens x epochs x price per 1k tokens + one month of model
storage for a Bedrock job. What is not counted is listed with the estimate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.bedrock.catalog import find_model
from pipelines.cost_estimate import CostError
from pipelines.cost_estimate.price_book import Price, PriceBook
from training_scripts.dataset_formats import DatasetLimits

# Bedrock's own characters-per-token estimate (the dataset checks use the same figure).
CHARS_PER_TOKEN = DatasetLimits().chars_per_token
# Keys of Bedrock JSONL records that hold no trained text.
NON_TEXT_KEYS = frozenset({"schemaVersion", "role"})


@dataclass(frozen=True)
class LineItem:
    label: str
    quantity: float
    quantity_unit: str
    price: Price | None  # None: no price known for this item
    sign: int = 1  # -1 for savings

    @property
    def usd(self) -> float | None:
        return None if self.price is None else self.sign * self.quantity * self.price.usd


@dataclass
class Estimate:
    title: str
    items: list[LineItem] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(item.usd for item in self.items if item.usd is not None)

    @property
    def unpriced(self) -> list[str]:
        return [item.label for item in self.items if item.price is None]

    def needs_confirmation(self, threshold_usd: float) -> bool:
        """Above the threshold, or not fully priced: the user must say `--yes`."""
        return bool(self.unpriced) or self.total > threshold_usd

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "total_usd": round(self.total, 2),
            "items": [
                {
                    "label": i.label,
                    "quantity": round(i.quantity, 4),
                    "unit": i.quantity_unit,
                    "usd": None if i.usd is None else round(i.usd, 2),
                    "price_usd": None if i.price is None else i.price.usd,
                    "price_source": None if i.price is None else i.price.source,
                    "assumption": None if i.price is None else i.price.assumption,
                }
                for i in self.items
            ],
            "unpriced": self.unpriced,
            "excluded": self.excluded,
            "sources": self.sources,
        }

    def lines(self) -> list[str]:
        out = [f"cost estimate: {self.title}"]
        for item in self.items:
            if item.price is None:
                out.append(f"  {item.label}: {item.quantity:g} {item.quantity_unit} x NO PRICE")
                continue
            mark = "*" if item.price.assumption else ""
            if item.sign < 0:  # a saving: a fraction of an amount
                out.append(
                    f"  {item.label}: ${item.quantity:,.2f} x {item.price.usd:g}{mark} "
                    f"= -${abs(item.usd or 0):,.2f}"
                )
                continue
            out.append(
                f"  {item.label}: {item.quantity:,.2f} {item.quantity_unit} x "
                f"${item.price.usd:g}{mark} = ${item.usd or 0:,.2f}"
            )
        out.append(f"  total: ${self.total:,.2f}" + (" (incomplete)" if self.unpriced else ""))
        out += [f"  not included: {text}" for text in self.excluded]
        out += [f"  prices: {text}" for text in self.sources]
        return out


def _parameter_defaults(definition: dict[str, Any]) -> dict[str, Any]:
    return {p["Name"]: p.get("DefaultValue") for p in definition.get("Parameters", [])}


def _value(raw: Any, defaults: dict[str, Any], what: str) -> Any:
    """A literal, or a pipeline parameter's default (the value a plain start uses)."""
    if isinstance(raw, dict) and str(raw.get("Get", "")).startswith("Parameters."):
        name = raw["Get"].removeprefix("Parameters.")
        if defaults.get(name) is None:
            raise CostError(f"{what}: parameter {name} has no default to price")
        return defaults[name]
    return raw


def _job_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        arguments = step.get("Arguments", {})
        if step.get("Type") == "Condition":
            yield from _job_steps(arguments.get("IfSteps", []) + arguments.get("ElseSteps", []))


def pipeline_estimate(
    definition_json: str,
    book: PriceBook,
    expected_hours: dict[str, float] | None = None,
    title: str = "SageMaker pipeline run",
) -> Estimate:
    """Instance-hours x price per Training/Processing step of a definition.

    Hours per step: `expected_hours[step]` capped at the step's MaxRuntimeInSeconds; else the
    MaxRuntimeInSeconds (the most a step can bill); else the table's `processing_step_hours`.
    """
    definition = json.loads(definition_json)
    defaults = _parameter_defaults(definition)
    expected = expected_hours or {}
    estimate = Estimate(title)
    for step in _job_steps(definition.get("Steps", [])):
        kind, name, args = step.get("Type"), step.get("Name", "?"), step.get("Arguments", {})
        if kind == "Training":
            resources = args.get("ResourceConfig", {})
            component = "training"
        elif kind == "Processing":
            resources = args.get("ProcessingResources", {}).get("ClusterConfig", {})
            component = "processing"
        else:
            continue
        instance = _value(resources.get("InstanceType"), defaults, f"step {name} InstanceType")
        count = int(_value(resources.get("InstanceCount", 1), defaults, f"step {name} count"))
        max_seconds = args.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        hours, basis = _step_hours(name, max_seconds, expected, book)
        price = book.instance_hour(component, instance)
        item = LineItem(
            f"{name}: {count} x {instance} x {hours:g} h ({basis})",
            count * hours,
            "instance-hours",
            price,
        )
        estimate.items.append(item)
        if args.get("EnableManagedSpotTraining") and item.usd is not None:
            savings = book.workload("managed_spot_savings")
            if savings is not None:
                estimate.items.append(
                    LineItem(
                        f"{name}: managed spot savings ({savings.usd:.0%} of on-demand)",
                        item.usd,
                        "USD on-demand",
                        savings,
                        sign=-1,
                    )
                )
    if not estimate.items:
        raise CostError("pipeline definition: no Training or Processing step to price")
    estimate.excluded = [
        "ML storage volumes, S3 requests and storage, data transfer, CloudWatch, KMS requests",
    ]
    estimate.sources = book.source_lines()
    return estimate


def _step_hours(
    name: str, max_seconds: Any, expected: dict[str, float], book: PriceBook
) -> tuple[float, str]:
    ceiling = float(max_seconds) / 3600 if max_seconds else None
    if name in expected:
        hours = expected[name] if ceiling is None else min(expected[name], ceiling)
        return hours, "cost.expected_step_hours"
    if ceiling is not None:
        return ceiling, "MaxRuntimeInSeconds"
    fallback = book.workload("processing_step_hours")
    if fallback is None:
        raise CostError(f"step {name}: no MaxRuntimeInSeconds; set cost.expected_step_hours.{name}")
    return fallback.usd, "table processing_step_hours*" if fallback.assumption else "table"


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NON_TEXT_KEYS:
                yield from _texts(item)


def dataset_tokens(path: Path) -> int:
    """Estimated tokens of a Bedrock JSONL file: trained characters / CHARS_PER_TOKEN."""
    characters = 0
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        characters += sum(len(t) for t in _texts(json.loads(line)))
                    except json.JSONDecodeError:
                        raise CostError(f"{path}:{number}: not valid JSON") from None
    except OSError as exc:
        raise CostError(f"{path}: cannot read ({exc.strerror})") from None
    return round(characters / CHARS_PER_TOKEN)


def bedrock_estimate(
    base_model: str,
    customization: str,
    train: Path,
    hyperparameters: dict[str, str],
    book: PriceBook,
) -> Estimate:
    """Tokens in the training file x epochs x price per 1k tokens + one month of storage."""
    model = find_model(base_model)
    if model is None:
        raise CostError(f"--base-model {base_model}: not in the Bedrock catalog")
    defaults = {
        hp.name: hp.default
        for hp in getattr(model.customizations.get(customization), "hyperparameters", ())
    }
    epochs = int(hyperparameters.get("epochCount", defaults.get("epochCount", 1)))
    tokens = dataset_tokens(train)
    estimate = Estimate(f"Bedrock {customization} of {base_model} on {train.name}")
    estimate.items = [
        LineItem(
            f"training: {tokens:,} tokens x {epochs} epochs",
            tokens * epochs / 1000,
            "1k tokens",
            book.bedrock(model.model_id, "training_per_1k_tokens"),
        ),
        LineItem(
            "custom model storage: first month",
            1,
            "model-months",
            book.bedrock(model.model_id, "storage_per_month"),
        ),
    ]
    estimate.excluded = [
        f"tokens counted as characters / {CHARS_PER_TOKEN:g} (Bedrock's estimate), not tokenized",
        "inference (Provisioned Throughput or on-demand) after the job",
    ]
    if customization == "DISTILLATION":
        estimate.excluded.append("teacher invocations that generate the synthetic responses")
    estimate.sources = book.source_lines()
    return estimate
