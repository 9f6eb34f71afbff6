"""Processing entrypoint: curate raw data into training-ready JSONL (SageMaker processing step).

Reads every file under /opt/ml/processing/input/raw (with `--method reward|dpo`: only the
ranked pairs under raw/preferences/; with any other method: everything else) and writes
  output/train/data.jsonl, output/validation/data.jsonl,
  output/governance/quarantine.jsonl, output/governance/manifest.json.
Run as `python -m training_scripts.prepare_data --task sft` or `python prepare_data.py ...`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training_scripts.contract import ROOT_ENV, ProcessingContract, report_failure
from training_scripts.governance.pipeline import (
    PrepareOutputs,
    PrepareSettings,
    default_workers,
    govern_inputs,
    prepare,
    reduce_shards,
)
from training_scripts.governance.quality import QualitySettings
from training_scripts.governance.readers import FieldMap
from training_scripts.governance.salt import resolve_salt
from training_scripts.vocabulary.methods import METHODS, TASK_NAMES
from training_scripts.vocabulary.records import PREFERENCE_DIR, DataError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults, fields, quality = PrepareSettings(), FieldMap(), QualitySettings()
    parser.add_argument("--task", choices=TASK_NAMES, default=defaults.task)
    parser.add_argument(
        "--method",
        default=None,
        help="the training method the data is for: reward/dpo read preferences/, others skip it",
    )
    parser.add_argument("--text-field", default=fields.text)
    parser.add_argument("--prompt-field", default=fields.prompt)
    parser.add_argument("--completion-field", default=fields.completion)
    parser.add_argument("--chosen-field", default=fields.chosen)
    parser.add_argument("--rejected-field", default=fields.rejected)
    parser.add_argument(
        "--pii-mode", choices=("redact", "pseudonymize", "off"), default=defaults.pii_mode
    )
    parser.add_argument("--validation-fraction", type=float, default=defaults.validation_fraction)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--near-dup-threshold", type=float, default=defaults.near_dup_threshold)
    parser.add_argument("--min-tokens", type=int, default=quality.min_tokens)
    parser.add_argument("--max-tokens", type=int, default=quality.max_tokens)
    parser.add_argument("--chunk-chars", type=int, default=defaults.chunk_chars)
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="processes (default: all cores)"
    )
    parser.add_argument(
        "--stage",
        choices=("all", "shard", "reduce"),
        default="all",
        help="all: one machine; shard: govern this instance's share of input 'raw' into output "
        "'shards'; reduce: decide duplicates across input 'shards' and write the dataset",
    )
    return parser


def route_by_method(raw: Path, task: str, method: str | None) -> tuple[Path, str, tuple[str, ...]]:
    """(input root, task, skipped folders) for the method the prepared data will train.

    One input prefix holds both kinds of data: ranked pairs under `preferences/` feed reward
    and dpo; everything else feeds the other methods with `--task`.
    """
    if method is None:
        return raw, task, ()
    if method not in METHODS:
        raise DataError(f"--method {method!r}: use one of {', '.join(METHODS)}")
    if METHODS[method].record_kind == "preference":
        pairs = raw / PREFERENCE_DIR
        if not pairs.is_dir():
            raise DataError(
                f"--method {method}: no ranked pairs: put prompt/chosen/rejected JSONL under "
                f"{PREFERENCE_DIR}/ in the input ({raw})"
            )
        return pairs, "preference", ()
    if not METHODS[method].reads(task):
        allowed = [name for name in TASK_NAMES if METHODS[method].reads(name)]
        raise DataError(
            f"--task {task} cannot feed --method {method}: it trains on {', '.join(allowed)} data"
        )
    return raw, task, (PREFERENCE_DIR,)


def reduce_task(task: str, method: str | None) -> str:
    """The task the shards were governed as: `route_by_method` without the input folder."""
    if method in METHODS and METHODS[method].record_kind == "preference":
        return "preference"
    return task


def settings_from_args(args: argparse.Namespace) -> PrepareSettings:
    return PrepareSettings(
        task=args.task,
        fields=FieldMap(
            text=args.text_field,
            prompt=args.prompt_field,
            completion=args.completion_field,
            chosen=args.chosen_field,
            rejected=args.rejected_field,
        ),
        pii_mode=args.pii_mode,
        validation_fraction=args.validation_fraction,
        seed=args.seed,
        near_dup_threshold=args.near_dup_threshold,
        quality=QualitySettings(min_tokens=args.min_tokens, max_tokens=args.max_tokens),
        chunk_chars=args.chunk_chars,
    )


def current_host() -> str:
    """This Processing instance's name (algo-1, algo-2, ...) from SageMaker's resource config;
    it names the shard's files so instances never overwrite each other's output."""
    config = Path(os.environ.get(ROOT_ENV, "/")) / "opt/ml/config/resourceconfig.json"
    if config.is_file():
        return str(json.loads(config.read_text()).get("current_host", "algo-1"))
    return "algo-1"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    contract = ProcessingContract.from_environ()
    outputs = PrepareOutputs(
        contract.output("train"), contract.output("validation"), contract.output("governance")
    )
    try:
        settings = settings_from_args(args)
        if args.workers < 1:
            raise DataError(f"--workers {args.workers}: must be at least 1")
        if args.stage == "reduce":
            settings = replace(settings, task=reduce_task(args.task, args.method))
            # The manifest says where the map stage's salt came from (the same resolution).
            source = resolve_salt()[1] if settings.pii_mode == "pseudonymize" else ""
            manifest = reduce_shards(contract.input("shards"), outputs, settings, source)
        else:
            raw, task, skipped = route_by_method(contract.input("raw"), args.task, args.method)
            settings = replace(settings, task=task, skip_dirs=skipped)
            # Read before any data is touched: in the cloud a missing salt stops the job (exit 2).
            salt, source = resolve_salt() if settings.pii_mode == "pseudonymize" else ("", "")
            if args.stage == "shard":
                rows = govern_inputs(
                    raw, contract.output("shards"), settings, salt, current_host(), args.workers
                )
                print(f"governed {rows} rows on {current_host()}")
                return 0
            manifest = prepare(raw, outputs, settings, salt, args.workers, source)
    except DataError as exc:
        report_failure(contract.failure_file, str(exc))
        return 2
    kept = manifest["stages"]["kept"]
    print(
        f"prepared {kept} of {manifest['stages']['read']} examples; removed {manifest['removed']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
