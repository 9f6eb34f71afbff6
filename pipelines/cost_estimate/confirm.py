"""Print an estimate before an AWS call that spends, and refuse to go on above the threshold.

Shared by `fmops pipeline start` and `fmops bedrock submit`. The estimate goes to stdout, or
to stderr under `--json` so stdout stays machine-readable (the JSON then carries it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import typer
from rich.markup import escape

from deployment.settings import Settings
from pipelines.console import console, err_console, fail
from pipelines.cost_estimate import CostError
from pipelines.cost_estimate.estimates import Estimate
from pipelines.cost_estimate.price_book import PriceBook
from pipelines.cost_estimate.price_list import PRICING_REGION

if TYPE_CHECKING:
    from mypy_boto3_pricing import PricingClient


def price_book(settings: Settings, region: str | None, *, live: bool = True) -> PriceBook:
    """The Price List API when credentials are present (and `live`), else the table alone."""
    # the command's session: its timeouts and retry deadline (aws_patience.py), its region
    session = boto3.DEFAULT_SESSION or boto3.Session()
    priced_region = region or settings.region or session.region_name or "us-east-1"
    pricing: PricingClient | None = None
    if live and session.get_credentials() is not None:
        pricing = session.client("pricing", region_name=PRICING_REGION)
    try:
        book = PriceBook.load(
            region=priced_region, pricing=pricing, max_age_days=settings.cost.max_price_age_days
        )
    except CostError as exc:
        raise fail(str(exc)) from None
    if not live:
        book.notes.append("these prices are read from the table only (docs/decisions.md)")
    elif pricing is None:
        book.notes.append("no AWS credentials: Price List API not asked")
    return book


def show_and_confirm(estimate: Estimate, settings: Settings, yes: bool, as_json: bool) -> None:
    """Print the estimate; exit 2 unless it is under cost.confirm_above_usd or `--yes` was given."""
    out = err_console if as_json else console
    for line in estimate.lines():
        out.print(escape(line), highlight=False, soft_wrap=True)
    threshold = settings.cost.confirm_above_usd
    if yes or not estimate.needs_confirmation(threshold):
        return
    if estimate.unpriced:
        reason = f"no price for {', '.join(estimate.unpriced)}"
    else:
        reason = f"${estimate.total:,.2f} is above cost.confirm_above_usd = ${threshold:,.2f}"
    raise fail(f"estimate {reason}: nothing was started; re-run with --yes to spend it")


def estimate_or_fail(build: Any, *args: Any, **kwargs: Any) -> Estimate:
    try:
        estimate: Estimate = build(*args, **kwargs)
    except CostError as exc:
        raise fail(f"cost estimate: {exc}") from None
    return estimate


YesOption = typer.Option(
    "--yes", "-y", help="Go ahead even when the estimate is above cost.confirm_above_usd."
)
