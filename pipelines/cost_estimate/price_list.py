"""The AWS Price List Query API (`pricing:GetProducts`): request and response parsing.

Response format (AWS Billing user guide, "Finding services and products using AWS Price List
Query API", https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html):
`PriceList` is a list of JSON *strings*, one product each, with `product.attributes` and
`terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD`. The API is served from
us-east-1 (and ap-south-1, eu-central-1) whatever region is being priced.

The SageMaker attribute names used in the filters (`regionCode`, `component`, `instanceName`)
are not verified against AWS from this machine: a live answer that matches nothing falls back to
the bundled table and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.cost_estimate import CostError

if TYPE_CHECKING:
    from mypy_boto3_pricing import PricingClient
    from mypy_boto3_pricing.type_defs import FilterTypeDef, GetProductsResponseTypeDef

PRICING_REGION = "us-east-1"
SAGEMAKER_SERVICE = "AmazonSageMaker"
# SageMaker's price list names the job kind in `component`.
COMPONENTS = {"training": "Training", "processing": "Processing"}


@dataclass(frozen=True)
class ListedPrice:
    usd: float
    unit: str
    description: str
    sku: str
    effective_date: str


def sagemaker_filters(component: str, instance_type: str, region: str) -> list[FilterTypeDef]:
    """GetProducts filters for one SageMaker instance type's on-demand rate in one region."""
    if component not in COMPONENTS:
        raise CostError(f"component {component!r}: allowed {', '.join(COMPONENTS)}")
    return [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
        {"Type": "TERM_MATCH", "Field": "component", "Value": COMPONENTS[component]},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance_type},
    ]


def on_demand_prices(product: dict[str, Any]) -> list[ListedPrice]:
    """Every on-demand price dimension of one parsed PriceList entry (non-zero USD only)."""
    sku = str(product.get("product", {}).get("sku", ""))
    found: list[ListedPrice] = []
    for offer in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in offer.get("priceDimensions", {}).values():
            raw = dimension.get("pricePerUnit", {}).get("USD")
            if raw is None:
                continue
            try:
                usd = float(raw)
            except ValueError:
                raise CostError(f"price list SKU {sku}: pricePerUnit.USD = {raw!r}") from None
            if usd > 0:
                found.append(
                    ListedPrice(
                        usd=usd,
                        unit=str(dimension.get("unit", "")),
                        description=str(dimension.get("description", "")),
                        sku=sku,
                        effective_date=str(offer.get("effectiveDate", "")),
                    )
                )
    return found


def hourly_price(response: GetProductsResponseTypeDef, instance_type: str) -> ListedPrice:
    """The one hourly on-demand rate for `instance_type` in a GetProducts response.

    Refuses an answer that is empty, ambiguous (two different rates) or not per hour, rather than
    guessing which product was meant.
    """
    rates: list[ListedPrice] = []
    for entry in response.get("PriceList", []):
        try:
            product = json.loads(entry) if isinstance(entry, str) else entry
        except json.JSONDecodeError as exc:
            raise CostError(f"price list entry is not JSON ({exc.msg})") from None
        attributes = product.get("product", {}).get("attributes", {})
        if attributes.get("instanceName", instance_type) != instance_type:
            continue
        rates += [r for r in on_demand_prices(product) if r.unit.lower() in ("hrs", "hours")]
    distinct = {r.usd for r in rates}
    if not rates:
        raise CostError(f"price list: no hourly on-demand rate for {instance_type}")
    if len(distinct) > 1:
        listed = ", ".join(f"{usd:g}" for usd in sorted(distinct))
        raise CostError(f"price list: {instance_type} has several hourly rates ({listed})")
    return rates[0]


def query_sagemaker_hourly(
    client: PricingClient, component: str, instance_type: str, region: str
) -> ListedPrice:
    """Ask the Price List API (a `pricing` client in PRICING_REGION) for one hourly rate."""
    response = client.get_products(
        ServiceCode=SAGEMAKER_SERVICE,
        Filters=sagemaker_filters(component, instance_type, region),
        FormatVersion="aws_v1",
        MaxResults=10,
    )
    return hourly_price(response, instance_type)
