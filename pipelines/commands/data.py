"""`fmops data`: curate, anonymize and validate training datasets on this machine."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from pipelines.commands.shared import AsJson
from pipelines.console import console, fail, print_json
from training_scripts.dataset_formats import FORMATS, DatasetLimits, validate_dataset
from training_scripts.governance.pipeline import PrepareSettings
from training_scripts.governance.quality import QualitySettings
from training_scripts.governance.readers import FieldMap

app = typer.Typer(help="Curate, anonymize and validate training datasets.", no_args_is_help=True)


# Option defaults are the settings classes' own (one home for each default).
_PREPARE = PrepareSettings()
_FIELDS = FieldMap()
_QUALITY = QualitySettings()


@app.command("prepare")
def prepare_command(
    input_path: Annotated[Path, typer.Argument(help="A file or a directory of JSONL/CSV/txt/md.")],
    output: Annotated[Path, typer.Argument(help="Writes train/, validation/, governance/ here.")],
    task: Annotated[str, typer.Option(help="cpt, sft, conversation or preference.")] = (
        _PREPARE.task
    ),
    pii_mode: Annotated[str, typer.Option(help="redact, pseudonymize or off.")] = (
        _PREPARE.pii_mode
    ),
    text_field: str = _FIELDS.text,
    prompt_field: str = _FIELDS.prompt,
    completion_field: str = _FIELDS.completion,
    chosen_field: str = _FIELDS.chosen,
    rejected_field: str = _FIELDS.rejected,
    validation_fraction: float = _PREPARE.validation_fraction,
    seed: int = _PREPARE.seed,
    near_dup_threshold: float = _PREPARE.near_dup_threshold,
    min_tokens: int = _QUALITY.min_tokens,
    max_tokens: int = _QUALITY.max_tokens,
    workers: Annotated[
        int, typer.Option(help="Processes; 0 = all cores. Same output whatever the number.")
    ] = 0,
    allow_empty: Annotated[
        bool, typer.Option(help="Write the outputs even when every row was quarantined.")
    ] = _PREPARE.allow_empty,
    as_json: AsJson = False,
) -> None:
    """Run the curation pipeline (the same code as the SageMaker processing step).

    Example: [cyan]FMOPS_PII_SALT=... fmops data prepare raw/ curated/ --task conversation[/]
    """
    settings = dataclasses.replace(
        _PREPARE,
        task=task,
        fields=dataclasses.replace(
            _FIELDS, text=text_field, prompt=prompt_field, completion=completion_field,
            chosen=chosen_field, rejected=rejected_field,
        ),
        pii_mode=pii_mode,
        validation_fraction=validation_fraction,
        seed=seed,
        near_dup_threshold=near_dup_threshold,
        quality=dataclasses.replace(_QUALITY, min_tokens=min_tokens, max_tokens=max_tokens),
        allow_empty=allow_empty,
    )  # fmt: skip
    _check_output_dir(output)
    manifest = _prepare(input_path, output, settings, workers)
    if as_json:
        print_json(manifest)
        return
    stages = manifest["stages"]
    console.print(f"kept {stages['kept']} of {stages['read']} examples -> {output}")
    for reason, count in manifest["removed"].items():
        console.print(f"  removed {count:>6}  {reason}")
    console.print(f"  PII found: {manifest['pii']['entities']}")


def _prepare(input_path: Path, output: Path, settings: PrepareSettings, workers: int) -> Any:
    from training_scripts.governance.pipeline import PrepareOutputs, default_workers, prepare
    from training_scripts.governance.salt import resolve_salt
    from training_scripts.vocabulary.records import DataError

    try:
        settings.check()
        if workers < 0:
            raise DataError(f"--workers {workers}: must be 0 (all cores) or more")
        salt, source = resolve_salt() if settings.pii_mode == "pseudonymize" else ("", "")
        return prepare(
            input_path, PrepareOutputs.under(output), settings, salt,
            workers or default_workers(), source,
        )  # fmt: skip
    except DataError as exc:
        raise fail(str(exc)) from None


@app.command("rft-prompts")
def rft_prompts_command(
    prepared: Annotated[
        Path, typer.Argument(help="A prepared conversation file: OUT/train/data.jsonl.")
    ],
    output: Annotated[Path, typer.Argument(help="Writes train/ and governance/ here.")],
    as_json: AsJson = False,
) -> None:
    """Turn prepared conversations into Bedrock reinforcement fine-tuning prompts.

    Each dialog up to its last user turn becomes the prompt and the last answer its
    reference_answer; the output carries a manifest naming its source, so `fmops bedrock
    submit --customization REINFORCEMENT_FINE_TUNING` accepts it.

    Example: [cyan]fmops data rft-prompts curated/train/data.jsonl rft/[/]
    """
    from pipelines.bedrock.prepared import UnpreparedDataError
    from pipelines.bedrock.rft_prompts import write_rft_prompts

    _check_output_dir(output)
    try:
        manifest = write_rft_prompts(prepared, output)
    except UnpreparedDataError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json(manifest)
        return
    stages = manifest["stages"]
    console.print(f"wrote {stages['kept']} RFT prompts of {stages['read']} dialogs -> {output}")


@app.command("anonymize")
def anonymize_command(
    input_path: Annotated[Path, typer.Argument(help="JSONL file to read (never modified).")],
    output: Annotated[Path, typer.Argument(help="JSONL file to write: same rows, same order.")],
    field: Annotated[str, typer.Option(help="The field whose PII is replaced.")] = "text",
    mode: Annotated[str, typer.Option(help="redact or pseudonymize.")] = "pseudonymize",
) -> None:
    """Replace PII in one field of every row; everything else is copied unchanged.

    Example: [cyan]fmops data anonymize notes.jsonl notes.anon.jsonl --field note --mode redact[/]
    """
    from training_scripts.governance.anonymize_file import anonymize_jsonl
    from training_scripts.vocabulary.records import DataError

    if mode not in ("redact", "pseudonymize"):
        raise fail(f"--mode {mode!r}: use redact or pseudonymize")
    if input_path.resolve() == output.resolve():
        raise fail(f"{output}: must differ from the input; inputs are never modified")
    if output.is_dir():
        raise fail(f"{output}: is a directory; give the JSONL file to write")
    _check_output_dir(output.parent)
    try:
        rows, found = anonymize_jsonl(input_path, output, field, mode)
    except DataError as exc:
        raise fail(str(exc)) from None
    console.print(f"anonymized '{field}' in {rows} rows -> {output}; PII found: {found}")


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="JSONL dataset to check.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")],
    max_tokens_per_record: int | None = None,
    min_records: int | None = None,
    max_records: int | None = None,
    max_file_bytes: int | None = None,
    max_problems: int = 50,
    base_model: Annotated[
        str | None,
        typer.Option(
            help="Bedrock base model id: apply its record/token/file limits for this format."
        ),
    ] = None,
    validation_set: Annotated[
        bool,
        typer.Option(
            "--validation-set", help="With --base-model: FILE is a validation set (its limits)."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Check a dataset against Bedrock's JSONL rules; lists every bad line (first N).

    Limits come from `--base-model` (the Bedrock catalog, per format) and/or the flags; a flag
    overrides the model's value.

    Example: [cyan]fmops data validate --format prompt_completion train.jsonl
    --base-model amazon.titan-text-express-v1[/]
    """
    if fmt not in FORMATS:
        raise fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if validation_set and not base_model:
        raise fail("--validation-set: needs --base-model (the limits it selects are the model's)")
    model_limits = _model_limits(base_model, fmt, validation_set) if base_model else DatasetLimits()
    flags = {
        "max_tokens_per_record": max_tokens_per_record,
        "min_records": min_records,
        "max_records": max_records,
        "max_file_bytes": max_file_bytes,
    }
    limits = _limits(model_limits, flags, max_problems)
    problems = validate_dataset(file, fmt, limits, max_problems)
    if as_json:
        listed = [{"line": p.line, "message": p.message} for p in problems]
        print_json({"file": str(file), "format": fmt, "valid": not problems, "problems": listed})
    else:
        for p in problems:
            where = f"{file}:{p.line}" if p.line else str(file)
            console.print(f"{where}: {p.message}", highlight=False, soft_wrap=True)
        if not problems:
            console.print(f"{file}: valid {fmt} dataset")
    if problems:
        # Same exit code as `fmops bedrock validate` for the same problem: bad input.
        raise fail(f"{file}: {len(problems)} problem(s) (listed above)")


def _limits(
    model_limits: DatasetLimits, flags: dict[str, int | None], max_problems: int
) -> DatasetLimits:
    """The model's limits with the flags given on top.

    The model's content rules (reserved markers, media) stay; the flags override the numbers
    (`is None`, not `or`: a limit of 0 is a limit).
    """
    for name, value in {**flags, "max_problems": max_problems}.items():
        lowest = 0 if name == "min_records" else 1
        if value is not None and value < lowest:
            raise fail(f"--{name.replace('_', '-')} {value}: must be at least {lowest}")
    chosen: dict[str, Any] = {name: value for name, value in flags.items() if value is not None}
    return dataclasses.replace(model_limits, **chosen)


def _check_output_dir(path: Path) -> None:
    """Refuse an output location that cannot be created or written, before any work."""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise fail(f"{path}: cannot create a directory here ({existing} is not a directory)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"{path}: cannot create ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise fail(f"{path}: not writable")


def _model_limits(base_model: str, fmt: str, validation_set: bool) -> DatasetLimits:
    """The Bedrock catalog's limits for a model's customization that reads `fmt`."""
    from pipelines.bedrock.catalog import MODELS, find_model

    model = find_model(base_model)
    if model is None:
        known = ", ".join(sorted(m.model_id for m in MODELS))
        raise fail(f"--base-model {base_model!r}: not in the Bedrock catalog (known: {known})")
    matching = [c for c in model.customizations.values() if c.dataset_format == fmt]
    if not matching:
        takes = ", ".join(sorted({c.dataset_format for c in model.customizations.values()}))
        raise fail(f"--format {fmt}: {model.model_id} does not take it (takes: {takes})")
    return matching[0].validation_limits if validation_set else matching[0].limits
