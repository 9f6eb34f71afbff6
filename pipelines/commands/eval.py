"""`fmops eval`: score any model's outputs, and run human hallucination audits with Ground Truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from pipelines.console import console, fail, print_json

app = typer.Typer(
    help="Score generated text (ROUGE, BLEU, BERTScore) and run human hallucination audits.",
    no_args_is_help=True,
)


@app.command("score")
def score(
    predictions: Annotated[Path, typer.Option("--predictions", "-p", help="JSONL of outputs.")],
    references: Annotated[Path, typer.Option("--references", "-r", help="JSONL of references.")],
    field: Annotated[str, typer.Option(help="String field read from both files.")] = "text",
    bertscore_model: Annotated[
        str,
        typer.Option(help="BERTScore encoder: hub name or local dir; auto = offline MiniLM."),
    ] = "auto",
) -> None:
    """Score predictions against references, line by line; JSON metrics on stdout.

    Example: [cyan]fmops eval score --predictions out.jsonl --references gold.jsonl --field text[/]
    """
    # Metric libraries load on use, so `fmops --help` and other nouns stay fast.
    from training_scripts.metrics.records import check_same_length, read_texts
    from training_scripts.metrics.reference_scores import ReferenceScores
    from training_scripts.vocabulary.records import DataError

    try:
        predicted, expected = read_texts(predictions, field), read_texts(references, field)
        check_same_length(predicted, expected, f"{predictions} vs {references}")
        result = ReferenceScores.compute(predicted, expected, bertscore_model)
    except DataError as exc:
        raise fail(str(exc)) from None
    print_json({**result.summary(), "num_examples": len(predicted)})


@app.command("audit-sample")
def audit_sample(
    input_path: Annotated[
        Path,
        typer.Option("--input", "-i", help="JSONL with prompt, reference and output per line."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for manifest + template.")],
    size: Annotated[int, typer.Option(help="How many items to audit.")] = 50,
    seed: Annotated[int, typer.Option(help="Sampling seed (same seed, same sample).")] = 13,
    stratify_by: Annotated[
        str | None, typer.Option(help="Field whose values form the strata (default: none).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Draw a seeded, stratified audit sample as a Ground Truth input manifest + worker template.

    Example: [cyan]fmops eval audit-sample -i evaluation/predictions.jsonl -o audit/ --size 60[/]
    """
    from training_scripts.metrics.audit import AuditItem, stratified_sample, write_audit_inputs
    from training_scripts.metrics.records import field_values, read_jsonl
    from training_scripts.vocabulary.records import DataError

    try:
        records = read_jsonl(input_path)
        prompts, refs, outputs = (
            field_values(records, name, input_path) for name in ("prompt", "reference", "output")
        )
        strata = field_values(records, stratify_by, input_path) if stratify_by else None
        items = [
            AuditItem(p, r, o, strata[i] if strata else "all")
            for i, (p, r, o) in enumerate(zip(prompts, refs, outputs, strict=True))
        ]
        sample = stratified_sample(items, size, seed)
    except DataError as exc:
        raise fail(str(exc)) from None
    manifest, template = write_audit_inputs(sample, out)
    summary = {
        "manifest": str(manifest),
        "template": str(template),
        "sampled": len(sample),
        "population": len(items),
        "strata": dict(sorted(Counter(item.stratum for item in sample).items())),
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"sampled {len(sample)} of {len(items)} items -> {manifest} (worker template {template})"
    )


@app.command("audit-ingest")
def audit_ingest(
    manifest: Annotated[
        Path, typer.Option("--manifest", "-m", help="Completed Ground Truth output manifest.")
    ],
    label_attribute: Annotated[
        str, typer.Option(help="The labeling job's LabelAttributeName.")
    ] = "hallucination-audit",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the JSON here (evaluate input).")
    ] = None,
) -> None:
    """Hallucination rate with a 95% Wilson interval from a completed audit; JSON on stdout.

    Feed the JSON to the evaluation step's `audit` input, and the gate's MaxHallucinationRate
    compares against the human rate instead of the automatic proxy.

    Example: [cyan]fmops eval audit-ingest -m output.manifest -o audit/result.json[/]
    """
    from training_scripts.metrics.audit import ingest_output_manifest
    from training_scripts.vocabulary.records import DataError

    try:
        result = ingest_output_manifest(manifest, label_attribute)
    except DataError as exc:
        raise fail(str(exc)) from None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_json(result)
