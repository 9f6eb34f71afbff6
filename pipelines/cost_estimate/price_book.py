"""Where each price of an estimate comes from: the Price List API when it answers, else the table.

The bundled table (`pipelines/advisor/prices.json`, the project's one home for prices) is always
named with its date and age, and its figures keep their "assumption" marks, so an estimate is
never silently stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from pipelines.advisor import AdvisorError
from pipelines.advisor.prices import DEFAULT_PRICES, PriceTable, load_prices
from pipelines.console import one_line
from pipelines.cost_estimate import CostError
from pipelines.cost_estimate.price_list import PRICING_REGION, query_sagemaker_hourly

if TYPE_CHECKING:
    from mypy_boto3_pricing import PricingClient

LIVE = "price-list-api"
TABLE = "table"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str  # LIVE or TABLE
    assumption: bool
    reference: str  # the table key or the price list SKU


class PriceBook:
    """Prices for one region; `pricing` is a Price List client, or None for the table only."""

    def __init__(
        self,
        table: PriceTable,
        *,
        region: str,
        pricing: PricingClient | None = None,
        table_path: Path = DEFAULT_PRICES,
        today: dt.date | None = None,
        max_age_days: int = 120,
    ) -> None:
        self.table = table
        self.region = region
        self.pricing = pricing
        self.table_path = table_path
        self.today = today or dt.date.today()
        self.max_age_days = max_age_days
        self.notes: list[str] = []
        self.used: set[str] = set()

    @classmethod
    def load(cls, path: Path = DEFAULT_PRICES, **kwargs: Any) -> PriceBook:
        try:
            return cls(load_prices(path), table_path=path, **kwargs)
        except AdvisorError as exc:
            raise CostError(str(exc)) from None

    def _from_table(self, key: str) -> Price | None:
        figure = self.table.figure(key)
        if figure is None:
            return None
        self.used.add(TABLE)
        return Price(figure.value, figure.unit, TABLE, figure.assumption, key)

    def instance_hour(self, component: str, instance_type: str) -> Price | None:
        """USD per instance-hour of a SageMaker `component` ("training" or "processing")."""
        if self.pricing is not None:
            try:
                listed = query_sagemaker_hourly(self.pricing, component, instance_type, self.region)
                self.used.add(LIVE)
                return Price(listed.usd, "USD / instance-hour", LIVE, False, listed.sku)
            except (ClientError, BotoCoreError) as exc:
                self.notes.append(
                    f"price list API unavailable ({one_line(str(exc))}); using the table"
                )
                self.pricing = None  # one failure is enough: do not retry per step
            except CostError as exc:
                self.notes.append(f"{exc}; using the table for {instance_type}")
        price = self._from_table(f"sagemaker_instance_hours.{component}.{instance_type}")
        if price is not None and self.region != self.table.region:
            self.notes.append(
                f"{instance_type}: the table holds {self.table.region} prices, "
                f"the job runs in {self.region}"
            )
        return price

    def bedrock(self, model_id: str, key: str) -> Price | None:
        """A Bedrock customization price (table only: see docs/decisions.md)."""
        return self._from_table(f"bedrock_customization.{model_id}.{key}")

    def workload(self, key: str) -> Price | None:
        return self._from_table(f"workload.{key}")

    def source_lines(self) -> list[str]:
        """One line per source actually used, with the table's date and age."""
        lines = []
        if LIVE in self.used:
            lines.append(
                f"AWS Price List API (pricing:GetProducts, {PRICING_REGION} endpoint), "
                f"on-demand rates for {self.region}, read {self.today.isoformat()}"
            )
        if TABLE in self.used:
            as_of = dt.date.fromisoformat(self.table.as_of)
            age = (self.today - as_of).days
            line = (
                f"bundled table {self.table_path.name} dated {self.table.as_of} ({age} days old), "
                f"{self.table.region} prices; * = assumption (check before budgeting)"
            )
            if age > self.max_age_days:
                line += f"; STALE: older than cost.max_price_age_days = {self.max_age_days}"
            lines.append(line)
        return lines + self.notes
