"""`fmops eval`: score any model's outputs, and run human hallucination audits with Ground Truth."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines.commands.shared import AsJson, Region
from pipelines.console import console, fail, print_json
from pipelines.offline import use_bundled_weights
from training_scripts.vocabulary.metrics import NUM_EXAMPLES

if TYPE_CHECKING:  # the metrics package loads only when a command needs it
    from training_scripts.metrics.audit import AuditItem

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
    if bertscore_model == "auto" or Path(bertscore_model).is_dir():
        use_bundled_weights()  # before transformers is imported: no hub lookup in a bare shell
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
    print_json({**result.summary(), NUM_EXAMPLES: len(predicted)})


ModelPackageOption = Annotated[
    str | None,
    typer.Option("--model-package", help="Registered model version (ARN) the audit is for."),
]
LocalVersionOption = Annotated[
    int | None, typer.Option("--local-version", help="Version in the local registry instead.")
]
RunsDirOption = Annotated[Path, typer.Option("--runs-dir", help="Local registry location.")]
GroupOption = Annotated[str | None, typer.Option("--group", help="Local registry group.")]


def _version_predictions(
    model_package: str | None,
    local_version: int | None,
    runs_dir: Path,
    group: str | None,
    region: str | None,
    scratch: Path,
) -> tuple[Path, str]:
    """(predictions.jsonl of the version's evaluation, the version's id)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pipelines.audit_evidence import (
        ApprovalRefused,
        local_entry,
        local_version_id,
        package_predictions,
    )
    from pipelines.pipeline_ops import check_model_package_arn
    from pipelines.pipeline_parameters import PipelineInputError
    from training_scripts.evaluation_outputs import PREDICTIONS_FILE

    try:
        if local_version is not None:
            _, entry, name = local_entry(runs_dir / "model-registry.json", local_version, group)
            if not entry.get("LocalEvaluation"):
                raise PipelineInputError(f"--local-version {local_version}: no evaluation outputs")
            return Path(entry["LocalEvaluation"]) / PREDICTIONS_FILE, local_version_id(
                name, local_version
            )
        assert model_package is not None
        check_model_package_arn(model_package)
    except PipelineInputError as exc:
        raise fail(str(exc)) from None
    try:
        target = package_predictions(region, model_package, scratch / PREDICTIONS_FILE)
    except ApprovalRefused as exc:
        raise fail(str(exc), 1) from None
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"audit-sample {model_package}: {exc}", code=1) from None
    return target, model_package


@app.command("audit-sample")
def audit_sample(
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for manifest + template.")],
    input_path: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="JSONL with prompt, reference and output per line."),
    ] = None,
    model_package: ModelPackageOption = None,
    local_version: LocalVersionOption = None,
    runs_dir: RunsDirOption = Path("runs"),
    group: GroupOption = None,
    region: Region = None,
    size: Annotated[int, typer.Option(help="How many items to audit.")] = 50,
    seed: Annotated[int, typer.Option(help="Sampling seed (same seed, same sample).")] = 13,
    stratify_by: Annotated[
        str | None, typer.Option(help="Field whose values form the strata (default: none).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Draw a seeded, stratified audit sample as a Ground Truth input manifest + worker template.

    With --model-package (or --local-version) the sample comes from that version's own
    evaluation outputs and every line names the version, so the audit can only be recorded
    against it.

    Example: [cyan]fmops eval audit-sample --model-package "$ARN" -o audit/ --size 60[/]
    """
    import tempfile

    from training_scripts.metrics.audit import write_audit_inputs

    given = [x for x in (input_path, model_package, local_version) if x is not None]
    if len(given) != 1:
        raise fail("give one of --input FILE, --model-package ARN or --local-version N")
    with tempfile.TemporaryDirectory() as scratch:
        version = None
        if input_path is None:
            input_path, version = _version_predictions(
                model_package, local_version, runs_dir, group, region, Path(scratch)
            )
        items = _audit_items(input_path, stratify_by)
        sample = _sample(items, size, seed)
    manifest, template = write_audit_inputs(sample, out, version)
    summary = {
        "manifest": str(manifest),
        "template": str(template),
        "sampled": len(sample),
        "population": len(items),
        "strata": dict(sorted(Counter(item.stratum for item in sample).items())),
        "model_version": version,
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"sampled {len(sample)} of {len(items)} items -> {manifest} (worker template {template})"
    )


def _audit_items(path: Path, stratify_by: str | None) -> list[AuditItem]:
    """One AuditItem per line of `path` (prompt, reference, output; the stratum field)."""
    from training_scripts.metrics.audit import AuditItem
    from training_scripts.metrics.records import field_values, read_jsonl
    from training_scripts.vocabulary.records import DataError

    try:
        records = read_jsonl(path)
        prompts, refs, outputs = (
            field_values(records, name, path) for name in ("prompt", "reference", "output")
        )
        strata = field_values(records, stratify_by, path) if stratify_by else None
    except DataError as exc:
        raise fail(str(exc)) from None
    return [
        AuditItem(p, r, o, strata[i] if strata else "all")
        for i, (p, r, o) in enumerate(zip(prompts, refs, outputs, strict=True))
    ]


def _sample(items: list[AuditItem], size: int, seed: int) -> list[AuditItem]:
    from training_scripts.metrics.audit import stratified_sample
    from training_scripts.vocabulary.records import DataError

    try:
        return stratified_sample(items, size, seed)
    except DataError as exc:
        raise fail(str(exc)) from None


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
    model_package: ModelPackageOption = None,
    local_version: LocalVersionOption = None,
    runs_dir: RunsDirOption = Path("runs"),
    group: GroupOption = None,
    region: Region = None,
) -> None:
    """Hallucination rate with a 95% Wilson interval from a completed audit; JSON on stdout.

    With --model-package (or --local-version) the result is stored with that version (model
    package CustomerMetadataProperties / local registry entry and model card), where
    `fmops pipeline approve` looks for it.

    Example: [cyan]fmops eval audit-ingest -m output.manifest --model-package "$ARN"[/]
    """
    from training_scripts.metrics.audit import ingest_output_manifest
    from training_scripts.vocabulary.records import DataError

    if model_package is not None and local_version is not None:
        raise fail("give --model-package or --local-version, not both")
    version = _version_id(model_package, local_version, runs_dir, group)
    try:
        result = ingest_output_manifest(manifest, label_attribute, version)
    except DataError as exc:
        raise fail(str(exc)) from None
    if model_package is not None:
        _record_on_package(model_package, result, region)
    elif local_version is not None:
        _record_locally(runs_dir, local_version, group, result)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_json(result)


def _version_id(
    model_package: str | None, local_version: int | None, runs_dir: Path, group: str | None
) -> str | None:
    from pipelines.audit_evidence import (
        local_entry,
        local_version_id,
    )
    from pipelines.pipeline_ops import check_model_package_arn
    from pipelines.pipeline_parameters import PipelineInputError

    try:
        if model_package is not None:
            return check_model_package_arn(model_package)
        if local_version is not None:
            _, _, name = local_entry(runs_dir / "model-registry.json", local_version, group)
            return local_version_id(name, local_version)
    except PipelineInputError as exc:
        raise fail(str(exc)) from None
    return None


def _record_on_package(arn: str, result: dict, region: str | None) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from pipelines.audit_evidence import record_audit_in_region

    try:
        record_audit_in_region(region, arn, result)
    except (ClientError, BotoCoreError) as exc:
        raise fail(f"audit-ingest {arn}: {exc}", code=1) from None


def _record_locally(runs_dir: Path, version: int, group: str | None, result: dict) -> None:
    from pipelines.audit_evidence import local_entry, save_registry
    from pipelines.local.model_cards import update_card_audit

    registry = runs_dir / "model-registry.json"
    data, entry, _ = local_entry(registry, version, group)
    entry["Audit"] = result
    if entry.get("ModelCard"):
        update_card_audit(Path(entry["ModelCard"]["json"]), result)
    save_registry(registry, data)
