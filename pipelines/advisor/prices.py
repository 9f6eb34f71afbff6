"""The dated, editable price table (`prices.json`) the cost estimate reads.

Every figure carries its unit, the source it came from and whether it is an assumption, so a
reviewer can see which numbers to check before a budget meeting.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.advisor import AdvisorError

DEFAULT_PRICES = Path(__file__).with_name("prices.json")

PRICE_KEYS = (
    "bedrock_input_per_1k_tokens",
    "bedrock_output_per_1k_tokens",
    "bedrock_embedding_per_1k_tokens",
    "bedrock_customization_per_1k_tokens",
    "bedrock_custom_model_storage_per_month",
    "bedrock_provisioned_throughput_per_model_unit_hour",
    "bedrock_custom_on_demand_input_per_1k_tokens",
    "bedrock_custom_on_demand_output_per_1k_tokens",
    "sagemaker_training_instance_hour",
    "sagemaker_endpoint_instance_hour",
    "vector_storage_per_gb_month",
    "vector_queries_per_1k",
)
WORKLOAD_KEYS = (
    "prompt_tokens",
    "output_tokens",
    "retrieved_context_tokens",
    "chunk_tokens",
    "bytes_per_vector",
    "training_epochs",
    "sagemaker_tokens_per_second",
    "provisioned_model_units",
    "days_per_month",
    "hours_per_month",
)


class Source(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str
    url: str
    read: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class Figure(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: float = Field(ge=0)
    unit: str
    source: str
    assumption: bool


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="allow")
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    currency: str
    region: str
    sources: dict[str, Source]
    prices: dict[str, Figure]
    workload: dict[str, Figure]
    # Per-resource prices for the estimate shown before spending (pipelines/cost_estimate):
    # component ("training", "processing") -> instance type -> USD per instance-hour, and
    # Bedrock base model id -> "training_per_1k_tokens" / "storage_per_month".
    sagemaker_instance_hours: dict[str, dict[str, Figure]] = {}
    bedrock_customization: dict[str, dict[str, Figure]] = {}

    @model_validator(mode="after")
    def _complete_and_cited(self) -> PriceTable:
        for section, keys in (("prices", PRICE_KEYS), ("workload", WORKLOAD_KEYS)):
            table = getattr(self, section)
            missing = [k for k in keys if k not in table]
            if missing:
                raise ValueError(f"{section}: missing {', '.join(missing)}")
        for key, figure in self._figures():
            if figure.source not in self.sources:
                raise ValueError(
                    f"{key}.source = {figure.source!r}: not in sources "
                    f"(allowed: {', '.join(sorted(self.sources))})"
                )
        return self

    def _figures(self) -> list[tuple[str, Figure]]:
        flat = [
            (f"{section}.{key}", figure)
            for section in ("prices", "workload")
            for key, figure in getattr(self, section).items()
        ]
        for section in ("sagemaker_instance_hours", "bedrock_customization"):
            for group, figures in getattr(self, section).items():
                flat += [(f"{section}.{group}.{key}", f) for key, f in figures.items()]
        return flat

    def price(self, key: str) -> float:
        return self.prices[key].value

    def work(self, key: str) -> float:
        return self.workload[key].value

    def assumptions(self) -> list[str]:
        return sorted(
            f"{section}.{key}"
            for section in ("prices", "workload")
            for key, figure in getattr(self, section).items()
            if figure.assumption
        )

    def figure(self, path: str) -> Figure | None:
        """A figure by its dotted key, e.g. `sagemaker_instance_hours.training.ml.p4d.24xlarge`."""
        return dict(self._figures()).get(path)


def load_prices(path: Path = DEFAULT_PRICES) -> PriceTable:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AdvisorError(f"{path}: cannot read price table ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise AdvisorError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    try:
        return PriceTable.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        where = f"{loc} = {first['input']!r}: " if loc and first["type"] != "value_error" else ""
        raise AdvisorError(f"{path}: {where}{message}") from None
