"""`fmops feedback`: human pairwise rankings out to Ground Truth and preference pairs back in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines.console import console, fail, print_json
from pipelines.feedback import FeedbackError
from pipelines.feedback.ingest import CRITERIA_POLICIES, ingest_pairs, write_pairs
from pipelines.feedback.manifests import read_output_manifest
from pipelines.feedback.quality import WORKER_POLICIES, QualityPolicy
from pipelines.feedback.tasks import build_rank_tasks

app = typer.Typer(
    help="Human feedback: Ground Truth pairwise-ranking tasks, preference pairs for reward/DPO.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("rank-tasks")
def rank_tasks(
    candidates: Annotated[
        Path, typer.Argument(help='JSONL: {"prompt", "response_a", "response_b"} per line.')
    ],
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="Where to write.")] = Path(
        "feedback-job"
    ),
    seed: Annotated[int, typer.Option(help="Seed for the per-pair side shuffle.")] = 13,
    shuffle: Annotated[
        bool, typer.Option("--shuffle/--no-shuffle", help="Randomize which side each shows.")
    ] = True,
    gold: Annotated[
        Path | None,
        typer.Option(
            help='Gold questions to mix in, JSONL: {"prompt","response_a","response_b",'
            '"better": "a"|"b"}; they measure each worker.'
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a Ground Truth input manifest and a pairwise-ranking worker template.

    Example: [cyan]fmops feedback rank-tasks candidates.jsonl --out-dir job/[/]
    then upload job/manifest.jsonl and use job/pairwise_ranking.html as the custom template.
    """
    try:
        result = build_rank_tasks(candidates, out_dir, seed=seed, shuffle=shuffle, gold_path=gold)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(result.summary())
        return
    console.print(
        f"wrote {result.tasks} ranking tasks to {result.manifest} "
        f"({result.swapped} shown swapped, {result.skipped_identical} identical pairs skipped, "
        f"{result.gold} gold questions)"
    )
    console.print(f"worker template: {result.template}")


@app.command("ingest")
def ingest(
    output_manifest: Annotated[
        Path, typer.Argument(help="Completed Ground Truth output manifest (JSONL).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Preference pairs JSONL to write.")] = (
        Path("preference.jsonl")
    ),
    label_attribute: Annotated[
        str | None,
        typer.Option(help="Label attribute name of the job (found automatically when unique)."),
    ] = None,
    criterion: Annotated[
        str,
        typer.Option(help=f"Which judgment decides: {', '.join(CRITERIA_POLICIES)}."),
    ] = "combined",
    report: Annotated[
        Path | None, typer.Option(help="Also write the counts and agreement as JSON here.")
    ] = None,
    worker_policy: Annotated[
        str,
        typer.Option(help=f"What flagged workers' labels count for: {', '.join(WORKER_POLICIES)}."),
    ] = "drop",
    min_worker_agreement: Annotated[
        float, typer.Option(help="Flag a worker agreeing less often with the others.")
    ] = 0.6,
    min_gold_accuracy: Annotated[
        float, typer.Option(help="Flag a worker answering fewer gold questions right.")
    ] = 0.7,
    as_json: JsonOption = False,
) -> None:
    """Turn a completed ranking job into {"prompt","chosen","rejected"} JSONL by majority vote.

    Example: [cyan]fmops feedback ingest output.manifest --out data/raw/preference.jsonl --json[/]
    """
    if criterion not in CRITERIA_POLICIES:
        raise fail(
            f"--criterion = {criterion!r}: unknown (allowed: {', '.join(CRITERIA_POLICIES)})"
        )
    try:
        quality = QualityPolicy(
            min_agreement=min_worker_agreement,
            min_gold_accuracy=min_gold_accuracy,
            policy=worker_policy,
        )
        rated = read_output_manifest(output_manifest, label_attribute=label_attribute)
        records, counts = ingest_pairs(rated, criterion=criterion, quality=quality)
    except FeedbackError as exc:
        raise fail(str(exc)) from None
    if not records:
        raise fail(f"{output_manifest}: no pair had a winning response; nothing to write", code=1)
    write_pairs(records, out)
    summary = {"output": str(out), **counts.as_dict()}
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"preference pairs → {out}")
    table.add_column("count")
    table.add_column("value", justify="right")
    for key in (
        "pairs",
        "pairs_written",
        "ties",
        "conflicts_unresolved",
        "disagreements_resolved_by_majority",
        "unjudged",
        "gold_items",
        "invalid_judgments",
    ):
        table.add_row(key, str(summary[key]))
    agreement = counts.agreement
    if agreement and agreement.pairs_rated_by_several:
        table.add_row("pairs rated by several workers", str(agreement.pairs_rated_by_several))
        table.add_row("percent agreement", f"{agreement.percent_agreement:.2%}")
        alpha = agreement.krippendorff_alpha
        table.add_row("Krippendorff's alpha", "undefined" if alpha is None else f"{alpha:.3f}")
    console.print(table)
    for worker in counts.workers.values():
        if worker.flagged:
            console.print(
                f"flagged worker {worker.worker_id}: {'; '.join(worker.reasons)} "
                f"({worker_policy}, weight {worker.weight})"
            )
