"""`fmops advise`: RAG, fine-tuning or both, with the reasons and a monthly cost per path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.advisor import AdvisorError
from pipelines.advisor.costs import Workload
from pipelines.advisor.prices import DEFAULT_PRICES, load_prices
from pipelines.advisor.recommend import advise as build_advice
from pipelines.commands.shared import input_file
from pipelines.console import console, fail, print_json


def advise(
    data_changes: Annotated[
        str, typer.Option(help="How often the knowledge changes: daily|weekly|monthly|yearly.")
    ],
    goal: Annotated[
        str, typer.Option(help="What the model must get right: facts|style|vocabulary|format.")
    ],
    corpus_tokens: Annotated[
        int, typer.Option(help="Tokens in the documents / training corpus.")
    ] = 5_000_000,
    queries_per_day: Annotated[int, typer.Option(help="Expected queries per day.")] = 1_000,
    hosting: Annotated[
        str, typer.Option(help="Custom-model hosting: provisioned|on-demand.")
    ] = "provisioned",
    prices: Annotated[
        Path, typer.Option(help="Price table to use (an edited copy of the bundled one).")
    ] = DEFAULT_PRICES,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Recommend RAG, FINE_TUNING or BOTH, with reasons and monthly cost estimates.

    Example: [cyan]fmops advise --data-changes daily --goal facts --queries-per-day 5000 --json[/]
    """
    workload = Workload(
        queries_per_day=queries_per_day,
        corpus_tokens=corpus_tokens,
        data_changes=data_changes,
        hosting=hosting,
    )
    input_file(prices, "--prices")
    try:
        advice = build_advice(load_prices(prices), workload, goal)
    except AdvisorError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(advice.as_dict())
        return
    console.print(f"[bold]recommendation: {advice.recommendation}[/]")
    for reason in advice.reasons:
        console.print(f"  - {reason}")
    table = Table(title=f"monthly cost estimate, USD (prices as of {advice.prices['as_of']})")
    table.add_column("path")
    table.add_column("item")
    table.add_column("USD/month", justify="right")
    for path, cost in advice.costs.items():
        items = cost["items"]
        assert isinstance(items, dict)  # costs.PathCost.as_dict() writes a dict of floats
        for item, value in items.items():
            table.add_row(path, item, f"{value:,.2f}")
        table.add_row(path, "[bold]total[/]", f"[bold]{cost['monthly_usd']:,.2f}[/]")
    console.print(table)
    console.print(
        f"{len(advice.prices['assumptions'])} figures are assumptions; edit {prices} "  # type: ignore[arg-type]
        "or pass --prices to use your own."
    )
